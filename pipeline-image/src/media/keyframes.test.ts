import { describe, expect, it } from 'vitest';
import { framesByScene, keyframeTargets, representative, sampleTimes } from './keyframes.js';
import type { Scene } from './shots.js';

const P = { intervalSeconds: 4, maxPerScene: 8 };
const scene = (idx: number, start: number, end: number): Scene => ({ idx, start, end, startsWith: 'cut' });

describe('which frames describe a scene', () => {
  it.each([
    ['a short scene is looked at in its middle', 0, 3, [1.5]],
    ['a 12 s scene three times, the first 2 s in', 10, 22, [12, 16, 20]],
    [
      'a 30 s scene at most 8 times, the first under 2 s in',
      0,
      30,
      [1.875, 5.625, 9.375, 13.125, 16.875, 20.625, 24.375, 28.125],
    ],
  ])('%s', (_name, start, end, times) => {
    expect(sampleTimes({ start, end }, P).map((t) => Number(t.toFixed(6)))).toEqual(times);
  });

  it('asks ffmpeg for every scene’s frames in time order, each target ending where the next begins', () => {
    const targets = keyframeTargets([scene(0, 0, 2), scene(1, 2, 10)], P);
    expect(targets).toEqual([
      { scene: 0, at: 1, end: 2 },
      { scene: 1, at: 4, end: 8 },
      { scene: 1, at: 8, end: 10 },
    ]);
  });

  it('gives each decoded frame to its scene; a scene that got none borrows the frame nearest its middle', () => {
    const scenes = [scene(0, 0, 2), scene(1, 2, 10), scene(2, 10, 10.02)];
    const targets = keyframeTargets(scenes, P);
    // Frames came at 1.0, 4.04 and 8.0 s; the 20 ms scene got none (a variable frame rate gap).
    const times = [1, 4.04, 8];
    expect(framesByScene(scenes, targets, times)).toEqual([[0], [1, 2], [2]]);
  });

  it('takes the frame nearest the middle as the scene’s picture and thumbnail', () => {
    expect(representative(scene(1, 2, 10), [1, 2], [1, 4.04, 8])).toBe(1);
    expect(representative(scene(1, 2, 10), [1, 2], [1, 5, 6.5])).toBe(2);
  });
});
