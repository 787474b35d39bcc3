import { describe, expect, it } from 'vitest';
import { pooled } from './embed-vision.js';

describe('a scene’s mean picture vector', () => {
  it('is the normalized mean of its frames’ vectors', () => {
    const v = pooled([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(v[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(v[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(v[2]).toBe(0);
  });

  it('is zero for vectors that cancel, and empty for no frames', () => {
    expect(
      pooled([
        [1, 0],
        [-1, 0],
      ]),
    ).toEqual([0, 0]);
    expect(pooled([])).toEqual([]);
  });
});
