import { describe, expect, it } from 'vitest';
import {
  compareHits,
  emptyHint,
  fuse,
  highlight,
  normalizeQuery,
  type OrderKeys,
  relevanceOf,
  signalState,
  strengthOf,
} from './query.js';
import { markTerms } from './text.js';

describe('the search query', () => {
  it('is refused when empty, blank or too long', () => {
    expect(() => normalizeQuery('')).toThrow(/type something/);
    expect(() => normalizeQuery(' \t\n ')).toThrow(/type something/);
    expect(() => normalizeQuery(undefined)).toThrow(/type something/);
    expect(() => normalizeQuery('가'.repeat(501))).toThrow(/at most 500/);
  });

  it('is NFC-normalised so decomposed Hangul matches stored text', () => {
    expect(normalizeQuery('  바닷가   고기 '.normalize('NFD'))).toBe('바닷가 고기'.normalize('NFC'));
  });
});

describe('reciprocal rank fusion', () => {
  const w = { lexical: 1, text: 1, vision: 1 };

  it('ranks first what several signals agree on, and keeps each signal score and rank', () => {
    const fused = fuse(
      {
        lexical: [
          { sceneId: 'a', score: 0.9 },
          { sceneId: 'b', score: 0.5 },
        ],
        text: [
          { sceneId: 'b', score: 0.8 },
          { sceneId: 'c', score: 0.7 },
        ],
        vision: [{ sceneId: 'b', score: 0.3 }],
      },
      w,
    );
    expect(fused.map((f) => f.sceneId)).toEqual(['b', 'a', 'c']);
    expect(fused[0]).toMatchObject({
      scores: { lexical: 0.5, text: 0.8, vision: 0.3 },
      ranks: { lexical: 2, text: 1, vision: 1 },
    });
  });

  it('lets a weight of zero switch a signal off', () => {
    const fused = fuse(
      { lexical: [{ sceneId: 'a', score: 1 }], vision: [{ sceneId: 'v', score: 1 }] },
      { ...w, vision: 0 },
    );
    expect(fused[0]!.sceneId).toBe('a');
    expect(fused[1]!.fused).toBe(0);
  });

  it('gives equal scores within a signal the same rank, so the order a list put them in does not matter', () => {
    const lexical = [
      { sceneId: 'z', score: 1 },
      { sceneId: 'a', score: 1 },
      { sceneId: 'm', score: 0.5 },
    ];
    const fused = fuse({ lexical }, w);
    expect(fused.map((f) => f.ranks.lexical)).toEqual([1, 1, 3]);
    expect(fused[0]!.fused).toBe(fused[1]!.fused);
    const reversed = fuse({ lexical: [lexical[1]!, lexical[0]!, lexical[2]!] }, w);
    expect(reversed.map((f) => [f.sceneId, f.fused])).toEqual(fused.map((f) => [f.sceneId, f.fused]));
  });
});

describe('the order of results', () => {
  const hit = (sceneId: string, o: Partial<OrderKeys> = {}): OrderKeys => ({
    sceneId,
    fused: 0.5,
    relevance: 0.9,
    uploaded: Date.parse('2026-12-01T00:00:00Z'),
    startS: 10,
    ...o,
  });

  it('is by fused score, then relevance, then the newer video, then the earlier scene, then the id', () => {
    const hits = [
      hit('f', { startS: 3 }),
      hit('e', { uploaded: Date.parse('2026-12-05T00:00:00Z') }),
      hit('a', { fused: 0.4, relevance: 1 }),
      hit('d', { relevance: 0.95 }),
      hit('h'),
      hit('g'),
      hit('b', { fused: 0.6, relevance: 0.1 }),
      hit('c', { uploaded: undefined }),
    ];
    expect([...hits].sort(compareHits).map((h) => h.sceneId)).toEqual([
      'b',
      'd',
      'e',
      'f',
      'g',
      'h',
      'c',
      'a',
    ]);
  });

  it('is the same whatever order the hits arrive in', () => {
    const hits = ['q', 'p', 'o', 'n'].map((id, i) =>
      hit(id, { startS: i % 2, relevance: 0.5 + (i % 3) / 10 }),
    );
    const once = [...hits].sort(compareHits).map((h) => h.sceneId);
    for (let i = 0; i < hits.length; i++) {
      const rotated = [...hits.slice(i), ...hits.slice(0, i)];
      expect([...rotated].sort(compareHits).map((h) => h.sceneId)).toEqual(once);
      expect(
        [...rotated]
          .reverse()
          .sort(compareHits)
          .map((h) => h.sceneId),
      ).toEqual(once);
    }
  });
});

describe('snippets', () => {
  it('mark every occurrence of each term, Korean substrings included, and escape the rest', () => {
    expect(highlight('우리는 바닷가에서 고기를 구웠다', ['바닷가', '고기'])).toBe(
      '우리는 <mark>바닷가</mark>에서 <mark>고기</mark>를 구웠다',
    );
    expect(highlight('Grill <b>meat</b>, grill!', ['grill'])).toBe(
      '<mark>Grill</mark> &#60;b&#62;meat&#60;/b&#62;, <mark>grill</mark>!',
    );
  });

  it('mark Korean typed with other spacing than the transcript’s, and full-width text', () => {
    expect(highlight('바닷가에서 조개를 주웠다', ['바닷가에서조개'])).toBe(
      '<mark>바닷가에서 조개</mark>를 주웠다',
    );
    expect(highlight('ＴＨＥ ＲＥＤ ＣＡＲ', ['red'])).toBe('ＴＨＥ <mark>ＲＥＤ</mark> ＣＡＲ');
  });

  it('mark Latin words only whole, in the forms the query stands for', () => {
    expect(highlight('the oscar and the car', ['car'])).toBe('the oscar and the <mark>car</mark>');
    expect(highlight('her career, two carts and two cars', markTerms('car'))).toBe(
      'her career, two carts and two <mark>cars</mark>',
    );
    // A Latin word glued to a Korean particle still ends where the Hangul starts.
    expect(highlight('새 iPhone으로 찍은 영상', markTerms('iphone'))).toBe(
      '새 <mark>iPhone</mark>으로 찍은 영상',
    );
  });

  it('center a long transcript on the first match', () => {
    const text = `${'filler '.repeat(60)}the beach barbecue${' more'.repeat(60)}`;
    const s = highlight(text, ['beach'], 80);
    expect(s.startsWith('…')).toBe(true);
    expect(s.endsWith('…')).toBe(true);
    expect(s).toContain('<mark>beach</mark>');
  });
});

describe('calibrated relevance', () => {
  const identity = (x: number) => x;

  it('is one signal’s calibrated value when only it found the scene', () => {
    const r = relevanceOf({ text: 0.7 }, { lexical: identity, text: identity });
    expect(r.relevance).toBeCloseTo(0.7, 9);
    expect(r.bySignal).toEqual({ lexical: null, text: 0.7, vision: null });
  });

  it('rises when signals agree (noisy-OR) and never passes 1', () => {
    const r = relevanceOf({ lexical: 0.5, text: 0.5 }, { lexical: identity, text: identity });
    expect(r.relevance).toBeCloseTo(0.75, 9);
    expect(relevanceOf({ lexical: 3, text: 1 }, { lexical: identity, text: identity }).relevance).toBe(1);
  });

  it('ignores a score whose signal has no calibration (a signal that is off)', () => {
    expect(relevanceOf({ vision: 0.9 }, { lexical: identity }).relevance).toBe(0);
  });

  it('names strengths at 0.8 and 0.5', () => {
    expect([0.95, 0.8, 0.79, 0.5, 0.49, 0.01].map(strengthOf)).toEqual([
      'strong',
      'strong',
      'good',
      'good',
      'weak',
      'weak',
    ]);
  });
});

describe('what the response says about each signal', () => {
  const cal = { floor: 0.8, relevance: { a: 1, b: 0 }, basis: 'test' };
  const v = new Float32Array([1]);

  it('is on for a calibrated model, with the caveat of a provisional floor', () => {
    expect(signalState(1, v, cal, undefined)).toBe('on');
    expect(signalState(1, v, { ...cal, provisional: 'a guess' }, undefined)).toBe('on (a guess)');
  });

  it('is off with the reason: weight 0, or no model, stand-in or calibration', () => {
    expect(signalState(0, v, cal, undefined)).toBe('off: weight 0');
    expect(signalState(1, undefined, undefined, 'model x is a random-weight stand-in')).toBe(
      'off: model x is a random-weight stand-in',
    );
  });

  it('gives a hint that fits why nothing came back', () => {
    const on = { lexical: 'on', text: 'on', vision: 'off: stand-in' };
    expect(emptyHint(on, true)).toMatch(/within the filters/);
    expect(emptyHint(on, false)).toMatch(/close enough in meaning/);
    expect(emptyHint({ ...on, text: 'off: x' }, false)).toMatch(/search by meaning is off/);
  });
});
