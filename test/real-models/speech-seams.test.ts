// Lines that cross Whisper's 30 s window seams land where they were spoken: the decoder moves each window on to
// the last complete segment's timestamp (faster-whisper's seek), so a line cut by the seam is decoded whole in
// the next window, at its place. Before this, a line spoken at 31 s was stored at 87 s.
import { beforeAll, describe, expect, it } from 'vitest';
import type { SpeechRecognizer, Transcription } from '../../models/runtime/speech.js';
import type { VoiceDetector } from '../../models/runtime/vad.js';
import { tempDir } from '../support/cleanup.js';
import { BUILD_TIMEOUT_MS, espeak, loadSpeechModels, placeAt, SMALL } from '../support/real-models.js';

/** Whisper base's timestamps are coarse (often whole seconds): a line's start within this of the truth. */
const START_TOLERANCE_S = 1.5;

const dir = tempDir('real-asr-seams');
let asr: SpeechRecognizer;
let vad: VoiceDetector;
beforeAll(async () => {
  ({ asr, vad } = await loadSpeechModels());
}, BUILD_TIMEOUT_MS);

const LINES = [
  // Whisper's first timestamp of a window is at most 1 s in (openai-whisper's max_initial_timestamp): without
  // voice activity detection, a line after longer leading silence is stamped at 1 s at best.
  { at: 0.5, word: 'tomato', text: 'The tomato soup is ready.' },
  // 28 s to about 31.5 s: across the first window's end.
  { at: 28, word: 'football', text: 'Then the children play football in the park until it gets dark.' },
  { at: 36, word: 'lighthouse', text: 'The old lighthouse stands on the hill.' },
];

function expectPlaced(t: Transcription, spans: [number, number][]) {
  const timeline = JSON.stringify(t.segments);
  LINES.forEach(({ word }, i) => {
    const [from, to] = spans[i]!;
    const hits = t.segments.filter((s) => s.text.toLowerCase().includes(word));
    expect(hits, `"${word}" once in ${timeline}`).toHaveLength(1);
    const seg = hits[0]!;
    expect(
      Math.abs(seg.start - from),
      `"${word}" spoken ${from.toFixed(1)}–${to.toFixed(1)} s: ${timeline}`,
    ).toBeLessThanOrEqual(START_TOLERANCE_S);
    expect(seg.end, `"${word}" spoken ${from.toFixed(1)}–${to.toFixed(1)} s: ${timeline}`).toBeGreaterThan(
      from,
    );
  });
}

describe(`${SMALL.asr}: lines across the 30 s seam`, () => {
  const audio = () =>
    placeAt(
      42,
      LINES.map((l, i) => ({ at: l.at, samples: espeak(dir, `line${i}`, l.text) })),
    );

  it('places each line at its start, once, when the whole audio is decoded window by window', async () => {
    const { samples, spans } = audio();
    // Beam search, the product's default: greedy decoding repeats the first line over the silence after it
    // (faster-whisper's greedy too, seven times); beam search does not.
    const t = await asr.transcribe(samples, { language: 'en', beamSize: 5 });
    expect(t.stats.windows).toBeGreaterThanOrEqual(2);
    expectPlaced(t, spans);
    for (const s of t.segments) expect(s.end).toBeLessThanOrEqual(42);
  });

  it('places each line at its start when only the speech regions are decoded', async () => {
    const { samples, spans } = audio();
    const speech = await vad.regions(samples);
    expect(speech).toHaveLength(3);
    const t = await asr.transcribe(samples, { language: 'en', beamSize: 1, speech });
    expectPlaced(t, spans);
  });
});
