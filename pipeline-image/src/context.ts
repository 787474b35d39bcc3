// What a stage handler gets: the video it works on, settings, storage, a database pool on demand,
// scratch space, a logger, and helpers for the artifacts stages hand to each other.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import type { Config } from '../../core/config.js';
import type { StageName } from '../../core/dag.js';
import type { Logger } from '../../core/log.js';
import type { StageResult } from '../../core/stage-contract.js';
import { keys, type ObjectStore } from '../../core/storage/store.js';
import type { Artifact } from './artifacts.js';
import type { PipelineConfig } from './config.js';
import { InternalError } from './errors.js';

export interface VideoRef {
  videoId: string;
  userId: string;
  sourceBucket: string;
  sourceKey: string;
  mimeType?: string;
  /** ISO 639-1 code or "auto". */
  language: string;
}

export interface StageContext {
  stage: StageName;
  video: VideoRef;
  config: Config;
  pipeline: PipelineConfig;
  store: ObjectStore;
  scratchDir: string;
  log: Logger;
  /** A pool on DATABASE_URL, opened on first use and closed by the runner. */
  db(): pg.Pool;
  /** Logs progress (0–1) at most every tenth, so long stages show they are alive. */
  progress(fraction: number): void;
}

export type StageHandler = (ctx: StageContext) => Promise<StageResult>;

export const succeeded = (message: string, outputs: StageResult['outputs'] = {}): StageResult => ({
  outcome: 'Succeeded',
  message,
  outputs,
});
export const skipped = (message: string, outputs: StageResult['outputs'] = {}): StageResult => ({
  outcome: 'Skipped',
  message,
  outputs,
});

export function artifactKey(ctx: StageContext, stage: StageName, name: string): string {
  return keys.artifact(ctx.video.userId, ctx.video.videoId, stage, name);
}

export async function putJson<T>(ctx: StageContext, artifact: Artifact<T>, value: T): Promise<string> {
  const key = artifactKey(ctx, artifact.stage, artifact.name);
  await ctx.store.put(ctx.config.S3_BUCKET_ARTIFACTS, key, `${JSON.stringify(value)}\n`, 'application/json');
  return key;
}

/** Reads what an earlier stage wrote; its absence means the DAG ran out of order, a bug, not bad input. */
export async function getJson<T>(ctx: StageContext, artifact: Artifact<T>): Promise<T> {
  const { stage, name } = artifact;
  const key = artifactKey(ctx, stage, name);
  if (!(await ctx.store.head(ctx.config.S3_BUCKET_ARTIFACTS, key))) {
    throw new InternalError(`${stage} output ${name} is missing (${key}); run the ${stage} stage first`);
  }
  const stream = await ctx.store.getStream(ctx.config.S3_BUCKET_ARTIFACTS, key);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
}

/** Like getJson, but undefined when the earlier stage wrote nothing (it was skipped). */
export async function getJsonIfPresent<T>(ctx: StageContext, artifact: Artifact<T>): Promise<T | undefined> {
  const key = artifactKey(ctx, artifact.stage, artifact.name);
  if (!(await ctx.store.head(ctx.config.S3_BUCKET_ARTIFACTS, key))) return undefined;
  return getJson(ctx, artifact);
}

/** The original upload in scratch space, downloaded once per process. */
export async function sourceFile(ctx: StageContext): Promise<string> {
  const file = join(ctx.scratchDir, 'source');
  if (!existsSync(file)) {
    await mkdir(ctx.scratchDir, { recursive: true });
    await ctx.store.download(ctx.video.sourceBucket, ctx.video.sourceKey, `${file}.part`);
    const { rename } = await import('node:fs/promises');
    await rename(`${file}.part`, file);
  }
  return file;
}

export function scratchPath(ctx: StageContext, ...parts: string[]): string {
  return join(ctx.scratchDir, ctx.stage, ...parts);
}
