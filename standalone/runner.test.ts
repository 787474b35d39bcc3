// The standalone runner executes the shared plan with local processes (the fake stage program of the
// operator tests) on an embedded Postgres: the same rows, categories, retries and text as the operator.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VideoIngestionSpec } from '../core/crd/videoingestion.js';
import { STAGE_NAMES } from '../core/dag.js';
import type { EmbeddedPostgres } from '../core/db/embedded.js';
import { aUser, aVideo, startMigratedDatabase } from '../core/db/testing.js';
import { createLogger } from '../core/log.js';
import { LocalStore } from '../core/storage/local.js';
import { keys } from '../core/storage/store.js';
import { FAKE_STAGE_COMMAND, readFakeLog } from '../test/support/operator-harness.js';
import { LocalJobs } from './local-jobs.js';
import { LocalRunner } from './runner.js';

const dir = mkdtempSync(join(tmpdir(), 'heimdex-runner-'));
const fakeLog = join(dir, 'fake.log');
const workDir = join(dir, 'work');
const log = createLogger('runner-test', 'silent');
let embedded: EmbeddedPostgres;
let db: pg.Pool;
let runner: LocalRunner;
const ids: Record<string, { userId: string; videoId: string }> = {};

async function videoRow(name: string) {
  const userId = await aUser(db);
  const videoId = await aVideo(db, userId, { state: 'validating' });
  ids[name] = { userId, videoId };
  return videoId;
}

const sources = new LocalStore({ root: join(dir, 'storage'), secret: 'x'.repeat(32), publicUrl: 'http://x' });
const sourceOf = (name: string) =>
  sources.head('heimdex-uploads', keys.source(ids[name]!.userId, ids[name]!.videoId));

const submit = async (name: string) => {
  const { userId, videoId } = ids[name]!;
  await sources.put('heimdex-uploads', keys.source(userId, videoId), 'the uploaded bytes');
  return runner.submit({
    videoId,
    userId,
    bucket: 'heimdex-uploads',
    key: keys.source(userId, videoId),
    sizeBytes: 1000,
    mimeType: 'video/mp4',
    language: 'ko',
  });
};

function makeRunner(
  behaviour: Record<string, unknown>,
  deadline = { baseSeconds: 600, perVideoSecond: 3, maxVideoSeconds: 600 },
): LocalRunner {
  const store = new LocalStore({ root: join(dir, 'storage'), secret: 'x'.repeat(32), publicUrl: 'http://x' });
  return new LocalRunner({
    db,
    store,
    log,
    command: FAKE_STAGE_COMMAND,
    env: {
      PATH: process.env.PATH ?? '',
      FAKE_LOG: fakeLog,
      FAKE_STATE_DIR: join(dir, 'state'),
      FAKE_BEHAVIOUR: JSON.stringify(behaviour),
    },
    workDir,
    uploadsBucket: 'heimdex-uploads',
    artifactsBucket: 'heimdex-artifacts',
    failedSources: 'delete-bad-input', // the product's default
    maxParallel: 4,
    maxGpuParallel: 1,
    maxAttempts: 3,
    retryBaseMs: 50,
    tickMs: 200,
    deadline,
  });
}

async function settled(videoId: string) {
  for (let i = 0; i < 1200; i++) {
    const s = await runner.status(videoId);
    if (s?.phase === 'Succeeded' || s?.phase === 'Failed') return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`video ${videoId} did not settle`);
}

const rowOf = async (videoId: string) =>
  (
    await db.query('select state, error_text, error_category, duration_s from videos where video_id = $1', [
      videoId,
    ])
  ).rows[0];

beforeAll(async () => {
  embedded = await startMigratedDatabase();
  db = new pg.Pool({ connectionString: embedded.url, max: 1 });
}, 120_000);

afterAll(async () => {
  await runner?.stop();
  await db?.end();
  await embedded?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the standalone runner', () => {
  it('stops a stage that runs past its time budget and fails the video as Internal, saying so', async () => {
    const hung = await videoRow('hung');
    // probe's budget is the base alone: 8 s, far more than the fake stage needs, far less than its hang.
    runner = makeRunner(
      { [hung]: { probe: { sleepMs: 120_000 } } },
      { baseSeconds: 8, perVideoSecond: 0, maxVideoSeconds: 600 },
    );
    await runner.start();
    await submit('hung');
    const failed = await settled(hung);
    expect(failed).toMatchObject({ phase: 'Failed', errorCategory: 'Internal' });
    expect(failed.stages?.find((s) => s.name === 'probe')).toMatchObject({
      state: 'Failed',
      category: 'Internal',
      attempts: 1,
    });
    expect(failed.message).toMatch(/probe stage ran past its time budget of 8 s and was stopped/);
    expect(await rowOf(hung)).toMatchObject({ state: 'failed', error_category: 'Internal' });
    // An internal failure keeps the original (FAILED_SOURCES=delete-bad-input): it can be processed again.
    expect(await sourceOf('hung')).toBeDefined();
    await runner.stop();
  }, 60_000);

  it('runs every stage, retries a transient failure, and fails bad input as the operator does', async () => {
    const good = await videoRow('good');
    const retry = await videoRow('retry');
    const bad = await videoRow('bad');
    runner = makeRunner({
      [retry]: { asr: { transient: 1 } },
      [bad]: { probe: { exit: 42, message: 'not a playable video' } },
    });
    await runner.start();
    for (const name of ['good', 'retry', 'bad']) await submit(name);

    const ok = await settled(good);
    expect(ok).toMatchObject({ phase: 'Succeeded', progress: 100, durationSeconds: 12.5, sceneCount: 3 });
    expect(await rowOf(good)).toEqual({
      state: 'indexed',
      error_text: null,
      error_category: null,
      duration_s: 12.5,
    });
    const jobs = await db.query('select stage, state, attempts from jobs where video_id = $1', [good]);
    expect(jobs.rows).toHaveLength(STAGE_NAMES.length);
    expect(jobs.rows.every((r) => r.state === 'succeeded' && r.attempts === 1)).toBe(true);

    const retried = await settled(retry);
    expect(retried.phase).toBe('Succeeded');
    expect(retried.stages?.find((s) => s.name === 'asr')?.attempts).toBe(2);

    const failed = await settled(bad);
    expect(failed).toMatchObject({
      phase: 'Failed',
      errorCategory: 'BadInput',
      message: 'stage probe failed: not a playable video',
    });
    expect(failed.stages?.find((s) => s.name === 'probe')).toMatchObject({
      state: 'Failed',
      category: 'BadInput',
      message: 'not a playable video',
    });
    // The same row the operator writes for the same failure (test/integration/operator-lifecycle.test.ts).
    expect(await rowOf(bad)).toEqual({
      state: 'failed',
      error_text: 'not a playable video',
      error_category: 'BadInput',
      duration_s: null,
    });
    const runs = readFakeLog(fakeLog).filter((l) => l.videoId === bad && l.event === 'start');
    expect(runs.map((r) => r.stage)).toEqual(['probe']);
    // A file at fault loses its original when it fails (FAILED_SOURCES=delete-bad-input); the good ones keep theirs.
    expect(await sourceOf('bad')).toBeUndefined();
    expect(await sourceOf('good')).toBeDefined();
    expect(await sourceOf('retry')).toBeDefined();
  }, 240_000);

  it('after an upgrade that adds a stage, runs it and index again for indexed videos, and nothing else', async () => {
    const { videoId } = ids.retry!;
    await runner.stop();
    // What an older version left: an indexed video whose ingestion never had the objects stage.
    await db.query(
      `update local_ingestions set status = jsonb_set(status, '{stages}',
         (select jsonb_agg(s) from jsonb_array_elements(status->'stages') s where s->>'name' <> 'objects'))
        where video_id = $1`,
      [videoId],
    );
    const startsBefore = readFakeLog(fakeLog).filter(
      (l) => l.videoId === videoId && l.event === 'start',
    ).length;
    runner = makeRunner({});
    await runner.start();
    let status = await runner.status(videoId);
    for (let i = 0; i < 600 && !status?.reembed?.finishedAt; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await runner.status(videoId);
    }
    expect(status?.reembed).toMatchObject({ round: 1, added: ['objects'] });
    expect(status?.reembed?.finishedAt).toBeDefined();
    const starts = readFakeLog(fakeLog).filter((l) => l.videoId === videoId && l.event === 'start');
    expect(starts.slice(startsBefore).map((l) => l.stage)).toEqual(['objects', 'index']);
    expect(status?.stages?.map((st) => st.name)).toEqual(STAGE_NAMES);
    expect((await rowOf(videoId)).state).toBe('indexed');
  }, 120_000);

  it('leaves no scratch space behind once the videos are done', () => {
    expect(existsSync(workDir) ? readdirSync(workDir) : []).toEqual([]);
  });

  it('removes a deleted video’s rows and ingestion', async () => {
    const { videoId } = ids.good!;
    await db.query(`update videos set state = 'deleted' where video_id = $1`, [videoId]);
    await runner.remove(videoId);
    expect(await runner.status(videoId)).toBeUndefined();
    expect((await db.query('select 1 from jobs where video_id = $1', [videoId])).rowCount).toBe(0);
  });
});

describe('local stage runs', () => {
  it('hand a per-video model override to the stage process', async () => {
    const spec: VideoIngestionSpec = {
      videoId: '0b7f2c1e-8a4d-4c1b-9e55-2f6c3d1a9b70',
      userId: '6a1d2e3f-4b5c-4d7e-8f90-1a2b3c4d5e6f',
      source: { bucket: 'heimdex-uploads', key: 'k', sizeBytes: 1, mimeType: 'video/mp4' },
      models: { asr: 'whisper-override' },
    };
    let changed!: () => void;
    const done = new Promise<void>((r) => {
      changed = r;
    });
    const jobs = new LocalJobs({
      command: FAKE_STAGE_COMMAND,
      env: { PATH: process.env.PATH ?? '', FAKE_LOG: fakeLog, ASR_MODEL: 'the-default' },
      workDir,
      maxAttempts: 1,
      retryBaseMs: 10,
      log,
      onChange: () => changed(),
    });
    jobs.create(spec, 'asr', 'video-x-asr', 600);
    await done;
    expect(jobs.observe(spec.videoId)).toMatchObject([{ stage: 'asr', phase: 'Complete', attempts: 1 }]);
    const start = readFakeLog(fakeLog).find((l) => l.videoId === spec.videoId && l.event === 'start');
    expect(start).toMatchObject({ models: { asr: 'whisper-override' } });
    await jobs.forget(spec.videoId);
  }, 60_000);
});
