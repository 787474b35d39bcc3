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

/**
 * What a vector signal's floor and relevance are read on: the raw cosine similarity, or the standout of the
 * similarity above the query's and the scene's background (api/search/relevance.ts; text models only).
 */
export type Criterion = 'cosine' | 'standout';

export interface VectorCalibration {
  /** Default 'cosine'. */
  criterion?: Criterion;
  /** The criterion's value below which a scene is not a candidate for this model's signal. */
  floor: number;
  /** relevance = 1 / (1 + exp(-(a·x + b))), x being the criterion's value. */
  relevance: Logistic;
  /**
   * Language-aware floors (standout only): where the query's and the scene's languages differ (relevance.ts's
   * backgroundLanguage), this floor and map instead. Cross-language similarities stand out less, as the model
   * aligns languages less well than it matches words.
   */
  crossLanguage?: { floor: number; relevance: Logistic };
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
    criterion: 'standout',
    floor: 9.103,
    relevance: { a: 1.558, b: -11.41 },
    crossLanguage: { floor: 6.12, relevance: { a: 1.379, b: -8.26 } },
    basis:
      '71 queries × 20 scenes of scripts/eval/search-set.ts (2026-12-07): in-sample precision 0.974, recall 0.792 at the floor',
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

/**
 * Per text model: the floor and relevance of its screen vectors (the embed-screen stage's: what ocr read and the
 * names of the objects seen), which search reads beside the transcript's as part of the text signal. A passage
 * of a few words stands out for many queries loosely, so these floors sit above every near-miss and negative
 * query of the set (`scripts/calibrate-search.ts --screen`). A model without an entry: its screen vectors are
 * not searched.
 */
export const SCREEN_CALIBRATION: Record<string, VectorCalibration> = {
  /* calibrated */
  'multilingual-e5-small': {
    criterion: 'standout',
    floor: 12.93,
    relevance: { a: 1.214, b: -11.766 },
    crossLanguage: { floor: 11.01, relevance: { a: 0.624, b: -6.116 } },
    basis:
      '71 queries × 20 scenes (their drawn text) of scripts/eval/search-set.ts (2026-12-07): in-sample precision 1, recall 0.271 at the floor',
  },
};

export const LEXICAL_CALIBRATION: LexicalCalibration = {
  relevance: { a: 13.406, b: -4.404 },
  basis: '71 queries × 20 scenes of scripts/eval/search-set.ts (2026-12-07): 35 pairs with a match',
};

export const logistic = (c: Logistic, x: number) => 1 / (1 + Math.exp(-(c.a * x + c.b)));
