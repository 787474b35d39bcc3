// The table of lexical cases that must hold in both databases (PGlite: api/search/lexical.test.ts; PostgreSQL 15:
// test/integration/search-lexical.test.ts): Korean typed with or without spaces and particles, mixed scripts,
// full-width characters, and queries that must find nothing. Each case runs the real SQL against one transcript.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lexical } from '../../api/search/repository.js';
import { lexicalScore, matchTerms, needles, normalizeForMatch, phraseOf } from '../../api/search/text.js';
import { aScene, aUser, aVideo } from '../../core/db/testing.js';

export interface LexicalCase {
  why: string;
  query: string;
  transcript: string;
  /** The score the SQL must give (and lexicalScore() too), or 'none' for no match at all. */
  expect: number | 'none' | 'some';
}

export const LEXICAL_CASES: LexicalCase[] = [
  {
    why: 'spaces left out of the query',
    query: '바닷가에서조개',
    transcript: '바닷가에서 조개를 주웠다',
    expect: 1,
  },
  {
    why: 'spaces left out of the transcript',
    query: '바닷가에서 조개를',
    transcript: '바닷가에서조개를주웠다',
    expect: 1,
  },
  {
    why: 'a spaced query against a shorter spaceless transcript',
    query: '바닷가에서 조개를 주웠다',
    transcript: '바닷가에서조개',
    expect: (1 + 0.95 + 0) / 3,
  },
  {
    why: 'a particle attached to the query word',
    query: '조개를',
    transcript: '오늘 조개 주웠다',
    expect: 0.95,
  },
  {
    why: 'a particle attached to the transcript word',
    query: '조개',
    transcript: '조개를 주웠다',
    expect: 1,
  },
  {
    why: 'a compound typed with a space',
    query: '김치 찌개',
    transcript: '김치찌개를 끓이는 방법',
    expect: 1,
  },
  {
    why: 'a misspelt Korean word, by bigrams',
    query: '김치찌게',
    transcript: '김치찌개를 끓였다',
    expect: (2 / 3) * 0.8,
  },
  {
    why: 'full-width Latin in the query',
    query: 'ＲＥＤ　Ｃａｒ',
    transcript: 'the red car parked',
    expect: 1,
  },
  {
    why: 'full-width Latin in the transcript',
    query: 'red car',
    transcript: 'ＴＨＥ ＲＥＤ ＣＡＲ!',
    expect: 1,
  },
  { why: 'full-width digits', query: '２０２６년', transcript: '2026년 여름', expect: 1 },
  {
    why: 'mixed Korean and English glued together',
    query: 'iPhone으로찍은',
    transcript: '새 iPhone으로 찍은 영상',
    expect: 1,
  },
  { why: 'an English word with a suffix', query: 'grilling', transcript: 'we grill meat', expect: 0.95 },
  {
    why: 'an English typo, by trigrams',
    query: 'restaurent',
    transcript: 'a small restaurant',
    expect: 0.625 * 0.8,
  },
  { why: 'punctuation is no barrier', query: '“coffee”', transcript: 'coffee, with friends.', expect: 1 },
  { why: 'decomposed Hangul (NFD)', query: '바닷가'.normalize('NFD'), transcript: '바닷가에서', expect: 1 },
  {
    why: 'an unrelated English word',
    query: 'zebra',
    transcript: 'the red car near the old train station',
    expect: 'none',
  },
  { why: 'keyboard noise', query: 'zzzz', transcript: 'zz top was playing', expect: 'none' },
  {
    why: 'an unrelated Korean word',
    query: '고양이',
    transcript: '바닷가에서 조개를 주웠다',
    expect: 'none',
  },
  {
    why: 'a word that only starts like another',
    query: 'tax',
    transcript: 'a taxi waited outside',
    expect: 'none',
  },
  {
    why: 'a short word at the start of a long one',
    query: 'car',
    transcript: 'her career in film',
    expect: 'none',
  },
  { why: 'an English plural', query: 'car', transcript: 'two cars parked', expect: 1 },
  { why: 'a final e dropped before -ing', query: 'bake', transcript: 'we were baking bread', expect: 1 },
  { why: 'a doubled consonant before -ing', query: 'run', transcript: 'the dog was running', expect: 1 },
  { why: 'y turned into -ies', query: 'party', transcript: 'two parties at once', expect: 1 },
  {
    why: 'a Latin word glued to a Korean particle',
    query: 'iphone',
    transcript: '새 iPhone으로 찍은 영상',
    expect: 1,
  },
  { why: 'digits glued to Hangul', query: '2026', transcript: '2026년 여름', expect: 1 },
  { why: 'Hangul glued to a Latin word', query: 's24', transcript: '갤럭시S24 리뷰', expect: 1 },
  { why: 'a word inside another word', query: 'car', transcript: 'the oscar went to her', expect: 'none' },
  {
    why: 'a stop word alone does not make a match',
    query: 'the zebra',
    transcript: 'the red car',
    expect: 'none',
  },
  { why: 'half a query is half a match', query: 'red bicycle', transcript: 'the red car', expect: 0.5 },
  {
    why: 'a Korean word that only ends like another is no match',
    query: '잠들었다',
    transcript: '눈사람을 만들었다',
    expect: 'none',
  },
  {
    why: 'an English word that only ends like another is no match',
    query: 'reporting',
    transcript: 'the sporting news',
    expect: 'none',
  },
];

/** Runs one case on its own user's one scene and returns the SQL's score (undefined: no match). */
export async function runLexicalCase(sql: pg.ClientBase, c: LexicalCase): Promise<number | undefined> {
  const user = await aUser(sql);
  const video = await aVideo(sql, user, { state: 'indexed' });
  await aScene(sql, video, 0, { transcript: c.transcript });
  const q = normalizeForMatch(c.query.normalize('NFC'));
  const found = await lexical(sql, user, { phrase: phraseOf(q), needles: needles(matchTerms(q)) }, {}, 10);
  return found[0]?.score;
}

/** The TypeScript twin of the SQL score, 0 for no match. */
export const expectedScore = (c: LexicalCase) =>
  lexicalScore(normalizeForMatch(c.query.normalize('NFC')), c.transcript);

/** The database's search_normalize() of each string, to compare with normalizeForMatch(). */
export async function databaseNormalize(sql: pg.ClientBase, texts: string[]): Promise<string[]> {
  const { rows } = await sql.query<{ n: string }>(
    'SELECT search_normalize(t) AS n FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i) ORDER BY i',
    [texts],
  );
  return rows.map((r) => r.n);
}

/**
 * Registers the table's tests on one database: `open` gives a migrated database's client and how to close it.
 * The same tests run on PGlite and on PostgreSQL, so any difference between the two fails one of them.
 */
export function lexicalTable(
  name: string,
  open: () => Promise<{ sql: pg.ClientBase; close(): Promise<void> }>,
) {
  let db: { sql: pg.ClientBase; close(): Promise<void> } | undefined;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db?.close();
  });

  describe(`lexical matching in ${name}`, () => {
    it('normalises transcripts exactly as queries are normalised', async () => {
      const texts = [
        ...LEXICAL_CASES.flatMap((c) => [c.query.normalize('NFC'), c.transcript]),
        '  Tabs\tand\nnewlines… 「인용」 『책』 ‘quote’ — dash ～ wave ',
      ];
      expect(await databaseNormalize(db!.sql, texts)).toEqual(texts.map(normalizeForMatch));
    });

    it.each(LEXICAL_CASES)('$why: “$query” in “$transcript”', async (c) => {
      const score = await runLexicalCase(db!.sql, c);
      if (c.expect === 'none') {
        expect(score).toBeUndefined();
        expect(expectedScore(c)).toBe(0);
      } else {
        expect(score).toBeDefined();
        expect(score!).toBeCloseTo(expectedScore(c), 9);
        if (c.expect !== 'some') expect(score!).toBeCloseTo(c.expect, 9);
      }
    });
  });
}
