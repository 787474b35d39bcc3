// The pure rules of Whisper decoding, as openai-whisper and faster-whisper apply them: which tokens may come next
// (suppression, timestamp pairing), the quality guards (compression ratio, average log-probability, no-speech
// probability) and the fallback decision they drive, and how a window's tokens become timed segments and where
// the next window starts (the "seek"). No model here: runtime/speech.ts runs the decoder and calls these.
import { deflateSync } from 'node:zlib';

/** Token ids a Whisper vocabulary's special tokens have (read from the model's own config). */
export interface WhisperTokens {
  sot: number;
  eot: number;
  sotPrev: number;
  noSpeech: number;
  noTimestamps: number;
  /** The first timestamp token (<|0.00|>); every id from here to the vocabulary's end is a timestamp. */
  timestampBegin: number;
  transcribe: number;
  translate: number;
  /** Language code → token id. */
  languages: Record<string, number>;
  /** generation_config's suppress_tokens and begin_suppress_tokens. */
  suppress: readonly number[];
  beginSuppress: readonly number[];
  vocabSize: number;
}

/** Seconds per timestamp token, and mel frames per second (10 ms hop). */
export const TIME_PRECISION = 0.02;
export const FRAMES_PER_SECOND = 100;
/** openai-whisper's max_initial_timestamp: the first timestamp is at most 1 s into the window. */
export const MAX_INITIAL_TIMESTAMP_INDEX = 50;

/** The guard thresholds, faster-whisper's defaults. */
export interface Guards {
  /** Text whose gzip compression ratio is above this is a repetition loop (default 2.4). */
  compressionRatioThreshold: number;
  /** Decodings whose average log-probability per token is below this are unreliable (default -1). */
  logProbThreshold: number;
  /** A window whose no-speech probability is above this, with a low log-probability, is silence (default 0.6). */
  noSpeechThreshold: number;
}

export const DEFAULT_GUARDS: Guards = {
  compressionRatioThreshold: 2.4,
  logProbThreshold: -1,
  noSpeechThreshold: 0.6,
};

/** faster-whisper's temperature schedule: greedy (or beam) first, then sampling ever hotter. */
export const DEFAULT_TEMPERATURES = [0, 0.2, 0.4, 0.6, 0.8, 1] as const;

/** Text bytes over their zlib-compressed bytes: high for repetitive text (openai-whisper's measure). */
export function compressionRatio(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return 0;
  return bytes.length / deflateSync(bytes).length;
}

/** One decoding of one window at one temperature. */
export interface Decoded {
  tokens: number[];
  text: string;
  /** Sum of the chosen tokens' log-probabilities / (tokens + 1), as openai-whisper and faster-whisper count it. */
  avgLogProb: number;
  compressionRatio: number;
  noSpeechProb: number;
  temperature: number;
}

/** Why a decoding is retried at the next temperature; undefined when it is kept. */
export function fallbackReason(d: Decoded, g: Guards): string | undefined {
  const lowLogProb = d.avgLogProb < g.logProbThreshold;
  // Silence: no-speech is likely and the text unsure. That window is skipped, not retried.
  if (d.noSpeechProb > g.noSpeechThreshold && lowLogProb) return undefined;
  if (d.compressionRatio > g.compressionRatioThreshold)
    return `compression ratio ${d.compressionRatio.toFixed(2)} > ${g.compressionRatioThreshold}`;
  if (lowLogProb) return `average log-probability ${d.avgLogProb.toFixed(2)} < ${g.logProbThreshold}`;
  return undefined;
}

/** When every temperature failed: the best decoding that is not a loop, else the best of all. */
export function pickAfterFallback(all: readonly Decoded[], g: Guards): Decoded {
  if (all.length === 0) throw new Error('no decoding to pick from');
  const notLoops = all.filter((d) => d.compressionRatio <= g.compressionRatioThreshold);
  const pool = notLoops.length > 0 ? notLoops : all;
  return pool.reduce((a, b) => (b.avgLogProb > a.avgLogProb ? b : a));
}

/** faster-whisper's skip rule: a likely-silent window whose text is unsure yields nothing. */
export function isSilence(d: Decoded, g: Guards): boolean {
  return d.noSpeechProb > g.noSpeechThreshold && !(d.avgLogProb > g.logProbThreshold);
}

/** A decoding that ended as a loop even after the whole fallback: its text is not kept. */
export function isLoop(d: Decoded, g: Guards): boolean {
  return d.compressionRatio > g.compressionRatioThreshold;
}

/**
 * The logit filters applied before each token is chosen, in place: suppressed tokens, a blank or end at the
 * start, openai-whisper's timestamp rules (timestamps in pairs and never decreasing, the first one within
 * `MAX_INITIAL_TIMESTAMP_INDEX`, a timestamp forced when timestamps together outweigh any text token), and no
 * timestamp past the window's audio (`maxTimestampIndex`), so no segment is placed in the padding.
 */
export function filterLogits(
  logits: Float32Array,
  sampled: readonly number[],
  t: WhisperTokens,
  opts: { timestamps: boolean; maxTimestampIndex: number },
): void {
  const NEG = Number.NEGATIVE_INFINITY;
  for (const id of t.suppress) if (id < logits.length) logits[id] = NEG;
  for (const id of [t.sot, t.sotPrev, t.noSpeech, t.transcribe, t.translate, t.noTimestamps])
    logits[id] = NEG;
  for (const id of Object.values(t.languages)) logits[id] = NEG;
  if (sampled.length === 0) for (const id of t.beginSuppress) logits[id] = NEG;
  if (!opts.timestamps) {
    logits.fill(NEG, t.timestampBegin);
    return;
  }
  const tb = t.timestampBegin;
  const n = sampled.length;
  const lastWasTs = n >= 1 && sampled[n - 1]! >= tb;
  const penultimateWasTs = n < 2 || sampled[n - 2]! >= tb;
  if (lastWasTs) {
    if (penultimateWasTs) logits.fill(NEG, tb);
    else logits.fill(NEG, 0, t.eot);
  }
  let lastTs = -1;
  for (let i = n - 1; i >= 0; i--) {
    if (sampled[i]! >= tb) {
      lastTs = sampled[i]!;
      break;
    }
  }
  if (lastTs >= 0) {
    const from = lastWasTs && !penultimateWasTs ? lastTs : lastTs + 1;
    logits.fill(NEG, tb, Math.min(from, logits.length));
  }
  if (n === 0) {
    logits.fill(NEG, 0, tb);
    logits.fill(NEG, tb + MAX_INITIAL_TIMESTAMP_INDEX + 1);
  }
  const lastAllowed = tb + Math.max(0, opts.maxTimestampIndex);
  if (lastAllowed + 1 < logits.length) logits.fill(NEG, lastAllowed + 1);
  // Timestamps together likelier than the likeliest text token: a timestamp it is.
  const lp = logSoftmax(logits);
  let tsMass = NEG;
  for (let i = tb; i < lp.length; i++) tsMass = logAddExp(tsMass, lp[i]!);
  let textMax = NEG;
  for (let i = 0; i < tb; i++) if (lp[i]! > textMax) textMax = lp[i]!;
  if (tsMass > textMax) logits.fill(NEG, 0, tb);
}

export function logAddExp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

export function logSoftmax(logits: ArrayLike<number>, temperature = 1): Float32Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i]! - max) / temperature);
  const log = Math.log(sum);
  for (let i = 0; i < logits.length; i++) out[i] = (logits[i]! - max) / temperature - log;
  return out;
}

/** The language probabilities at the start-of-transcript position: softmax over the language tokens only. */
export function languageProbabilities(
  logits: ArrayLike<number>,
  languages: Record<string, number>,
): Record<string, number> {
  const entries = Object.entries(languages);
  if (entries.length === 0) throw new Error('the model lists no language tokens');
  const max = Math.max(...entries.map(([, id]) => logits[id] ?? Number.NEGATIVE_INFINITY));
  const exps = entries.map(([code, id]) => [code, Math.exp((logits[id] ?? max) - max)] as const);
  const sum = exps.reduce((s, [, e]) => s + e, 0);
  return Object.fromEntries(exps.map(([code, e]) => [code, e / sum]));
}

/** The likeliest language among `allowed` (all when empty), with its probability among all languages. */
export function pickLanguage(
  probs: Record<string, number>,
  allowed: readonly string[] = [],
): { language: string; probability: number } {
  const pool = allowed.length > 0 ? allowed.filter((c) => c in probs) : Object.keys(probs);
  if (pool.length === 0) throw new Error(`none of the allowed languages (${allowed.join(', ')}) is known`);
  const language = pool.reduce((a, b) => (probs[b]! > probs[a]! ? b : a));
  return { language, probability: probs[language]! };
}

/** A timed stretch of one window's tokens (times in seconds from the window's start). */
export interface WindowSegment {
  start: number;
  end: number;
  tokens: number[];
}

/**
 * faster-whisper's split of a window's tokens at its timestamp pairs, and how far the next window starts
 * (`advance`, in mel frames). A window that ends inside a segment (no closing pair) is cut at its last complete
 * segment, so the unfinished speech is decoded again at the start of the next window: that is what keeps a line
 * across a seam in one piece and in its place. `windowFrames` is the window's audio in frames.
 */
export function splitAtTimestamps(
  tokens: readonly number[],
  timestampBegin: number,
  windowFrames: number,
): { segments: WindowSegment[]; advance: number } {
  const isTs = (t: number) => t >= timestampBegin;
  const time = (t: number) => (t - timestampBegin) * TIME_PRECISION;
  const windowSeconds = windowFrames / FRAMES_PER_SECOND;
  const n = tokens.length;
  const singleEnding = n >= 2 && !isTs(tokens[n - 2]!) && isTs(tokens[n - 1]!);
  const consecutive: number[] = [];
  for (let i = 1; i < n; i++) if (isTs(tokens[i]!) && isTs(tokens[i - 1]!)) consecutive.push(i);
  const segments: WindowSegment[] = [];
  const push = (start: number, end: number, toks: number[]) => {
    const text = toks.filter((t) => !isTs(t));
    if (text.length > 0) segments.push({ start, end: Math.max(start, end), tokens: text });
  };
  if (consecutive.length > 0) {
    const slices = singleEnding ? [...consecutive, n] : consecutive;
    let last = 0;
    for (const cut of slices) {
      const part = tokens.slice(last, cut);
      push(time(part[0]!), time(part.at(-1)!), part);
      last = cut;
    }
    if (singleEnding) return { segments, advance: windowFrames };
    const lastTs = tokens[last - 1]!;
    // At least one frame: a window never decodes itself again.
    return { segments, advance: Math.max(1, Math.round(time(lastTs) * FRAMES_PER_SECOND)) };
  }
  // No pair: one segment for the window, ending at its last timestamp when there is one.
  const stamps = tokens.filter(isTs);
  const end = stamps.length > 0 && stamps.at(-1)! !== timestampBegin ? time(stamps.at(-1)!) : windowSeconds;
  push(stamps.length > 0 && isTs(tokens[0]!) ? time(tokens[0]!) : 0, Math.min(end, windowSeconds), [
    ...tokens,
  ]);
  return { segments, advance: windowFrames };
}
