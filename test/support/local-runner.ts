// Standalone mode's runner on the test bed, as the integration tests start it: the pipeline program as local
// processes, with what a stage needs to reach the test bed's Postgres and MinIO and the settings a test gives.
import { join } from 'node:path';
import type pg from 'pg';
import { createLogger } from '../../core/log.js';
import type { ObjectStore } from '../../core/storage/store.js';
import { LocalRunner } from '../../standalone/runner.js';
import { REPO_ROOT } from '../../testbed/paths.js';
import type { TestbedEnv } from '../../testbed/testbed.js';

/** The stage program, run from the sources. */
export const PIPELINE = [
  join(REPO_ROOT, 'node_modules/.bin/tsx'),
  join(REPO_ROOT, 'pipeline-image/src/main.ts'),
];

/** What every stage needs to reach the test bed's services, beside the test's own settings. */
export function testbedStageSettings(env: TestbedEnv): Record<string, string> {
  return {
    DATABASE_URL: env.DATABASE_URL,
    S3_ENDPOINT: env.S3_ENDPOINT,
    S3_ACCESS_KEY: env.S3_ACCESS_KEY,
    S3_SECRET_KEY: env.S3_SECRET_KEY,
    S3_REGION: env.S3_REGION,
    S3_BUCKET_UPLOADS: env.S3_BUCKET_UPLOADS,
    S3_BUCKET_ARTIFACTS: env.S3_BUCKET_ARTIFACTS,
  };
}

/** A local runner with quick retries and ticks, two stages at a time (one GPU stage). */
export function testLocalRunner(
  d: { db: pg.Pool; store: ObjectStore },
  env: TestbedEnv,
  stageSettings: Record<string, string>,
  workDir: string,
): LocalRunner {
  return new LocalRunner({
    db: d.db,
    store: d.store,
    log: createLogger('runner', 'warn'),
    command: PIPELINE,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...stageSettings },
    workDir,
    uploadsBucket: env.S3_BUCKET_UPLOADS,
    artifactsBucket: env.S3_BUCKET_ARTIFACTS,
    maxParallel: 2,
    maxGpuParallel: 1,
    maxAttempts: 2,
    retryBaseMs: 200,
    tickMs: 500,
    deadline: { baseSeconds: 600, perVideoSecond: 3, maxVideoSeconds: 600 },
  });
}
