// Precision/recall/F1 of detected shot boundaries against known ones, in frames: a hard cut matches a
// detection within ±1 frame, a gradual transition one anywhere inside it (±1 frame). Each truth boundary
// and each detection is matched at most once (nearest first); unmatched detections are false positives.
import type { ShotTruth } from './clips.js';

export interface Score {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
  /** Truth boundaries not found, seconds (a gradual one by its start). */
  missed: number[];
  /** Detections matching nothing, seconds. */
  spurious: number[];
  /** Hard cuts found of those there are; gradual transitions found of those there are. */
  cutsFound: number;
  cutsTotal: number;
  gradualFound: number;
  gradualTotal: number;
}

export function scoreCuts(found: readonly number[], truth: ShotTruth, fps: number, tolFrames = 1): Score {
  const f = (t: number) => Math.round(t * fps);
  const windows = [
    ...truth.cuts.map((c) => ({
      at: c,
      gradual: false,
      lo: f(c) - tolFrames,
      hi: f(c) + tolFrames,
      mid: f(c),
    })),
    ...truth.gradual.map(([a, b]) => ({
      at: a,
      gradual: true,
      lo: f(a) - tolFrames,
      hi: f(b) + tolFrames,
      mid: f((a + b) / 2),
    })),
  ];
  const det = [...found].sort((a, b) => a - b).map((t) => ({ t, frame: f(t), used: false }));
  const missed: number[] = [];
  let tp = 0;
  let cutsFound = 0;
  let gradualFound = 0;
  for (const w of windows) {
    const hit = det
      .filter((d) => !d.used && d.frame >= w.lo && d.frame <= w.hi)
      .sort((a, b) => Math.abs(a.frame - w.mid) - Math.abs(b.frame - w.mid))[0];
    if (hit) {
      hit.used = true;
      tp++;
      if (w.gradual) gradualFound++;
      else cutsFound++;
    } else missed.push(w.at);
  }
  const spurious = det.filter((d) => !d.used).map((d) => d.t);
  const fp = spurious.length;
  const fn = missed.length;
  const precision = tp + fp === 0 ? Number.NaN : tp / (tp + fp);
  const recall = tp + fn === 0 ? Number.NaN : tp / (tp + fn);
  const f1 = tp + fp + fn === 0 ? Number.NaN : (2 * tp) / (2 * tp + fp + fn);
  return {
    tp,
    fp,
    fn,
    precision,
    recall,
    f1,
    missed: missed.sort((a, b) => a - b),
    spurious,
    cutsFound,
    cutsTotal: truth.cuts.length,
    gradualFound,
    gradualTotal: truth.gradual.length,
  };
}
