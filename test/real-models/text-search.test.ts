// multilingual-e5-small (the small profile, built from PyPI by models:build) through search on the real schema
// (embedded PGlite, migrated, 384-d vectors): Korean and English paraphrases find the English transcript that says
// it, among transcripts about other things, by meaning alone (the lexical signal off), above the calibrated floors.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nearest } from '../../api/search/repository.js';
import type { search } from '../../api/search/service.js';
import type { EmbeddedPostgres } from '../../core/db/embedded.js';
import { aScene, aUser, aVideo, startMigratedDatabase } from '../../core/db/testing.js';
import { loadTextEmbedder, type TextEmbedder } from '../../models/runtime/embeddings.js';
import { BUILD_TIMEOUT_MS, ensureRealModels, SMALL } from '../support/real-models.js';
import { smallProfileSearch } from '../support/search.js';

const TRANSCRIPTS = {
  beach: 'We grill meat on the beach while the sun goes down.',
  football: 'The children are playing football in the rain.',
  soup: 'First, cut the onions and the garlic into small pieces for the soup.',
  train: 'The train to Busan leaves the station at nine in the morning.',
  knitting: 'My grandmother is knitting a warm red sweater by the fireplace.',
  stocks: 'The stock market fell sharply after the central bank raised interest rates.',
};
const QUERIES: [string, keyof typeof TRANSCRIPTS][] = [
  ['비 오는 날 축구하는 아이들', 'football'],
  ['수프에 넣을 양파와 마늘을 써는 장면', 'soup'],
  ['할머니가 스웨터를 뜨는 모습', 'knitting'],
  ['금리 인상 후 주가 폭락', 'stocks'],
  ['barbecue at the seaside in the evening', 'beach'],
  ['kids kicking a ball while it rains', 'football'],
];
/**
 * Ranked first by similarity but below the cross-language floor (standouts 6.1 and 4.6 against 6.12,
 * docs/benchmarks.md): e5-small aligns "해변"/"beach" and "부산"/"Busan" too loosely to vouch for them.
 */
const BELOW_FLOOR: [string, keyof typeof TRANSCRIPTS][] = [
  ['해변에서 고기 굽는 장면', 'beach'],
  ['아침에 부산으로 가는 기차', 'train'],
];

let db: EmbeddedPostgres;
let sql: pg.Client;
let text: TextEmbedder;
let user: string;
let byMeaning: (q: string) => ReturnType<typeof search>;
const scenes = new Map<string, keyof typeof TRANSCRIPTS>();
beforeAll(async () => {
  const modelsDir = await ensureRealModels();
  text = await loadTextEmbedder(SMALL.text, { modelsDir });
  db = await startMigratedDatabase();
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  user = await aUser(sql);
  const video = await aVideo(sql, user, { state: 'indexed' });
  const names = Object.keys(TRANSCRIPTS) as (keyof typeof TRANSCRIPTS)[];
  const vectors = await text.embed(
    names.map((n) => TRANSCRIPTS[n]),
    'passage',
  );
  for (const [i, name] of names.entries()) {
    const id = await aScene(sql, video, i, {
      transcript: TRANSCRIPTS[name],
      text_vec: `[${Array.from(vectors[i]!).join(',')}]`,
      text_model: SMALL.text,
    });
    scenes.set(id, name);
  }
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  pools.push(pool);
  byMeaning = smallProfileSearch(pool, user, modelsDir, { lexical: 0, text: 1, vision: 0 });
}, BUILD_TIMEOUT_MS);
const pools: pg.Pool[] = [];
afterAll(async () => {
  for (const p of pools) await p.end();
  await sql?.end();
  await db?.close();
});

describe(`${SMALL.text} through search`, () => {
  it('gives 384-d unit vectors, queries and passages with their own prefixes', async () => {
    expect(text.model).toMatchObject({ name: 'multilingual-e5-small', dims: 384 });
    const [q] = await text.embed(['a dog runs on the beach'], 'query');
    const [p] = await text.embed(['a dog runs on the beach'], 'passage');
    expect(q).toHaveLength(384);
    expect(Math.hypot(...q!)).toBeCloseTo(1, 5);
    // The prefixes make a difference, but the same text stays close to itself.
    const cos = q!.reduce((a, x, i) => a + x * p![i]!, 0);
    expect(cos).toBeLessThan(0.9999);
    expect(cos).toBeGreaterThan(0.8);
  });

  it.each(QUERIES)('“%s” finds the transcript about %s first, by meaning alone', async (query, expected) => {
    const r = await byMeaning(query);
    expect(r.signals.text).toBe('on');
    expect(r.items.map((h) => scenes.get(h.scene_id))[0]).toBe(expected);
    expect(r.items[0]!.scores.lexical).toBeNull();
  });

  it.each(BELOW_FLOOR)(
    '“%s” ranks the transcript about %s nearest, below the floor',
    async (query, expected) => {
      const [v] = await text.embed([query], 'query');
      await sql.query('BEGIN');
      const found = await nearest(sql, { kind: 'text', model: SMALL.text }, user, v!, {}, 3);
      await sql.query('COMMIT');
      expect(found.map((f) => scenes.get(f.sceneId))[0]).toBe(expected);
    },
  );
});
