// Speed, memory and word error rate of the small profile's real models on this machine (not a test):
// `tsx scripts/bench-models.ts` (MODELS_DIR: the built models; default HEIMDEX_CACHE_DIR/models; build them
// with `npm run models:build`). Each model step runs in a fresh process, as a stage Job would, and reports
// model load time, inference time and that process's peak RSS:
// - asr: Whisper base on a generated minute of English speech (espeak-ng sentences with pauses), language `en`,
//   and again with `auto` (one extra encoder pass for detection); its word error rate on that minute; what it
//   makes of 30 s of music-like tones and of 30 s of silence.
// - embed-text: multilingual-e5-small on the minute's transcript segments (passages) and one query.
// Figures go to docs/benchmarks.md by hand, with the load average they were measured under.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir } from '../models/build.js';
import { PROFILES } from '../models/manifest.js';
import { loadTextEmbedder } from '../models/runtime/embeddings.js';
import { loadSpeechRecognizer, SAMPLE_RATE } from '../models/runtime/speech.js';
import { espeak } from '../test/support/real-models.js';
import { MINUTE } from './eval/speech-set.js';
import { wordErrorRate } from './eval/wer.js';

const MODELS_DIR = process.env.MODELS_DIR || join(cacheDir(), 'models');
const SMALL = PROFILES.small;

interface StepResult {
  step: string;
  loadS: number;
  inferS: number;
  audioS?: number;
  peakMiB: number;
  detail: Record<string, unknown>;
}

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const readF32 = (file: string) => {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
};

/** One step in this (child) process: prints its StepResult as JSON on the last line. */
async function step(name: string, input: string): Promise<StepResult> {
  if (name.startsWith('asr')) {
    const samples = readF32(input);
    let t0 = process.hrtime.bigint();
    const asr = await loadSpeechRecognizer(SMALL.asr, { modelsDir: MODELS_DIR });
    const loadS = seconds(t0);
    t0 = process.hrtime.bigint();
    const language = name === 'asr-auto' ? 'auto' : 'en';
    const t = await asr.transcribe(samples, { language });
    return {
      step: name,
      loadS,
      inferS: seconds(t0),
      audioS: samples.length / SAMPLE_RATE,
      peakMiB: process.resourceUsage().maxRSS / 1024,
      detail: { language: t.language, segments: t.segments },
    };
  }
  const texts = JSON.parse(readFileSync(input, 'utf8')) as string[];
  let t0 = process.hrtime.bigint();
  const e = await loadTextEmbedder(SMALL.text, { modelsDir: MODELS_DIR });
  const loadS = seconds(t0);
  t0 = process.hrtime.bigint();
  await e.embed(texts, 'passage');
  await e.embed(['토마토 수프 만드는 방법'], 'query');
  return {
    step: name,
    loadS,
    inferS: seconds(t0),
    peakMiB: process.resourceUsage().maxRSS / 1024,
    detail: { texts: texts.length },
  };
}

function inChild(name: string, input: string): StepResult {
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, '--step', name, input], {
    encoding: 'utf8',
    env: { ...process.env, MODELS_DIR },
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as StepResult;
}

function ff(args: string[]) {
  execFileSync('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', ...args]);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'heimdex-bench-models-'));
  try {
    // The minute: each sentence spoken by espeak-ng at the start of its own five seconds.
    const minute = join(dir, 'minute.f32');
    const samples = new Float32Array(MINUTE.length * 5 * SAMPLE_RATE);
    for (const [i, sentence] of MINUTE.entries()) {
      const clip = espeak(dir, `s${i}`, sentence).subarray(0, 5 * SAMPLE_RATE);
      samples.set(clip, i * 5 * SAMPLE_RATE);
    }
    writeFileSync(minute, Buffer.from(samples.buffer));
    const music = join(dir, 'music.f32');
    ff([
      '-f',
      'lavfi',
      '-i',
      'aevalsrc=0.2*sin(2*PI*(220+110*floor(mod(t\\,4)))*t)+0.1*sin(2*PI*330*t)*sin(2*PI*2*t):s=16000:d=30',
      '-ac',
      '1',
      '-f',
      'f32le',
      music,
    ]);
    const silence = join(dir, 'silence.f32');
    writeFileSync(silence, Buffer.alloc(30 * SAMPLE_RATE * 4));

    const load = loadavg()[0]!.toFixed(1);
    const asr = inChild('asr', minute);
    const auto = inChild('asr-auto', minute);
    const segments = asr.detail.segments as { start: number; end: number; text: string }[];
    const transcripts = join(dir, 'texts.json');
    writeFileSync(transcripts, JSON.stringify(segments.map((s) => s.text)));
    const text = inChild('embed-text', transcripts);
    const onMusic = inChild('asr', music);
    const onSilence = inChild('asr', silence);
    const wer = wordErrorRate(MINUTE.join(' '), segments.map((s) => s.text).join(' '));

    const perMinute = (r: StepResult) => (r.inferS / (r.audioS ?? 60)) * 60;
    console.log(`small profile (${SMALL.asr}, ${SMALL.text}) on ${MODELS_DIR}; 1-min load average ${load}`);
    console.log(
      `${'step'.padEnd(34)} ${'load s'.padStart(7)} ${'infer s'.padStart(8)} ${'s / min'.padStart(8)} ${'peak RSS'.padStart(9)}`,
    );
    const row = (label: string, r: StepResult, perMin: string) =>
      console.log(
        `${label.padEnd(34)} ${r.loadS.toFixed(1).padStart(7)} ${r.inferS.toFixed(1).padStart(8)} ${perMin.padStart(8)} ${`${r.peakMiB.toFixed(0)} MiB`.padStart(9)}`,
      );
    row(`asr, language en (60 s speech)`, asr, perMinute(asr).toFixed(1));
    row(`asr, language auto (60 s speech)`, auto, perMinute(auto).toFixed(1));
    row(`embed-text (${segments.length} segments + 1 query)`, text, '—');
    row('asr on 30 s of tones', onMusic, perMinute(onMusic).toFixed(1));
    row('asr on 30 s of silence', onSilence, perMinute(onSilence).toFixed(1));
    console.log(
      `\nASR word error rate on the generated minute (${MINUTE.length} sentences): ${wer.toFixed(3)}`,
    );
    console.log(`detected language (auto): ${auto.detail.language}`);
    const said = (r: StepResult) =>
      JSON.stringify((r.detail.segments as { text: string }[]).map((s) => s.text)).slice(0, 300);
    console.log(`on tones: ${(onMusic.detail.segments as unknown[]).length} segment(s) ${said(onMusic)}`);
    console.log(
      `on silence: ${(onSilence.detail.segments as unknown[]).length} segment(s) ${said(onSilence)}`,
    );
    console.log(
      `transcript: ${segments.map((s) => `[${s.start.toFixed(1)}–${s.end.toFixed(1)}] ${s.text}`).join(' ')}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf('--step');
if (at > 0) {
  step(process.argv[at + 1]!, process.argv[at + 2]!).then((r) => console.log(JSON.stringify(r)));
} else {
  await main();
}
