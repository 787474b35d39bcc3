import { describe, expect, it } from 'vitest';
import {
  lexicalScore,
  markTerms,
  matchTerms,
  needles,
  normalizeForMatch,
  phraseOf,
  wordForms,
} from './text.js';

describe('wordForms', () => {
  it.each([
    ['car', ['cars'], ['caring', 'cared', 'cares', 'career', 'cart']],
    ['tax', ['taxes', 'taxed', 'taxing'], ['taxi', 'taxs']],
    ['bake', ['bakes', 'baked', 'baking', 'baker'], ['bakeing']],
    ['run', ['runs', 'running', 'runner'], ['runing', 'rune']],
    ['party', ['parties', 'partied', 'partying'], ['partys']],
    ['play', ['plays', 'played', 'playing', 'player'], []],
    ['visit', ['visits', 'visited', 'visiting'], []],
    ['cat', ['cats'], ['cater', 'catch']],
    ['2026', ['2026'], ['2026s']],
  ])('%s stands for %j and not for %j', (word, yes, no) => {
    const forms = wordForms(word);
    expect(forms[0]).toBe(word);
    for (const f of yes) expect(forms).toContain(f);
    for (const f of no) expect(forms).not.toContain(f);
  });
});

describe('normalising text for matching', () => {
  it('folds full-width forms, compatibility characters and case, and turns punctuation into single spaces', () => {
    expect(normalizeForMatch('ＲＥＤ　Ｃａｒ！ ２０２６')).toBe('red car 2026');
    expect(normalizeForMatch('  “바닷가”에서,   조개를…  ')).toBe('바닷가 에서 조개를');
    expect(normalizeForMatch('「인용」・『책』')).toBe('인용 책');
  });
});

describe('the terms of a query', () => {
  it('splits where Hangul meets Latin or digits, and drops one-letter Latin words', () => {
    expect(matchTerms('iphone으로 a 찍은 12개').map((t) => t.term)).toEqual([
      'iphone',
      '으로',
      '찍은',
      '12',
      '개',
    ]);
  });

  it('gives English function words no weight, unless the query has nothing else', () => {
    expect(matchTerms('the zebra near me').map((t) => [t.term, t.weight])).toEqual([
      ['the', 0],
      ['zebra', 1],
      ['near', 0],
      ['me', 0],
    ]);
    expect(matchTerms('the').map((t) => t.weight)).toEqual([1]);
  });

  it('also looks for a Korean word without its particle, and an English word without its suffix', () => {
    expect(matchTerms('조개를 바닷가에서 grilling').map((t) => t.exact)).toEqual([
      ['조개를', '조개'],
      ['바닷가에서', '바닷가'],
      ['grilling', 'grill'],
    ]);
    // Never down to one syllable: 고기 keeps its 기.
    expect(matchTerms('고기').map((t) => t.exact)).toEqual([['고기']]);
  });

  it('anchors a word’s n-grams at its start', () => {
    const n = needles(matchTerms('김치찌게'));
    expect(n.needle).toEqual(['김치찌게', '김치', '치찌', '찌게']);
    expect(n.value).toEqual([1, -2, -1, -1]);
    expect(n.compact.every(Boolean)).toBe(true);
    const car = needles(matchTerms('car'));
    // One word-start probe finds the candidates; the whole forms score them.
    expect(car.needle).toEqual([' car', ' car ', ' cars ', ' carring ', ' carred ', ' carrer ', ' carrers ']);
    expect(car.probe).toEqual([true, false, false, false, false, false, false]);
    expect(car.value).toEqual([0, 1, 1, 1, 1, 1, 1]);
    expect(needles(matchTerms('parties')).needle[0]).toBe(' part');
  });

  it('is a phrase without spaces only when it has Hangul', () => {
    expect(phraseOf('바닷가에서 조개')).toBe('바닷가에서조개');
    expect(phraseOf('red car')).toBe('');
  });

  it('marks the phrase and each meaningful term', () => {
    const marks = markTerms('the 바닷가에서 zebra');
    expect(marks.slice(0, 4)).toEqual(['the바닷가에서zebra', '바닷가에서', '바닷가', 'zebra']);
    // A Latin word is marked in each of its forms (whole words only), a stop word not at all.
    expect(marks).toContain('zebras');
    expect(marks).not.toContain('the');
  });
});

describe('the lexical score in TypeScript', () => {
  it('is 0 for a transcript without the words, and 1 for one with all of them', () => {
    expect(lexicalScore('zebra', 'the red car')).toBe(0);
    expect(lexicalScore('red car', 'The RED car!')).toBe(1);
  });
});
