// Shot boundaries from per-frame features (pure): hard cuts by an adaptive content score (a frame that
// differs from the one before far more than its neighbours differ from theirs), flashes and strobes told
// apart by the picture coming back, gradual transitions (dissolves, fades) by a change that is spread
// over up to SHOT_GRADUAL_SECONDS between two stable stretches; then a minimum length, and splitting of
// long shots so a 10-minute static shot still gives searchable pieces.
import { type FrameFeatures, frameDistance, histogramDistance, spread } from './frame-features.js';

export interface Frame {
  /** Presentation time of the frame, seconds. */
  t: number;
  features: FrameFeatures;
}

export interface ShotParams {
  /** Least frame-to-frame distance (0–1) a hard cut has. */
  threshold: number;
  /** A hard cut's distance is at least this many times its neighbours' mean distance. */
  adaptiveRatio: number;
  minSeconds: number;
  maxSeconds: number;
  /** The longest flash: a change that comes back to the earlier picture within this is no cut. */
  flashSeconds: number;
  /** The longest gradual transition looked for (dissolve, fade out/in). */
  gradualSeconds: number;
  /** Least change (0–1) across a gradual transition. */
  gradualThreshold: number;
}

export type BoundaryKind = 'cut' | 'gradual';

export interface Boundary {
  /** The first frame of the new shot; for a gradual transition, its middle. */
  t: number;
  kind: BoundaryKind;
  /** A gradual transition's extent, seconds. */
  from?: number;
  to?: number;
}

export interface Scene {
  idx: number;
  start: number;
  end: number;
  /** Why the scene starts where it does: a hard cut, a gradual transition (its middle), a split of a long
   * shot, or the video start. */
  startsWith: 'start' | BoundaryKind | 'split';
}

/** Parses the file `metadata=mode=print` writes: a `frame:… pts_time:T` line, then the metadata lines. */
export function parseFrameTimes(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const frame = /^frame:\d+\s.*pts_time:(-?[\d.]+(?:e-?\d+)?)/.exec(line);
    if (frame) out.push(Number(frame[1]));
  }
  return out;
}

/** Frames per second from the median frame interval (robust to a variable frame rate's odd gaps). */
function frameRate(frames: readonly Frame[]): number {
  const gaps = frames
    .slice(1)
    .map((f, i) => f.t - frames[i]!.t)
    .filter((g) => g > 0)
    .sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)];
  return median ? 1 / median : 25;
}

const NEIGHBOURS = 2;
/** A picture counts as back when it is this close to the earlier one, relative to the change. */
const BACK = 0.35;
/** A gradual transition's single largest step is at most this share of its whole change. */
const SPREAD = 0.7;
/** Across a gradual transition the picture goes more or less straight from one shot to the next: the end
 * to end change is at least this share of the sum of the frame-to-frame steps. */
const DIRECT = 0.3;
/** A picture whose blocks differ from their mean by less than this (0–1) is flat: black, white, one colour. */
const FLAT = 0.04;
/** Floor of the neighbours' mean, so a cut between two still pictures does not divide by zero. */
const QUIET = 0.004;

/** Whether a frame's step stands out from its neighbours' (two each side) by the adaptive ratio. */
function standsOut(step: readonly number[], i: number, ratio: number): boolean {
  let sum = 0;
  let n = 0;
  for (let j = i - NEIGHBOURS; j <= i + NEIGHBOURS; j++) {
    if (j === i || j < 1 || j >= step.length) continue;
    sum += step[j]!;
    n++;
  }
  return step[i]! >= ratio * Math.max(n ? sum / n : 0, QUIET);
}

/**
 * Hard cuts: a step over the threshold that stands out from its neighbours', in the whole distance or in the
 * colours alone (a fast pan moves every block each frame but keeps its colours, so a cut between two pans
 * stands out only there), and is not a flash (the picture does not come back).
 */
export function detectCuts(
  frames: readonly Frame[],
  step: readonly number[],
  p: ShotParams,
  colourStep: readonly number[] = step,
): number[] {
  const fps = frameRate(frames);
  const flash = Math.max(1, Math.round(p.flashSeconds * fps));
  const cuts: number[] = [];
  for (let i = 1; i < frames.length; i++) {
    if (step[i]! < p.threshold) continue;
    const colourCut = colourStep[i]! >= p.threshold && standsOut(colourStep, i, p.adaptiveRatio);
    if (!standsOut(step, i, p.adaptiveRatio) && !colourCut) continue;
    if (isFlash(frames, i, step[i]!, flash)) continue;
    cuts.push(frames[i]!.t);
  }
  return cuts;
}

/** A flash or strobe edge: the picture before the change comes back soon after it, or the picture after
 * it was there shortly before. */
function isFlash(frames: readonly Frame[], i: number, change: number, flash: number): boolean {
  const before = frames[i - 1]!.features;
  const after = frames[i]!.features;
  for (let k = 1; k <= flash; k++) {
    const ahead = frames[i + k];
    if (ahead && frameDistance(before, ahead.features) <= BACK * change) return true;
    const back = frames[i - 1 - k];
    if (back && frameDistance(back.features, after) <= BACK * change) return true;
  }
  return false;
}

/**
 * Gradual transitions: windows of up to gradualSeconds across which the picture changes end to end, with
 * no single step carrying most of it (that is a cut or a flash), going more or less straight (motion
 * wanders), between stable stretches of the same length on both sides (camera motion, drifting colour and
 * moving content change just as much before and after, so they do not count).
 */
export function detectGradual(frames: readonly Frame[], step: readonly number[], p: ShotParams): Boundary[] {
  const fps = frameRate(frames);
  const longest = Math.max(2, Math.round(p.gradualSeconds * fps));
  const spreads = frames.map((f) => spread(f.features));
  const found: Found[] = [];
  // Windows of the longest length, half and a quarter of it: a short dissolve between short shots has
  // no long stable flanks, and a long one does not fit a short window.
  for (const k of new Set([longest, Math.round(longest / 2), Math.round(longest / 4)]))
    if (k >= 2) found.push(...gradualAt(frames, step, spreads, p, k));
  // Strongest first; one boundary per transition.
  found.sort((a, b) => b.score - a.score);
  const kept: Found[] = [];
  const apart = (f: Found, g: Found) => (f.mid < g.s || f.mid > g.e) && (g.mid < f.s || g.mid > f.e);
  for (const f of found) if (kept.every((g) => apart(f, g))) kept.push(f);
  return kept
    .map((f) => ({ t: frames[f.mid]!.t, kind: 'gradual' as const, from: frames[f.s]!.t, to: frames[f.e]!.t }))
    .sort((a, b) => a.t - b.t);
}

interface Found {
  score: number;
  mid: number;
  s: number;
  e: number;
}

/** Candidate transitions over windows of k frames, each with flanks of k frames. */
function gradualAt(
  frames: readonly Frame[],
  step: readonly number[],
  spreads: readonly number[],
  p: ShotParams,
  k: number,
): Found[] {
  const d = (a: number, b: number) => frameDistance(frames[a]!.features, frames[b]!.features);
  /** The flattest frame in [a, b] if it is flat, else undefined. */
  const flattest = (a: number, b: number): number | undefined => {
    let best: number | undefined;
    for (let j = a; j <= b; j++)
      if (spreads[j]! < FLAT && (best === undefined || spreads[j]! < spreads[best]!)) best = j;
    return best;
  };
  const found: Found[] = [];
  for (let e = k; e < frames.length; e++) {
    const s = e - k;
    const flankBefore = s > 0 ? d(Math.max(0, s - k), s) : 0;
    const flankAfter = e < frames.length - 1 ? d(e, Math.min(frames.length - 1, e + k)) : 0;
    const flank = Math.max(flankBefore, flankAfter);
    // No score (at most 1) can beat flanks this unstable.
    if (p.adaptiveRatio * flank >= 1) continue;
    const whole = d(s, e);
    // A fade out and in again goes through a flat picture (black, white): its change is each leg's, and
    // its path is the two legs, however alike the two shots are. Otherwise the change is end to end.
    const flat = flattest(s + 1, e - 1);
    let change = whole;
    let direct = whole;
    if (flat !== undefined) {
      change = Math.max(whole, Math.min(d(s, flat), d(flat, e)));
      direct = d(s, flat) + d(flat, e);
    }
    if (change < p.gradualThreshold || change < p.adaptiveRatio * flank) continue;
    let maxStep = 0;
    let path = 0;
    for (let j = s + 1; j <= e; j++) {
      maxStep = Math.max(maxStep, step[j]!);
      path += step[j]!;
    }
    // A cut or a flash carries the change in one step; motion walks a long way to get a little further.
    if (maxStep > SPREAD * change || direct < DIRECT * path) continue;
    // The boundary: the flat picture of a fade, or a dissolve's middle (as far from one end as the other).
    let mid = flat ?? s + Math.floor(k / 2);
    if (flat === undefined) {
      let balance = Number.POSITIVE_INFINITY;
      for (let j = s + 1; j < e; j++) {
        const off = Math.abs(d(s, j) - d(j, e));
        if (off < balance) {
          balance = off;
          mid = j;
        }
      }
    }
    // Ranked by how much stronger the change is than its flanks' (a longer window sees the same change
    // but against flanks that may reach into the neighbouring shots).

    found.push({ score: change - flank, mid, s, e });
  }
  return found;
}

/** Hard cuts and gradual transitions, in time order; a gradual one that overlaps a hard cut is the cut. */
export function detectBoundaries(frames: readonly Frame[], p: ShotParams): Boundary[] {
  const step = frames.map((f, i) => (i === 0 ? 0 : frameDistance(frames[i - 1]!.features, f.features)));
  const colour = frames.map((f, i) => (i === 0 ? 0 : histogramDistance(frames[i - 1]!.features, f.features)));
  const cuts: Boundary[] = detectCuts(frames, step, p, colour).map((t) => ({ t, kind: 'cut' }));
  const gradual = detectGradual(frames, step, p).filter((g) =>
    cuts.every((c) => c.t < g.from! - 1e-9 || c.t > g.to! + 1e-9),
  );
  return [...cuts, ...gradual].sort((a, b) => a.t - b.t);
}

/** Scenes covering [0, duration] from boundaries: short shots merged, long shots split into equal pieces. */
export function scenesFromBoundaries(
  boundaries: readonly Boundary[],
  duration: number,
  p: Pick<ShotParams, 'minSeconds' | 'maxSeconds'>,
): Scene[] {
  const starts: { t: number; kind: 'start' | BoundaryKind }[] = [{ t: 0, kind: 'start' }];
  for (const b of [...boundaries].sort((x, y) => x.t - y.t)) {
    const last = starts[starts.length - 1]!;
    // Too close to the previous boundary, or leaving a sliver before the end: not a shot of its own.
    if (b.t - last.t < p.minSeconds || duration - b.t < p.minSeconds) continue;
    starts.push({ t: b.t, kind: b.kind });
  }
  const scenes: Scene[] = [];
  starts.forEach((s, i) => {
    const end = starts[i + 1]?.t ?? duration;
    const pieces = Math.max(1, Math.ceil((end - s.t) / p.maxSeconds - 1e-9));
    const step = (end - s.t) / pieces;
    for (let k = 0; k < pieces; k++) {
      scenes.push({
        idx: scenes.length,
        start: round(s.t + k * step),
        end: round(k === pieces - 1 ? end : s.t + (k + 1) * step),
        startsWith: k === 0 ? s.kind : 'split',
      });
    }
  });
  return scenes;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

export function detectScenes(frames: readonly Frame[], duration: number, p: ShotParams): Scene[] {
  // Duration from the last frame when the container claims more than the stream holds (a truncated file).
  const lastFrame = frames.length > 0 ? frames[frames.length - 1]!.t : duration;
  const end = Math.max(Math.min(duration, lastFrame + 1), Math.min(duration, 0.001));
  return scenesFromBoundaries(detectBoundaries(frames, p), end, p);
}
