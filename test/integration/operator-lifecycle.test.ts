// The operator against the real control plane: stage Jobs through the DAG, status, Events, DB rows,
// GPU scheduling, retries, bad input and a restart mid-ingestion.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../core/config.js';
import { STAGE_NAMES, STAGES } from '../../core/dag.js';
import { createS3Store } from '../../core/storage/s3.js';
import { keys } from '../../core/storage/store.js';
import { GPU_NODE_NAME } from '../../testbed/agent/nodes.js';
import { chartTools, exec } from '../support/chart-tools.js';
import { waitFor } from '../support/kube.js';
import {
  createIngestion,
  ingestion,
  jobsOf,
  operatorTestNamespace,
  type RunningOperator,
  readFakeLog,
  startOperator,
  videoRows,
  waitForPhase,
} from '../support/operator-harness.js';

const env = inject('testbed');
const t = operatorTestNamespace(env, 'op-lifecycle');
let operator: RunningOperator;
const videos: Record<string, { userId: string; videoId: string }> = {};
const store = createS3Store(parseConfig(env as unknown as Record<string, string>));
const sourceOf = (name: string) =>
  store.head(env.S3_BUCKET_UPLOADS, keys.source(videos[name]!.userId, videos[name]!.videoId));

beforeAll(async () => {
  for (const name of ['happy', 'retry', 'bad', 'restart', 'models']) videos[name] = await videoRows(t.pool);
  await t.fakeStage({
    [videos.retry!.videoId]: { asr: { transient: 1 } },
    [videos.bad!.videoId]: { probe: { exit: 42, message: 'not a playable video' } },
    [videos.restart!.videoId]: { '*': { sleepMs: 1500 } },
  });
  operator = startOperator(env, t.ns);
});

afterAll(async () => {
  await operator?.stop();
});

describe('the operator', () => {
  it('drives an ingestion through every stage to Succeeded and keeps the database rows', async () => {
    const { userId, videoId } = videos.happy!;
    await createIngestion(t.c, t.ns, ingestion('happy', videoId, userId));
    const vi = await waitForPhase(t.c, t.ns, 'happy', 'Succeeded');
    expect(vi.status).toMatchObject({ progress: 100, durationSeconds: 12.5, sceneCount: 3 });
    expect(vi.status?.stages?.every((s) => s.state === 'Succeeded')).toBe(true);
    expect(vi.status?.conditions?.find((x) => x.type === 'Ready')).toMatchObject({
      status: 'True',
      observedGeneration: 1,
    });
    expect(vi.metadata.finalizers).toContain('heimdex.io/cleanup');
    const video = await t.pool.query('select state, duration_s from videos where video_id = $1', [videoId]);
    expect(video.rows[0]).toEqual({ state: 'indexed', duration_s: 12.5 });
    const jobs = await t.pool.query(
      'select stage, state, attempts from jobs where video_id = $1 order by stage',
      [videoId],
    );
    expect(jobs.rows).toHaveLength(STAGE_NAMES.length);
    expect(jobs.rows.every((r) => r.state === 'succeeded' && r.attempts === 1)).toBe(true);
    const events = await t.c.core.listNamespacedEvent({
      namespace: t.ns,
      fieldSelector: `involvedObject.name=happy`,
    });
    const reasons = events.items.map((e) => e.reason);
    expect(reasons.filter((r) => r === 'StageSucceeded')).toHaveLength(STAGE_NAMES.length);
    expect(reasons).toContain('Succeeded');
  });

  it('runs GPU stages on the GPU node only and never gives CPU stages a GPU', async () => {
    const jobs = await jobsOf(t.c, t.ns, 'happy');
    expect(jobs).toHaveLength(STAGE_NAMES.length);
    const pods = (
      await t.c.core.listNamespacedPod({ namespace: t.ns, labelSelector: 'heimdex.io/ingestion=happy' })
    ).items;
    for (const pod of pods) {
      const gpu = pod.metadata?.labels?.['heimdex.io/resource'] === 'gpu';
      const asksGpu = JSON.stringify(pod.spec?.containers[0]?.resources ?? {}).includes('nvidia.com/gpu');
      expect(asksGpu).toBe(gpu);
      if (gpu) expect(pod.spec?.nodeName).toBe(GPU_NODE_NAME);
      else expect(pod.spec?.nodeName).not.toBe(GPU_NODE_NAME);
    }
    expect(pods.filter((p) => p.metadata?.labels?.['heimdex.io/resource'] === 'gpu')).toHaveLength(
      STAGES.filter((s) => s.resource === 'gpu').length,
    );
  });

  it('retries a transient stage failure and still succeeds', async () => {
    const { userId, videoId } = videos.retry!;
    await createIngestion(t.c, t.ns, ingestion('retry', videoId, userId));
    const vi = await waitForPhase(t.c, t.ns, 'retry', 'Succeeded');
    expect(vi.status?.stages?.find((s) => s.name === 'asr')?.attempts).toBe(2);
    const row = await t.pool.query(`select attempts from jobs where video_id = $1 and stage = 'asr'`, [
      videoId,
    ]);
    expect(row.rows[0].attempts).toBe(2);
  });

  it('fails a bad input at once with a reason and a message, without retries, and drops its original', async () => {
    const { userId, videoId } = videos.bad!;
    await store.put(env.S3_BUCKET_UPLOADS, keys.source(userId, videoId), 'the uploaded bytes');
    await createIngestion(t.c, t.ns, ingestion('bad', videoId, userId));
    const vi = await waitForPhase(t.c, t.ns, 'bad', 'Failed');
    // FAILED_SOURCES=delete-bad-input, the default: a file at fault cannot be processed again.
    expect(await sourceOf('bad')).toBeUndefined();
    expect(vi.status).toMatchObject({
      errorCategory: 'BadInput',
      message: 'stage probe failed: not a playable video',
    });
    expect(vi.status?.conditions?.find((x) => x.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'BadInput',
    });
    const runs = readFakeLog(t.fakeLog).filter((l) => l.videoId === videoId && l.event === 'start');
    expect(runs.map((r) => r.stage)).toEqual(['probe']);
    const video = await t.pool.query('select state, error_text from videos where video_id = $1', [videoId]);
    expect(video.rows[0]).toEqual({
      state: 'failed',
      error_text: 'not a playable video',
    });
    // The Event is written after the status; wait for it rather than race it.
    let failedEvent: { type?: string } | undefined;
    await waitFor(
      'the Failed event',
      async () => {
        const events = await t.c.core.listNamespacedEvent({
          namespace: t.ns,
          fieldSelector: 'involvedObject.name=bad',
        });
        failedEvent = events.items.find((e) => e.reason === 'Failed');
        return failedEvent !== undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(failedEvent?.type).toBe('Warning');
    // What an operator of the service reads: the failure in words, from a real kubectl.
    const { kubectl } = await chartTools();
    const described = await exec(kubectl, [
      '--kubeconfig',
      env.KUBECONFIG,
      '-n',
      t.ns,
      'describe',
      'vi',
      'bad',
    ]);
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(/Phase:\s+Failed/);
    expect(described.stdout).toMatch(/Error Category:\s+BadInput/);
    expect(described.stdout).toMatch(/Reason:\s+BadInput/);
    expect(described.stdout).toMatch(/Warning\s+Failed.*not a playable video/);
  });

  it('hands a per-video model override to the stage program', async () => {
    const { userId, videoId } = videos.models!;
    const models = { asr: 'whisper-override', visionEmbedding: 'siglip-override' };
    await createIngestion(t.c, t.ns, ingestion('models', videoId, userId, ['probe', 'audio', 'asr'], models));
    await waitForPhase(t.c, t.ns, 'models', 'Succeeded');
    const asr = readFakeLog(t.fakeLog).find(
      (l) => l.videoId === videoId && l.stage === 'asr' && l.event === 'start',
    );
    expect(asr?.models).toMatchObject({ asr: 'whisper-override', vision: 'siglip-override' });
  });

  it('finishes an ingestion after the operator is killed mid-way, without duplicate Jobs', async () => {
    const { userId, videoId } = videos.restart!;
    await createIngestion(t.c, t.ns, ingestion('restart', videoId, userId));
    await waitFor(
      'a few stages to run',
      async () =>
        readFakeLog(t.fakeLog).filter((l) => l.videoId === videoId && l.event === 'end').length >= 2,
      {
        timeoutMs: 60_000,
      },
    );
    await operator.stop('SIGKILL');
    operator = startOperator(env, t.ns);
    await waitForPhase(t.c, t.ns, 'restart', 'Succeeded');
    const jobs = await jobsOf(t.c, t.ns, 'restart');
    expect(jobs).toHaveLength(STAGE_NAMES.length);
    const starts = readFakeLog(t.fakeLog).filter((l) => l.videoId === videoId && l.event === 'start');
    expect(starts).toHaveLength(STAGE_NAMES.length);
  });
});
