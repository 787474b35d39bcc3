// The recogniser's decode and input size without the model: probabilities with a known best path in, text out.
import { describe, expect, it } from 'vitest';
import { ctcGreedyDecode, parseDictionary, recognizerWidth } from './text-recognition.js';

/** Probabilities for a best path of class indices: `p` on the path's class, the rest spread over the others. */
function probs(path: number[], classes: number, p = 0.9): Float32Array {
  const out = new Float32Array(path.length * classes).fill((1 - p) / (classes - 1));
  for (const [t, c] of path.entries()) out[t * classes + c] = p;
  return out;
}

describe('text recognition decoding', () => {
  const chars = parseDictionary('가\n나\nA\nB\n', true);

  it('reads the dictionary as blank, one character a line, then the space class', () => {
    expect(chars).toEqual(['', '가', '나', 'A', 'B', ' ']);
    // Only line breaks are stripped: a line that is a space is a character (PP-OCR dictionaries start with one).
    expect(parseDictionary('\u3000\r\n一\r\n', false)).toEqual(['', '\u3000', '一']);
  });

  it('collapses repeats, drops blanks, and keeps a letter repeated across a blank', () => {
    // 가 가 _ 나 _ 나 A A ␠ B _  →  "가나나A B"
    const path = [1, 1, 0, 2, 0, 2, 3, 3, 5, 4, 0];
    const r = ctcGreedyDecode(probs(path, chars.length), path.length, chars.length, chars);
    expect(r.text).toBe('가나나A B');
    expect(r.confidence).toBeCloseTo(0.9, 5);
  });

  it('averages the confidence over the characters kept, not the blanks', () => {
    const classes = chars.length;
    const p = probs([3, 0, 4], classes, 0.6);
    p[0 * classes + 3] = 0.8; // A at 0.8, B at 0.6; the blank's 0.6 does not count
    expect(ctcGreedyDecode(p, 3, classes, chars).confidence).toBeCloseTo(0.7, 5);
  });

  it('reads nothing, with confidence 0, from all blanks', () => {
    expect(ctcGreedyDecode(probs([0, 0, 0], chars.length), 3, chars.length, chars)).toEqual({
      text: '',
      confidence: 0,
    });
  });

  it('refuses a dictionary that does not match the model’s classes', () => {
    expect(() => ctcGreedyDecode(new Float32Array(7), 1, 7, chars)).toThrow(/7 classes, its dictionary 6/);
  });

  it('scales a line to the model’s height keeping its shape, padded to the least width, capped at the most', () => {
    const c = { height: 48, minWidth: 320, maxWidth: 3200 };
    // 200×20 → 480 wide at 48 high
    expect(recognizerWidth(200, 20, c)).toEqual({ resized: 480, padded: 480 });
    // a short word: 30×20 → 72 wide, padded to 320
    expect(recognizerWidth(30, 20, c)).toEqual({ resized: 72, padded: 320 });
    // widths not a multiple of 8 are padded up to one
    expect(recognizerWidth(201, 20, c)).toEqual({ resized: 483, padded: 488 });
    // a very long line is squeezed into the most width
    expect(recognizerWidth(10_000, 20, c)).toEqual({ resized: 3200, padded: 3200 });
  });
});
