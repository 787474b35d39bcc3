// Deleting a VideoIngestion mid-ingestion: the finalizer stops its Jobs and pods, removes what it
// produced (and the original when the video itself was deleted), then lets the object go. The operator
// runs as the ServiceAccount of operator/rbac.yaml, so this also proves those verbs suffice.
import { describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../core/config.js';
import { createS3Store } from '../../core/storage/s3.js';
import { keys, type ObjectStore } from '../../core/storage/store.js';
import { waitFor } from '../support/kube.js';
import {
  createIngestion,
  getIngestion,
  ingestion,
  jobsOf,
  operatorKubeconfig,
  readFakeLog,
  TARGET,
  useOperatorTest,
  videoRows,
  waitForPhase,
} from '../support/operator-harness.js';

const env = inject('testbed');
const store: ObjectStore = createS3Store(parseConfig({ ...env }));
const videos: Record<string, { userId: string; videoId: string }> = {};
const t = useOperatorTest(env, 'op-cleanup', {
  setup: async (t) => {
    for (const name of ['live', 'gone', 'kept']) videos[name] = await videoRows(t.pool);
    // Slow stages after probe, so the deletion finds them running.
    return {
      [videos.live!.videoId]: { shots: { sleepMs: 60_000 } },
      [videos.gone!.videoId]: { shots: { sleepMs: 60_000 } },
    };
  },
  operatorEnv: async (t) => ({ KUBECONFIG: await operatorKubeconfig(t.c, t.ns) }),
});

async function produce(name: string) {
  const { userId, videoId } = videos[name]!;
  await store.put(env.S3_BUCKET_UPLOADS, keys.source(userId, videoId), 'video bytes');
  await store.put(env.S3_BUCKET_ARTIFACTS, keys.artifact(userId, videoId, 'probe', 'probe.json'), '{}');
  await store.put(env.S3_BUCKET_ARTIFACTS, keys.sidecar(userId, videoId, 'scenes.json'), '[]');
  await createIngestion(t.c, t.ns, ingestion(name, videoId, userId));
  await waitFor(
    `${name}: shots running`,
    async () =>
      readFakeLog(t.fakeLog).some((l) => l.videoId === videoId && l.stage === 'shots' && l.event === 'start'),
    { timeoutMs: 60_000 },
  );
}

async function deleteAndWait(name: string) {
  await t.c.custom.deleteNamespacedCustomObject({ ...TARGET, namespace: t.ns, name });
  await waitFor(`${name} to disappear`, async () => (await getIngestion(t.c, t.ns, name)) === undefined, {
    timeoutMs: 60_000,
  });
}

describe('deleting an ingestion', () => {
  it('mid-ingestion stops its Jobs and pods, removes artifacts and jobs rows, and the object goes', async () => {
    const { userId, videoId } = videos.live!;
    await produce('live');
    await deleteAndWait('live');
    expect(await jobsOf(t.c, t.ns, 'live')).toEqual([]);
    const pods = await t.c.core.listNamespacedPod({
      namespace: t.ns,
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
      (await t.pool.query('select count(*)::int as n from jobs where video_id = $1', [videoId])).rows[0].n,
    ).toBe(0);
    const video = await t.pool.query('select state, error_text from videos where video_id = $1', [videoId]);
    expect(video.rows[0]).toEqual({ state: 'failed', error_text: 'the ingestion was cancelled' });
  });

  it('of a deleted video also removes the original upload and the scenes', async () => {
    const { userId, videoId } = videos.gone!;
    await produce('gone');
    await t.pool.query(`insert into scenes (video_id, idx, start_s, end_s) values ($1, 0, 0, 1)`, [videoId]);
    await t.pool.query(`update videos set state = 'deleted' where video_id = $1`, [videoId]);
    await deleteAndWait('gone');
    expect(await store.head(env.S3_BUCKET_UPLOADS, keys.source(userId, videoId))).toBeUndefined();
    expect(await store.list(env.S3_BUCKET_ARTIFACTS, keys.artifactsPrefix(userId, videoId))).toEqual([]);
    expect(
      (await t.pool.query('select count(*)::int as n from scenes where video_id = $1', [videoId])).rows[0].n,
    ).toBe(0);
    expect(
      (await t.pool.query('select state from videos where video_id = $1', [videoId])).rows[0].state,
    ).toBe('deleted');
  });

  it('of an indexed video keeps what search needs', async () => {
    const { userId, videoId } = videos.kept!;
    await store.put(env.S3_BUCKET_ARTIFACTS, keys.artifact(userId, videoId, 'keyframes', 'thumb.jpg'), 'jpg');
    await createIngestion(t.c, t.ns, ingestion('kept', videoId, userId));
    await waitForPhase(t.c, t.ns, 'kept', 'Succeeded');
    await deleteAndWait('kept');
    expect(
      await store.head(env.S3_BUCKET_ARTIFACTS, keys.artifact(userId, videoId, 'keyframes', 'thumb.jpg')),
    ).toBeDefined();
    expect(
      (await t.pool.query('select state from videos where video_id = $1', [videoId])).rows[0].state,
    ).toBe('indexed');
  });
});
