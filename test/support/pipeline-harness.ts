// Runs pipeline stages the way the test node agent does (a process per stage, the contract's env) against
// the test bed's MinIO and Postgres, and reads back what they wrote.
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../core/config.js';
import { initialStates, propagateSkips, STAGE_NAMES, type StageName } from '../../core/dag.js';
import { decodeResult, STAGE_ENV, type StageResult } from '../../core/stage-contract.js';
import { createS3Store } from '../../core/storage/s3.js';
import { keys, type ObjectStore } from '../../core/storage/store.js';
import { spawnTracked, tempDir } from './cleanup.js';

export interface TestVideo {
  userId: string;
  videoId: string;
  sourceKey: string;
}

export interface StageRun {
  exitCode: number | null;
  result: StageResult | undefined;
  stderr: string;
  stdout: string;
}

export function storeFor(env: Record<string, string | undefined>): ObjectStore {
  return createS3Store(parseConfig(env));
}

/** Uploads a local file as a video's source, under fresh ids unless given. */
export async function uploadVideo(
  store: ObjectStore,
  env: Record<string, string | undefined>,
  file: string,
  ids: Partial<TestVideo> = {},
): Promise<TestVideo> {
  const userId = ids.userId ?? randomUUID();
  const videoId = ids.videoId ?? randomUUID();
  const sourceKey = keys.source(userId, videoId);
  await store.upload(env.S3_BUCKET_UPLOADS ?? 'heimdex-uploads', sourceKey, file, 'video/mp4');
  return { userId, videoId, sourceKey };
}

/** Runs `pipeline-image/src/main.ts <stage> <videoId>` (node, tsx as a loader) with the stage contract's environment. */
export function runStage(
  stage: StageName,
  video: TestVideo,
  env: Record<string, string | undefined>,
  extra: Record<string, string> = {},
): Promise<StageRun> {
  const scratch = tempDir(`stage-${stage}`);
  const resultFile = join(scratch, 'result.json');
  const childEnv: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...env,
    LOG_LEVEL: 'info',
    [STAGE_ENV.videoId]: video.videoId,
    [STAGE_ENV.userId]: video.userId,
    [STAGE_ENV.sourceBucket]: env.S3_BUCKET_UPLOADS ?? 'heimdex-uploads',
    [STAGE_ENV.sourceKey]: video.sourceKey,
    [STAGE_ENV.mimeType]: 'video/mp4',
    [STAGE_ENV.language]: 'ko',
    [STAGE_ENV.resultFile]: resultFile,
    [STAGE_ENV.scratchDir]: join(scratch, 'work'),
    ...extra,
  };
  return new Promise((resolve, reject) => {
    const child = spawnTracked(
      process.execPath,
      ['--import', 'tsx', 'pipeline-image/src/main.ts', stage, video.videoId],
      {
        env: childEnv as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => {
      stdout += c;
    });
    child.stderr!.on('data', (c) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (exitCode) => {
      let text: string | undefined;
      try {
        text = readFileSync(resultFile, 'utf8');
      } catch {}
      rmSync(scratch, { recursive: true, force: true });
      resolve({ exitCode, result: decodeResult(text), stderr, stdout });
    });
  });
}

export async function readJson<T>(store: ObjectStore, bucket: string, key: string): Promise<T> {
  const stream = await store.getStream(bucket, key);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
}

export async function readBytes(store: ObjectStore, bucket: string, key: string): Promise<Buffer> {
  const stream = await store.getStream(bucket, key);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Runs every stage in DAG order, as the operator would, leaving out those a Skipped stage skips; a stage that
 * fails throws with its output.
 */
export async function runAllStages(
  video: TestVideo,
  env: Record<string, string | undefined>,
  models: Record<string, string>,
): Promise<Record<string, StageRun>> {
  const runs: Record<string, StageRun> = {};
  let states = initialStates();
  for (const stage of STAGE_NAMES) {
    // The DAG's own skip rules (core/dag.ts), as both executors apply them.
    states = propagateSkips(states);
    if (states[stage] === 'Skipped') continue;
    const run = await runStage(stage, video, env, models);
    if (run.exitCode !== 0) throw new Error(`${stage} exited ${run.exitCode}: ${run.stdout}${run.stderr}`);
    states = { ...states, [stage]: run.result?.outcome === 'Skipped' ? 'Skipped' : 'Succeeded' };
    runs[stage] = run;
  }
  return runs;
}
