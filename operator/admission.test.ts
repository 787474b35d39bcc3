import { describe, expect, it } from 'vitest';
import type { StageName } from '../core/dag.js';
import type { StageRequest } from '../core/ingestion/plan.js';
import { Admission } from './admission.js';

const req = (key: string, stage: StageName = 'asr'): StageRequest => ({
  stage,
  resource: stage === 'asr' || stage === 'embed-text' || stage === 'embed-vision' ? 'gpu' : 'cpu',
  job: `${key}-${stage}`,
});
const owner = (key: string, userId: string, createdMs: number) => ({ key, userId, createdMs });

describe('Admission', () => {
  it('admits up to the limit and holds the rest back', () => {
    const a = new Admission({ gpu: 2, cpu: 10 });
    expect(a.grant(owner('a', 'u1', 1), [req('a')]).has('asr')).toBe(true);
    expect(a.grant(owner('b', 'u1', 2), [req('b')]).has('asr')).toBe(true);
    expect(a.grant(owner('c', 'u1', 3), [req('c')]).size).toBe(0);
    expect(a.counts()).toEqual({ active: { gpu: 2, cpu: 0 }, waiting: 1 });
  });

  it('asking again for a Job already admitted does not take another slot', () => {
    const a = new Admission({ gpu: 1, cpu: 1 });
    a.grant(owner('a', 'u1', 1), [req('a')]);
    expect(a.grant(owner('a', 'u1', 1), [req('a')]).has('asr')).toBe(true);
    expect(a.counts().active.gpu).toBe(1);
  });

  it('a finished Job frees its slot for the next in line, who is woken', () => {
    const a = new Admission({ gpu: 1, cpu: 1 });
    a.grant(owner('a', 'u1', 1), [req('a')]);
    a.grant(owner('b', 'u1', 2), [req('b')]);
    a.observe('a-asr', 'gpu', 'u1', true);
    expect(a.wakeups()).toEqual(['b']);
    expect(a.grant(owner('b', 'u1', 2), [req('b')]).has('asr')).toBe(true);
  });

  it("one user's many uploads do not starve another user's single upload", () => {
    const a = new Admission({ gpu: 1, cpu: 1 });
    a.grant(owner('u1-0', 'u1', 0), [req('u1-0')]);
    for (let i = 1; i < 500; i++) a.grant(owner(`u1-${i}`, 'u1', i), [req(`u1-${i}`)]);
    a.grant(owner('u2-0', 'u2', 1000), [req('u2-0')]);
    a.release('u1-0-asr');
    // u2 has nothing running, u1 has had one: u2 goes next although its upload is newest.
    expect(a.next('gpu').map((p) => p.owner.key)).toEqual(['u2-0']);
    expect(a.grant(owner('u1-1', 'u1', 1), [req('u1-1')]).size).toBe(0);
    expect(a.grant(owner('u2-0', 'u2', 1000), [req('u2-0')]).has('asr')).toBe(true);
  });

  it('serves a user oldest first', () => {
    const a = new Admission({ gpu: 1, cpu: 1 });
    a.observe('running', 'gpu', 'u9', false);
    a.grant(owner('new', 'u1', 20), [req('new')]);
    a.grant(owner('old', 'u1', 10), [req('old')]);
    a.release('running');
    expect(a.next('gpu').map((p) => p.owner.key)).toEqual(['old']);
  });

  it('alternates between users when slots free up', () => {
    const a = new Admission({ gpu: 4, cpu: 1 });
    a.observe('x', 'gpu', 'u1', false);
    a.observe('y', 'gpu', 'u1', false);
    a.observe('z', 'gpu', 'u1', false);
    a.observe('w', 'gpu', 'u1', false);
    for (let i = 0; i < 5; i++) a.grant(owner(`a${i}`, 'u1', i), [req(`a${i}`)]);
    for (let i = 0; i < 5; i++) a.grant(owner(`b${i}`, 'u2', 100 + i), [req(`b${i}`)]);
    for (const j of ['x', 'y', 'z', 'w']) a.release(j);
    expect(
      a
        .next('gpu')
        .map((p) => p.owner.userId)
        .sort(),
    ).toEqual(['u1', 'u1', 'u2', 'u2']);
  });

  it('counts GPU and CPU slots separately', () => {
    const a = new Admission({ gpu: 1, cpu: 1 });
    const granted = a.grant(owner('a', 'u1', 1), [req('a', 'audio'), req('a', 'asr')]);
    expect([...granted].sort()).toEqual(['asr', 'audio']);
  });

  it('counts Jobs found in the cluster at start-up against the limit', () => {
    const a = new Admission({ gpu: 1, cpu: 1 });
    a.observe('earlier', 'gpu', 'u1', false);
    expect(a.grant(owner('a', 'u2', 1), [req('a')]).size).toBe(0);
  });

  it('admits everything when Kueue admits instead', () => {
    const a = new Admission(undefined);
    for (let i = 0; i < 10; i++) expect(a.grant(owner(`a${i}`, 'u1', i), [req(`a${i}`)]).size).toBe(1);
  });

  it('forgets an ingestion that no longer waits', () => {
    const a = new Admission({ gpu: 1, cpu: 1 });
    a.observe('busy', 'gpu', 'u1', false);
    a.grant(owner('a', 'u1', 1), [req('a')]);
    a.forget('a');
    a.release('busy');
    expect(a.wakeups()).toEqual([]);
  });
});
