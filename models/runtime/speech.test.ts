// Speech recognition on the tiny Whisper (random weights, Whisper's architecture and export layout): the real
// loading, log-Mel, decoder loop with cache, timestamp rules and window merging run; the words are noise.
import { describe, expect, it } from 'vitest';
import { TINY_MODELS_DIR } from '../manifest.js';
import { cleanChunks, loadSpeechRecognizer, pickLanguage, SAMPLE_RATE } from './speech.js';

/** A rising tone restarting every 10 s (the random decoder emits text for it; for silence or noise it emits none). */
function tones(seconds: number): Float32Array {
  const out = new Float32Array(seconds * SAMPLE_RATE);
  for (let i = 0; i < out.length; i++) {
    const t = i / SAMPLE_RATE;
    out[i] = 0.3 * Math.sin(2 * Math.PI * (100 + 40 * (t % 10)) * t);
  }
  return out;
}

describe('cleanChunks', () => {
  it('keeps times inside the audio and in order, closes open ends, drops empty and undecodable text', () => {
    expect(
      cleanChunks(
        [
          { timestamp: [12.5, 14], text: ' 두 번째 ' },
          { timestamp: [0, 3.2], text: ' first\n line ' },
          { timestamp: [3.2, 3.2], text: '\uFFFD\uFFFD' },
          { timestamp: [-0.5, 1], text: 'early' },
          { timestamp: [20, null], text: 'open end' },
          { timestamp: [null, 45], text: 'past the end' },
        ],
        30,
      ),
    ).toEqual([
      { start: 0, end: 1, text: 'early' },
      { start: 0, end: 3.2, text: 'first line' },
      { start: 12.5, end: 14, text: '두 번째' },
      { start: 20, end: 30, text: 'open end' },
      { start: 30, end: 30, text: 'past the end' },
    ]);
  });

  it('never gives an end before its start', () => {
    expect(cleanChunks([{ timestamp: [27.9, 12.3], text: 'x' }], 30)).toEqual([
      { start: 27.9, end: 27.9, text: 'x' },
    ]);
  });
});

describe('pickLanguage', () => {
  it('is the language token with the highest logit', () => {
    const logits = [0, 5, 1, 9, 3];
    expect(pickLanguage(logits, { '<|en|>': 1, '<|ko|>': 3, '<|ja|>': 4 })).toBe('ko');
    expect(() => pickLanguage(logits, {})).toThrow(/no language tokens/);
  });
});

describe('the tiny Whisper through @huggingface/transformers', () => {
  it('loads once per process and knows Whisper large-v3’s 100 languages', async () => {
    const a = await loadSpeechRecognizer('tiny-whisper', { modelsDir: TINY_MODELS_DIR });
    expect(await loadSpeechRecognizer('tiny-whisper', { modelsDir: TINY_MODELS_DIR })).toBe(a);
    expect(a.languages).toHaveLength(100);
    expect(a.languages).toEqual(expect.arrayContaining(['ko', 'en', 'ja', 'yue']));
    expect(a.model).toEqual({ name: 'tiny-whisper', revision: 'seed-20261124', dims: 32 });
  });

  it('transcribes 75 s in overlapping windows into clean, ordered segments inside the audio, the same every time', async () => {
    const r = await loadSpeechRecognizer('tiny-whisper', { modelsDir: TINY_MODELS_DIR });
    const audio = tones(75);
    const progress: number[] = [];
    const t = await r.transcribe(audio, {
      language: 'ko',
      windowSeconds: 30,
      overlapSeconds: 5,
      onProgress: (p) => progress.push(p),
    });
    // 75 s in 30 s windows 20 s apart: 4 windows, each reported, never past 1.
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(1);
    expect(t.language).toBe('ko');
    expect(t.segments.length).toBeGreaterThan(0);
    // Text decoded after the first 30 s window is kept, at its place in the whole audio.
    expect(t.segments.at(-1)!.end).toBeGreaterThan(30);
    for (const [i, s] of t.segments.entries()) {
      expect(s.start).toBeGreaterThanOrEqual(i > 0 ? t.segments[i - 1]!.start : 0);
      expect(s.end).toBeGreaterThanOrEqual(s.start);
      expect(s.end).toBeLessThanOrEqual(75);
      expect(s.text).not.toMatch(/^\s|\s$|\uFFFD/);
    }
    expect(await r.transcribe(audio, { language: 'ko', windowSeconds: 30, overlapSeconds: 5 })).toEqual(t);
  }, 120_000);

  it('detects the language when asked for auto, and refuses settings and languages it cannot use', async () => {
    const r = await loadSpeechRecognizer('tiny-whisper', { modelsDir: TINY_MODELS_DIR });
    const detected = await r.transcribe(tones(3), { language: 'auto' });
    expect(r.languages).toContain(detected.language);
    expect(await r.transcribe(new Float32Array(0), { language: 'ko' })).toEqual({
      language: 'ko',
      segments: [],
    });
    await expect(r.transcribe(tones(1), { language: 'xx' })).rejects.toThrow(
      /does not know the language "xx"/,
    );
    await expect(
      r.transcribe(tones(1), { language: 'ko', windowSeconds: 10, overlapSeconds: 5 }),
    ).rejects.toThrow(/window \(10 s\) must be longer than twice the overlap \(5 s\)/);
  });

  it('fails at once, naming the fetch command, when the model is not in MODELS_DIR', async () => {
    await expect(
      loadSpeechRecognizer('whisper-large-v3-turbo', { modelsDir: '/nonexistent' }),
    ).rejects.toThrow(/whisper-large-v3-turbo is missing .*npm run models:fetch -- whisper-large-v3-turbo/);
  });
});
