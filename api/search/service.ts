// Hybrid scene search: the query embedded once, three ranked candidate lists from Postgres, each cut at its
// signal's floor (only evidence is a candidate; the text signal's is read on the standout above the query's
// background, relevance.ts), fused by rank, each hit given a calibrated relevance, ties ordered by compareHits.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../../core/log.js';
import type { ObjectStore } from '../../core/storage/store.js';
import { LEXICAL_CALIBRATION, logistic, SCREEN_CALIBRATION } from '../../models/calibration.js';
import { ApiError } from '../errors.js';
import type { QueryEmbedders } from './embedders.js';
import {
  compareHits,
  emptyHint,
  fuse,
  normalizeQuery,
  type Ranked,
  relevanceOf,
  type Signal,
  signalState,
} from './query.js';
import * as repo from './repository.js';
import { snippetOf } from './snippet.js';
import { markTerms, matchTerms, needles, normalizeForMatch, phraseOf } from './text.js';
import { type VectorHit, vectorLists, vectorQueries } from './vector-signals.js';

export interface SearchDeps {
  db: pg.Pool;
  store: ObjectStore;
  embedders: QueryEmbedders;
  weights: Record<Signal, number>;
  artifactsBucket: string;
  uploadsBucket: string;
  log: Logger;
}

export interface SearchInput {
  q?: string;
  limit: number;
  cursor?: string;
  filters: repo.SearchFilters;
}

const URL_SECONDS = 15 * 60;
/** Deepest a cursor may page: fusion needs each signal's candidates down to offset + limit. */
const MAX_DEPTH = 500;

export async function search(deps: SearchDeps, userId: string, input: SearchInput) {
  const q = normalizeQuery(input.q);
  const normalised = normalizeForMatch(q);
  const marks = markTerms(normalised);
  const lexicalQuery = { phrase: phraseOf(normalised), needles: needles(matchTerms(normalised)) };
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([q, input.filters]))
    .digest('base64url')
    .slice(0, 12);
  const offset = input.cursor ? decodeSearchCursor(input.cursor, fingerprint) : 0;
  const depth = Math.min(MAX_DEPTH, Math.max(50, offset + input.limit * 2));
  const vectors = await deps.embedders.embed(q);
  const calibration = {
    text: vectors.text && deps.embedders.calibration('text'),
    vision: vectors.vision && deps.embedders.calibration('vision'),
  };
  const lists: Partial<Record<Signal, Ranked[]>> = {};
  /** What each vector signal knew of the scenes it kept (their lists' scores are calibrated relevances). */
  let hits: Record<'text' | 'vision', Map<string, VectorHit>> = { text: new Map(), vision: new Map() };
  // Only candidates with evidence: a lexical match, or a similarity at or above the model's calibrated floor. Each
  // model serving some of the caller's videos gets the query in its space (vector-signals.ts).
  const on = (signal: 'text' | 'vision') => {
    const vector = vectors[signal];
    const cal = calibration[signal];
    const background = signal === 'text' ? vectors.textBackground : undefined;
    return vector && cal && deps.weights[signal] > 0
      ? { vector, calibration: cal, ...(background && { background }) }
      : undefined;
  };
  const vq = await vectorQueries(
    deps.db,
    deps.embedders,
    userId,
    q,
    { ...(on('text') && { text: on('text') }), ...(on('vision') && { vision: on('vision') }) },
    input.filters.videoIds,
  );
  // One short read-only transaction on one connection: SET LOCAL for the iterative scans, and nothing
  // else inside it (embedding happened above), as the embedded Postgres serializes connections.
  const client = await deps.db.connect();
  try {
    await client.query('BEGIN READ ONLY');
    if (deps.weights.lexical > 0)
      lists.lexical = await repo.lexical(client, userId, lexicalQuery, input.filters, depth);
    const found = await vectorLists(client, userId, vq, q, input.filters, depth);
    Object.assign(lists, found.lists);
    hits = found.hits;
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  // The vector lists' scores are already relevances, each by its own model's calibration (vector-signals.ts).
  const same = (x: number) => x;
  const maps: Partial<Record<Signal, (score: number) => number>> = {
    lexical: (x) => logistic(LEXICAL_CALIBRATION.relevance, x),
    ...(calibration.text && { text: same }),
    ...(calibration.vision && { vision: same }),
  };
  const keys = await repo.orderKeysOf(deps.db, userId, [
    ...new Set(Object.values(lists).flatMap((l) => l.map((r) => r.sceneId))),
  ]);
  const fused = fuse(lists, deps.weights)
    .filter((f) => f.fused > 0)
    .map((f) => ({ ...f, r: relevanceOf(f.scores, maps), keys: keys.get(f.sceneId) }))
    .sort((a, b) =>
      compareHits(
        { ...a, relevance: a.r.relevance, uploaded: a.keys?.uploaded, startS: a.keys?.start_s },
        { ...b, relevance: b.r.relevance, uploaded: b.keys?.uploaded, startS: b.keys?.start_s },
      ),
    );
  const page = fused.slice(offset, offset + input.limit);
  const found = await repo.details(
    deps.db,
    userId,
    page.map((p) => p.sceneId),
  );
  const items = await Promise.all(
    page
      .filter((p) => found.has(p.sceneId))
      .map(async (p) => {
        const d = found.get(p.sceneId)!;
        const r = p.r;
        const text = hits.text.get(p.sceneId);
        const vision = hits.vision.get(p.sceneId);
        return {
          scene_id: d.scene_id,
          video_id: d.video_id,
          video_title: d.title,
          start_s: d.start_s,
          end_s: d.end_s,
          ...snippetOf(d, marks, text?.source),
          thumbnail_url: await thumbnailUrl(deps, d.thumbnail_key),
          relevance: round(r.relevance),
          strength: r.strength,
          score: p.fused,
          scores: {
            lexical: p.scores.lexical ?? null,
            text: text?.cosine ?? null,
            vision: vision?.cosine ?? null,
          },
          text_standout: text?.standout == null ? null : round(text.standout),
          // Which of the scene's texts the text model matched: what was said, shown written, or seen.
          text_source: text?.source ?? null,
          relevances: {
            lexical: roundOrNull(r.bySignal.lexical),
            text: roundOrNull(r.bySignal.text),
            vision: roundOrNull(r.bySignal.vision),
          },
        };
      }),
  );
  const more = offset + input.limit < fused.length && offset + input.limit < MAX_DEPTH;
  const off = deps.embedders.unavailable();
  const signals = {
    lexical: deps.weights.lexical > 0 ? 'on' : 'off: weight 0',
    text: signalState(deps.weights.text, vectors.text, calibration.text, off.text),
    vision: signalState(deps.weights.vision, vectors.vision, calibration.vision, off.vision),
  };
  return {
    query: q,
    items,
    next_cursor: more
      ? Buffer.from(JSON.stringify({ o: offset + input.limit, f: fingerprint })).toString('base64url')
      : null,
    signals,
    floors: {
      text: calibration.text?.floor ?? null,
      text_cross_language: calibration.text?.crossLanguage?.floor ?? null,
      screen: (calibration.text && SCREEN_CALIBRATION[deps.embedders.model('text')]?.floor) ?? null,
      screen_cross_language:
        (calibration.text && SCREEN_CALIBRATION[deps.embedders.model('text')]?.crossLanguage?.floor) ?? null,
      vision: calibration.vision?.floor ?? null,
    },
    floor_criteria: {
      text: calibration.text ? (calibration.text.criterion ?? 'cosine') : null,
      vision: calibration.vision ? (calibration.vision.criterion ?? 'cosine') : null,
    },
    hint: items.length === 0 && offset === 0 ? emptyHint(signals, narrowed(input.filters)) : null,
  };
}

const narrowed = (f: repo.SearchFilters) =>
  Boolean(f.videoIds?.length || f.uploadedFrom || f.uploadedTo || f.minDurationS !== undefined);

const round = (x: number) => Math.round(x * 1000) / 1000;
const roundOrNull = (x: number | null) => (x === null ? null : round(x));

function decodeSearchCursor(raw: string, fingerprint: string): number {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { o?: unknown; f?: unknown };
    if (typeof c.o === 'number' && Number.isInteger(c.o) && c.o >= 0 && c.f === fingerprint) return c.o;
  } catch {
    // fall through
  }
  throw new ApiError(
    'validation_failed',
    'query.cursor: not a cursor for this search (the query or filters changed)',
  );
}

async function thumbnailUrl(
  deps: Pick<SearchDeps, 'store' | 'artifactsBucket'>,
  key: string | null,
): Promise<string | null> {
  if (!key) return null;
  return (await deps.store.presignGet(deps.artifactsBucket, key, { expiresIn: URL_SECONDS })).url;
}

/** A playable link for one scene: the original, presigned, with a media fragment a browser player seeks to. */
export async function preview(deps: SearchDeps, userId: string, sceneId: string) {
  const scene = await repo.sceneOf(deps.db, userId, sceneId);
  if (!scene) throw new ApiError('not_found', 'No such scene.');
  const url = (
    await deps.store.presignGet(deps.uploadsBucket, scene.storage_key, {
      expiresIn: URL_SECONDS,
      ...(scene.filename ? { filename: scene.filename } : {}),
    })
  ).url;
  return {
    scene_id: scene.scene_id,
    video_id: scene.video_id,
    video_title: scene.title,
    start_s: scene.start_s,
    end_s: scene.end_s,
    url,
    media_fragment_url: `${url}#t=${fmt(scene.start_s)},${fmt(scene.end_s)}`,
    mime_type: scene.mime_type,
    thumbnail_url: await thumbnailUrl(deps, scene.thumbnail_key),
    expires_in: URL_SECONDS,
  };
}

const fmt = (s: number) => String(Math.round(s * 1000) / 1000);

export async function videoScenes(deps: SearchDeps, userId: string, videoId: string) {
  const scenes = await repo.scenesOfVideo(deps.db, userId, videoId);
  return Promise.all(
    scenes.map(async (s) => ({
      scene_id: s.scene_id,
      idx: s.idx,
      start_s: s.start_s,
      end_s: s.end_s,
      transcript: s.transcript,
      // What was read on screen, one line each (the ocr stage's).
      screen_text: s.screen_text ? s.screen_text.split('\n') : [],
      // What was seen (the objects stage's labels, most confident first).
      objects: (s.vision_tags ?? []).map((o) => ({
        label: o.label,
        label_ko: o.ko,
        confidence: o.confidence,
        area: o.area,
        seen_at: o.seenAt,
      })),
      thumbnail_url: await thumbnailUrl(deps, s.thumbnail_key),
    })),
  );
}
