// Fitting search's calibration on the labelled set (search-set.ts), shared by scripts/calibrate-search.ts (which
// writes it) and scripts/eval-search.ts --held-out (which searches each query with a fit it was not part of).
// A pair is one (query, scene) of the answerable queries (the picture queries left out); the folds split queries,
// never pairs.
import {
  backgroundLanguage,
  embedBackground,
  queryBackground,
  standout,
} from '../../api/search/relevance.js';
import { lexicalScore, normalizeForMatch } from '../../api/search/text.js';
import { screenLineForEmbedding } from '../../core/screen-passages.js';
import type { Criterion, Logistic, VectorCalibration } from '../../models/calibration.js';
import type { TextEmbedder } from '../../models/runtime/embeddings.js';
import { type EvalQuery, QUERIES, VIDEOS } from './search-set.js';

export const FOLDS = 5;

export interface Pair {
  query: EvalQuery;
  cos: number;
  standout: number;
  lexical: number;
  relevant: boolean;
  crossLanguage: boolean;
}

/**
 * Every pair of the set, embedded with `embedder` as search and the pipeline would: each scene's subtitle line as
 * its transcript, or (`of: 'screen'`) the text drawn on it, as the embed-screen stage embeds what ocr read.
 */
export async function labelledPairs(
  embedder: TextEmbedder,
  of: 'transcript' | 'screen' = 'transcript',
): Promise<Pair[]> {
  const background = await embedBackground(embedder);
  const scenes = VIDEOS.flatMap((v) =>
    v.scenes.map((s, i) => ({
      ref: `${v.key}/${i}`,
      text: of === 'screen' ? screenLineForEmbedding(s.onScreen) : s.subtitle,
    })),
  );
  const passages = await embedder.embed(
    scenes.map((s) => s.text),
    'passage',
  );
  const queries = await embedder.embed(
    QUERIES.map((q) => q.q),
    'query',
  );
  const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
  return QUERIES.flatMap((q, i) => {
    if (q.kind === 'visual') return [];
    const qb = queryBackground(queries[i]!, q.q, background);
    return scenes.map((s, j) => {
      const cos = dot(queries[i]!, passages[j]!);
      const language = backgroundLanguage(s.text);
      return {
        query: q,
        cos,
        standout: standout(cos, qb, { vector: passages[j]!, language }, background),
        lexical: lexicalScore(normalizeForMatch(q.q.normalize('NFC')), s.text),
        relevant: q.relevant.includes(s.ref),
        crossLanguage: language !== qb.language,
      };
    });
  });
}

/** Each query's fold: within each kind, queries go round-robin, so every fold holds some of each. */
export function folds(queries: readonly EvalQuery[]): Map<EvalQuery, number> {
  const fold = new Map<EvalQuery, number>();
  const seen = new Map<string, number>();
  for (const q of queries) {
    const n = seen.get(q.kind) ?? 0;
    seen.set(q.kind, n + 1);
    fold.set(q, (n + [...seen.keys()].indexOf(q.kind)) % FOLDS);
  }
  return fold;
}

export interface Scored {
  score: number;
  relevant: boolean;
}

export function at(xs: Scored[], t: number) {
  const positives = xs.filter((x) => x.relevant).length;
  const tp = xs.filter((x) => x.relevant && x.score >= t).length;
  const fp = xs.filter((x) => !x.relevant && x.score >= t).length;
  const precision = tp + fp ? tp / (tp + fp) : 1;
  const recall = positives ? tp / positives : 1;
  const f05 = precision + recall ? (1.25 * precision * recall) / (0.25 * precision + recall) : 0;
  return { t, precision, recall, f05, fp };
}

/**
 * The threshold with the best F0.5 over the midpoints between observed scores (precision weighs twice recall: a
 * wrong hit costs a person more than a missed one, which another signal may still find).
 */
export function bestFloor(xs: Scored[]) {
  const sorted = [...new Set(xs.map((x) => x.score))].sort((a, b) => a - b);
  return sorted
    .slice(1)
    .map((c, i) => at(xs, (c + sorted[i]!) / 2))
    .reduce((a, b) => (b.f05 > a.f05 ? b : a));
}

/** Logistic regression of relevance on the score by Newton's method (two parameters, no regularisation but a cap). */
export function platt(xs: Scored[]): Logistic {
  let a = 0;
  let b = 0;
  for (let it = 0; it < 100; it++) {
    let [ga, gb, haa, hab, hbb] = [0, 0, 0, 0, 0];
    for (const x of xs) {
      const p = 1 / (1 + Math.exp(-(a * x.score + b)));
      const e = p - (x.relevant ? 1 : 0);
      const w = Math.max(p * (1 - p), 1e-9);
      ga += e * x.score;
      gb += e;
      haa += w * x.score * x.score;
      hab += w * x.score;
      hbb += w;
    }
    // A small ridge keeps a perfectly separable set from running off to infinity.
    haa += 1e-3;
    hbb += 1e-3;
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  return { a: Math.max(-200, Math.min(200, a)), b: Math.max(-200, Math.min(200, b)) };
}
export const sigmoid = (c: Logistic, x: number) => 1 / (1 + Math.exp(-(c.a * x + c.b)));

/** A floor and a relevance fit; with language-aware floors, one for pairs within a language, one across. */
export interface Part {
  floor: number;
  fit: Logistic;
}
export interface Fit {
  criterion: Criterion;
  same: Part;
  cross?: Part;
}

export const criterionValue = (criterion: Criterion, p: Pair) =>
  criterion === 'cosine' ? p.cos : p.standout;
export const partOf = (f: Fit, p: Pair) => (p.crossLanguage && f.cross ? f.cross : f.same);

function fitPart(ps: Pair[], criterion: Criterion): Part {
  const scored = ps.map((p) => ({ score: criterionValue(criterion, p), relevant: p.relevant }));
  return { floor: bestFloor(scored).t, fit: platt(scored) };
}

export function fitOn(ps: Pair[], criterion: Criterion, byLanguage: boolean): Fit {
  return byLanguage
    ? {
        criterion,
        same: fitPart(
          ps.filter((p) => !p.crossLanguage),
          criterion,
        ),
        cross: fitPart(
          ps.filter((p) => p.crossLanguage),
          criterion,
        ),
      }
    : { criterion, same: fitPart(ps, criterion) };
}

/** A fit as the calibration search reads. */
export const asCalibration = (f: Fit, basis: string): VectorCalibration => ({
  criterion: f.criterion,
  floor: f.same.floor,
  relevance: f.same.fit,
  ...(f.cross && { crossLanguage: { floor: f.cross.floor, relevance: f.cross.fit } }),
  basis,
});
