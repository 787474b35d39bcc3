// Shot boundaries from per-frame scene scores (pure): threshold, flash/strobe suppression, minimum
// length, and splitting of long shots so a 10-minute static shot still gives searchable pieces.

export interface FrameScore {
  /** Presentation time of the frame, seconds. */
  t: number;
  /** ffmpeg's scene score against the previous frame, 0–1. */
  score: number;
}

export interface ShotParams {
  threshold: number;
  minSeconds: number;
  maxSeconds: number;
  /** Cuts closer than this to each other are a flash or a strobe, not a change of shot. */
  flashSeconds: number;
}

export interface Scene {
  idx: number;
  start: number;
  end: number;
  /** Why the scene starts where it does: a detected cut, a split of a long shot, or the video start. */
  startsWith: 'start' | 'cut' | 'split';
}

/** Parses the file `metadata=mode=print` writes: a `frame:… pts_time:T` line, then `lavfi.scene_score=S`. */
export function parseSceneScores(text: string): FrameScore[] {
  const out: FrameScore[] = [];
  let t: number | undefined;
  for (const line of text.split('\n')) {
    const frame = /pts_time:(-?[\d.]+(?:e-?\d+)?)/.exec(line);
    if (frame) {
      t = Number(frame[1]);
      continue;
    }
    const score = /^lavfi\.scene_score=([\d.]+)/.exec(line.trim());
    if (score && t !== undefined) {
      out.push({ t, score: Number(score[1]) });
      t = undefined;
    }
  }
  return out;
}

/** Frames whose score crosses the threshold, with clusters of close spikes (flashes, strobes) removed. */
export function detectCuts(
  scores: readonly FrameScore[],
  p: Pick<ShotParams, 'threshold' | 'flashSeconds'>,
): number[] {
  // The first frame's score compares against nothing.
  const spikes = scores.filter((s, i) => i > 0 && s.score >= p.threshold).map((s) => s.t);
  const cuts: number[] = [];
  let cluster: number[] = [];
  const flush = () => {
    // One isolated spike is a cut; two or more within flashSeconds of each other are a flash (in and
    // out again) or a strobe: keeping them would explode one moment into many tiny scenes.
    if (cluster.length === 1) cuts.push(cluster[0]!);
    cluster = [];
  };
  for (const t of spikes) {
    if (cluster.length > 0 && t - cluster[cluster.length - 1]! > p.flashSeconds) flush();
    cluster.push(t);
  }
  flush();
  return cuts;
}

/** Scenes covering [0, duration] from cuts: short shots merged, long shots split into equal pieces. */
export function scenesFromCuts(cuts: readonly number[], duration: number, p: ShotParams): Scene[] {
  const starts: { t: number; kind: 'start' | 'cut' }[] = [{ t: 0, kind: 'start' }];
  for (const t of [...cuts].sort((a, b) => a - b)) {
    const last = starts[starts.length - 1]!;
    // Too close to the previous boundary, or leaving a sliver before the end: not a shot of its own.
    if (t - last.t < p.minSeconds || duration - t < p.minSeconds) continue;
    starts.push({ t, kind: 'cut' });
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

export function detectScenes(scores: readonly FrameScore[], duration: number, p: ShotParams): Scene[] {
  // Duration from the last frame when the container claims more than the stream holds (a truncated file).
  const lastFrame = scores.length > 0 ? scores[scores.length - 1]!.t : duration;
  const end = Math.max(Math.min(duration, lastFrame + 1), Math.min(duration, 0.001));
  return scenesFromCuts(detectCuts(scores, p), end, p);
}
