import { describe, expect, it } from 'vitest';
import {
  backgroundLanguage,
  parseVector,
  queryBackground,
  standout,
  type TextBackground,
  textEvidence,
} from './relevance.js';

const unit = (...xs: number[]) => {
  const n = Math.hypot(...xs);
  return Float32Array.from(xs.map((x) => x / n));
};
/** A background in 3-d: Korean text leans on the first axis, English on the second. */
const bg: TextBackground = {
  passages: { ko: [unit(1, 0.2, 0), unit(1, 0, 0.2)], en: [unit(0.2, 1, 0), unit(0, 1, 0.2)] },
  queries: { ko: [unit(1, 0.1, 0), unit(1, 0, 0.1)], en: [unit(0.1, 1, 0), unit(0, 1, 0.1)] },
};

describe('the background language of a text', () => {
  it.each([
    ['우리는 바닷가에서 고기를 구웠다', 'ko'],
    ['the red car', 'en'],
    ['KTX 타고 부산 가요', 'ko'],
    ['iPhone 16 Pro Max 리뷰', 'en'],
    ['', 'en'],
    ['12:30', 'en'],
    ['Ｒｅｄ', 'en'],
  ] as const)('“%s” reads as %s', (text, lang) => {
    expect(backgroundLanguage(text)).toBe(lang);
  });
});

describe('the standout of a scene', () => {
  it('is the sum of the query-side and the scene-side z-scores of the cosine', () => {
    const q = unit(1, 0.1, 0.1);
    const scene = { vector: unit(0.1, 1, 0.1), language: 'en' as const };
    const qb = queryBackground(q, '한국어', bg);
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    const cos = 0.5;
    const z = (xs: number[]) => {
      const m = (xs[0]! + xs[1]!) / 2;
      const sd = Math.abs(xs[0]! - xs[1]!) / 2;
      return (cos - m) / sd;
    };
    const expected =
      z(bg.passages.en.map((b) => dot(q, b))) + z(bg.queries.ko.map((b) => dot(scene.vector, b)));
    expect(qb.language).toBe('ko');
    expect(standout(cos, qb, scene, bg)).toBeCloseTo(expected, 4);
  });

  it('rises with the cosine, and a scene that is close to everything stands out less (hubness)', () => {
    const q = unit(1, 0.1, 0.1);
    const qb = queryBackground(q, 'query', bg);
    const plain = { vector: unit(0.2, 0.1, 1), language: 'en' as const };
    const hub = { vector: unit(0.2, 1, 0.1), language: 'en' as const };
    expect(standout(0.9, qb, plain, bg)).toBeGreaterThan(standout(0.8, qb, plain, bg));
    expect(standout(0.8, qb, hub, bg)).toBeLessThan(standout(0.8, qb, plain, bg));
  });
});

describe('the text signal’s evidence', () => {
  const cal = {
    floor: 4,
    relevance: { a: 1, b: -4 },
    crossLanguage: { floor: 2, relevance: { a: 1, b: -2 } },
  };
  // One background for both languages, so a scene's standout depends on its cosine only.
  const spread = [unit(1, 0.3, 0), unit(1, 0, 0.3), unit(1, 0.2, 0.2)];
  const flat: TextBackground = {
    passages: { ko: spread, en: spread },
    queries: { ko: spread, en: spread },
  };
  const q = unit(1, 0.1, 0);
  const qb = queryBackground(q, '바닷가', flat);
  const vector = unit(1, 0.1, 0.1);
  const stored = new Map([
    ['same', { vector, language: 'ko' as const }],
    ['cross', { vector, language: 'en' as const }],
    ['strong', { vector, language: 'ko' as const }],
  ]);
  /** The cosine at which a scene with `vector` stands out by `s` (the standout is linear in the cosine). */
  const cosineFor = (s: number) => {
    const [s0, s1] = [0, 1].map((c) => standout(c, qb, stored.get('same')!, flat));
    return (s - s0!) / (s1! - s0!);
  };

  it('keeps a scene at or above its language pairing’s floor, with that pairing’s relevance, most relevant first', () => {
    const kept = textEvidence(
      [
        { sceneId: 'same', score: cosineFor(3) },
        { sceneId: 'cross', score: cosineFor(3) },
        { sceneId: 'strong', score: cosineFor(6) },
        { sceneId: 'not stored', score: 0.99 },
      ],
      stored,
      qb,
      flat,
      cal,
    );
    // 3 clears the cross-language floor (2), not the same-language one (4).
    expect(kept.map((k) => [k.sceneId, k.crossLanguage])).toEqual([
      ['strong', false],
      ['cross', true],
    ]);
    expect(kept[1]!.standout).toBeCloseTo(3, 6);
    expect(kept[0]!.relevance).toBeCloseTo(1 / (1 + Math.exp(-(6 - 4))), 6);
    expect(kept[1]!.relevance).toBeCloseTo(1 / (1 + Math.exp(-(3 - 2))), 6);
  });

  it('drops every candidate below its floor: nothing stands out, nothing is evidence', () => {
    expect(
      textEvidence(
        [
          { sceneId: 'same', score: cosineFor(3.9) },
          { sceneId: 'cross', score: cosineFor(1.9) },
        ],
        stored,
        qb,
        flat,
        cal,
      ),
    ).toEqual([]);
  });
});

describe('a stored vector', () => {
  it('parses from pgvector text into a unit vector', () => {
    expect(Array.from(parseVector('[3,4]'))).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
  });
  it('is refused when empty', () => {
    expect(() => parseVector('[]')).toThrow(/empty/);
  });
});
