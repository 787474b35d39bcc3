import { describe, expect, it } from 'vitest';
import { normalizeWords, wordErrorRate } from './wer.js';

describe('word error rate', () => {
  it('ignores case and punctuation, keeps apostrophes inside words', () => {
    expect(normalizeWords("Hello, World! It's 3 o'clock.")).toEqual([
      'hello',
      'world',
      "it's",
      '3',
      "o'clock",
    ]);
    expect(wordErrorRate('We grill meat on the beach.', 'we grill meat on the beach')).toBe(0);
  });

  it('counts substitutions, deletions and insertions over the reference length', () => {
    expect(wordErrorRate('we grill meat on the beach', 'we will meet on the beach')).toBeCloseTo(2 / 6);
    expect(wordErrorRate('we grill meat on the beach', 'we grill on the beach')).toBeCloseTo(1 / 6);
    expect(wordErrorRate('we grill meat', 'we grill the meat')).toBeCloseTo(1 / 3);
    expect(wordErrorRate('a b', 'x y z w')).toBe(2);
    expect(wordErrorRate('', '')).toBe(0);
    expect(wordErrorRate('', 'noise')).toBe(1);
  });
});
