// Outages of what the operator depends on: it waits them out (logs, a metric), never crashes, and finishes
// the ingestions promptly once the dependency is back. The database here is a server of this file's own,
// so stopping it disturbs no other test.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STAGE_NAMES } from '../../core/dag.js';
import { migrate } from '../../core/db/migrate.js';
import { BUCKETS, S3_ACCESS_KEY, S3_SECRET_KEY, startMinio } from '../../testbed/minio.js';
import { ensureBinaries, STATE_DIR } from '../../testbed/paths.js';
import { runPostgres, startPostgres } from '../../testbed/postgres.js';
import { type Started, stopProcess } from '../../testbed/proc.js';
import { waitFor } from '../support/kube.js';
import {
  createIngestion,
  getIngestion,
  ingestion,
  operatorTestNamespace,
  type RunningOperator,
  startOperator,
  videoRows,
  waitForPhase,
} from '../support/operator-harness.js';

const env = inject('testbed');
const t = operatorTestNamespace(env, 'op-outages');
// Beside the test bed's own server: the postgres user (when we are root) can reach it there, not in /tmp.
const pgDir = join(STATE_DIR, `outage-${randomUUID().slice(0, 8)}`);
const minioDir = join(STATE_DIR, `outage-minio-${randomUUID().slice(0, 8)}`);
let server: Started | undefined;
let minio: Started | undefined;
let url = '';
let pool: pg.Pool;
let operator: RunningOperator | undefined;
const names = ['db-a', 'db-b', 'db-c'];
const videos: Record<string, { userId: string; videoId: string }> = {};

beforeAll(async () => {
  const started = await startPostgres(pgDir);
  server = started.process;
  url = started.url;
  await migrate(url);
  pool = new pg.Pool({ connectionString: url, max: 2 });
  // The test's own connections see the outage too; it must not end the test process either.
  pool.on('error', () => {});
  for (const name of [...names, 'outage', 'storage']) videos[name] = await videoRows(pool);
  const started2 = await startMinio(ensureBinaries().minio, minioDir);
  minio = started2.process;
  s3Endpoint = started2.endpoint;
  await t.fakeStage({
    '*': { '*': { sleepMs: 1500 } },
    // Storage away for longer than one Job's retries (STAGE_BACKOFF_LIMIT=2: three attempts).
    [videos.outage!.videoId]: { audio: { transient: 4 } },
    // Needs this file's own MinIO, as real stages need storage; shots is long enough to be cut by the outage.
    [videos.storage!.videoId]: {
      '*': { storage: s3Endpoint },
      shots: { sleepMs: 4000, storage: s3Endpoint },
    },
  });
});

afterAll(async () => {
  await operator?.stop();
  await pool?.end().catch(() => {});
  if (server) await stopProcess(server, 10_000, 'SIGINT');
  if (minio) await stopProcess(minio, 10_000);
  rmSync(pgDir, { recursive: true, force: true });
  rmSync(minioDir, { recursive: true, force: true });
});

let s3Endpoint = '';
const waitingFor = async (metricsUrl: string, dependency = 'postgres') => {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  return new RegExp(`heimdex_operator_waiting_for\\{dependency="${dependency}"\\} 1`).test(text);
};

describe('the operator during a database outage', () => {
  it('survives PostgreSQL going away, says it waits for it, and finishes every ingestion once it is back', async () => {
    operator = startOperator(env, t.ns, { DATABASE_URL: url, OPERATOR_BACKOFF_MAX_MS: '300000' });
    const metrics = await operator.metricsUrl();
    for (const name of names) {
      const { userId, videoId } = videos[name]!;
      await createIngestion(t.c, t.ns, ingestion(name, videoId, userId));
    }
    await waitForPhase(t.c, t.ns, names[0]!, 'Running');
    const port = Number(new URL(url).port);
    // Fast shutdown: PostgreSQL ends every session (SQLSTATE 57P01), as a restart or failover does.
    await stopProcess(server!, 10_000, 'SIGINT');
    await waitFor('the operator to report it waits for postgres', () => waitingFor(metrics), {
      timeoutMs: 90_000,
      intervalMs: 500,
    });
    // The stages go on meanwhile; let their Jobs finish while the database is still away.
    await new Promise((r) => setTimeout(r, 15_000));
    expect(operator.child.exitCode, operator.log().slice(-2000)).toBeNull();
    expect(operator.child.signalCode).toBeNull();
    server = await runPostgres(pgDir, port);
    for (const name of names) await waitForPhase(t.c, t.ns, name, 'Succeeded', 240_000);
    await waitFor('the operator to stop waiting', async () => !(await waitingFor(metrics)), {
      timeoutMs: 60_000,
    });
    for (const name of names) {
      const { videoId } = videos[name]!;
      await waitFor(`${name}'s rows to catch up`, async () => {
        const v = await pool.query('select state from videos where video_id = $1', [videoId]);
        const j = await pool.query(
          `select count(*)::int as n from jobs where video_id = $1 and state = 'succeeded'`,
          [videoId],
        );
        return v.rows[0]?.state === 'indexed' && j.rows[0]?.n === STAGE_NAMES.length;
      });
    }
    const log = operator.log();
    expect(log).toContain('waiting for postgres');
    expect(log).toContain('postgres is back');
    expect(operator.child.exitCode).toBeNull();
  });

  it('runs a stage again when an outage outlasts its Job’s retries, and the video is indexed', async () => {
    const { userId, videoId } = videos.outage!;
    await createIngestion(t.c, t.ns, ingestion('outage', videoId, userId));
    const vi = await waitForPhase(t.c, t.ns, 'outage', 'Succeeded', 240_000);
    const audio = vi.status?.stages?.find((s) => s.name === 'audio');
    expect(audio).toMatchObject({ state: 'Succeeded', reruns: 1 });
    expect(vi.status?.errorCategory).toBeUndefined();
    const events = await t.c.core.listNamespacedEvent({
      namespace: t.ns,
      fieldSelector: 'involvedObject.name=outage',
    });
    expect(events.items.map((e) => e.reason)).toContain('StageWillRetry');
    const row = await pool.query(`select state from jobs where video_id = $1 and stage = 'audio'`, [videoId]);
    expect(row.rows[0]?.state).toBe('succeeded');
  });
});

describe('the operator during an object storage outage', () => {
  it('waits for storage, spends none of the video’s attempts or re-runs on it, and goes on once it is back', async () => {
    await operator?.stop();
    operator = startOperator(env, t.ns, {
      DATABASE_URL: url,
      S3_ENDPOINT: s3Endpoint,
      S3_ACCESS_KEY,
      S3_SECRET_KEY,
      S3_BUCKET_UPLOADS: BUCKETS.uploads,
      S3_BUCKET_ARTIFACTS: BUCKETS.artifacts,
    });
    const metrics = await operator.metricsUrl();
    const { userId, videoId } = videos.storage!;
    await createIngestion(t.c, t.ns, ingestion('storage', videoId, userId));
    await waitFor(
      'shots to run',
      async () =>
        (await getIngestion(t.c, t.ns, 'storage'))?.status?.stages?.some(
          (s) => s.name === 'shots' && s.state === 'Running',
        ) ?? false,
      { timeoutMs: 120_000 },
    );
    const port = Number(new URL(s3Endpoint).port);
    await stopProcess(minio!, 10_000);
    minio = undefined;
    await waitFor('the operator to report it waits for storage', () => waitingFor(metrics, 'storage'), {
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    // Longer than a Job's three attempts (STAGE_BACKOFF_LIMIT=2, pod backoff 10 s then 20 s): shots' Job
    // fails while storage is away.
    await waitFor(
      'shots to wait for storage',
      async () =>
        (await getIngestion(t.c, t.ns, 'storage'))?.status?.stages
          ?.find((s) => s.name === 'shots')
          ?.message?.includes('outage of storage') ?? false,
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const during = await getIngestion(t.c, t.ns, 'storage');
    expect(during?.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe(
      'WaitingForDependency',
    );
    minio = (await startMinio(ensureBinaries().minio, minioDir, { port })).process;
    const back = Date.now();
    await waitFor(
      'shots to run again',
      async () =>
        (await getIngestion(t.c, t.ns, 'storage'))?.status?.stages?.some(
          (s) => s.name === 'shots' && s.state === 'Running',
        ) ?? false,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    console.log(`storage back → shots running again: ${((Date.now() - back) / 1000).toFixed(1)} s`);
    const vi = await waitForPhase(t.c, t.ns, 'storage', 'Succeeded', 240_000);
    const shots = vi.status?.stages?.find((s) => s.name === 'shots');
    // No re-run counted and no window started: the outage was storage's, not the video's.
    expect(shots?.state).toBe('Succeeded');
    expect(shots?.reruns).toBeUndefined();
    expect(shots?.transientSince).toBeUndefined();
    await waitFor(
      'the operator to stop waiting for storage',
      async () => !(await waitingFor(metrics, 'storage')),
    );
    expect(operator.log()).toContain('storage is back');
  });
});
