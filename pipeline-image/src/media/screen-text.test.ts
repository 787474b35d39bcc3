// The pure parts of reading on-screen text: thresholds, Tesseract's command line and output, which of two
// readings of a line is kept, and merging the lines of several frames of one scene.
import { describe, expect, it } from 'vitest';
import {
  binarise,
  chooseReading,
  editDistance,
  meaningful,
  mergeFrames,
  otsuThreshold,
} from './screen-text.js';
import { parseTesseractTsv, tesseractArgs } from './tesseract.js';

const box = { x: 0.1, y: 0.1, w: 0.5, h: 0.1 };

describe('reading on-screen text', () => {
  it('thresholds between the two levels of a two-level picture, and binarises both ways', () => {
    const grey = Uint8Array.from([20, 20, 20, 30, 200, 210, 220, 220]);
    const t = otsuThreshold(grey);
    expect(t).toBeGreaterThanOrEqual(30);
    expect(t).toBeLessThan(200);
    expect([...binarise(grey, false)]).toEqual([0, 0, 0, 0, 255, 255, 255, 255]);
    expect([...binarise(grey, true)]).toEqual([255, 255, 255, 255, 0, 0, 0, 0]);
  });

  it('reads each listed line image in single-line mode, Korean and English, as TSV', () => {
    expect(tesseractArgs('/s/lines.txt', 'kor+eng')).toEqual([
      '/s/lines.txt',
      'stdout',
      '--psm',
      '7',
      '-l',
      'kor+eng',
      'tsv',
    ]);
  });

  it('turns TSV words into one line per image with their mean confidence, skipping empty images', () => {
    const tsv = [
      'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext',
      '1\t1\t0\t0\t0\t0\t0\t0\t100\t20\t-1\t',
      '5\t1\t1\t1\t1\t1\t0\t0\t40\t20\t90\t오늘의',
      '5\t1\t1\t1\t1\t2\t50\t0\t40\t20\t70\t특가',
      '1\t2\t0\t0\t0\t0\t0\t0\t100\t20\t-1\t',
      '5\t3\t1\t1\t1\t1\t0\t0\t40\t20\t50\tSALE',
    ].join('\n');
    expect(parseTesseractTsv(tsv)).toEqual([
      { image: 0, text: '오늘의 특가', confidence: 0.8 },
      { image: 2, text: 'SALE', confidence: 0.5 },
    ]);
  });

  it('keeps words with letters or Hangul and drops lone symbols', () => {
    expect(meaningful('세')).toBe(true);
    expect(meaningful('OK')).toBe(true);
    expect(meaningful('|')).toBe(false);
    expect(meaningful('- .')).toBe(false);
  });

  it('counts edits by character, Hangul syllables included', () => {
    expect(editDistance('김치찌개', '김치찌게')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('merges a line read again in later frames, keeping the most confident reading and every time', () => {
    const merged = mergeFrames([
      { at: 1, lines: [{ text: 'GRAND OPENlNG SALE', box, confidence: 0.6 }] },
      {
        at: 5,
        lines: [
          { text: 'Grand Opening Sale!', box, confidence: 0.9 },
          { text: '서울역 2번 출구', box, confidence: 0.8 },
        ],
      },
      { at: 9, lines: [{ text: '서울역 2번출구', box, confidence: 0.7 }] },
    ]);
    expect(merged).toEqual([
      { text: 'Grand Opening Sale!', box, confidence: 0.9, seenAt: [1, 5] },
      { text: '서울역 2번 출구', box, confidence: 0.8, seenAt: [5, 9] },
    ]);
  });

  it('keeps different lines apart', () => {
    const merged = mergeFrames([
      { at: 1, lines: [{ text: 'EXIT', box, confidence: 0.9 }] },
      { at: 2, lines: [{ text: 'EAST', box, confidence: 0.9 }] },
    ]);
    expect(merged.map((l) => l.text)).toEqual(['EXIT', 'EAST']);
  });

  it('keeps Tesseract’s Hangul over a recogniser without it unless that one is sure, else the more confident', () => {
    const latin = new Set([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 一二子']);
    const tess = (text: string, confidence: number) => ({ text, confidence });
    // The recogniser cannot write 서울역: its reading of that line, even a more confident one, is something else.
    expect(chooseReading(tess('서울역 , ~ 2', 0.6), tess('2子', 0.63), latin)?.text).toBe('서울역 , ~ 2');
    // Tesseract's Hangul for a blurred English line gives way to a recogniser that is sure.
    expect(chooseReading(tess('때 때', 0.53), tess('Platform9exit', 0.86), latin)?.text).toBe(
      'Platform9exit',
    );
    expect(chooseReading(tess('Meet me', 0.4), tess('Meet me at', 0.97), latin)?.text).toBe('Meet me at');
    expect(chooseReading(tess('EXIT', 0.93), tess('FXIT', 0.8), latin)?.text).toBe('EXIT');
    // A missing or empty reading gives way to the other.
    expect(chooseReading(undefined, tess('SALE', 0.9), latin)?.text).toBe('SALE');
    expect(chooseReading(tess('출구', 0.7), tess('', 0), latin)?.text).toBe('출구');
    expect(chooseReading(undefined, undefined, latin)).toBeUndefined();
  });

  it('compares Korean readings by confidence alone when the recogniser has Hangul, and keeps the floor for what it lacks', () => {
    // A recogniser with Hangul (as the large profile's Korean one: every syllable, ASCII; no Chinese characters).
    const syllables = Array.from({ length: 11_172 }, (_, i) => String.fromCharCode(0xac00 + i));
    const korean = new Set([
      ...syllables,
      ...' 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
    ]);
    const r = (text: string, confidence: number) => ({ text, confidence });
    // Below the floor that holds for foreign letters, the more confident reading still wins: Hangul is not foreign.
    expect(chooseReading(r('서올역 2번 줄구', 0.55), r('서울역 2번 출구', 0.7), korean)?.text).toBe(
      '서울역 2번 출구',
    );
    expect(chooseReading(r('오늘의 특가 세일', 0.9), r('오늘의 특가 새일', 0.75), korean)?.text).toBe(
      '오늘의 특가 세일',
    );
    // Tesseract's Chinese character is one this recogniser cannot write: kept unless the recogniser is sure.
    expect(chooseReading(r('서울驛', 0.6), r('서울역', 0.7), korean)?.text).toBe('서울驛');
    expect(chooseReading(r('서울驛', 0.6), r('서울역', 0.9), korean)?.text).toBe('서울역');
  });
});
