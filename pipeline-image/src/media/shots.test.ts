import { describe, expect, it } from 'vitest';
import { detectCuts, detectScenes, type FrameScore, parseSceneScores, scenesFromCuts } from './shots.js';

const P = { threshold: 0.3, minSeconds: 1, maxSeconds: 30, flashSeconds: 0.35 };
/** Frames at `fps` for `seconds`, score 0.01 except 0.6 at the given times. */
const frames = (seconds: number, spikes: number[], fps = 25): FrameScore[] =>
  Array.from({ length: Math.round(seconds * fps) }, (_, i) => {
    const t = i / fps;
    return { t, score: spikes.some((s) => Math.abs(s - t) < 1e-9) ? 0.6 : 0.01 };
  });

describe('shot detection from frame scores', () => {
  it('reads the frame times and scores ffmpeg prints', () => {
    const text =
      'frame:0    pts:0       pts_time:0\nlavfi.scene_score=0.000000\nframe:1    pts:512     pts_time:0.04\nlavfi.scene_score=0.654321\n';
    expect(parseSceneScores(text)).toEqual([
      { t: 0, score: 0 },
      { t: 0.04, score: 0.654321 },
    ]);
  });

  it.each([
    ['hard cuts become boundaries at their exact frames', [2, 5], [2, 5]],
    ['a flash (cut in and straight back out) is no boundary', [2, 2.12], []],
    ['a strobe of many flashes is no boundary', Array.from({ length: 40 }, (_, i) => 1 + i * 0.12), []],
    ['a cut after a flash is still a cut', [1, 1.08, 3], [3]],
  ])('%s', (_name, spikes, cuts) => {
    expect(detectCuts(frames(8, spikes as number[]), P).map((t) => Number(t.toFixed(2)))).toEqual(cuts);
  });

  it('ignores the first frame, which has nothing to differ from', () => {
    expect(
      detectCuts(
        [
          { t: 0, score: 1 },
          { t: 0.04, score: 0 },
        ],
        P,
      ),
    ).toEqual([]);
  });

  it.each([
    ['no cut gives one scene over the whole video', [], 10, [[0, 10]]],
    [
      'cuts split the video where they fall',
      [2, 5],
      8,
      [
        [0, 2],
        [2, 5],
        [5, 8],
      ],
    ],
    [
      'a cut within the minimum length of the previous one is merged',
      [2, 2.5],
      8,
      [
        [0, 2],
        [2, 8],
      ],
    ],
    ['a cut leaving a sliver before the end is merged', [7.6], 8, [[0, 8]]],
    [
      'a shot longer than the maximum is split into equal pieces',
      [],
      70,
      [
        [0, 23.333333],
        [23.333333, 46.666667],
        [46.666667, 70],
      ],
    ],
  ])('%s', (_name, cuts, duration, expected) => {
    expect(scenesFromCuts(cuts as number[], duration as number, P).map((s) => [s.start, s.end])).toEqual(
      expected,
    );
  });

  it('says why each scene starts where it does, and numbers scenes from 0', () => {
    const scenes = scenesFromCuts([40], 100, P);
    expect(scenes.map((s) => [s.idx, s.startsWith])).toEqual([
      [0, 'start'],
      [1, 'split'],
      [2, 'cut'],
      [3, 'split'],
    ]);
  });

  it('ends the last scene at the last frame when the container claims more than the stream holds', () => {
    const scenes = detectScenes(frames(4, [2]), 60, P);
    expect(scenes.at(-1)!.end).toBeCloseTo(4.96, 2);
  });
});
