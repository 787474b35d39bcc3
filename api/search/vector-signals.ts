// The vector signals of one search over vectors kept per model: which models' vectors serve the caller's videos
// (one per kind; two while a re-embed moves videos to a newly configured model, docs/architecture-notes.md
// "Vectors per model"), the query embedded with each, and one ranked list per signal from them. A model whose
// calibration reads standouts (relevance.ts) is judged against its own background, per language pairing.
// The text signal reads two kinds of the text model's vectors: the transcript's, and those of what is on screen
// (the embed-screen stage's: screen text and object names, core/screen-passages.ts), each at its own calibrated
// floor (SCREEN_CALIBRATION), and a scene counts once, by its more relevant evidence: both are the same model's
// reading of the same scene, so they are not two independent signals to add up (docs/architecture-notes.md).
import type pg from 'pg';
import { UNLABELLED, type VectorKind } from '../../core/db/vectors.js';
import { screenPassageAt } from '../../core/screen-passages.js';
import type { VectorCalibration } from '../../models/calibration.js';
import { logistic, SCREEN_CALIBRATION } from '../../models/calibration.js';
import type { QueryEmbedders, VectorSignal } from './embedders.js';
import type { Ranked } from './query.js';
import {
  backgroundLanguage,
  dot,
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

/** One model's part of a signal: its vectors (of one kind), the query in its space, its floor. */
export interface VectorQuery {
  signal: VectorSignal;
  kind: VectorKind;
  model: string;
  vector: Float32Array;
  calibration: VectorCalibration;
  /** The model's background, where its calibration reads standouts. */
  background?: TextBackground;
}

/** What the evidence of a text-signal hit is: the transcript, the text on screen, or the objects' names. */
export type EvidenceSource = 'transcript' | 'screen' | 'objects';

/** What a vector signal knew of a scene it kept: its cosine, its standout (or null), its calibrated relevance. */
export interface VectorHit {
  cosine: number;
  standout: number | null;
  relevance: number;
  /** Text signal: which of the scene's texts gave the evidence (the picture signal: undefined). */
  source?: EvidenceSource;
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
        out.push({ signal, kind: KIND_OF[signal], model, ...own });
        continue;
      }
      const other = await embedders.embedWith(signal, model, q);
      if (other && other.vector.length === dims) out.push({ signal, kind: KIND_OF[signal], model, ...other });
    }
    // Nothing indexed yet with any model: the configured one still runs (it finds nothing, cheaply).
    if (served.length === 0) out.push({ signal, kind: KIND_OF[signal], model: active, ...own });
    if (signal === 'text') out.push(...(await screenQueries(db, embedders, userId, q, own, videoIds)));
  }
  return out;
}

/** The text model's screen vectors serving the caller's videos, each model's at its screen floor; none uncalibrated. */
async function screenQueries(
  db: pg.Pool,
  embedders: QueryEmbedders,
  userId: string,
  q: string,
  own: { vector: Float32Array; background?: TextBackground },
  videoIds?: string[],
): Promise<VectorQuery[]> {
  const out: VectorQuery[] = [];
  const served = await repo.servingModels(db, userId, 'screen', videoIds ? { videoIds } : {});
  for (const { model, dims } of served) {
    const calibration = SCREEN_CALIBRATION[model];
    if (!calibration) continue;
    const query = model === embedders.model('text') ? own : await embedders.embedWith('text', model, q);
    if (query && query.vector.length === dims)
      out.push({
        signal: 'text',
        kind: 'screen',
        model,
        vector: query.vector,
        calibration,
        ...(query.background && { background: query.background }),
      });
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
  const vectors = { kind: vq.kind, model: vq.model };
  if (vq.kind === 'screen') return screenKept(client, userId, vq, q, filters, depth);
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
  const pool = await standoutPool(client, userId, vq, filters, depth);
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
  ).map((e) => ({
    sceneId: e.sceneId,
    cosine: e.cosine,
    standout: e.standout,
    relevance: e.relevance,
    ...(vq.signal === 'text' && { source: 'transcript' as const }),
  }));
}

/** The nearest scenes a standout is read for: at least STANDOUT_POOL. */
const standoutPool = (
  client: pg.ClientBase,
  userId: string,
  vq: VectorQuery,
  filters: repo.SearchFilters,
  depth: number,
) =>
  repo.nearest(
    client,
    { kind: vq.kind, model: vq.model },
    userId,
    vq.vector,
    filters,
    Math.max(depth, STANDOUT_POOL),
  );

/**
 * The screen vectors' kept candidates: the scenes whose best passage is nearest the query, each passage read against
 * the background in its own language (its place says which for object names; screen text's letters for the rest),
 * and a scene kept by its most relevant passage at or above its pairing's floor.
 */
async function screenKept(
  client: pg.ClientBase,
  userId: string,
  vq: VectorQuery,
  q: string,
  filters: repo.SearchFilters,
  depth: number,
): Promise<(VectorHit & { sceneId: string })[]> {
  if (vq.calibration.criterion !== 'standout' || !vq.background) return [];
  const pool = await standoutPool(client, userId, vq, filters, depth);
  const stored = await repo.storedScreenVectorsOf(
    client,
    userId,
    vq.model,
    pool.map((r) => r.sceneId),
  );
  const passages = new Map<string, { vector: Float32Array; language: 'ko' | 'en' }>();
  const candidates: { sceneId: string; score: number }[] = [];
  const of = new Map<string, { sceneId: string; source: EvidenceSource }>();
  for (const r of stored) {
    const at = screenPassageAt(r.idx);
    const vector = parseVector(r.vec);
    const key = `${r.scene_id}:${r.idx}`;
    passages.set(key, { vector, language: at.language ?? backgroundLanguage(r.screen_text) });
    candidates.push({ sceneId: key, score: dot(vq.vector, vector) });
    of.set(key, { sceneId: r.scene_id, source: at.source });
  }
  const best = new Map<string, VectorHit & { sceneId: string }>();
  // Most relevant first: a scene's first passage kept is its best.
  for (const e of textEvidence(
    candidates,
    passages,
    queryBackground(vq.vector, q, vq.background),
    vq.background,
    vq.calibration,
  )) {
    const { sceneId, source } = of.get(e.sceneId)!;
    if (!best.has(sceneId))
      best.set(sceneId, { sceneId, cosine: e.cosine, standout: e.standout, relevance: e.relevance, source });
  }
  return [...best.values()];
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
