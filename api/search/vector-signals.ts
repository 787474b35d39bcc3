// The vector signals of one search over vectors kept per model: which models' vectors serve the caller's videos
// (one per kind; two while a re-embed moves videos to a newly configured model, docs/architecture-notes.md
// "Vectors per model"), the query embedded with each, and one ranked list per signal from them. A model whose
// calibration reads standouts (relevance.ts) is judged against its own background, per language pairing.
import type pg from 'pg';
import { UNLABELLED, type VectorKind } from '../../core/db/vectors.js';
import type { VectorCalibration } from '../../models/calibration.js';
import { logistic } from '../../models/calibration.js';
import type { QueryEmbedders, VectorSignal } from './embedders.js';
import type { Ranked } from './query.js';
import {
  backgroundLanguage,
  parseVector,
  queryBackground,
  type TextBackground,
  textEvidence,
} from './relevance.js';
import * as repo from './repository.js';

/**
 * Candidates a standout-calibrated model reads against its background, at least: a Korean query's English answer
 * has a lower cosine than same-language scenes that are not answers, so the index's nearest few may not hold it.
 */
export const STANDOUT_POOL = 200;

export const KIND_OF: Record<VectorSignal, VectorKind> = { text: 'text', vision: 'image' };

/** One model's part of a signal: its vectors, the query in its space, its floor. */
export interface VectorQuery {
  signal: VectorSignal;
  model: string;
  vector: Float32Array;
  calibration: VectorCalibration;
  /** The model's background, where its calibration reads standouts. */
  background?: TextBackground;
}

/** What a vector signal knew of a scene it kept: its cosine, its standout (or null), its calibrated relevance. */
export interface VectorHit {
  cosine: number;
  standout: number | null;
  relevance: number;
}

/**
 * Before the search's transaction (embedding is no work to hold a connection for): the models serving the caller's
 * videos per signal, each with the query embedded in its space. The configured model uses the query vector already
 * made; vectors written before models were recorded (model '') count as the configured model's when their dimension
 * is its; another model answers through embedWith(), or not at all when it cannot.
 */
export async function vectorQueries(
  db: pg.Pool,
  embedders: QueryEmbedders,
  userId: string,
  q: string,
  configured: Partial<
    Record<
      VectorSignal,
      { vector: Float32Array; calibration: VectorCalibration; background?: TextBackground }
    >
  >,
  videoIds?: string[],
): Promise<VectorQuery[]> {
  const out: VectorQuery[] = [];
  for (const signal of ['text', 'vision'] as const) {
    const own = configured[signal];
    if (!own) continue; // the signal is off (a stand-in, uncalibrated, weight 0): so for every model
    const served = await repo.servingModels(db, userId, KIND_OF[signal], videoIds ? { videoIds } : {});
    const active = embedders.model(signal);
    for (const { model, dims } of served) {
      if (model === active || (model === UNLABELLED && dims === own.vector.length)) {
        out.push({ signal, model, ...own });
        continue;
      }
      const other = await embedders.embedWith(signal, model, q);
      if (other && other.vector.length === dims) out.push({ signal, model, ...other });
    }
    // Nothing indexed yet with any model: the configured one still runs (it finds nothing, cheaply).
    if (served.length === 0) out.push({ signal, model: active, ...own });
  }
  return out;
}

/** One model's kept candidates: at or above its floor, on its criterion. */
async function keptBy(
  client: pg.ClientBase,
  userId: string,
  vq: VectorQuery,
  q: string,
  filters: repo.SearchFilters,
  depth: number,
): Promise<(VectorHit & { sceneId: string })[]> {
  const vectors = { kind: KIND_OF[vq.signal], model: vq.model };
  if (vq.calibration.criterion !== 'standout') {
    const found = await repo.nearest(client, vectors, userId, vq.vector, filters, depth);
    return found
      .filter((r) => r.score >= vq.calibration.floor)
      .map((r) => ({
        sceneId: r.sceneId,
        cosine: r.score,
        standout: null,
        relevance: logistic(vq.calibration.relevance, r.score),
      }));
  }
  // Its floors are in standout units: without the background nothing can reach them.
  if (!vq.background) return [];
  const pool = await repo.nearest(
    client,
    vectors,
    userId,
    vq.vector,
    filters,
    Math.max(depth, STANDOUT_POOL),
  );
  const stored = await repo.storedVectorsOf(
    client,
    userId,
    vectors,
    pool.map((r) => r.sceneId),
  );
  return textEvidence(
    pool,
    new Map(
      stored.map((r) => [
        r.scene_id,
        { vector: parseVector(r.vec), language: backgroundLanguage(r.transcript) },
      ]),
    ),
    queryBackground(vq.vector, q, vq.background),
    vq.background,
    vq.calibration,
  ).map((e) => ({ sceneId: e.sceneId, cosine: e.cosine, standout: e.standout, relevance: e.relevance }));
}

/**
 * Inside the search's transaction: each signal's candidates at or above their model's floor, ranked by calibrated
 * relevance, which is also each list's score (comparable across models, where cosines are not: with two models the
 * lists are merged by it, each scene once), with what each signal knew of each scene it kept.
 */
export async function vectorLists(
  client: pg.ClientBase,
  userId: string,
  queries: readonly VectorQuery[],
  q: string,
  filters: repo.SearchFilters,
  depth: number,
): Promise<{
  lists: Partial<Record<VectorSignal, Ranked[]>>;
  hits: Record<VectorSignal, Map<string, VectorHit>>;
}> {
  const found: Partial<Record<VectorSignal, (VectorHit & { sceneId: string })[]>> = {};
  for (const vq of queries)
    found[vq.signal] = [
      ...(found[vq.signal] ?? []),
      ...(await keptBy(client, userId, vq, q, filters, depth)),
    ];
  const lists: Partial<Record<VectorSignal, Ranked[]>> = {};
  const hits: Record<VectorSignal, Map<string, VectorHit>> = { text: new Map(), vision: new Map() };
  for (const [signal, list] of Object.entries(found) as [
    VectorSignal,
    (VectorHit & { sceneId: string })[],
  ][]) {
    const kept = list
      .sort((a, b) => b.relevance - a.relevance || (a.sceneId < b.sceneId ? -1 : 1))
      .filter((r) => !hits[signal].has(r.sceneId) && hits[signal].set(r.sceneId, r))
      .slice(0, depth);
    lists[signal] = kept.map((r) => ({ sceneId: r.sceneId, score: r.relevance }));
  }
  return { lists, hits };
}
