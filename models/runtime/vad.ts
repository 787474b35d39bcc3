// Voice activity detection before speech recognition, as faster-whisper does it: Silero VAD (the ONNX model the
// PyPI silero-vad wheel ships; models:build takes it from there) gives a speech probability per 32 ms frame, the
// frames become speech regions (threshold with hysteresis, short silences bridged, padding), and only those
// regions are decoded: Whisper never sees the music or silence it would invent text over. RegionMap joins
// the regions into one stream and maps times in it back to the original audio.
import { join } from 'node:path';
import { modelDir, modelSpec } from '../manifest.js';
import { float32, int64, loadSession, type Session } from './onnx.js';

export interface Region {
  start: number;
  end: number;
}

export interface VadOptions {
  /** Frames at or above this probability are speech (default 0.5); speech ends below threshold − 0.15. */
  threshold: number;
  /** Speech shorter than this is dropped (default 250 ms). */
  minSpeechMs: number;
  /** Silences shorter than this stay inside the speech around them (default 2000 ms, faster-whisper's). */
  minSilenceMs: number;
  /** Added on each side of a region (default 400 ms, faster-whisper's). */
  padMs: number;
}

export const DEFAULT_VAD: VadOptions = { threshold: 0.5, minSpeechMs: 250, minSilenceMs: 2000, padMs: 400 };

const RATE = 16_000;
/** Silero VAD v5+ at 16 kHz: 512-sample frames, each with the previous 64 samples as context. */
export const FRAME = 512;
const CONTEXT = 64;

/** Silero's get_speech_timestamps on per-frame probabilities: speech regions in seconds, in order. */
export function speechRegions(
  probs: ArrayLike<number>,
  totalSamples: number,
  o: VadOptions = DEFAULT_VAD,
): Region[] {
  const neg = Math.max(o.threshold - 0.15, 0.01);
  const minSpeech = (RATE * o.minSpeechMs) / 1000;
  const minSilence = (RATE * o.minSilenceMs) / 1000;
  const pad = (RATE * o.padMs) / 1000;
  const out: { start: number; end: number }[] = [];
  let triggered = false;
  let start = 0;
  let tempEnd = 0;
  for (let i = 0; i < probs.length; i++) {
    const at = FRAME * i;
    const p = probs[i]!;
    if (p >= o.threshold && tempEnd) tempEnd = 0;
    if (p >= o.threshold && !triggered) {
      triggered = true;
      start = at;
      continue;
    }
    if (p < neg && triggered) {
      if (!tempEnd) tempEnd = at;
      if (at - tempEnd < minSilence) continue;
      if (tempEnd - start > minSpeech) out.push({ start, end: tempEnd });
      triggered = false;
      tempEnd = 0;
    }
  }
  if (triggered && totalSamples - start > minSpeech) out.push({ start, end: totalSamples });
  for (let i = 0; i < out.length; i++) {
    const s = out[i]!;
    if (i === 0) s.start = Math.max(0, s.start - pad);
    const next = out[i + 1];
    if (next) {
      const gap = next.start - s.end;
      if (gap < 2 * pad) {
        s.end += Math.floor(gap / 2);
        next.start = Math.max(0, next.start - Math.floor(gap / 2));
      } else {
        s.end = Math.min(totalSamples, s.end + pad);
        next.start = Math.max(0, next.start - pad);
      }
    } else s.end = Math.min(totalSamples, s.end + pad);
  }
  return out.map((r) => ({ start: r.start / RATE, end: r.end / RATE }));
}

/** Speech regions joined end to end, and the way back from a time in the joined stream to the original. */
export class RegionMap {
  readonly regions: Region[];
  readonly speechSeconds: number;

  constructor(regions: readonly Region[], duration: number) {
    this.regions = regions
      .map((r) => ({ start: Math.max(0, r.start), end: Math.min(duration, r.end) }))
      .filter((r) => r.end > r.start)
      .sort((a, b) => a.start - b.start);
    this.speechSeconds = this.regions.reduce((s, r) => s + r.end - r.start, 0);
  }

  /** The regions' samples, one after the other. */
  collect(samples: Float32Array, rate: number): Float32Array {
    const parts = this.regions.map((r) =>
      samples.subarray(Math.round(r.start * rate), Math.round(r.end * rate)),
    );
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** A time in the joined stream as a time in the original audio (an end at a seam stays in its region). */
  toTime(t: number, isEnd = false): number {
    let before = 0;
    for (const r of this.regions) {
      const len = r.end - r.start;
      if (t < before + len || (isEnd && t <= before + len)) return r.start + Math.max(0, t - before);
      before += len;
    }
    const last = this.regions.at(-1);
    return last ? last.end : t;
  }

  /**
   * A segment of the joined stream in the original audio. Whisper's timestamps are coarse (often whole seconds),
   * and a start a little before a seam would land at the end of the previous region, across all the silence
   * between them: so a segment keeps to the regions it really covers (at least half a second of it, or half
   * the segment), its start and end clipped to those.
   */
  toOriginal(start: number, end: number): Region {
    const spans: { from: number; to: number; overlap: number }[] = [];
    let before = 0;
    for (const r of this.regions) {
      const len = r.end - r.start;
      spans.push({
        from: before,
        to: before + len,
        overlap: Math.min(end, before + len) - Math.max(start, before),
      });
      before += len;
    }
    const enough = Math.min(0.5, (end - start) / 2);
    let kept = spans.filter((s) => s.overlap > 0 && s.overlap >= enough);
    if (kept.length === 0) {
      const best = spans.reduce<(typeof spans)[number] | undefined>(
        (a, b) => (!a || b.overlap > a.overlap ? b : a),
        undefined,
      );
      kept = best && best.overlap > 0 ? [best] : [];
    }
    const from = kept.length > 0 ? Math.max(start, kept[0]!.from) : start;
    const to = kept.length > 0 ? Math.min(end, kept.at(-1)!.to) : end;
    const s = this.toTime(from);
    return { start: s, end: Math.max(s, this.toTime(to, true)) };
  }
}

/** Silero VAD from MODELS_DIR: speech probabilities per frame, and the speech regions of an audio. */
export interface VoiceDetector {
  probabilities(samples: Float32Array): Promise<Float32Array>;
  regions(samples: Float32Array, o?: Partial<VadOptions>): Promise<Region[]>;
}

export async function loadVoiceDetector(name: string, opts: { modelsDir: string }): Promise<VoiceDetector> {
  const spec = modelSpec(name);
  if (spec.contract.kind !== 'vad') throw new Error(`model ${name} is not a voice activity model`);
  const session: Session = await loadSession(join(modelDir(name, opts.modelsDir), spec.contract.file));
  async function probabilities(samples: Float32Array): Promise<Float32Array> {
    const frames = Math.ceil(samples.length / FRAME);
    const probs = new Float32Array(frames);
    let state: Float32Array = new Float32Array(2 * 128);
    const input = new Float32Array(CONTEXT + FRAME);
    const sr = int64([RATE], []);
    for (let i = 0; i < frames; i++) {
      // The previous frame's last 64 samples, then this frame (zero-padded at the end of the audio).
      input.copyWithin(0, FRAME, FRAME + CONTEXT);
      input.fill(0, CONTEXT);
      input.set(samples.subarray(i * FRAME, (i + 1) * FRAME), CONTEXT);
      const out = await session.run({
        input: float32(input.slice(), [1, CONTEXT + FRAME]),
        state: float32(state, [2, 1, 128]),
        sr,
      });
      probs[i] = out.output!.data[0]!;
      state = out.stateN!.data;
    }
    return probs;
  }
  return {
    probabilities,
    async regions(samples, o) {
      return speechRegions(await probabilities(samples), samples.length, { ...DEFAULT_VAD, ...o });
    },
  };
}
