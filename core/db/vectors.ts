// Scene vectors per model (migration 0010): the names and SQL every reader and writer of scene_vectors shares, and
// the per-model HNSW index the product creates the first time it writes a model's vectors.
import { createHash } from 'node:crypto';
import type pg from 'pg';

/** What a vector describes: the transcript, the pictures (scene and frames), the text on screen. */
export const VECTOR_KINDS = ['text', 'image', 'screen'] as const;
export type VectorKind = (typeof VECTOR_KINDS)[number];

/** The model name of vectors written before models were recorded (migration 0010). */
export const UNLABELLED = '';

/** The idx of a scene's own vector; frames count from 0. */
export const SCENE_VECTOR = -1;

// Model names go into index predicates as literals (a partial index is matched on the literal); the manifest's names
// are all of this shape, and nothing else reaches SQL.
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The model name as an SQL string literal, or a RangeError for a name that is not a model's. */
export function modelLiteral(model: string): string {
  if (model !== UNLABELLED && !MODEL_NAME.test(model))
    throw new RangeError(`not a model name: ${JSON.stringify(model)}`);
  return `'${model}'`;
}

/**
 * The predicate of the (model, kind, dimension) index and of every query meant to use it: the same text, so the
 * planner can prove the query's rows are the index's. The dimension is checked too: a model rebuilt with another
 * size (a test model) gets a second index instead of failing the cast.
 */
export function vectorPredicate(alias: string, model: string, kind: VectorKind, dims: number): string {
  const a = alias ? `${alias}.` : '';
  return `${a}model = ${modelLiteral(model)} AND ${a}kind = '${kind}' AND vector_dims(${a}vec) = ${Math.trunc(dims)}`;
}

/** The indexed expression: the vector cast to its model's dimension. */
export const castVec = (alias: string, dims: number) =>
  `${alias ? `${alias}.` : ''}vec::vector(${Math.trunc(dims)})`;

/** `scene_vectors_<model>_<kind>_<dims>_<hash>`, at most 63 characters, distinct per (model, kind, dims). */
export function vectorIndexName(model: string, kind: VectorKind, dims: number): string {
  const hash = createHash('sha256').update(`${model}\0${kind}\0${dims}`).digest('hex').slice(0, 6);
  const slug = model
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 24);
  return `scene_vectors_${slug}_${kind}_${dims}_${hash}`;
}

type Queryable = Pick<pg.Pool, 'query'>;

/**
 * Creates the HNSW index of a model's vectors of one kind unless it exists. Called outside any transaction, before
 * the first write of that model's vectors (an index built over an empty set grows with the rows, which is cheaper
 * than building it over a million rows later). Two writers racing both succeed: the loser's duplicate is ignored.
 */
export async function ensureVectorIndex(
  db: Queryable,
  model: string,
  kind: VectorKind,
  dims: number,
): Promise<void> {
  if (!Number.isInteger(dims) || dims < 1 || dims > 16000) throw new RangeError(`bad dimension ${dims}`);
  if (model === UNLABELLED) return; // indexed by migration 0010
  const name = vectorIndexName(model, kind, dims);
  try {
    await db.query(
      `CREATE INDEX IF NOT EXISTS ${name} ON scene_vectors
         USING hnsw ((${castVec('', dims)}) vector_cosine_ops) WHERE ${vectorPredicate('', model, kind, dims)}`,
    );
  } catch (error) {
    // 42P07 duplicate relation / 23505 unique violation on pg_class: another writer created it meanwhile.
    const code = (error as { code?: string }).code;
    if (code !== '42P07' && code !== '23505') throw error;
  }
}

/** Which model's vectors serve a video, per kind (video_vectors). */
export async function videoVectorModels(
  db: Queryable,
  videoId: string,
): Promise<Partial<Record<VectorKind, { model: string; dims: number }>>> {
  const { rows } = await db.query<{ kind: VectorKind; model: string; dims: number }>(
    'SELECT kind, model, dims FROM video_vectors WHERE video_id = $1',
    [videoId],
  );
  return Object.fromEntries(rows.map((r) => [r.kind, { model: r.model, dims: r.dims }]));
}
