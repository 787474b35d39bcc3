import { beforeAll, describe, expect, it } from 'vitest';
import { loadSpeechRecognizer, type SpeechRecognizer } from '../../models/runtime/speech.js';
import { wordErrorRate } from '../../scripts/eval/wer.js';
import { tempDir } from '../support/cleanup.js';
import {
  BUILD_TIMEOUT_MS,
  ensureRealModels,
  espeak,
  joinWithSilence,
  SMALL,
} from '../support/real-models.js';

const SENTENCES = [
  'Welcome to the cooking show. Today we make a simple tomato soup.',
  'First, cut the onions and the garlic into small pieces.',
  'Then the children play football in the park until it gets dark.',
];
/** Measured 0.05–0.15 on espeak-ng's voice (docs/benchmarks.md); the bound leaves room, not a free pass. */
const MAX_WER = 0.3;
const GAP_S = 2.5;

const dir = tempDir('real-asr');
let asr: SpeechRecognizer;
beforeAll(async () => {
  asr = await loadSpeechRecognizer(SMALL.asr, { modelsDir: await ensureRealModels() });
}, BUILD_TIMEOUT_MS);

describe(`${SMALL.asr} on espeak-ng English`, () => {
  it('knows Whisper’s 99 languages from the model’s own config', () => {
    expect(asr.languages).toHaveLength(99);
    expect(asr.languages).toEqual(expect.arrayContaining(['en', 'ko', 'ja', 'de']));
  });

  it('detects English, transcribes within the WER bound, and times each sentence where it was spoken', async () => {
    const { samples, spans } = joinWithSilence(
      SENTENCES.map((s, i) => espeak(dir, `s${i}`, s)),
      GAP_S,
    );
    const duration = samples.length / 16_000;
    const t = await asr.transcribe(samples, { language: 'auto', languages: ['ko', 'en'], beamSize: 1 });
    expect(t.language).toBe('en');
    expect(t.detected).toBe(true);
    expect(t.languageProbability).toBeGreaterThan(0.5);
    const text = t.segments.map((s) => s.text).join(' ');
    const wer = wordErrorRate(SENTENCES.join(' '), text);
    expect(wer, `WER ${wer.toFixed(3)}: ${text}`).toBeLessThanOrEqual(MAX_WER);
    // Segments: in order, inside the audio, none wholly inside a silent gap.
    for (const [i, s] of t.segments.entries()) {
      expect(s.start).toBeGreaterThanOrEqual(0);
      expect(s.end).toBeLessThanOrEqual(duration);
      expect(s.end).toBeGreaterThanOrEqual(s.start);
      if (i > 0) expect(s.start).toBeGreaterThanOrEqual(t.segments[i - 1]!.start);
    }
    // Each sentence's telling word sits in a segment that overlaps the time the sentence was spoken (Whisper
    // may join sentences into one segment, never move words to where there was silence).
    const timeline = JSON.stringify(t.segments);
    ['tomato', 'onions', 'football'].forEach((word, i) => {
      const [from, to] = spans[i]!;
      const seg = t.segments.find((s) => s.text.toLowerCase().includes(word));
      expect(seg, `"${word}" in ${timeline}`).toBeDefined();
      expect(
        seg!.start,
        `"${word}" (spoken ${from.toFixed(1)}–${to.toFixed(1)} s): ${timeline}`,
      ).toBeLessThanOrEqual(to + 0.5);
      expect(
        seg!.end,
        `"${word}" (spoken ${from.toFixed(1)}–${to.toFixed(1)} s): ${timeline}`,
      ).toBeGreaterThanOrEqual(from - 0.5);
    });
    // The silences split the speech: more than one segment, the last one ending after the last sentence began.
    expect(t.segments.length, timeline).toBeGreaterThan(1);
    expect(t.segments.at(-1)!.end, timeline).toBeGreaterThan(spans.at(-1)![0]);
  });
});
