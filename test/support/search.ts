// The search service as the API runs it, over a test's database, with the small profile's real query models:
// `run(q)` searches one user's scenes (first page of 10).
import type pg from 'pg';
import { lazyQueryEmbedders } from '../../api/search/embedders.js';
import type { Signal } from '../../api/search/query.js';
import { search } from '../../api/search/service.js';
import { createLogger } from '../../core/log.js';
import { LocalStore } from '../../core/storage/local.js';
import { tempDir } from './cleanup.js';
import { SMALL } from './real-models.js';

export function smallProfileSearch(
  pool: pg.Pool,
  user: string,
  modelsDir: string,
  weights: Record<Signal, number> = { lexical: 1, text: 1, vision: 1 },
): (q: string) => ReturnType<typeof search> {
  const log = createLogger('search-test', 'error');
  const deps = {
    db: pool,
    store: new LocalStore({ root: tempDir('search-store'), secret: 'x', publicUrl: 'http://127.0.0.1:1' }),
    embedders: lazyQueryEmbedders({ modelsDir, textModel: SMALL.text, visionModel: SMALL.vision }, log),
    weights,
    artifactsBucket: 'artifacts',
    uploadsBucket: 'uploads',
    log,
  };
  return (q) => search(deps, user, { q, limit: 10, filters: {} });
}
