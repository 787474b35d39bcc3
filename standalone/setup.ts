// What standalone mode decides before it starts: which models (real, or tiny with a loud warning), ffmpeg present.
import { execFileSync } from 'node:child_process';
import { statfsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname } from 'node:path';
import { STAGE_NAMES } from '../core/dag.js';
import type { Logger } from '../core/log.js';
import { DEFAULT_ENDPOINT, type FetchOptions, fetchModels, stderrProgress } from '../models/fetch.js';
import {
  modelSpec,
  PROFILES,
  type Profile,
  STAGE_MODELS,
  TINY_MODELS_DIR,
  VAD_MODEL,
  whyMissing,
} from '../models/manifest.js';
import { PipelineConfigSchema } from '../pipeline-image/src/config.js';

export interface ModelChoice {
  modelsDir: string;
  visionModel: string;
  textModel: string;
  asrModel: string;
  tiny: boolean;
}

/**
 * Real models when they are in MODELS_DIR; otherwise the tiny test models, never silently: search
 * quality is meaningless with random weights, and the warning says how to get the real ones.
 */
export function chooseModels(env: ModelEnv, log: Logger): ModelChoice {
  const { vision, text, asr } = configuredModels(env);
  const missing = [vision, text].map((name) => whyMissing(name, env.MODELS_DIR)).filter(Boolean);
  if (missing.length === 0) {
    const asrMissing = asr === 'none' ? undefined : whyMissing(asr, env.MODELS_DIR);
    if (asrMissing) {
      log.warn(
        { missing: asrMissing },
        `speech model ${asr} not found in ${env.MODELS_DIR}: videos are indexed from pictures and subtitle ` +
          `tracks only. Get it with \`${getCommand([asr])}\`, or set ASR_MODEL=none to silence this.`,
      );
    }
    if (modelSpec(vision).tiny) {
      log.warn(
        `picture model ${vision} is a random-weight stand-in (no real image-text model is in the ${profileOf(env)} ` +
          'profile yet): search by what is seen is noise; transcripts and subtitles are searched for real.',
      );
    }
    return {
      modelsDir: env.MODELS_DIR,
      visionModel: vision,
      textModel: text,
      asrModel: asrMissing ? 'none' : asr,
      tiny: false,
    };
  }
  log.warn(
    { missing },
    `models not found in ${env.MODELS_DIR}: using the TINY TEST MODELS. Search by meaning is meaningless with them (only words ` +
      `in subtitles and transcripts match). Get the real ones with \`${getCommand([vision, text])}\`, or copy ` +
      'them into a directory and set MODELS_DIR to it.',
  );
  // Speech recognition needs a real Whisper model; subtitles tracks are still read.
  return {
    modelsDir: TINY_MODELS_DIR,
    visionModel: 'tiny-siglip2',
    textModel: 'tiny-bge-m3',
    asrModel: 'none',
    tiny: true,
  };
}

export interface ModelEnv {
  MODELS_DIR: string;
  /** small (default here: CPU, built with npm run models:build) or large (GPU, fetched); PROFILES in the manifest. */
  HEIMDEX_PROFILE?: string;
  VISION_MODEL?: string;
  TEXT_MODEL?: string;
  ASR_MODEL?: string;
  /** "auto" (default): fetch missing models on first start when the model hub answers; "never": do not try. */
  HEIMDEX_MODELS_FETCH?: string;
  HF_ENDPOINT?: string;
  /** The environment the stages get, for the one-model stages' settings (STAGE_MODELS: OCR_MODEL, OBJECTS_MODEL). */
  stageSettings?: Record<string, string | undefined>;
}

/**
 * The models of the stages of the DAG that run one model each (STAGE_MODELS in the manifest: ocr's text detector,
 * objects' detector), in DAG order: the default, or what the stage's setting names; none for "none".
 */
export function stageModels(settings: Record<string, string | undefined>): string[] {
  const perStage: Partial<Record<string, { model: string; setting: string }>> = STAGE_MODELS;
  return STAGE_NAMES.flatMap((stage) => {
    const m = perStage[stage];
    const name = m ? settings[m.setting] || m.model : 'none';
    return name === 'none' ? [] : [name];
  });
}

/** Standalone runs on a CPU machine: the small profile unless HEIMDEX_PROFILE says otherwise. */
export function profileOf(env: Pick<ModelEnv, 'HEIMDEX_PROFILE'>): Profile {
  const profile = env.HEIMDEX_PROFILE || 'small';
  if (!Object.hasOwn(PROFILES, profile)) {
    throw new Error(
      `HEIMDEX_PROFILE: unknown profile "${profile}"; known: ${Object.keys(PROFILES).join(', ')}`,
    );
  }
  return profile as Profile;
}

/**
 * The ocr stage's line recogniser for stage processes: OCR_RECOGNIZER_MODEL where set, else the profile's (the
 * pipeline's own default is the large profile's, whose Korean recogniser a CPU machine would not have).
 */
export function ocrRecognizerOf(env: ModelEnv): string {
  return env.stageSettings?.OCR_RECOGNIZER_MODEL || PROFILES[profileOf(env)].ocrRecognizer;
}

/** The models the settings name, with the profile's defaults. */
function configuredModels(env: ModelEnv): { vision: string; text: string; asr: string } {
  const defaults = PROFILES[profileOf(env)];
  return {
    vision: env.VISION_MODEL ?? defaults.vision,
    text: env.TEXT_MODEL ?? defaults.text,
    asr: env.ASR_MODEL ?? defaults.asr,
  };
}

/** How a person gets these models: built offline (the small profile's) or fetched (the others). */
function getCommand(names: string[]): string {
  const built = names.filter((n) => modelSpec(n).build || modelSpec(n).tiny);
  const fetched = names.filter((n) => !built.includes(n));
  return [
    ...(built.length ? ['npm run models:build'] : []),
    ...(fetched.length ? [`npm run models:fetch -- ${fetched.join(' ')}`] : []),
  ].join(' and ');
}

/**
 * On first start, the real models are fetched into MODELS_DIR with progress bars, when the model hub (or the
 * HF_ENDPOINT mirror) answers within a few seconds. Offline, or when a download fails, it says what to do and
 * returns: chooseModels then falls back to the tiny models, loudly. Returns the models it fetched.
 */
export async function fetchOnFirstUse(
  env: ModelEnv,
  log: Logger,
  opts: { probeTimeoutMs?: number; onProgress?: FetchOptions['onProgress'] } = {},
): Promise<string[]> {
  const models = configuredModels(env);
  // Speech recognition runs the voice activity model first (without it the asr stage decodes everything); ocr and
  // objects run their own.
  const configured = [
    ...Object.values(models),
    ...(models.asr !== 'none' ? [VAD_MODEL] : []),
    ...stageModels(env.stageSettings ?? {}),
  ].filter((name) => name !== 'none');
  const absent = configured.filter((name) => whyMissing(name, env.MODELS_DIR) !== undefined);
  // Models built from registry packages are not on the hub in this form: building them is a separate step.
  const toBuild = absent.filter((name) => modelSpec(name).build || modelSpec(name).tiny);
  if (toBuild.length > 0) {
    log.warn(
      `models ${toBuild.join(', ')} are not in ${env.MODELS_DIR}: make them offline with ` +
        `\`MODELS_DIR=${env.MODELS_DIR} npm run models:build -- ${toBuild.join(' ')}\` (pinned PyPI and npm ` +
        'packages; minutes, once).',
    );
  }
  const missing = absent.filter((name) => !toBuild.includes(name));
  if (missing.length === 0 || env.HEIMDEX_MODELS_FETCH === 'never') return [];
  const endpoint = env.HF_ENDPOINT || DEFAULT_ENDPOINT;
  const offline =
    `Without them heimdex runs on its tiny test models. To use the real ones, copy a models directory ` +
    `(made elsewhere with \`MODELS_DIR=<dir> npm run models:fetch -- ${missing.join(' ')}\`) to this machine and ` +
    `set MODELS_DIR to it, or set HF_ENDPOINT to a mirror; HEIMDEX_MODELS_FETCH=never stops this attempt.`;
  try {
    await fetch(endpoint, { method: 'HEAD', signal: AbortSignal.timeout(opts.probeTimeoutMs ?? 5000) });
  } catch (error) {
    const reason = (error as Error).cause ?? (error as Error).message;
    log.warn(
      `models ${missing.join(', ')} are not in ${env.MODELS_DIR} and ${endpoint} cannot be reached (${reason}). ${offline}`,
    );
    return [];
  }
  log.info(
    `fetching models ${missing.join(', ')} into ${env.MODELS_DIR} from ${endpoint} (first start; several GB)`,
  );
  try {
    // Revisions are not pinned yet (models/manifest.ts): the hashes of what was fetched are printed for pinning.
    await fetchModels(missing, env.MODELS_DIR, {
      allowUnpinned: true,
      endpoint,
      onProgress: opts.onProgress ?? stderrProgress(),
    });
  } catch (error) {
    log.warn(
      `fetching the models failed: ${(error as Error).message}. Run the server again to resume. ${offline}`,
    );
    return [];
  }
  return missing;
}

const runs = (bin: string, env: NodeJS.ProcessEnv) => {
  try {
    execFileSync(bin, ['-version'], { stdio: 'ignore', env });
    return true;
  } catch {
    return false;
  }
};

/**
 * ffmpeg and ffprobe: the system's when present; otherwise the static builds from npm's optional
 * @ffmpeg-installer/@ffprobe-installer packages, put first on PATH so stage processes find them too.
 * Throws with install instructions when neither works.
 */
export function ensureFfmpeg(env: NodeJS.ProcessEnv = process.env): 'system' | 'npm' {
  if (runs('ffmpeg', env) && runs('ffprobe', env)) return 'system';
  const require = createRequire(import.meta.url);
  try {
    const ffmpeg = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    const ffprobe = (require('@ffprobe-installer/ffprobe') as { path: string }).path;
    if (runs(ffmpeg, env) && runs(ffprobe, env)) {
      env.PATH = [dirname(ffmpeg), dirname(ffprobe), env.PATH ?? ''].join(delimiter);
      return 'npm';
    }
  } catch {
    // optional packages not installed for this platform
  }
  throw new Error(
    'ffmpeg is not installed and no bundled build fits this platform: install ffmpeg ' +
      '(Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg)',
  );
}

/** Warns at start-up when the data directory's disk is nearly full (uploads and artifacts need room). */
export function checkDiskSpace(dir: string, log: Logger, minFreeBytes = 2 * 1024 ** 3): number {
  const s = statfsSync(dir);
  const free = s.bavail * s.bsize;
  if (free < minFreeBytes) {
    log.warn(
      `only ${(free / 1024 ** 3).toFixed(1)} GiB free on the disk of ${dir}: uploads and processing may fail; free some space`,
    );
  }
  return free;
}

/** What the system and Node need to run a program at all. */
const SYSTEM_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR', 'NODE_OPTIONS'];

/**
 * What a stage process gets, as a stage Job gets its ConfigMap and Secret: the system's variables, heimdex's
 * own (HEIMDEX_*), the settings the stage program reads (core and pipeline schemas), and the given ones. Not
 * this server's other secrets (its token secret, anything else in its environment).
 */
export function stageProcessEnv(
  parent: NodeJS.ProcessEnv,
  given: Record<string, string>,
): Record<string, string> {
  const stageKeys = new Set([
    ...SYSTEM_ENV,
    ...Object.keys(PipelineConfigSchema.properties),
    'DATABASE_URL',
    'S3_ENDPOINT',
    'S3_ACCESS_KEY',
    'S3_SECRET_KEY',
    'S3_REGION',
    'S3_BUCKET_UPLOADS',
    'S3_BUCKET_ARTIFACTS',
    'MODELS_DIR',
    'MAX_VIDEO_SECONDS',
    'MAX_VIDEO_BYTES',
    'LOG_LEVEL',
  ]);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) {
    if (v !== undefined && (stageKeys.has(k) || k.startsWith('HEIMDEX_'))) env[k] = v;
  }
  return { ...env, ...given };
}
