// Runs one stage for one video under the stage contract: reads the environment, calls the handler,
// turns its result or error into a StageResult and an exit code, and writes the result file.
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { parseConfig } from '../../core/config.js';
import { DEFAULT_LANGUAGE } from '../../core/crd/videoingestion.js';
import { isStageName, STAGE_NAMES, type StageName } from '../../core/dag.js';
import { createLogger, type Logger } from '../../core/log.js';
import { encodeResult, exitCodeOf, STAGE_ENV, type StageResult } from '../../core/stage-contract.js';
import { createObjectStore, localStorageFromEnv } from '../../core/storage/index.js';
import type { ObjectStore } from '../../core/storage/store.js';
import { parsePipelineConfig } from './config.js';
import type { StageContext, VideoRef } from './context.js';
import { categorize, InternalError, oneLine } from './errors.js';
import { HANDLERS } from './stages/index.js';

export interface RunOutcome {
  result: StageResult;
  exitCode: number;
}

export interface RunDeps {
  store?: ObjectStore;
  log?: Logger;
}

function videoFromEnv(videoId: string, env: Record<string, string | undefined>): VideoRef {
  const need = (name: string) => {
    const v = env[name]?.trim();
    if (!v)
      throw new InternalError(`${name} is not set; the runner must pass it (see core/stage-contract.ts)`);
    return v;
  };
  const fromEnv = env[STAGE_ENV.videoId]?.trim();
  if (fromEnv && fromEnv !== videoId) {
    throw new InternalError(`argument video ${videoId} differs from ${STAGE_ENV.videoId}=${fromEnv}`);
  }
  return {
    videoId,
    userId: need(STAGE_ENV.userId),
    sourceBucket: need(STAGE_ENV.sourceBucket),
    sourceKey: need(STAGE_ENV.sourceKey),
    ...(env[STAGE_ENV.mimeType] && { mimeType: env[STAGE_ENV.mimeType] }),
    language: env[STAGE_ENV.language]?.trim() || DEFAULT_LANGUAGE,
  };
}

export async function runStage(
  stageArg: string | undefined,
  videoId: string | undefined,
  env: Record<string, string | undefined> = process.env,
  deps: RunDeps = {},
): Promise<RunOutcome> {
  const log = deps.log ?? createLogger('pipeline', env.LOG_LEVEL);
  let pool: pg.Pool | undefined;
  const started = Date.now();
  try {
    if (!stageArg || !isStageName(stageArg)) {
      throw new InternalError(
        `usage: main <stage> <videoId>; stage must be one of ${STAGE_NAMES.join(', ')}`,
      );
    }
    if (!videoId) throw new InternalError('usage: main <stage> <videoId>; the video id is missing');
    const stage: StageName = stageArg;
    const config = parseConfig(env);
    const pipeline = parsePipelineConfig(env);
    const video = videoFromEnv(videoId, env);
    const scratchDir = env[STAGE_ENV.scratchDir]?.trim() || join(tmpdir(), `heimdex-${videoId}`);
    const stageLog = log.child({ stage, videoId });
    let lastTenth = -1;
    const ctx: StageContext = {
      stage,
      video,
      config,
      pipeline,
      store: deps.store ?? createObjectStore(config, localStorageFromEnv()),
      scratchDir,
      log: stageLog,
      db() {
        if (!config.DATABASE_URL)
          throw new InternalError('DATABASE_URL is not set; the index stage needs Postgres');
        pool ??= new pg.Pool({
          connectionString: config.DATABASE_URL,
          max: 2,
          connectionTimeoutMillis: 10_000,
        });
        return pool;
      },
      progress(fraction) {
        const tenth = Math.floor(Math.min(1, Math.max(0, fraction)) * 10);
        if (tenth > lastTenth) {
          lastTenth = tenth;
          stageLog.info({ progress: tenth * 10 }, `${stage} ${tenth * 10}%`);
        }
      },
    };
    stageLog.info('stage started');
    const result = await HANDLERS[stage](ctx);
    stageLog.info(
      { outcome: result.outcome, ms: Date.now() - started, outputs: result.outputs },
      result.message,
    );
    return { result, exitCode: 0 };
  } catch (err) {
    const category = categorize(err);
    const message = oneLine(err);
    log.error({ err, category, stage: stageArg, videoId }, message);
    return { result: { outcome: 'Failed', category, message }, exitCode: exitCodeOf(category) };
  } finally {
    await pool?.end().catch(() => {});
  }
}

/** Writes the result where the runner reads it (a Job's termination message path). */
export async function writeResult(file: string | undefined, result: StageResult): Promise<void> {
  if (!file) return;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, encodeResult(result));
}
