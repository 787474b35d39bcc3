// The vector signals of one search over vectors kept per model: which models' vectors serve the caller's videos
// (one per kind; two while a re-embed moves videos to a newly configured model, docs/architecture-notes.md
// "Vectors per model"), the query embedded with each, and one ranked list per signal from them.
import type pg from 'pg';
import { UNLABELLED, type VectorKind } from '../../core/db/vectors.js';
import type { VectorCalibration } from '../../models/calibration.js';
import { logistic } from '../../models/calibration.js';
import type { QueryEmbedders, VectorSignal } from './embedders.js';
import type { Ranked } from './query.js';
import * as repo from './repository.js';

export const KIND_OF: Record<VectorSignal, VectorKind> = { text: 'text', vision: 'image' };

/** One model's part of a signal: its vectors, the query in its space, its floor. */
export interface VectorQuery {
  signal: VectorSignal;
  model: string;
  vector: Float32Array;
  calibration: VectorCalibration;
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
  configured: Partial<Record<VectorSignal, { vector: Float32Array; calibration: VectorCalibration }>>,
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

/**
 * Inside the search's transaction: each signal's candidates at or above their model's floor. With two models the
 * lists are merged by calibrated relevance (their cosines are not on one scale), each scene once.
 */
export async function vectorLists(
  client: pg.ClientBase,
  userId: string,
  queries: readonly VectorQuery[],
  filters: repo.SearchFilters,
  depth: number,
): Promise<Partial<Record<VectorSignal, Ranked[]>>> {
  const lists: Partial<Record<VectorSignal, (Ranked & { relevance: number })[]>> = {};
  for (const vq of queries) {
    const found = await repo.nearest(
      client,
      { kind: KIND_OF[vq.signal], model: vq.model },
      userId,
      vq.vector,
      filters,
      depth,
    );
    const kept = found
      .filter((r) => r.score >= vq.calibration.floor)
      .map((r) => ({ ...r, relevance: logistic(vq.calibration.relevance, r.score) }));
    const list = lists[vq.signal];
    lists[vq.signal] = list ? [...list, ...kept] : kept;
  }
  const out: Partial<Record<VectorSignal, Ranked[]>> = {};
  for (const [signal, list] of Object.entries(lists) as [
    VectorSignal,
    (Ranked & { relevance: number })[],
  ][]) {
    const seen = new Set<string>();
    out[signal] = list
      .sort((a, b) => b.relevance - a.relevance || (a.sceneId < b.sceneId ? -1 : 1))
      .filter((r) => !seen.has(r.sceneId) && seen.add(r.sceneId))
      .slice(0, depth)
      .map(({ sceneId, score }) => ({ sceneId, score }));
  }
  return out;
}
