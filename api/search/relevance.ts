// Query-relative evidence for the text signal: how far a scene's similarity to the query stands above what this
// model gives text in general, on both sides and per language. multilingual-e5's cosines sit high and close
// together (unrelated text ~0.75–0.85), and lower across languages than within one, so no absolute floor keeps a
// Korean query's English answer (0.78–0.83) without letting in unrelated same-language text (up to 0.86).
//
// The standout of a (query, scene) pair is the sum of two z-scores of its cosine c:
//   query side: (c − μ) / σ over the query's cosines to the background passages in the scene's language;
//   scene side: (c − μ) / σ over the scene's cosines to the background passages, embedded as queries, in the
//               query's language.
// This is cross-domain similarity local scaling (CSLS, Conneau et al. 2018, "Word translation without parallel
// data") with z-scores instead of mean-centring, against a fixed background (api/search/background.ts) instead
// of the library's own neighbours: a query's background then does not depend on how many scenes a user has or
// what they are about (a library of three scenes, or one of only cooking, would otherwise have none or a
// skewed one). The scene side takes away hubness (passages close to everything); the per-language background
// takes away the cross-language offset.
import { logistic, type VectorCalibration } from '../../models/calibration.js';
import { l2normalize } from '../../models/runtime/embeddings.js';
import { BACKGROUND_PASSAGES } from './background.js';

export type TextLanguage = 'ko' | 'en';
export const BACKGROUND_LANGUAGES: readonly TextLanguage[] = ['ko', 'en'];

/**
 * The background's language a text is read against: Korean when at least a third of its letters are Hangul,
 * else English (which stands for every other script: the background has only these two).
 */
export function backgroundLanguage(text: string): TextLanguage {
  let hangul = 0;
  let letters = 0;
  for (const ch of text) {
    if (/\p{Script=Hangul}/u.test(ch)) hangul++;
    if (/\p{L}/u.test(ch)) letters++;
  }
  return letters > 0 && hangul * 3 >= letters ? 'ko' : 'en';
}

/** The background passages' vectors, per language, as passages (query side) and as queries (scene side). */
export interface TextBackground {
  passages: Record<TextLanguage, Float32Array[]>;
  queries: Record<TextLanguage, Float32Array[]>;
}

/** Embeds the background with a text model (64 short passages, twice: ~1 s on two CPU cores with e5-small). */
export async function embedBackground(embedder: {
  embed(texts: readonly string[], as: 'query' | 'passage'): Promise<Float32Array[]>;
}): Promise<TextBackground> {
  const out: TextBackground = { passages: { ko: [], en: [] }, queries: { ko: [], en: [] } };
  for (const lang of BACKGROUND_LANGUAGES) {
    out.passages[lang] = await embedder.embed(BACKGROUND_PASSAGES[lang], 'passage');
    out.queries[lang] = await embedder.embed(BACKGROUND_PASSAGES[lang], 'query');
  }
  return out;
}

/** The dot product: the cosine of two unit vectors. */
export const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Mean and standard deviation of v's cosines to a set of unit vectors. */
function spread(v: Float32Array, against: readonly Float32Array[]): { mean: number; sd: number } {
  const xs = against.map((b) => dot(v, b));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  // Identical background passages would give σ = 0; a floor keeps the z-score finite.
  return { mean, sd: Math.max(sd, 1e-4) };
}

/** A query's side of the standout, ready for any number of scenes. */
export interface QueryBackground {
  language: TextLanguage;
  /** Per scene language: the query's cosines to the background passages in that language. */
  bySceneLanguage: Record<TextLanguage, { mean: number; sd: number }>;
}

export function queryBackground(query: Float32Array, queryText: string, bg: TextBackground): QueryBackground {
  return {
    language: backgroundLanguage(queryText),
    bySceneLanguage: { ko: spread(query, bg.passages.ko), en: spread(query, bg.passages.en) },
  };
}

/** The standout of one scene for a query: see the top of this file. `cosine` is their similarity. */
export function standout(
  cosine: number,
  q: QueryBackground,
  scene: { vector: Float32Array; language: TextLanguage },
  bg: TextBackground,
): number {
  const qs = q.bySceneLanguage[scene.language];
  const ss = spread(scene.vector, bg.queries[q.language]);
  return (cosine - qs.mean) / qs.sd + (cosine - ss.mean) / ss.sd;
}

/** A pgvector text literal ('[0.1,0.2,…]') as a unit vector. */
export function parseVector(literal: string): Float32Array {
  const body = literal.trim().replace(/^\[/, '').replace(/\]$/, '');
  if (body === '') throw new RangeError('an empty vector');
  return l2normalize(Float32Array.from(body.split(',').map(Number)));
}

/** A scene's text evidence for a query: its cosine, its standout, and the relevance its pairing's fit gives. */
export interface TextEvidence {
  sceneId: string;
  cosine: number;
  standout: number;
  relevance: number;
  crossLanguage: boolean;
}

/**
 * The text signal's candidates that stand out enough, most relevant first: each candidate (its cosine from the
 * index) read against the background with its stored vector and its transcript's language, kept when its
 * standout reaches the floor of its language pairing. A candidate without a stored vector is dropped.
 */
export function textEvidence(
  candidates: readonly { sceneId: string; score: number }[],
  stored: ReadonlyMap<string, { vector: Float32Array; language: TextLanguage }>,
  q: QueryBackground,
  bg: TextBackground,
  cal: Pick<VectorCalibration, 'floor' | 'relevance' | 'crossLanguage'>,
): TextEvidence[] {
  const out: TextEvidence[] = [];
  for (const c of candidates) {
    const scene = stored.get(c.sceneId);
    if (!scene) continue;
    const crossLanguage = scene.language !== q.language;
    const part = crossLanguage && cal.crossLanguage ? cal.crossLanguage : cal;
    const s = standout(c.score, q, scene, bg);
    if (s < part.floor) continue;
    out.push({
      sceneId: c.sceneId,
      cosine: c.score,
      standout: s,
      relevance: logistic(part.relevance, s),
      crossLanguage,
    });
  }
  return out.sort(
    (a, b) => b.relevance - a.relevance || b.standout - a.standout || a.sceneId.localeCompare(b.sceneId),
  );
}
