import { describe, expect, it } from 'vitest';
import {
  ANALYSIS_HEIGHT,
  ANALYSIS_WIDTH,
  FRAME_BYTES,
  type FrameFeatures,
  frameFeatures,
} from './frame-features.js';
import {
  type Boundary,
  detectBoundaries,
  detectScenes,
  type Frame,
  parseFrameTimes,
  scenesFromBoundaries,
} from './shots.js';

const P = {
  threshold: 0.1,
  adaptiveRatio: 3,
  minSeconds: 1,
  maxSeconds: 30,
  flashSeconds: 0.35,
  gradualSeconds: 2,
  gradualThreshold: 0.12,
};
const FPS = 25;
type Rgb = [number, number, number];
/** Equal BT.601 luma (about 118), different hue: what ffmpeg's luma-only scene score could not tell apart. */
const RED: Rgb = [220, 80, 40];
const GREEN: Rgb = [60, 160, 40];
const BLUE: Rgb = [110, 100, 230];
const WHITE: Rgb = [255, 255, 255];

type Picture = Rgb | ((x: number, y: number) => Rgb) | Uint8Array;
const pixels = new Map<Picture, Uint8Array>();
function picture(p: Picture): Uint8Array {
  if (p instanceof Uint8Array) return p;
  const known = pixels.get(p);
  if (known) return known;
  const px = new Uint8Array(FRAME_BYTES);
  for (let y = 0; y < ANALYSIS_HEIGHT; y++)
    for (let x = 0; x < ANALYSIS_WIDTH; x++)
      px.set(typeof p === 'function' ? p(x, y) : p, (y * ANALYSIS_WIDTH + x) * 3);
  pixels.set(p, px);
  return px;
}
const cache = new Map<Picture, FrameFeatures>();
const features = (p: Picture) => {
  const f = cache.get(p) ?? frameFeatures(picture(p));
  cache.set(p, f);
  return f;
};
/** A smooth colourful texture, moved `dx` pixels to the left: scenery a camera pans over. */
const texture =
  (dx: number) =>
  (x: number, y: number): Rgb => [
    128 + 90 * Math.sin((x + dx) / 9) * Math.cos(y / 7),
    128 + 90 * Math.sin((x + dx) / 13 + 1) * Math.sin(y / 5),
    128 + 90 * Math.cos((x + dx + y) / 11),
  ];
const BLACK: Rgb = [0, 0, 0];
/** (1 − w) of picture a and w of picture b, pixel by pixel: one frame of a dissolve. */
const mix = (a: Picture, b: Picture, w: number): Picture => {
  const pa = picture(a);
  const pb = picture(b);
  const out = new Uint8Array(FRAME_BYTES);
  for (let i = 0; i < FRAME_BYTES; i++) out[i] = Math.round((1 - w) * pa[i]! + w * pb[i]!);
  return out;
};
/** `seconds` of frames at FPS, each the picture `at(t)` gives. */
const clip = (seconds: number, at: (t: number) => Picture): Frame[] =>
  Array.from({ length: Math.round(seconds * FPS) }, (_, i) => ({
    t: i / FPS,
    features: features(at(i / FPS)),
  }));
const found = (frames: Frame[]) => detectBoundaries(frames, P).map((b) => [b.kind, Number(b.t.toFixed(2))]);
const at = (ts: number[]): Boundary[] => ts.map((t) => ({ t, kind: 'cut' }));
const STILL = texture(0);

// Each case builds and analyses a few hundred 128×72 frames in JS: seconds on a busy 2-core machine.
describe('shot detection from frames', { timeout: 30_000 }, () => {
  it('reads the frame times ffmpeg prints', () => {
    const text =
      'frame:0    pts:0       pts_time:0\nlavfi.scene_score=0.000000\nframe:1    pts:512     pts_time:0.04\nlavfi.scene_score=0.654321\n';
    expect(parseFrameTimes(text)).toEqual([0, 0.04]);
  });

  it('cuts between flat pictures of equal brightness and different colour, at their first frames', () => {
    expect(found(clip(6, (t) => (t < 2 ? RED : t < 4 ? GREEN : BLUE)))).toEqual([
      ['cut', 2],
      ['cut', 4],
    ]);
  });

  it.each([
    ['a two-frame flash over a still picture', (t: number) => (t >= 2 && t < 2.08 ? WHITE : STILL)],
    ['a strobe of many flashes', (t: number) => (t > 1 && t < 5 && t % 0.2 < 0.1 ? WHITE : STILL)],
    ['a camera pan across scenery', (t: number) => texture(Math.round(t * 200))],
    ['a slow pan across scenery', (t: number) => texture(Math.round(t * 20))],
    ['a whip-fast pan across scenery', (t: number) => texture(Math.round(t * 800))],
    [
      'a colour that drifts all the time',
      (t: number) => [128 + 100 * Math.sin(t), 128, 128 + 100 * Math.cos(t)] as Rgb,
    ],
  ])('%s is no boundary', (_name, look) => {
    expect(found(clip(6, look))).toEqual([]);
  });

  it('a hard cut between two whip-fast pans is a cut, though every frame of a pan differs a lot from the last', () => {
    // Scenery of other colours (warm where the first is mixed), panned as fast.
    const other =
      (dx: number) =>
      (x: number, y: number): Rgb => [
        190 + 60 * Math.sin((x + dx) / 9),
        90 + 60 * Math.cos(y / 7),
        40 + 30 * Math.sin((x + dx + y) / 11),
      ];
    expect(
      found(clip(6, (t) => (t < 3 ? texture(Math.round(t * 800)) : other(Math.round(t * 800))))),
    ).toEqual([['cut', 3]]);
  });

  it('a cut after a flash is still a cut', () => {
    expect(found(clip(6, (t) => (t >= 1 && t < 1.08 ? WHITE : t < 3 ? RED : GREEN)))).toEqual([['cut', 3]]);
  });

  it.each([
    ['a 1 s cross-dissolve', 3, 4, (t: number) => mix(STILL, BLUE, Math.min(1, Math.max(0, t - 3)))],
    ['a 2 s cross-dissolve', 3, 5, (t: number) => mix(STILL, RED, Math.min(1, Math.max(0, (t - 3) / 2)))],
    [
      'a 0.5 s cross-dissolve',
      3,
      3.5,
      (t: number) => mix(STILL, GREEN, Math.min(1, Math.max(0, (t - 3) * 2))),
    ],
    [
      'a fade out to black and in again',
      3,
      4,
      (t: number) =>
        t < 3.5
          ? mix(STILL, BLACK, Math.min(1, Math.max(0, (t - 3) * 2)))
          : mix(BLACK, GREEN, Math.min(1, (t - 3.5) * 2)),
    ],
    [
      'a fade to black and back to the same picture',
      3,
      4,
      (t: number) => mix(STILL, BLACK, Math.max(0, 1 - Math.abs(t - 3.5) * 2)),
    ],
  ])('%s is one boundary inside the transition', (_name, from, to, look) => {
    const b = detectBoundaries(clip(7, look), P);
    expect(b).toHaveLength(1);
    expect(b[0]!.t).toBeGreaterThanOrEqual(from - 1 / FPS);
    expect(b[0]!.t).toBeLessThanOrEqual(to + 1 / FPS);
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
    expect(
      scenesFromBoundaries(at(cuts as number[]), duration as number, P).map((s) => [s.start, s.end]),
    ).toEqual(expected);
  });

  it('says why each scene starts where it does, and numbers scenes from 0', () => {
    const scenes = scenesFromBoundaries(
      [
        { t: 40, kind: 'cut' },
        { t: 70, kind: 'gradual' },
      ],
      100,
      P,
    );
    expect(scenes.map((s) => [s.idx, s.startsWith])).toEqual([
      [0, 'start'],
      [1, 'split'],
      [2, 'cut'],
      [3, 'gradual'],
    ]);
  });

  it('ends the last scene at the last frame when the container claims more than the stream holds', () => {
    const scenes = detectScenes(
      clip(4, (t) => (t < 2 ? RED : GREEN)),
      60,
      P,
    );
    expect(scenes.at(-1)!.end).toBeCloseTo(4.96, 2);
  });
});
