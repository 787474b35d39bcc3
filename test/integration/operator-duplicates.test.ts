// Hand edits and duplicates: one owner per video id. A second VideoIngestion for a video is refused with a
// condition naming the first, runs nothing, and its deletion leaves the video and the first alone. A Job
// deleted by hand (with its pods or without) never makes two runs of one stage at once and costs the video
// no attempt; an ingestion of a video with no row fails at once.
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { STAGE_NAMES } from '../../core/dag.js';
import { waitFor } from '../support/kube.js';
import {
  createIngestion,
  getIngestion,
  ingestion,
  jobsOf,
  readFakeLog,
  TARGET,
  useOperatorTest,
  videoRows,
  waitForPhase,
} from '../support/operator-harness.js';

const env = inject('testbed');
const videos: Record<string, { userId: string; videoId: string }> = {};
const t = useOperatorTest(env, 'op-duplicates', {
  setup: async (t) => {
    for (const name of ['orphaned', 'deleted']) videos[name] = await videoRows(t.pool);
    return {
      '*': { '*': { sleepMs: 800 } },
      // A shots run long enough to be deleted while it runs.
      [videos.orphaned!.videoId]: { shots: { sleepMs: 15_000 } },
      [videos.deleted!.videoId]: { shots: { sleepMs: 15_000 } },
    };
  },
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

/** The [start, end] of each run of `stage` for a video, from the fake stage's log (end: when it stopped). */
function runsOf(videoId: string, stage: string) {
  const runs: { start: number; end?: number }[] = [];
  for (const e of readFakeLog(t.fakeLog).filter((l) => l.videoId === videoId && l.stage === stage)) {
    if (e.event === 'start') runs.push({ start: e.at });
    else if (e.event === 'end') {
      const open = runs.find((r) => r.end === undefined);
      if (open) open.end = e.at;
    }
  }
  return runs;
}

describe('a stage Job deleted by hand', () => {
  for (const [name, propagationPolicy] of [
    ['orphaned', 'Orphan'],
    ['deleted', 'Background'],
  ] as const) {
    it(`(${propagationPolicy}) never runs two pods of the stage at once, and costs the video no attempt`, async () => {
      const { userId, videoId } = videos[name]!;
      await createIngestion(t.c, t.ns, ingestion(name, videoId, userId));
      await waitFor(`${name}: shots running`, async () => runsOf(videoId, 'shots').length === 1, {
        timeoutMs: 90_000,
      });
      const job = (await jobsOf(t.c, t.ns, name)).find(
        (j) => j.metadata?.labels?.['heimdex.io/stage'] === 'shots',
      );
      // kubectl delete job --cascade=orphan (or the default, background).
      await t.c.batch.deleteNamespacedJob({ namespace: t.ns, name: job!.metadata!.name!, propagationPolicy });
      const vi = await waitForPhase(t.c, t.ns, name, 'Succeeded', 180_000);
      const runs = runsOf(videoId, 'shots');
      expect(runs).toHaveLength(2);
      // The first run ended (stopped) before the second began: never two at once.
      expect(runs[0]!.end, JSON.stringify(runs)).toBeDefined();
      expect(runs[1]!.start).toBeGreaterThanOrEqual(runs[0]!.end!);
      const shots = vi.status?.stages?.find((s) => s.name === 'shots');
      expect(shots).toMatchObject({ state: 'Succeeded', attempts: 1, interruptions: 1 });
      const row = await t.pool.query(`select attempts from jobs where video_id = $1 and stage = 'shots'`, [
        videoId,
      ]);
      expect(row.rows[0]?.attempts).toBe(1);
      const events = await t.c.core.listNamespacedEvent({
        namespace: t.ns,
        fieldSelector: `involvedObject.name=${name}`,
      });
      const reasons = events.items.map((e) => e.reason);
      expect(reasons).toContain('StageInterrupted');
      // One start per run of each stage: shots twice, every other stage once.
      expect(reasons.filter((r) => r === 'StageStarted')).toHaveLength(STAGE_NAMES.length + 1);
    });
  }
});

describe('an ingestion of a video with no row', () => {
  it('fails at once as BadInput, saying the video is not there, and runs nothing', async () => {
    const videoId = randomUUID();
    await createIngestion(t.c, t.ns, ingestion('nobody', videoId, randomUUID()));
    const vi = await waitForPhase(t.c, t.ns, 'nobody', 'Failed', 30_000);
    expect(vi.status?.errorCategory).toBe('BadInput');
    expect(vi.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      reason: 'VideoMissing',
      message: expect.stringContaining(`video ${videoId} is not in the database`),
    });
    expect(readFakeLog(t.fakeLog).filter((l) => l.videoId === videoId)).toEqual([]);
    expect(await jobsOf(t.c, t.ns, 'nobody')).toEqual([]);
  });
});
