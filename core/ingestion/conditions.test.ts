import { describe, expect, it } from 'vitest';
import { setCondition } from './conditions.js';

const t0 = new Date('2030-01-01T00:00:00Z');
const t1 = new Date('2030-01-01T00:01:00Z');

describe('setCondition', () => {
  it('adds a condition with the transition time and observed generation', () => {
    expect(
      setCondition([], { type: 'Ready', status: 'False', reason: 'Pending', message: 'm' }, 3, t0),
    ).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'Pending',
        message: 'm',
        lastTransitionTime: t0.toISOString(),
        observedGeneration: 3,
      },
    ]);
  });

  it('keeps the transition time when only the reason or message changes', () => {
    const a = setCondition([], { type: 'Ready', status: 'False', reason: 'Pending', message: 'a' }, 1, t0);
    const b = setCondition(
      a,
      { type: 'Ready', status: 'False', reason: 'StagesRunning', message: 'b' },
      2,
      t1,
    );
    expect(b[0]).toMatchObject({
      reason: 'StagesRunning',
      lastTransitionTime: t0.toISOString(),
      observedGeneration: 2,
    });
  });

  it('moves the transition time when the status flips', () => {
    const a = setCondition([], { type: 'Ready', status: 'False', reason: 'Pending', message: '' }, 1, t0);
    const b = setCondition(a, { type: 'Ready', status: 'True', reason: 'Succeeded', message: '' }, 1, t1);
    expect(b[0]?.lastTransitionTime).toBe(t1.toISOString());
  });

  it('leaves other conditions alone and does not change its input', () => {
    const a = setCondition([], { type: 'Ready', status: 'False', reason: 'Pending', message: '' }, 1, t0);
    const b = setCondition(a, { type: 'Failed', status: 'False', reason: 'NoFailure', message: '' }, 1, t1);
    expect(b.map((c) => c.type)).toEqual(['Ready', 'Failed']);
    expect(a).toHaveLength(1);
  });
});
