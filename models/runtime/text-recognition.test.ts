// The recogniser's decode and input size without the model: probabilities with a known best path in, text out;
// and the dictionary taken from an ONNX file's metadata, on a model written here that onnxruntime runs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/cleanup.js';
import type { ModelSpec } from '../manifest.js';
import { testOnnx } from './onnx-testing.js';
import {
  ctcGreedyDecode,
  metadataDictionary,
  openTextRecognizer,
  parseDictionary,
  recognizerWidth,
  splitLinesLikePython,
} from './text-recognition.js';

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

  it('splits a metadata dictionary at every line break Python’s splitlines knows, as RapidOCR does', () => {
    expect(splitLinesLikePython('가\n나\r\nA\rB\u2028C\x85D\n')).toEqual(['가', '나', 'A', 'B', 'C', 'D']);
    // An empty line is a class (its character writes nothing); only a last line break ends without one.
    expect(splitLinesLikePython('a\n\nb')).toEqual(['a', '', 'b']);
    expect(splitLinesLikePython(' \n')).toEqual([' ']);
    expect(splitLinesLikePython('')).toEqual([]);
  });

  it('makes the classes from a metadata entry, and names the keys there when the entry is missing', () => {
    const meta = new Map([['character', '가\n나\nA\nB']]);
    expect(metadataDictionary(meta, 'character', true)).toEqual(chars);
    expect(() => metadataDictionary(new Map([['other', 'x']]), 'character', true)).toThrow(
      /no metadata "character" for its dictionary \(it has other\)/,
    );
    expect(() => metadataDictionary(new Map(), 'character', true)).toThrow(/\(it has none\)/);
  });
});

describe('a recogniser whose dictionary is in its ONNX file', () => {
  const dir = tempDir('rec-metadata-unit');
  // Output fixed to a best path of 가 나 _ A ␠ B over the metadata's four characters (+ blank and space).
  const path = [1, 2, 0, 3, 5, 4];
  const classes = 6;
  const probs = new Float32Array(path.length * classes).fill(0.02);
  for (const [t, c] of path.entries()) probs[t * classes + c] = 0.9;
  const spec = (dictionary: { metadata: string } | { file: string }): ModelSpec => ({
    name: 'test-rec',
    source: 'test',
    revision: 'test',
    licence: 'Apache-2.0',
    dims: 1,
    files: [{ path: 'rec.onnx', sha256: null }],
    contract: {
      kind: 'text-recognition',
      file: 'rec.onnx',
      input: 'x',
      output: 'probs',
      dictionary,
      height: 48,
      minWidth: 320,
      maxWidth: 3200,
      spaceClass: true,
    },
  });
  const model = (name: string, metadata: [string, string][]) => {
    const at = join(dir, name);
    mkdirSync(at, { recursive: true });
    writeFileSync(
      join(at, 'rec.onnx'),
      testOnnx({ metadata, constant: { probs, steps: path.length, classes } }),
    );
    return at;
  };
  const line = () =>
    sharp({ create: { width: 120, height: 24, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();

  it('reads its characters from the metadata and writes the text with them', async () => {
    const at = model('with', [
      ['other', 'x'],
      ['character', '가\n나\nA\nB'],
    ]);
    const rec = await openTextRecognizer(spec({ metadata: 'character' }), at);
    expect([...rec.characters]).toEqual(['가', '나', 'A', 'B', ' ']);
    const read = await rec.recognize(await line());
    expect(read.text).toBe('가나A B');
    expect(read.confidence).toBeCloseTo(0.9, 5);
  });

  it('refuses a model whose metadata has no dictionary, and one whose dictionary does not fit its classes', async () => {
    await expect(
      openTextRecognizer(spec({ metadata: 'character' }), model('without', [['other', 'x']])),
    ).rejects.toThrow(/no metadata "character"/);
    const short = await openTextRecognizer(
      spec({ metadata: 'character' }),
      model('short', [['character', '가\n나\nA']]),
    );
    await expect(short.recognize(await line())).rejects.toThrow(/6 classes, its dictionary 5/);
  });
});
