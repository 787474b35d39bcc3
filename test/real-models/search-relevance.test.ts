// The search service with the small profile's real text model (multilingual-e5-small) on the real schema
// (embedded PGlite, migrated): what matches nothing returns nothing and says why, hits carry a calibrated
// relevance, and the picture signal of the random stand-in (tiny-siglip2) is off.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backgroundLanguage } from '../../api/search/relevance.js';
import type { search } from '../../api/search/service.js';
import type { EmbeddedPostgres } from '../../core/db/embedded.js';
import { aScene, aUser, aVideo, startMigratedDatabase } from '../../core/db/testing.js';
import { SCREEN_CALIBRATION, VECTOR_CALIBRATION } from '../../models/calibration.js';
import { loadTextEmbedder } from '../../models/runtime/embeddings.js';
import { BUILD_TIMEOUT_MS, ensureRealModels, SMALL } from '../support/real-models.js';
import { smallProfileSearch } from '../support/search.js';

const TRANSCRIPTS = {
  beach: '우리는 바닷가에서 고기를 구웠다',
  clams: '바닷가에서 조개를 주웠다',
  train: 'The train to Busan leaves the station at nine in the morning.',
  soup: 'First, cut the onions and the garlic into small pieces for the soup.',
  snowman: '눈 오는 날 강아지와 눈사람을 만들었다',
  stocks: 'The stock market fell sharply after the central bank raised interest rates.',
};
type Name = keyof typeof TRANSCRIPTS;

let db: EmbeddedPostgres;
let pool: pg.Pool;
let user: string;
let run: (q: string) => ReturnType<typeof search>;
const names = new Map<string, Name>();

beforeAll(async () => {
  const modelsDir = await ensureRealModels();
  const text = await loadTextEmbedder(SMALL.text, { modelsDir });
  db = await startMigratedDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 1 });
  user = await aUser(pool);
  const video = await aVideo(pool, user, { state: 'indexed' });
  const keys = Object.keys(TRANSCRIPTS) as Name[];
  const vectors = await text.embed(
    keys.map((k) => TRANSCRIPTS[k]),
    'passage',
  );
  for (const [i, k] of keys.entries()) {
    const id = await aScene(pool, video, i, {
      transcript: TRANSCRIPTS[k],
      text_vec: `[${Array.from(vectors[i]!).join(',')}]`,
      text_model: SMALL.text,
    });
    names.set(id, k);
  }
  run = smallProfileSearch(pool, user, modelsDir);
}, BUILD_TIMEOUT_MS);
afterAll(async () => {
  await pool?.end();
  await db?.close();
});

describe(`search with ${SMALL.text} and the stand-in ${SMALL.vision}`, () => {
  it.each(['zebra', 'zzzz', '고양이', 'quantum chromodynamics lecture', 'a giraffe at the zoo'])(
    '“%s” matches nothing, and the answer says so with a hint',
    async (q) => {
      const r = await run(q);
      expect(r.items).toEqual([]);
      expect(r.hint).toMatch(/close enough in meaning/);
      expect(r.next_cursor).toBeNull();
    },
  );

  it('says which signals were used and why the picture signal is off', async () => {
    const r = await run('zebra');
    expect(r.signals).toEqual({
      lexical: 'on',
      text: 'on',
      vision: expect.stringMatching(/^off: model tiny-siglip2 is a random-weight stand-in/),
    });
    const cal = VECTOR_CALIBRATION[SMALL.text]!;
    const screen = SCREEN_CALIBRATION[SMALL.text]!;
    expect(r.floors).toEqual({
      text: cal.floor,
      text_cross_language: cal.crossLanguage!.floor,
      screen: screen.floor,
      screen_cross_language: screen.crossLanguage!.floor,
      vision: null,
    });
    expect(r.floor_criteria).toEqual({ text: 'standout', vision: null });
  });

  it('finds Korean typed without spaces, with a strong calibrated relevance and each signal’s own score', async () => {
    const r = await run('바닷가에서조개');
    expect(names.get(r.items[0]!.scene_id)).toBe('clams');
    expect(r.items[0]).toMatchObject({ strength: 'strong', scores: { lexical: 1, vision: null } });
    expect(r.items[0]!.relevance).toBeGreaterThanOrEqual(0.8);
    expect(r.items[0]!.relevances.lexical).toBeGreaterThan(0.9);
    expect(r.hint).toBeNull();
  });

  it('returns only scenes some signal vouches for, each above its floor', async () => {
    const r = await run('the train to Busan leaves the station');
    expect(names.get(r.items[0]!.scene_id)).toBe('train');
    expect(r.items.length).toBeLessThan(Object.keys(TRANSCRIPTS).length);
    for (const hit of r.items) {
      // The query is English: a Korean transcript is read against the cross-language floor.
      const korean = backgroundLanguage(TRANSCRIPTS[names.get(hit.scene_id)!]) === 'ko';
      const floor = korean ? r.floors.text_cross_language! : r.floors.text!;
      const standsOut = hit.text_standout !== null && hit.text_standout >= floor;
      expect(hit.scores.lexical !== null || standsOut).toBe(true);
      expect(hit.relevance).toBeGreaterThan(0);
      expect(hit.relevance).toBeLessThanOrEqual(1);
    }
  });
});
