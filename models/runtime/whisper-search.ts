// One window of Whisper decoding on the merged ONNX decoder with its key/value cache: greedy, beam search
// (openai-whisper's: width candidates, patience 1, ranked by log-probability over length) or sampling at a
// temperature (best of n). The rules of which token may come next are whisper-decode.ts's.
import { bool, float32, int64, type Output, type Session } from './onnx.js';
import { filterLogits, logSoftmax, type WhisperTokens } from './whisper-decode.js';

export interface DecoderShape {
  /** The decoder's past_key_values.* input names, in the session's order. */
  pastNames: readonly string[];
  heads: number;
  headDim: number;
}

export type Search =
  | { kind: 'greedy' }
  | { kind: 'beam'; width: number }
  | { kind: 'sample'; temperature: number; bestOf: number; random: () => number };

export interface SearchResult {
  tokens: number[];
  sumLogProb: number;
  /** The probability of <|nospeech|> right after <|startoftranscript|>. */
  noSpeechProb: number;
  /** The logits right after <|startoftranscript|> (the language token's distribution). */
  sotLogits: Float32Array;
}

interface Hypothesis {
  tokens: number[];
  sum: number;
  done: boolean;
}

/** Row `r` of a [batch, heads, length, dim] cache tensor for each source row, as a new batch. */
function gatherRows(t: Output, rows: readonly number[]): Output {
  const per = t.data.length / t.dims[0]!;
  const out = new Float32Array(per * rows.length);
  rows.forEach((r, i) => {
    out.set(t.data.subarray(r * per, (r + 1) * per), i * per);
  });
  return { data: out, dims: [rows.length, ...t.dims.slice(1)] };
}

function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

function sample(logits: Float32Array, temperature: number, random: () => number): number {
  const p = logSoftmax(logits, temperature);
  let u = random();
  for (let i = 0; i < p.length; i++) {
    u -= Math.exp(p[i]!);
    if (u <= 0) return i;
  }
  return argmax(p);
}

/** The k best ids of a row, best first. */
function topK(a: Float32Array, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === Number.NEGATIVE_INFINITY) continue;
    if (best.length < k) {
      best.push(i);
      best.sort((x, y) => a[y]! - a[x]!);
    } else if (a[i]! > a[best[k - 1]!]!) {
      best[k - 1] = i;
      best.sort((x, y) => a[y]! - a[x]!);
    }
  }
  return best;
}

/**
 * Decodes one window: `hidden` is the encoder's [1, frames, d] output, `prompt` the decoder's start (previous
 * text, <|startoftranscript|>, language, task), `sotIndex` where <|startoftranscript|> sits in it.
 */
export async function searchWindow(
  decoder: Session,
  shape: DecoderShape,
  hidden: Output,
  prompt: readonly number[],
  sotIndex: number,
  t: WhisperTokens,
  search: Search,
  opts: { maxTokens: number; timestamps: boolean; maxTimestampIndex: number },
): Promise<SearchResult> {
  const vocab = t.vocabSize;
  const empty = new Float32Array(0);
  const first = await decoder.run({
    input_ids: int64([...prompt], [1, prompt.length]),
    encoder_hidden_states: float32(hidden.data, hidden.dims),
    use_cache_branch: bool([false], [1]),
    ...Object.fromEntries(
      shape.pastNames.map((n) => [n, float32(empty, [1, shape.heads, 0, shape.headDim])]),
    ),
  });
  const logits0 = first.logits!;
  const noSpeech = logSoftmax(logits0.data.subarray(sotIndex * vocab, (sotIndex + 1) * vocab));
  const noSpeechProb = Math.exp(noSpeech[t.noSpeech]!);
  const sotLogits = logits0.data.slice(sotIndex * vocab, (sotIndex + 1) * vocab);
  if (opts.maxTokens <= 0) return { tokens: [], sumLogProb: 0, noSpeechProb, sotLogits };
  const width = search.kind === 'beam' ? search.width : search.kind === 'sample' ? search.bestOf : 1;
  const rows = Array.from({ length: width }, () => 0);
  // The cross-attention cache is the same for every row and every step: tiled once, fed back as is.
  const cache: Record<string, Output> = {};
  for (const n of shape.pastNames)
    cache[n] = gatherRows(first[n.replace('past_key_values', 'present')]!, rows);
  const hiddenB = gatherRows(hidden, rows);
  let last: Float32Array[] = rows.map(() =>
    logits0.data.slice((prompt.length - 1) * vocab, prompt.length * vocab),
  );
  let hyps: Hypothesis[] = rows.map(() => ({ tokens: [], sum: 0, done: false }));
  const finished: Hypothesis[] = [];
  const selfNames = shape.pastNames.filter((n) => n.includes('.decoder.'));

  for (let step = 0; step < opts.maxTokens; step++) {
    const next: Hypothesis[] = [];
    const sources: number[] = [];
    if (search.kind === 'beam') {
      const candidates: { from: number; token: number; sum: number }[] = [];
      // At the first step every row is the same: candidates from one of them.
      const live = step === 0 ? [0] : hyps.map((_, i) => i);
      for (const r of live) {
        const l = last[r]!;
        filterLogits(l, hyps[r]!.tokens, t, opts);
        const lp = logSoftmax(l);
        for (const token of topK(lp, width + 1))
          candidates.push({ from: r, token, sum: hyps[r]!.sum + lp[token]! });
      }
      candidates.sort((a, b) => b.sum - a.sum);
      for (const c of candidates) {
        const tokens = [...hyps[c.from]!.tokens, c.token];
        if (c.token === t.eot) {
          if (finished.length < width) finished.push({ tokens: tokens.slice(0, -1), sum: c.sum, done: true });
        } else if (next.length < width) {
          next.push({ tokens, sum: c.sum, done: false });
          sources.push(c.from);
        }
        if (next.length === width) break;
      }
      if (finished.length >= width || next.length === 0) break;
    } else {
      hyps.forEach((h, r) => {
        sources.push(r);
        if (h.done) {
          next.push(h);
          return;
        }
        const l = last[r]!;
        filterLogits(l, h.tokens, t, opts);
        const lp = logSoftmax(l);
        const token = search.kind === 'sample' ? sample(l, search.temperature, search.random) : argmax(lp);
        if (token === t.eot) next.push({ tokens: h.tokens, sum: h.sum + lp[token]!, done: true });
        else next.push({ tokens: [...h.tokens, token], sum: h.sum + lp[token]!, done: false });
      });
      if (next.every((h) => h.done)) {
        hyps = next;
        break;
      }
    }
    hyps = next;
    if (step === opts.maxTokens - 1) break;
    for (const n of selfNames) cache[n] = gatherRows(cache[n]!, sources);
    const fed = hyps.map((h) => (h.done ? t.eot : h.tokens.at(-1)!));
    const out = await decoder.run(
      {
        input_ids: int64(fed, [hyps.length, 1]),
        encoder_hidden_states: float32(hiddenB.data, hiddenB.dims),
        use_cache_branch: bool([true], [1]),
        ...Object.fromEntries(shape.pastNames.map((n) => [n, float32(cache[n]!.data, cache[n]!.dims)])),
      },
      ['logits', ...selfNames.map((n) => n.replace('past_key_values', 'present'))],
    );
    for (const n of selfNames) cache[n] = out[n.replace('past_key_values', 'present')]!;
    last = hyps.map((_, r) => out.logits!.data.slice(r * vocab, (r + 1) * vocab));
  }
  // Ranked by log-probability over length (openai-whisper's ranker, length penalty 1).
  const pool = search.kind === 'beam' && finished.length > 0 ? finished : hyps;
  const score = (h: Hypothesis) => h.sum / Math.max(1, h.tokens.length);
  const best = pool.reduce((a, b) => (score(b) > score(a) ? b : a));
  return { tokens: best.tokens, sumLogProb: best.sum, noSpeechProb, sotLogits };
}
