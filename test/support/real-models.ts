// The real-model tier's models: the small profile, built by `npm run models:build`'s code into
// HEIMDEX_CACHE_DIR/models (HEIMDEX_REAL_MODELS_DIR overrides) on first use and reused afterwards, so a fresh CI
// clone builds them once and later runs only check their checksums. A lock keeps two test files from building
// into the same directory at once.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockDirectory } from '../../core/db/dir-lock.js';
import { buildModels, cacheDir, defaultBuildSet } from '../../models/build.js';
import { PROFILES } from '../../models/manifest.js';
import { SAMPLE_RATE } from '../../models/runtime/speech.js';

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
