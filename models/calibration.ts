// What a search signal's score means, per model: the floor below which a score is no evidence that a scene
// matches, and the map from a score to a relevance in 0–1 (a logistic fit, Platt scaling: the share of labelled
// (query, scene) pairs with that score that were right answers). Calibrated entries are written by
// `npx tsx scripts/calibrate-search.ts <model> --write` from the evaluation set (scripts/eval/search-set.ts); the
// others are provisional, marked as such, until their weights can be run here. Random-weight stand-ins
// (manifest `tiny`) have no entry: their signal is off.
//
// The evaluation set is small (a few hundred pairs, a few dozen relevant), and it is also what the figures in
// docs/benchmarks.md are measured on: these numbers are a first calibration, to be redone as the set grows.

export interface Logistic {
  a: number;
  b: number;
}

export interface VectorCalibration {
  /** Cosine similarity below which a scene is not a candidate for this model's signal. */
  floor: number;
  /** relevance = 1 / (1 + exp(-(a·cosine + b))). */
  relevance: Logistic;
  /** Where the numbers come from. */
  basis: string;
  /** Set when the numbers are not measured on this model's outputs: the response says so. */
  provisional?: string;
}

export interface LexicalCalibration {
  /** relevance = 1 / (1 + exp(-(a·score + b))), score being the weighted share of query terms found. */
  relevance: Logistic;
  basis: string;
}

export const VECTOR_CALIBRATION: Record<string, VectorCalibration> = {
  /* calibrated */
  'multilingual-e5-small': {
    floor: 0.862,
    relevance: { a: 81.4, b: -70.547 },
    basis:
      '42 queries × 20 scenes of scripts/eval/search-set.ts (2026-12-06): precision 0.952, recall 0.69 at the floor',
  },
  // Provisional: the large profile's weights are not reachable where this was built. BGE-M3's dense cosines run
  // lower than e5's (unrelated text typically 0.3–0.45); SigLIP 2's text-to-image cosines are small (matches
  // around 0.1–0.2). Recalibrate with the script once they can be run.
  'bge-m3': {
    floor: 0.5,
    relevance: { a: 30, b: -16.5 },
    basis: 'not measured: a guess from the model family’s published behaviour',
    provisional: 'the floor of bge-m3 is a guess, not calibrated',
  },
  'siglip2-so400m-patch14-384': {
    floor: 0.1,
    relevance: { a: 60, b: -7.5 },
    basis: 'not measured: a guess from the model family’s published behaviour',
    provisional: 'the floor of siglip2-so400m-patch14-384 is a guess, not calibrated',
  },
};

export const LEXICAL_CALIBRATION: LexicalCalibration = {
  relevance: { a: 11.338, b: -3.262 },
  basis: '42 queries × 20 scenes of scripts/eval/search-set.ts (2026-12-06): 25 pairs with a match',
};

export const logistic = (c: Logistic, x: number) => 1 / (1 + Math.exp(-(c.a * x + c.b)));
