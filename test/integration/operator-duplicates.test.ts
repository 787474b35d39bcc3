// Hand edits and duplicates: one owner per video id. A second VideoIngestion for a video is refused with a
// condition naming the first, runs nothing, and its deletion leaves the video and the first alone.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STAGE_NAMES } from '../../core/dag.js';
import { waitFor } from '../support/kube.js';
import {
  createIngestion,
  getIngestion,
  ingestion,
  operatorTestNamespace,
  type RunningOperator,
  readFakeLog,
  startOperator,
  TARGET,
  videoRows,
  waitForPhase,
} from '../support/operator-harness.js';

const env = inject('testbed');
const t = operatorTestNamespace(env, 'op-duplicates');
let operator: RunningOperator;

beforeAll(async () => {
  await t.fakeStage({ '*': { '*': { sleepMs: 800 } } });
  operator = startOperator(env, t.ns);
});
afterAll(async () => {
  await operator?.stop();
});

describe('two VideoIngestions for one video', () => {
  it('refuses the second, naming the first, runs every stage once, and deleting the second changes nothing', async () => {
    const { userId, videoId } = await videoRows(t.pool);
    await createIngestion(t.c, t.ns, ingestion('first', videoId, userId));
    // A second later, so "the oldest" is not a tie broken by name.
    await new Promise((r) => setTimeout(r, 1100));
    await createIngestion(t.c, t.ns, ingestion('second', videoId, userId));
    const refused = await waitForPhase(t.c, t.ns, 'second', 'Failed');
    expect(refused.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      status: 'True',
      reason: 'Duplicate',
      message: expect.stringContaining('VideoIngestion first'),
    });
    await waitForPhase(t.c, t.ns, 'first', 'Succeeded', 180_000);
    const starts = readFakeLog(t.fakeLog).filter((e) => e.event === 'start' && e.videoId === videoId);
    expect(starts.map((e) => e.stage).sort()).toEqual([...STAGE_NAMES].sort());
    await t.c.custom.deleteNamespacedCustomObject({ ...TARGET, namespace: t.ns, name: 'second' });
    await waitFor('the refused duplicate to go', async () => !(await getIngestion(t.c, t.ns, 'second')));
    const video = await t.pool.query('select state, error_text from videos where video_id = $1', [videoId]);
    expect(video.rows[0]).toEqual({ state: 'indexed', error_text: null });
    const jobs = await t.pool.query(`select count(*)::int as n from jobs where video_id = $1`, [videoId]);
    expect(jobs.rows[0]?.n).toBe(STAGE_NAMES.length);
    expect((await getIngestion(t.c, t.ns, 'first'))?.status?.phase).toBe('Succeeded');
  });
});
