// Re-embedding in cluster mode, against the real control plane: when the operator's text model changes, an indexed
// video gets new Jobs for embed-text and index only (named for the round), the video stays indexed throughout, and
// the status records the switch.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../support/kube.js';
import {
  createIngestion,
  getIngestion,
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
const t = operatorTestNamespace(env, 'op-reembed');
let operator: RunningOperator | undefined;
let video: { userId: string; videoId: string };

/** The fake index reports the models it wrote, as the real one does. */
const indexWrites = (text: string) => ({
  '*': { index: { outputs: { sceneCount: 3, visionModel: 'vision-a', textModel: text } } },
});

beforeAll(async () => {
  video = await videoRows(t.pool);
  await t.fakeStage(indexWrites('text-a'));
  operator = startOperator(env, t.ns, { TEXT_MODEL: 'text-a', VISION_MODEL: 'vision-a' });
});
afterAll(async () => {
  await operator?.stop();
});

describe('the operator after a text model change', () => {
  it('runs embed-text and index again as Jobs of round 1, nothing else, and the video stays indexed', async () => {
    await createIngestion(t.c, t.ns, ingestion('reembed', video.videoId, video.userId));
    const first = await waitForPhase(t.c, t.ns, 'reembed', 'Succeeded');
    expect(first.status?.vectorModels).toEqual({ text: 'text-a', vision: 'vision-a' });
    const before = (await jobsOf(t.c, t.ns, 'reembed')).map((j) => j.metadata!.name!);
    await operator!.stop();

    await t.fakeStage(indexWrites('text-b'));
    operator = startOperator(env, t.ns, { TEXT_MODEL: 'text-b', VISION_MODEL: 'vision-a' });
    await waitFor(
      'the re-embed to finish',
      async () => {
        const { rows } = await t.pool.query('SELECT state FROM videos WHERE video_id = $1', [video.videoId]);
        expect(rows[0].state).toBe('indexed');
        return Boolean((await getIngestion(t.c, t.ns, 'reembed'))?.status?.reembed?.finishedAt);
      },
      { timeoutMs: 100_000, intervalMs: 200 },
    ).catch(async (e: Error) => {
      const now = await getIngestion(t.c, t.ns, 'reembed');
      throw new Error(
        `${e.message}\nstatus: ${JSON.stringify(now?.status)}\n${operator!.log().slice(-4000)}`,
      );
    });
    const vi = (await getIngestion(t.c, t.ns, 'reembed'))!;
    expect(vi.status).toMatchObject({
      phase: 'Succeeded',
      vectorModels: { text: 'text-b', vision: 'vision-a' },
      reembed: { round: 1, text: { from: 'text-a', to: 'text-b' } },
    });
    expect(vi.status?.reembed?.vision).toBeUndefined();
    const added = (await jobsOf(t.c, t.ns, 'reembed'))
      .map((j) => j.metadata!.name!)
      .filter((n) => !before.includes(n));
    // The text model embeds the transcript and what is on screen: both run again.
    expect(added.sort()).toEqual([
      expect.stringMatching(/^reembed-embed-screen-r1-[0-9a-f]{8}$/),
      expect.stringMatching(/^reembed-embed-text-r1-[0-9a-f]{8}$/),
      expect.stringMatching(/^reembed-index-r1-[0-9a-f]{8}$/),
    ]);
    const starts = readFakeLog(t.fakeLog).filter((e) => e.event === 'start' && e.videoId === video.videoId);
    const count = (stage: string) => starts.filter((e) => e.stage === stage).length;
    for (const stage of ['probe', 'audio', 'asr', 'shots', 'keyframes', 'embed-vision', 'ocr', 'objects'])
      expect(count(stage), stage).toBe(1);
    expect(count('embed-text')).toBe(2);
    expect(count('embed-screen')).toBe(2);
    expect(count('index')).toBe(2);
  });
});
