// Speech recognition on the tiny Whisper (random weights, Whisper's architecture and export layout): the real
// loading, log-Mel, decoder loop with its cache, beam search, fallback and seek run; the words are noise.
import { describe, expect, it } from 'vitest';
import { TINY_MODELS_DIR } from '../manifest.js';
import { cleanText, loadSpeechRecognizer, SAMPLE_RATE, seededRandom, windowTokenCap } from './speech.js';

/** A rising tone restarting every 10 s (the random decoder emits text for it). */
function tones(seconds: number): Float32Array {
  const out = new Float32Array(seconds * SAMPLE_RATE);
  for (let i = 0; i < out.length; i++) {
    const t = i / SAMPLE_RATE;
    out[i] = 0.3 * Math.sin(2 * Math.PI * (100 + 40 * (t % 10)) * t);
  }
  return out;
}

describe('cleanText and seededRandom', () => {
  it('collapses whitespace, drops undecodable bytes and control characters, and normalises to NFC', () => {
    expect(cleanText(' first\n line \uFFFD')).toBe('first line');
    expect(cleanText('\u0006\u0006 a\u0000b')).toBe('ab');
    expect(cleanText('\u1100\u1161')).toBe('가');
  });

  it('gives the same numbers in [0, 1) for the same seed', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const xs = Array.from({ length: 100 }, () => a());
    expect(xs).toEqual(Array.from({ length: 100 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(100);
  });
});

describe('windowTokenCap', () => {
  it('gives a short window a few dozen tokens and a full one the cap', () => {
    expect(windowTokenCap(4, 224)).toBe(64);
    expect(windowTokenCap(0.2, 224)).toBe(19);
    expect(windowTokenCap(30, 224)).toBe(224);
    expect(windowTokenCap(30, 100)).toBe(100);
  });
});

describe('the tiny Whisper on onnxruntime', () => {
  it('loads once per process and knows Whisper large-v3’s 100 languages', async () => {
    const a = await loadSpeechRecognizer('tiny-whisper', { modelsDir: TINY_MODELS_DIR });
    expect(await loadSpeechRecognizer('tiny-whisper', { modelsDir: TINY_MODELS_DIR })).toBe(a);
    expect(a.languages).toHaveLength(100);
    expect(a.languages).toEqual(expect.arrayContaining(['ko', 'en', 'ja', 'yue']));
    expect(a.model).toEqual({ name: 'tiny-whisper', revision: 'seed-20261124', dims: 32 });
  });

  it('transcribes 75 s window after window into ordered segments inside the audio, the same every time', async () => {
    const r = await loadSpeechRecognizer('tiny-whisper', { modelsDir: TINY_MODELS_DIR });
    const audio = tones(75);
    const progress: number[] = [];
    // Guards off: the random decoder's text is unsure noise they would drop (its words are checked nowhere; the
    // real-model tier checks words and their places).
    const guards = { compressionRatioThreshold: Infinity, logProbThreshold: -Infinity, noSpeechThreshold: 1 };
    const opts = { language: 'ko', beamSize: 2, bestOf: 2, maxTokensPerWindow: 24, guards };
    const t = await r.transcribe(audio, { ...opts, onProgress: (p) => progress.push(p) });
    // 75 s is at least three 30 s windows; progress rises to 1.
    expect(t.stats.windows).toBeGreaterThanOrEqual(3);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(1);
    expect(t.language).toBe('ko');
    expect(t.detected).toBe(false);
    expect(t.stats.fallbacks).toBe(0);
    for (const [i, s] of t.segments.entries()) {
      expect(s.start).toBeGreaterThanOrEqual(i > 0 ? t.segments[i - 1]!.start : 0);
      expect(s.end).toBeGreaterThanOrEqual(s.start);
      expect(s.end).toBeLessThanOrEqual(75);
      expect(s.text).not.toMatch(/^\s|\s$|\uFFFD/);
    }
    expect(await r.transcribe(audio, opts)).toEqual(t);
  }, 180_000);

  it('decodes only the speech regions it is given, and nothing when there are none', async () => {
    const r = await loadSpeechRecognizer('tiny-whisper', { modelsDir: TINY_MODELS_DIR });
    const audio = tones(40);
    const opts = { language: 'en', beamSize: 1, maxTokensPerWindow: 16 };
    const t = await r.transcribe(audio, { ...opts, speech: [{ start: 31, end: 35 }] });
    expect(t.stats.windows).toBe(1);
    expect(t.stats.speechSeconds).toBeCloseTo(4);
    for (const s of t.segments) {
      expect(s.start).toBeGreaterThanOrEqual(31);
      expect(s.end).toBeLessThanOrEqual(35);
    }
    const none = await r.transcribe(audio, { ...opts, speech: [] });
    expect(none).toMatchObject({ segments: [], stats: { windows: 0, speechSeconds: 0 } });
  }, 60_000);

  it('detects the language among the allowed ones, and refuses languages it cannot use', async () => {
    const r = await loadSpeechRecognizer('tiny-whisper', { modelsDir: TINY_MODELS_DIR });
    const opts = { beamSize: 1, maxTokensPerWindow: 8 };
    const detected = await r.transcribe(tones(3), { ...opts, language: 'auto', languages: ['ko', 'en'] });
    expect(['ko', 'en']).toContain(detected.language);
    expect(detected.detected).toBe(true);
    expect(detected.languageProbability).toBeGreaterThan(0);
    expect(detected.languageProbability).toBeLessThanOrEqual(1);
    expect(await r.transcribe(new Float32Array(0), { ...opts, language: 'ko' })).toMatchObject({
      language: 'ko',
      segments: [],
    });
    await expect(r.transcribe(tones(1), { language: 'xx' })).rejects.toThrow(
      /does not know the language "xx"/,
    );
    await expect(r.transcribe(tones(1), { language: 'auto', languages: ['xx', 'zz'] })).rejects.toThrow(
      /knows none of the languages xx, zz/,
    );
  }, 60_000);

  it('fails at once, naming the fetch command, when the model is not in MODELS_DIR', async () => {
    await expect(
      loadSpeechRecognizer('whisper-large-v3-turbo', { modelsDir: '/nonexistent' }),
    ).rejects.toThrow(/whisper-large-v3-turbo is missing .*npm run models:fetch -- whisper-large-v3-turbo/);
  });
});
