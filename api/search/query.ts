// Pure parts of search: checking the query, its terms, fusing ranked lists, and marking matches in a snippet.
import type { VectorCalibration } from '../../models/calibration.js';
import { ApiError } from '../errors.js';
import { foldedIndex, wordBoundary } from './text.js';

export const MAX_QUERY_CHARS = 500;

export type Signal = 'lexical' | 'text' | 'vision';
export const SIGNALS: readonly Signal[] = ['lexical', 'text', 'vision'];

/** NFC (macOS and some tools send decomposed Hangul), collapsed whitespace; a clear 400 when unusable. */
export function normalizeQuery(raw: string | undefined): string {
  const q = (raw ?? '').normalize('NFC').replace(/\s+/g, ' ').trim();
  if (q === '')
    throw new ApiError('validation_failed', 'query.q: type something to search for', [
      { field: 'query.q', message: 'must not be empty' },
    ]);
  if ([...q].length > MAX_QUERY_CHARS) {
    throw new ApiError('validation_failed', `query.q: at most ${MAX_QUERY_CHARS} characters`, [
      { field: 'query.q', message: `at most ${MAX_QUERY_CHARS} characters` },
    ]);
  }
  return q;
}

export interface Ranked {
  sceneId: string;
  score: number;
}

export interface Fused {
  sceneId: string;
  fused: number;
  scores: Partial<Record<Signal, number>>;
  ranks: Partial<Record<Signal, number>>;
}

/**
 * Reciprocal rank fusion (Cormack et al.): each signal adds weight / (k + rank). Ranks, not raw
 * scores, are fused because trigram similarity and cosine similarity live on different scales.
 */
export function fuse(
  lists: Partial<Record<Signal, Ranked[]>>,
  weights: Record<Signal, number>,
  k = 60,
): Fused[] {
  const out = new Map<string, Fused>();
  for (const signal of SIGNALS) {
    const list = lists[signal] ?? [];
    // Equal scores share a rank (1, 2, 2, 4): which of two equal scores a list happens to put first says
    // nothing, so it must not move either in the fused order.
    let rank = 0;
    list.forEach((r, i) => {
      if (i === 0 || r.score !== list[i - 1]!.score) rank = i + 1;
      const f = out.get(r.sceneId) ?? { sceneId: r.sceneId, fused: 0, scores: {}, ranks: {} };
      f.fused += weights[signal] / (k + rank);
      f.scores[signal] = r.score;
      f.ranks[signal] = rank;
      out.set(r.sceneId, f);
    });
  }
  return [...out.values()].sort((a, b) => b.fused - a.fused || a.sceneId.localeCompare(b.sceneId));
}

/** What orders one hit against another, beyond its fused score. */
export interface OrderKeys {
  fused: number;
  relevance: number;
  /** The video's upload time, ms since the epoch (newer first); undefined sorts last. */
  uploaded?: number;
  /** Where the scene starts in its video, seconds (earlier first). */
  startS?: number;
  sceneId: string;
}

/**
 * The order of results, total and stable: the fused rank, then the calibrated relevance (the stronger evidence),
 * then the newer video, then the earlier scene in it (a story read from its start), then the scene id, so the same
 * library and query give the same order on every run.
 */
export function compareHits(a: OrderKeys, b: OrderKeys): number {
  return (
    b.fused - a.fused ||
    b.relevance - a.relevance ||
    (b.uploaded ?? Number.NEGATIVE_INFINITY) - (a.uploaded ?? Number.NEGATIVE_INFINITY) ||
    (a.startS ?? Number.POSITIVE_INFINITY) - (b.startS ?? Number.POSITIVE_INFINITY) ||
    (a.sceneId < b.sceneId ? -1 : a.sceneId > b.sceneId ? 1 : 0)
  );
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A window of the transcript around the first match, with every occurrence of a query term wrapped in
 * <mark>…</mark>; the rest is HTML-escaped so the snippet can be shown as is. Terms (normalised as for matching,
 * text.ts) are found in the transcript as matching sees it: folded (NFKC, lower case) and with spaces and
 * punctuation skipped, so "바닷가에서조개" marks "바닷가에서 조개" and "red" marks "ＲＥＤ"; Hangul anywhere (고기 inside
 * 고기를), Latin as a whole word (the terms passed carry each word's forms: text.ts, markTerms).
 */
export function highlight(transcript: string, terms: readonly string[], width = 160): string {
  if (!transcript) return '';
  const text = transcript.normalize('NFC');
  const index = foldedIndex(text);
  const { flat, from, to } = index;
  const spans: [number, number][] = [];
  for (const t of terms) {
    const needle = t.replaceAll(' ', '');
    if (!needle) continue;
    const whole = !/\p{Script=Hangul}/u.test(needle);
    for (let at = flat.indexOf(needle); at !== -1; at = flat.indexOf(needle, at + 1)) {
      if (whole && !(wordBoundary(index, at) && wordBoundary(index, at + needle.length))) continue;
      spans.push([from[at]!, to[at + needle.length - 1]!]);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const s of spans) {
    const last = merged.at(-1);
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else merged.push([...s]);
  }
  const first = merged[0]?.[0] ?? 0;
  const start = Math.max(0, Math.min(first - Math.floor(width / 3), text.length - width));
  const end = Math.min(text.length, start + width);
  let out = start > 0 ? '…' : '';
  let pos = start;
  for (const [a, b] of merged) {
    if (b <= start || a >= end) continue;
    const from = Math.max(a, start);
    const to = Math.min(b, end);
    out += `${escapeHtml(text.slice(pos, from))}<mark>${escapeHtml(text.slice(from, to))}</mark>`;
    pos = to;
  }
  out += escapeHtml(text.slice(pos, end)) + (end < text.length ? '…' : '');
  return out;
}

export type Strength = 'strong' | 'good' | 'weak';

export interface Relevance {
  /** 0–1: the chance that a scene with these signal scores is a right answer, by the calibration. */
  relevance: number;
  strength: Strength;
  /** Each signal's own calibrated relevance (null where it gave no evidence). */
  bySignal: Record<Signal, number | null>;
}

/** Calibrated relevance from each signal's raw score; `maps` turns a signal's score into its 0–1 relevance. */
export function relevanceOf(
  scores: Partial<Record<Signal, number>>,
  maps: Partial<Record<Signal, (score: number) => number>>,
): Relevance {
  const bySignal = { lexical: null, text: null, vision: null } as Record<Signal, number | null>;
  let none = 1;
  for (const signal of SIGNALS) {
    const score = scores[signal];
    const map = maps[signal];
    if (score === undefined || !map) continue;
    const r = Math.min(1, Math.max(0, map(score)));
    bySignal[signal] = r;
    // Noisy-OR: each signal is independent evidence, so agreement raises the relevance and one strong signal
    // is enough; a scene no signal vouches for would be 0, but such a scene is never a candidate.
    none *= 1 - r;
  }
  const relevance = 1 - none;
  return { relevance, strength: strengthOf(relevance), bySignal };
}

/** Named strengths: strong ≥ 0.8, good ≥ 0.5, weak below (still above every signal's floor). */
export const strengthOf = (relevance: number): Strength =>
  relevance >= 0.8 ? 'strong' : relevance >= 0.5 ? 'good' : 'weak';

/** A signal's state for the response: on, on with a caveat, or off and why. */
export function signalState(
  weight: number,
  vector: Float32Array | undefined,
  calibration: VectorCalibration | undefined,
  why: string | undefined,
): string {
  if (weight <= 0) return 'off: weight 0';
  if (!vector || !calibration) return `off: ${why ?? 'no query embedding'}`;
  return calibration.provisional ? `on (${calibration.provisional})` : 'on';
}

/** What a person can try when nothing matched, from what was searched and how. */
export function emptyHint(signals: Record<Signal, string>, narrowed: boolean): string {
  if (narrowed) return 'No scene matched within the filters: try without them.';
  const meaning = signals.text.startsWith('on') || signals.vision.startsWith('on');
  return meaning
    ? 'No scene has these words, and none is close enough in meaning: try other or fewer words, or the other language (Korean or English).'
    : 'No scene has these words (search by meaning is off, see signals): try other or fewer words, as they are said in the video.';
}
