// Stage Jobs deleted by hand while the operator is down (killed): what the operator decides once it is back
// must not depend on having seen the deletion. A running stage's Job deleted meanwhile is an interruption
// (that attempt does not count, a StageInterrupted Event); a re-embed round's Job deleted after its run had
// succeeded keeps that success (its pod, left by --cascade=orphan, says so), as a first run's does.
import { describe, expect, inject, it } from 'vitest';
import { waitFor } from '../support/kube.js';
import {
  createIngestion,
  getIngestion,
  ingestion,
  jobsOf,
  readFakeLog,
  startOperator,
  useOperatorTest,
  videoRows,
  waitForPhase,
} from '../support/operator-harness.js';

const env = inject('testbed');
const t = useOperatorTest(env, 'op-handdel', {
  operatorEnv: () => ({ TEXT_MODEL: 'text-a', VISION_MODEL: 'vision-a' }),
});

/** The fake index reports the models it wrote, as the real one does; `slow` stages of a video take longer. */
const behaviour = (text: string, slow: Record<string, Record<string, number>> = {}) => ({
  '*': {
    '*': { sleepMs: 300 },
    index: { outputs: { sceneCount: 3, visionModel: 'vision-a', textModel: text } },
  },
  ...Object.fromEntries(
    Object.entries(slow).map(([videoId, stages]) => [
      videoId,
      {
        '*': { sleepMs: 300 },
        index: { outputs: { sceneCount: 3, visionModel: 'vision-a', textModel: text } },
        ...Object.fromEntries(Object.entries(stages).map(([stage, sleepMs]) => [stage, { sleepMs }])),
      },
    ]),
  ),
});

const runsOf = (videoId: string, stage: string) =>
  readFakeLog(t.fakeLog).filter((l) => l.videoId === videoId && l.stage === stage && l.event === 'start');

async function restartOperator(text: string) {
  await t.operator.stop('SIGKILL');
  return () => {
    t.operator = startOperator(env, t.ns, { TEXT_MODEL: text, VISION_MODEL: 'vision-a' });
  };
}

describe('a stage Job deleted while the operator is down', () => {
  it('is an interruption once the operator is back: the attempt does not count, and the Event is there', async () => {
    const { userId, videoId } = await videoRows(t.pool);
    await t.fakeStage(behaviour('text-a', { [videoId]: { shots: 20_000 } }));
    await createIngestion(t.c, t.ns, ingestion('down', videoId, userId));
    await waitFor('shots to run, and the status to say so', async () => {
      const vi = await getIngestion(t.c, t.ns, 'down');
      const shots = vi?.status?.stages?.find((s) => s.name === 'shots');
      return runsOf(videoId, 'shots').length === 1 && shots?.state === 'Running';
    });
    const start = await restartOperator('text-a');
    const job = (await jobsOf(t.c, t.ns, 'down')).find(
      (j) => j.metadata?.labels?.['heimdex.io/stage'] === 'shots',
    );
    await t.c.batch.deleteNamespacedJob({
      namespace: t.ns,
      name: job!.metadata!.name!,
      propagationPolicy: 'Background',
    });
    await waitFor(
      'the Job to be gone',
      async () => !(await jobsOf(t.c, t.ns, 'down')).some((j) => j.metadata?.uid === job!.metadata!.uid),
    );
    start();
    const vi = await waitForPhase(t.c, t.ns, 'down', 'Succeeded', 180_000);
    expect(vi.status?.stages?.find((s) => s.name === 'shots')).toMatchObject({
      state: 'Succeeded',
      attempts: 1,
      interruptions: 1,
    });
    expect(runsOf(videoId, 'shots')).toHaveLength(2);
    const row = await t.pool.query(`select attempts from jobs where video_id = $1 and stage = 'shots'`, [
      videoId,
    ]);
    expect(row.rows[0]?.attempts).toBe(1);
    const events = await t.c.core.listNamespacedEvent({
      namespace: t.ns,
      fieldSelector: `involvedObject.name=down`,
    });
    expect(events.items.filter((e) => e.reason === 'StageInterrupted')).toHaveLength(1);
  });
});

describe('a re-embed round Job deleted by hand after its run succeeded, while the operator is down', () => {
  it('keeps that success: the stage is not run a third time', async () => {
    const { userId, videoId } = await videoRows(t.pool);
    await t.fakeStage(behaviour('text-a'));
    await createIngestion(t.c, t.ns, ingestion('round', videoId, userId));
    await waitForPhase(t.c, t.ns, 'round', 'Succeeded', 180_000);
    expect(runsOf(videoId, 'embed-text')).toHaveLength(1);

    // A text model change starts round 1: embed-text and index again, embed-text slow enough to kill the operator.
    await t.fakeStage(behaviour('text-b', { [videoId]: { 'embed-text': 5000 } }));
    (await restartOperator('text-b'))();
    await waitFor('round 1 of embed-text to run', async () => runsOf(videoId, 'embed-text').length === 2, {
      timeoutMs: 90_000,
    });
    const start = await restartOperator('text-b');
    const job = (await jobsOf(t.c, t.ns, 'round')).find((j) =>
      /-embed-text-r1-/.test(j.metadata?.name ?? ''),
    );
    expect(job).toBeDefined();
    const name = job!.metadata!.name!;
    await waitFor(
      'its pod to succeed',
      async () =>
        (await t.c.core.listNamespacedPod({ namespace: t.ns, labelSelector: `job-name=${name}` })).items.some(
          (p) => p.status?.phase === 'Succeeded',
        ),
      { timeoutMs: 60_000 },
    );
    // kubectl delete job --cascade=orphan: the Job goes, its succeeded pod stays.
    await t.c.batch.deleteNamespacedJob({ namespace: t.ns, name, propagationPolicy: 'Orphan' });
    await waitFor(
      'the Job to be gone',
      async () => !(await jobsOf(t.c, t.ns, 'round')).some((j) => j.metadata?.name === name),
    );
    start();
    await waitFor(
      'round 1 to finish',
      async () => Boolean((await getIngestion(t.c, t.ns, 'round'))?.status?.reembed?.finishedAt),
      { timeoutMs: 120_000 },
    );
    const vi = (await getIngestion(t.c, t.ns, 'round'))!;
    expect(vi.status).toMatchObject({
      phase: 'Succeeded',
      vectorModels: { text: 'text-b', vision: 'vision-a' },
    });
    expect(vi.status?.stages?.find((s) => s.name === 'embed-text')).toMatchObject({
      state: 'Succeeded',
      round: 1,
      job: name,
    });
    // Once per round: the round's run was adopted, not run again.
    expect(runsOf(videoId, 'embed-text')).toHaveLength(2);
    expect(runsOf(videoId, 'index')).toHaveLength(2);
  });
});
