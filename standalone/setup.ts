// What standalone mode decides before it starts: which models (real, or tiny with a loud warning), ffmpeg present.
import { execFileSync } from 'node:child_process';
import { statfsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname } from 'node:path';
import { STAGE_NAMES } from '../core/dag.js';
import type { Logger } from '../core/log.js';
import {
  DEFAULT_ENDPOINT,
  type FetchOptions,
  fetchModels,
  MODELSCOPE_ENDPOINT,
  sourceUrl,
  stderrProgress,
} from '../models/fetch.js';
import {
  modelSpec,
  PROFILES,
  type Profile,
  STAGE_MODELS,
  TEXT_DETECTION_MODEL,
  TINY_MODELS_DIR,
  unpinnedFiles,
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
  /** A mirror of https://www.modelscope.cn (the large profile's Korean line recogniser comes from there). */
  MODELSCOPE_ENDPOINT?: string;
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
 * Every model the settings and the profile have the stages run: the picture, text and speech models, the voice
 * activity model speech recognition runs first (without it the asr stage decodes everything), the models of the
 * one-model stages (ocr's text detector, objects' detector) and the ocr stage's line recogniser (the profile's,
 * or OCR_RECOGNIZER_MODEL's; without it the stage reads with Tesseract alone).
 */
export function firstStartModels(env: ModelEnv): string[] {
  const models = configuredModels(env);
  const stages = stageModels(env.stageSettings ?? {});
  const ocrRuns = (env.stageSettings?.OCR_MODEL || TEXT_DETECTION_MODEL) !== 'none';
  return [
    ...Object.values(models),
    ...(models.asr !== 'none' ? [VAD_MODEL] : []),
    ...stages,
    ...(ocrRuns ? [ocrRecognizerOf(env)] : []),
  ].filter((name, i, all) => name !== 'none' && all.indexOf(name) === i);
}

/**
 * On first start, the real models are fetched into MODELS_DIR with progress bars, each from its hub (or the
 * HF_ENDPOINT / MODELSCOPE_ENDPOINT mirror) when that hub answers within a few seconds. A hub that does not answer,
 * or a download that fails, does not hold the start up: the log names the models left out and the exact command
 * that gets them, and chooseModels falls back (the tiny models, loudly; the ocr stage to Tesseract alone). Returns
 * the models it fetched.
 */
export async function fetchOnFirstUse(
  env: ModelEnv,
  log: Logger,
  opts: { probeTimeoutMs?: number; onProgress?: FetchOptions['onProgress'] } = {},
): Promise<string[]> {
  const absent = firstStartModels(env).filter((name) => whyMissing(name, env.MODELS_DIR) !== undefined);
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
  const modelscopeEndpoint = env.MODELSCOPE_ENDPOINT || MODELSCOPE_ENDPOINT;
  const command = (names: string[]) =>
    `MODELS_DIR=${env.MODELS_DIR} npm run models:fetch -- ${names.join(' ')}` +
    `${names.some((n) => unpinnedFiles(modelSpec(n)).length > 0) ? ' --allow-unpinned' : ''}`;
  const offline = (names: string[]) =>
    'Without them heimdex runs on its tiny test models (without the line recogniser, the ocr stage reads with ' +
    `Tesseract alone). To use them, run \`${command(names)}\` here later, or on a machine that reaches the hub ` +
    'and copy the models directory here and set MODELS_DIR to it, or set HF_ENDPOINT / MODELSCOPE_ENDPOINT to a ' +
    'mirror; HEIMDEX_MODELS_FETCH=never stops this attempt.';
  // One probe per hub: a hub that does not answer leaves out its models only.
  const byHub = new Map<string, string[]>();
  for (const name of missing) {
    const hub = new URL(sourceUrl(modelSpec(name), endpoint, modelscopeEndpoint)).origin;
    byHub.set(hub, [...(byHub.get(hub) ?? []), name]);
  }
  const fetched: string[] = [];
  for (const [hub, names] of byHub) {
    try {
      await fetch(hub, { method: 'HEAD', signal: AbortSignal.timeout(opts.probeTimeoutMs ?? 5000) });
    } catch (error) {
      const reason = (error as Error).cause ?? (error as Error).message;
      log.warn(
        `models ${names.join(', ')} are not in ${env.MODELS_DIR} and ${hub} cannot be reached (${reason}). ${offline(names)}`,
      );
      continue;
    }
    log.info(
      `fetching models ${names.join(', ')} into ${env.MODELS_DIR} from ${hub} (first start; several GB)`,
    );
    const failed: string[] = [];
    for (const name of names) {
      try {
        // Files the manifest has not pinned are fetched trusting the hub; their hashes are printed for pinning
        // (docs/security.md lists them).
        await fetchModels([name], env.MODELS_DIR, {
          allowUnpinned: true,
          endpoint,
          modelscopeEndpoint,
          onProgress: opts.onProgress ?? stderrProgress(),
        });
        fetched.push(name);
      } catch (error) {
        log.warn(`fetching model ${name} failed: ${(error as Error).message}`);
        failed.push(name);
      }
    }
    if (failed.length > 0) {
      log.warn(
        `models ${failed.join(', ')} could not be fetched (run the server again to resume). ${offline(failed)}`,
      );
    }
  }
  return fetched;
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
