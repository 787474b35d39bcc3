// Text shown on screen, and the objects seen, are searched like what is said (embedded PGlite, migrated): a word
// only on screen, or an object's name in English or Korean, finds the scene, a phrase never runs from the
// transcript into the screen text, and the snippet says where the match was.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedPostgres } from '../../core/db/embedded.js';
import { aScene, aUser, aVideo, startMigratedDatabase } from '../../core/db/testing.js';
import { objectWords } from '../../pipeline-image/src/stages/objects.js';
import { lexical } from './repository.js';
import { snippetOf } from './snippet.js';
import { matchTerms, needles, normalizeForMatch, phraseOf } from './text.js';

let db: EmbeddedPostgres;
let pool: pg.Client;
let user: string;
const scenes: Record<string, string> = {};

beforeAll(async () => {
  db = await startMigratedDatabase();
  pool = new pg.Client({ connectionString: db.url });
  await pool.connect();
  user = await aUser(pool);
  const video = await aVideo(pool, user, { state: 'indexed' });
  scenes.sign = await aScene(pool, video, 0, {
    transcript: '',
    screen_text: '오늘의 특가 세일\nGRAND OPENING',
  });
  scenes.both = await aScene(pool, video, 1, {
    transcript: '바닷가에서 고기를 구웠다',
    screen_text: '식당 메뉴판',
  });
  scenes.said = await aScene(pool, video, 2, { transcript: 'the harbour at night, by car' });
  scenes.street = await aScene(pool, video, 3, {
    transcript: '',
    object_labels: objectWords([{ label: 'car' }, { label: 'traffic light' }]),
  });
  scenes.cafe = await aScene(pool, video, 4, {
    transcript: '커피 한 잔 하실래요',
    object_labels: objectWords([{ label: 'cup' }, { label: 'dining table' }]),
  });
});
afterAll(async () => {
  await pool?.end();
  await db?.close();
});

/** As search builds the lexical query (service.ts). */
const query = (q: string) => {
  const n = normalizeForMatch(q);
  return { phrase: phraseOf(n), needles: needles(matchTerms(n)) };
};
const hits = (q: string) => lexical(pool, user, query(q), {}, 10);
const find = async (q: string) =>
  (await hits(q)).map((h) => Object.entries(scenes).find(([, id]) => id === h.sceneId)?.[0]).sort();

describe('lexical search over on-screen text', () => {
  it('finds a scene by words shown on screen, with or without Korean spacing', async () => {
    expect(await find('특가 세일')).toEqual(['sign']);
    expect(await find('특가세일')).toEqual(['sign']);
    expect(await find('grand opening')).toEqual(['sign']);
    expect(await find('메뉴판')).toEqual(['both']);
    expect(await find('harbour')).toEqual(['said']);
  });

  it('does not join the end of the transcript and the start of the screen text into one phrase', async () => {
    // Glued together the two would hold the phrase whole (score 1); apart, only n-gram shares can match.
    for (const h of await hits('구웠다식당')) expect(h.score).toBeLessThan(1);
    const [joined] = await hits('구웠다');
    expect(joined?.score).toBe(1);
  });
});

describe('lexical search over the objects seen', () => {
  it('finds a scene by an object in English or Korean, or by another name for it', async () => {
    expect(await find('자동차')).toEqual(['street']);
    expect(await find('신호등')).toEqual(['street']);
    expect(await find('traffic light')).toEqual(['street']);
    expect(await find('식탁')).toEqual(['cafe']);
    expect(await find('mug')).toEqual(['cafe']);
    // Said in one scene, seen in another: both are found.
    expect(await find('car')).toEqual(['said', 'street']);
  });

  it('finds nothing for an object no scene shows', async () => {
    expect(await find('giraffe')).toEqual([]);
    expect(await find('기린')).toEqual([]);
  });
});

describe('the snippet', () => {
  it('shows the transcript when the match is there, and the screen text, marked as such, when it is only there', () => {
    const scene = { transcript: '바닷가에서 고기를 구웠다', screen_text: '식당 메뉴판\nOPEN' };
    expect(snippetOf(scene, ['고기'])).toEqual({
      snippet: '바닷가에서 <mark>고기</mark>를 구웠다',
      snippet_source: 'transcript',
    });
    expect(snippetOf(scene, ['메뉴판'])).toEqual({
      snippet: 'On screen: 식당 <mark>메뉴판</mark> · OPEN',
      snippet_source: 'screen',
    });
    expect(snippetOf({ transcript: '', screen_text: 'SALE' }, [])).toEqual({
      snippet: 'On screen: SALE',
      snippet_source: 'screen',
    });
    expect(snippetOf({ transcript: 'hello', screen_text: '' }, ['zebra']).snippet_source).toBe('transcript');
  });
});
