// The pure rules of Whisper decoding: the guards and the fallback they drive, the timestamp rules, and how a
// window's tokens become segments and where the next window starts.
import { describe, expect, it } from 'vitest';
import {
  compressionRatio,
  DEFAULT_GUARDS,
  type Decoded,
  fallbackReason,
  filterLogits,
  isLoop,
  isSilence,
  languageProbabilities,
  pickAfterFallback,
  pickLanguage,
  splitAtTimestamps,
  type WhisperTokens,
} from './whisper-decode.js';

const decoded = (over: Partial<Decoded>): Decoded => ({
  tokens: [1, 2, 3],
  text: 'a line',
  avgLogProb: -0.3,
  compressionRatio: 1.2,
  noSpeechProb: 0.05,
  temperature: 0,
  ...over,
});

describe('compressionRatio', () => {
  it('is high for a repetition loop and low for ordinary speech', () => {
    const loop = 'I am sorry. '.repeat(20);
    const speech = 'Welcome to the cooking show. Today we make a simple tomato soup, then we eat it.';
    expect(compressionRatio(loop)).toBeGreaterThan(DEFAULT_GUARDS.compressionRatioThreshold);
    expect(compressionRatio(speech)).toBeLessThan(DEFAULT_GUARDS.compressionRatioThreshold);
    expect(compressionRatio('')).toBe(0);
  });
});

describe('the fallback decision', () => {
  it('keeps a confident decoding and retries a loop or an unsure one', () => {
    expect(fallbackReason(decoded({}), DEFAULT_GUARDS)).toBeUndefined();
    expect(fallbackReason(decoded({ compressionRatio: 3.1 }), DEFAULT_GUARDS)).toMatch(
      /compression ratio 3.10 > 2.4/,
    );
    expect(fallbackReason(decoded({ avgLogProb: -1.4 }), DEFAULT_GUARDS)).toMatch(
      /log-probability -1.40 < -1/,
    );
  });

  it('does not retry silence: a likely no-speech window with unsure text is skipped instead', () => {
    const silent = decoded({ noSpeechProb: 0.9, avgLogProb: -1.5 });
    expect(fallbackReason(silent, DEFAULT_GUARDS)).toBeUndefined();
    expect(isSilence(silent, DEFAULT_GUARDS)).toBe(true);
    // Confident text wins over the no-speech probability.
    expect(isSilence(decoded({ noSpeechProb: 0.9, avgLogProb: -0.2 }), DEFAULT_GUARDS)).toBe(false);
    expect(isSilence(decoded({ noSpeechProb: 0.3, avgLogProb: -1.5 }), DEFAULT_GUARDS)).toBe(false);
  });

  it('after every temperature failed, picks the likeliest decoding that is not a loop', () => {
    const tries = [
      decoded({ temperature: 0, compressionRatio: 4, avgLogProb: -0.1 }),
      decoded({ temperature: 0.2, avgLogProb: -1.6 }),
      decoded({ temperature: 0.4, avgLogProb: -1.2 }),
    ];
    expect(pickAfterFallback(tries, DEFAULT_GUARDS).temperature).toBe(0.4);
    const loops = [
      decoded({ compressionRatio: 5, avgLogProb: -2 }),
      decoded({ compressionRatio: 3, avgLogProb: -1 }),
    ];
    const pick = pickAfterFallback(loops, DEFAULT_GUARDS);
    expect(pick.avgLogProb).toBe(-1);
    expect(isLoop(pick, DEFAULT_GUARDS)).toBe(true);
    expect(() => pickAfterFallback([], DEFAULT_GUARDS)).toThrow(/no decoding/);
  });
});

describe('language detection', () => {
  const ids = { en: 1, ko: 2, th: 3 };
  it('gives probabilities over the language tokens and picks among the allowed ones', () => {
    const probs = languageProbabilities([0, 1, 0.5, 3], ids);
    expect(probs.en! + probs.ko! + probs.th!).toBeCloseTo(1);
    expect(pickLanguage(probs).language).toBe('th');
    const restricted = pickLanguage(probs, ['ko', 'en']);
    expect(restricted.language).toBe('en');
    expect(restricted.probability).toBeCloseTo(probs.en!);
    expect(() => pickLanguage(probs, ['xx'])).toThrow(/none of the allowed languages \(xx\)/);
    expect(() => languageProbabilities([1], {})).toThrow(/no language tokens/);
  });
});

// A toy vocabulary: text 0–9, eot 10, specials 11–16, languages 17–18, timestamps 19–29 (0.00–0.20 s).
const T: WhisperTokens = {
  eot: 10,
  sot: 11,
  sotPrev: 12,
  noSpeech: 13,
  noTimestamps: 14,
  transcribe: 15,
  translate: 16,
  languages: { en: 17, ko: 18 },
  timestampBegin: 19,
  suppress: [3],
  beginSuppress: [0, 10],
  vocabSize: 30,
};
const allowedAfter = (sampled: number[], maxTimestampIndex = 10) => {
  // Text likelier than the timestamps together, so the forcing rule stays out of the way.
  const logits = new Float32Array(30).fill(5);
  logits.fill(0, T.timestampBegin);
  filterLogits(logits, sampled, T, { timestamps: true, maxTimestampIndex });
  return [...logits.keys()].filter((i) => logits[i] !== Number.NEGATIVE_INFINITY);
};

describe('filterLogits', () => {
  it('starts with a timestamp, never a special or suppressed token', () => {
    expect(allowedAfter([])).toEqual([19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
  });

  it('pairs timestamps: after a lone one text or its closing partner, after a pair text only', () => {
    // After <|0.00|> text: text, eot or a timestamp not earlier than... later ones only.
    expect(allowedAfter([19, 5])).toEqual([
      0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
    ]);
    // After a closing <|0.04|>: its partner (same or later) or the end, never text.
    expect(allowedAfter([19, 5, 23])).toEqual([10, 23, 24, 25, 26, 27, 28, 29]);
    // After a pair: text or the end.
    expect(allowedAfter([19, 5, 23, 23])).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('allows no timestamp past the window’s audio', () => {
    expect(allowedAfter([], 4)).toEqual([19, 20, 21, 22, 23]);
    expect(allowedAfter([19, 5], 4)).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 20, 21, 22, 23]);
  });

  it('forces a timestamp when the timestamps together outweigh every text token', () => {
    const logits = new Float32Array(30).fill(0);
    logits.fill(2, 19);
    filterLogits(logits, [19, 5], T, { timestamps: true, maxTimestampIndex: 10 });
    expect([...logits.keys()].filter((i) => logits[i] !== Number.NEGATIVE_INFINITY)).toEqual([
      20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
    ]);
  });
});

describe('splitAtTimestamps (the seek)', () => {
  const ts = (s: number) => T.timestampBegin + Math.round(s / 0.02);

  it('cuts at each timestamp pair and ends the window at the last complete segment', () => {
    // <0.00> 1 2 <0.10><0.10> 4 5 <0.16><0.16> 6   (the last segment has no end: speech runs into the seam)
    const tokens = [ts(0), 1, 2, ts(0.1), ts(0.1), 4, 5, ts(0.16), ts(0.16), 6];
    const r = splitAtTimestamps(tokens, T.timestampBegin, 3000);
    expect(r.segments).toEqual([
      { start: 0, end: 0.1, tokens: [1, 2] },
      { start: 0.1, end: 0.16, tokens: [4, 5] },
    ]);
    // The next window starts at 0.16 s (16 frames): the unfinished line is decoded again, whole.
    expect(r.advance).toBe(16);
  });

  it('moves a whole window on when the last segment closed with a single timestamp', () => {
    const tokens = [ts(0), 1, ts(0.1), ts(0.1), 4, ts(0.18)];
    const r = splitAtTimestamps(tokens, T.timestampBegin, 2000);
    expect(r.segments.map((s) => [s.start, s.end])).toEqual([
      [0, 0.1],
      [0.1, 0.18],
    ]);
    expect(r.advance).toBe(2000);
  });

  it('is one segment to the last timestamp, or to the window’s end, without pairs', () => {
    expect(splitAtTimestamps([ts(0.02), 1, 2, ts(0.12)], T.timestampBegin, 3000)).toEqual({
      segments: [{ start: 0.02, end: 0.12, tokens: [1, 2] }],
      advance: 3000,
    });
    expect(splitAtTimestamps([1, 2], T.timestampBegin, 1500).segments).toEqual([
      { start: 0, end: 15, tokens: [1, 2] },
    ]);
    expect(splitAtTimestamps([], T.timestampBegin, 1500)).toEqual({ segments: [], advance: 1500 });
  });

  it('always advances, even when the last pair is at 0', () => {
    expect(splitAtTimestamps([ts(0), ts(0), 1], T.timestampBegin, 3000).advance).toBe(1);
  });
});
