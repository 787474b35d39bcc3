// Speech regions from per-frame speech probabilities (Silero's rules with faster-whisper's settings), and the
// map from the joined regions back to the original audio.
import { describe, expect, it } from 'vitest';
import { DEFAULT_VAD, FRAME, RegionMap, speechRegions } from './vad.js';

const RATE = 16_000;
/** Frame probabilities: `p` inside the [from, to) seconds spans, 0 elsewhere. */
function probs(seconds: number, spans: [number, number, number?][]): Float32Array {
  const out = new Float32Array(Math.ceil((seconds * RATE) / FRAME));
  for (let i = 0; i < out.length; i++) {
    const t = (i * FRAME) / RATE;
    for (const [from, to, p = 0.9] of spans) if (t >= from && t < to) out[i] = p;
  }
  return out;
}
const frameS = FRAME / RATE;

describe('speechRegions', () => {
  it('finds each stretch of speech, padded by 400 ms', () => {
    const r = speechRegions(
      probs(20, [
        [2, 5],
        [12, 14],
      ]),
      20 * RATE,
    );
    expect(r).toHaveLength(2);
    expect(r[0]!.start).toBeCloseTo(1.6, 1);
    expect(r[0]!.end).toBeCloseTo(5.4, 1);
    expect(r[1]!.start).toBeCloseTo(11.6, 1);
    expect(r[1]!.end).toBeCloseTo(14.4, 1);
  });

  it('keeps a pause shorter than 2 s inside the speech around it', () => {
    const r = speechRegions(
      probs(12, [
        [1, 4],
        [5, 8],
      ]),
      12 * RATE,
    );
    expect(r).toHaveLength(1);
    expect(r[0]!.end).toBeCloseTo(8.4, 1);
  });

  it('finds nothing in silence, and drops blips shorter than 250 ms', () => {
    expect(speechRegions(probs(10, []), 10 * RATE)).toEqual([]);
    expect(speechRegions(probs(10, [[3, 3 + 4 * frameS]]), 10 * RATE)).toEqual([]);
  });

  it('ends speech only below the lower threshold (hysteresis), and runs to the end of the audio', () => {
    // 0.4 is under 0.5 (no start) but over 0.35 (no end once speaking).
    const r = speechRegions(
      probs(10, [
        [1, 3],
        [3, 9, 0.4],
      ]),
      10 * RATE,
    );
    expect(r).toEqual([{ start: expect.closeTo(0.6, 1), end: 10 }]);
    expect(speechRegions(probs(10, [[2, 10]]), 10 * RATE).at(-1)!.end).toBe(10);
  });

  it('honours its options', () => {
    const r = speechRegions(
      probs(12, [
        [1, 4],
        [5, 8],
      ]),
      12 * RATE,
      { ...DEFAULT_VAD, minSilenceMs: 500, padMs: 0 },
    );
    expect(r).toHaveLength(2);
  });
});

describe('RegionMap', () => {
  const map = new RegionMap(
    [
      { start: 10, end: 12 },
      { start: 2, end: 5 },
      { start: 40, end: 60 },
    ],
    50,
  );

  it('joins the regions in order, clipped to the audio', () => {
    expect(map.regions).toEqual([
      { start: 2, end: 5 },
      { start: 10, end: 12 },
      { start: 40, end: 50 },
    ]);
    expect(map.speechSeconds).toBe(15);
    const samples = Float32Array.from({ length: 50 }, (_, i) => i);
    expect([...map.collect(samples, 1)]).toEqual([
      2,
      3,
      4,
      10,
      11,
      ...Array.from({ length: 10 }, (_, i) => 40 + i),
    ]);
  });

  it('maps joined times back to the original, an end at a seam staying in its region', () => {
    expect(map.toTime(0)).toBe(2);
    expect(map.toTime(2.5)).toBe(4.5);
    expect(map.toTime(3)).toBe(10);
    expect(map.toTime(3, true)).toBe(5);
    expect(map.toTime(6)).toBe(41);
    expect(map.toTime(99)).toBe(50);
    expect(map.toOriginal(1, 4)).toEqual({ start: 3, end: 11 });
  });

  it('keeps a segment in the regions it really covers: a start just before a seam moves to the next region', () => {
    // Joined [2.8, 5]: 0.2 s in the first region (2–5), 2 s in the second (10–12): it is the second's speech.
    expect(map.toOriginal(2.8, 5)).toEqual({ start: 10, end: 12 });
    // And an end just past a seam stays in the region the segment is in.
    expect(map.toOriginal(0.5, 3.2)).toEqual({ start: 2.5, end: 5 });
    // A segment wholly in one region is mapped as it is.
    expect(map.toOriginal(3.5, 4.5)).toEqual({ start: 10.5, end: 11.5 });
  });
});
