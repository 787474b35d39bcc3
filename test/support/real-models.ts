// The real-model tier's models: the small profile, built by `npm run models:build`'s code into
// HEIMDEX_CACHE_DIR/models (HEIMDEX_REAL_MODELS_DIR overrides) on first use and reused afterwards, so a fresh CI
// clone builds them once and later runs only check their checksums. A lock keeps two test files from building
// into the same directory at once.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockDirectory } from '../../core/db/dir-lock.js';
import { buildModels, cacheDir, defaultBuildSet } from '../../models/build.js';
import { PROFILES, VAD_MODEL } from '../../models/manifest.js';
import { loadSpeechRecognizer, SAMPLE_RATE, type SpeechRecognizer } from '../../models/runtime/speech.js';
import { loadVoiceDetector, type VoiceDetector } from '../../models/runtime/vad.js';

export const SMALL = PROFILES.small;

/** A build from scratch takes ~6 minutes on two busy cores; a check of a cached one, seconds. */
export const BUILD_TIMEOUT_MS = 30 * 60_000;

export function realModelsDir(env: Record<string, string | undefined> = process.env): string {
  return env.HEIMDEX_REAL_MODELS_DIR || join(cacheDir(env), 'models');
}

export async function ensureRealModels(): Promise<string> {
  const dir = realModelsDir();
  mkdirSync(dir, { recursive: true });
  for (let waited = 0; ; waited += 5) {
    try {
      const unlock = await lockDirectory(dir);
      try {
        await buildModels(defaultBuildSet(), dir, {
          log: (line) => process.stderr.write(`models: ${line}\n`),
        });
      } finally {
        await unlock();
      }
      return dir;
    } catch (error) {
      // Another test file is building: wait for it, then check its work.
      if (!/is in use by process/.test((error as Error).message) || waited > BUILD_TIMEOUT_MS / 1000)
        throw error;
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
}

/**
 * The stage settings of a test about what the pictures show (on top of testbedStageSettings): the small profile's
 * models from `modelsDir`, with its line recogniser (the pipeline's default is the large profile's Korean one),
 * and no speech (ASR_MODEL=none), so what is found is found through the pictures.
 */
export function pictureStageSettings(modelsDir: string): Record<string, string> {
  return {
    MODELS_DIR: modelsDir,
    VISION_MODEL: SMALL.vision,
    TEXT_MODEL: SMALL.text,
    ASR_MODEL: 'none',
    OCR_RECOGNIZER_MODEL: SMALL.ocrRecognizer,
    LOG_LEVEL: 'warn',
  };
}

/** espeak-ng reading `text` (English voice), as 16 kHz mono samples. */
export function espeak(dir: string, name: string, text: string, voice = 'en'): Float32Array {
  const wav = join(dir, `${name}.wav`);
  const raw = join(dir, `${name}.f32`);
  execFileSync('espeak-ng', ['-v', voice, '-w', wav, text]);
  execFileSync('ffmpeg', [
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    '-i',
    wav,
    '-ac',
    '1',
    '-ar',
    String(SAMPLE_RATE),
    '-f',
    'f32le',
    raw,
  ]);
  const b = readFileSync(raw);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

/** Clips joined with `gapSeconds` of silence between them; returns the samples and each clip's start and end. */
export function joinWithSilence(
  clips: Float32Array[],
  gapSeconds: number,
): { samples: Float32Array; spans: [number, number][] } {
  const gap = Math.round(gapSeconds * SAMPLE_RATE);
  const total = clips.reduce((n, c) => n + c.length, 0) + gap * (clips.length + 1);
  const samples = new Float32Array(total);
  const spans: [number, number][] = [];
  let at = gap;
  for (const c of clips) {
    samples.set(c, at);
    spans.push([at / SAMPLE_RATE, (at + c.length) / SAMPLE_RATE]);
    at += c.length + gap;
  }
  return { samples, spans };
}

/** A melody of harmonic notes (a new note every 0.4 s, with an attack and decay): music without words. */
export function music(seconds: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * SAMPLE_RATE));
  const notes = [220, 277.2, 329.6, 440, 392, 329.6, 293.7, 246.9];
  const noteLength = 0.4 * SAMPLE_RATE;
  for (let i = 0; i < out.length; i++) {
    const n = Math.floor(i / noteLength);
    const f = notes[n % notes.length]!;
    const local = (i % noteLength) / SAMPLE_RATE;
    const envelope = Math.min(1, local * 50) * Math.exp(-3 * local);
    const t = i / SAMPLE_RATE;
    let v = 0;
    for (let h = 1; h <= 4; h++) v += Math.sin(2 * Math.PI * f * h * t) / h;
    out[i] = 0.25 * envelope * v;
  }
  return out;
}

/** White noise at the given peak level, the same every time (a fixed seed). */
export function noise(seconds: number, level = 0.1): Float32Array {
  const out = new Float32Array(Math.round(seconds * SAMPLE_RATE));
  let a = 12345;
  for (let i = 0; i < out.length; i++) {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    out[i] = level * ((a / 2 ** 32) * 2 - 1);
  }
  return out;
}

/** Clips placed at chosen start times (seconds) in `seconds` of silence; returns the samples and each clip's span. */
export function placeAt(
  seconds: number,
  clips: { at: number; samples: Float32Array }[],
): { samples: Float32Array; spans: [number, number][] } {
  const samples = new Float32Array(Math.round(seconds * SAMPLE_RATE));
  const spans: [number, number][] = [];
  for (const c of clips) {
    const from = Math.round(c.at * SAMPLE_RATE);
    if (from + c.samples.length > samples.length)
      throw new RangeError(`a clip at ${c.at} s runs past ${seconds} s`);
    samples.set(c.samples, from);
    spans.push([c.at, c.at + c.samples.length / SAMPLE_RATE]);
  }
  return { samples, spans };
}

/** The small profile's speech recognizer and the voice activity detector the asr stage runs before it. */
export async function loadSpeechModels(): Promise<{ asr: SpeechRecognizer; vad: VoiceDetector }> {
  const modelsDir = await ensureRealModels();
  const [asr, vad] = await Promise.all([
    loadSpeechRecognizer(SMALL.asr, { modelsDir }),
    loadVoiceDetector(VAD_MODEL, { modelsDir }),
  ]);
  return { asr, vad };
}
