// Deleting a VideoIngestion mid-ingestion: the finalizer stops its Jobs and pods, removes what it
// produced (and the original when the video itself was deleted), then lets the object go. The operator
// runs as the ServiceAccount of operator/rbac.yaml, so this also proves those verbs suffice.
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../core/config.js';
import { createS3Store } from '../../core/storage/s3.js';
import { keys, type ObjectStore } from '../../core/storage/store.js';
import { type Clients, clients, createNamespace, deleteNamespace, waitFor } from '../support/kube.js';
import {
  createIngestion,
  getIngestion,
  ingestion,
  jobsOf,
  newPool,
  operatorKubeconfig,
  type RunningOperator,
  readFakeLog,
  scratchDir,
  setFakeStage,
  startOperator,
  TARGET,
  videoRows,
  waitForPhase,
} from '../support/operator-harness.js';

const env = inject('testbed');
let c: Clients;
let ns: string;
let pool: pg.Pool;
let store: ObjectStore;
let operator: RunningOperator;
const dir = scratchDir('op-cleanup');
const fakeLog = join(dir, 'fake.log');
const videos: Record<string, { userId: string; videoId: string }> = {};

beforeAll(async () => {
  c = clients(env.KUBECONFIG);
  ns = await createNamespace(c, 'op-cleanup');
  pool = newPool(env);
  store = createS3Store(parseConfig({ ...env }));
  for (const name of ['live', 'gone', 'kept']) videos[name] = await videoRows(pool);
  // Slow stages after probe, so the deletion finds them running.
  await setFakeStage(
    c,
    ns,
    {
      [videos.live!.videoId]: { shots: { sleepMs: 60_000 } },
      [videos.gone!.videoId]: { shots: { sleepMs: 60_000 } },
    },
    join(dir, 'state'),
    fakeLog,
  );
  operator = startOperator(env, ns, { KUBECONFIG: await operatorKubeconfig(c, ns) });
});

afterAll(async () => {
  await operator?.stop();
  await pool?.end();
  await deleteNamespace(c, ns);
});

async function produce(name: string) {
  const { userId, videoId } = videos[name]!;
  await store.put(env.S3_BUCKET_UPLOADS, keys.source(userId, videoId), 'video bytes');
  await store.put(env.S3_BUCKET_ARTIFACTS, keys.artifact(userId, videoId, 'probe', 'probe.json'), '{}');
  await store.put(env.S3_BUCKET_ARTIFACTS, keys.sidecar(userId, videoId, 'scenes.json'), '[]');
  await createIngestion(c, ns, ingestion(name, videoId, userId));
  await waitFor(
    `${name}: shots running`,
    async () =>
      readFakeLog(fakeLog).some((l) => l.videoId === videoId && l.stage === 'shots' && l.event === 'start'),
    { timeoutMs: 60_000 },
  );
}

async function deleteAndWait(name: string) {
  await c.custom.deleteNamespacedCustomObject({ ...TARGET, namespace: ns, name });
  await waitFor(`${name} to disappear`, async () => (await getIngestion(c, ns, name)) === undefined, {
    timeoutMs: 60_000,
  });
}

describe('deleting an ingestion', () => {
  it('mid-ingestion stops its Jobs and pods, removes artifacts and jobs rows, and the object goes', async () => {
    const { userId, videoId } = videos.live!;
    await produce('live');
    await deleteAndWait('live');
    expect(await jobsOf(c, ns, 'live')).toEqual([]);
    const pods = await c.core.listNamespacedPod({
      namespace: ns,
      labelSelector: 'heimdex.io/ingestion=live',
    });
    expect(pods.items.filter((p) => p.status?.phase === 'Running' || p.status?.phase === 'Pending')).toEqual(
      [],
    );
    expect(await store.list(env.S3_BUCKET_ARTIFACTS, keys.artifactsPrefix(userId, videoId))).toEqual([]);
    expect(await store.list(env.S3_BUCKET_ARTIFACTS, keys.sidecarsPrefix(userId, videoId))).toEqual([]);
    // The video itself was not deleted: its original stays, and it shows the ingestion was cancelled.
    expect(await store.head(env.S3_BUCKET_UPLOADS, keys.source(userId, videoId))).toBeDefined();
    expect(
      (await pool.query('select count(*)::int as n from jobs where video_id = $1', [videoId])).rows[0].n,
    ).toBe(0);
    const video = await pool.query('select state, error_text from videos where video_id = $1', [videoId]);
    expect(video.rows[0]).toEqual({ state: 'failed', error_text: 'the ingestion was cancelled' });
  });

  it('of a deleted video also removes the original upload and the scenes', async () => {
    const { userId, videoId } = videos.gone!;
    await produce('gone');
    await pool.query(`insert into scenes (video_id, idx, start_s, end_s) values ($1, 0, 0, 1)`, [videoId]);
    await pool.query(`update videos set state = 'deleted' where video_id = $1`, [videoId]);
    await deleteAndWait('gone');
    expect(await store.head(env.S3_BUCKET_UPLOADS, keys.source(userId, videoId))).toBeUndefined();
    expect(await store.list(env.S3_BUCKET_ARTIFACTS, keys.artifactsPrefix(userId, videoId))).toEqual([]);
    expect(
      (await pool.query('select count(*)::int as n from scenes where video_id = $1', [videoId])).rows[0].n,
    ).toBe(0);
    expect((await pool.query('select state from videos where video_id = $1', [videoId])).rows[0].state).toBe(
      'deleted',
    );
  });

  it('of an indexed video keeps what search needs', async () => {
    const { userId, videoId } = videos.kept!;
    await store.put(env.S3_BUCKET_ARTIFACTS, keys.artifact(userId, videoId, 'keyframes', 'thumb.jpg'), 'jpg');
    await createIngestion(c, ns, ingestion('kept', videoId, userId));
    await waitForPhase(c, ns, 'kept', 'Succeeded');
    await deleteAndWait('kept');
    expect(
      await store.head(env.S3_BUCKET_ARTIFACTS, keys.artifact(userId, videoId, 'keyframes', 'thumb.jpg')),
    ).toBeDefined();
    expect((await pool.query('select state from videos where video_id = $1', [videoId])).rows[0].state).toBe(
      'indexed',
    );
  });
});
