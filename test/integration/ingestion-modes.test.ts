// Cluster mode and standalone mode run one plan: the same upload, the same pipeline program, the same
// API, and what its owner reads back is the same. Cluster: the operator with stage Jobs (the test node
// agent runs them); standalone: the local runner with local processes. Both on the test bed's Postgres and MinIO,
// with the small profile's real models where the pictures are read: the text detector (ppocr-v4-det), Debian's
// Tesseract (kor+eng) and the line recogniser ppocr-v5-mobile-rec for on-screen text, the CenterNet object detector,
// and multilingual-e5-small for what was read and seen (embed-screen) and for the queries. No speech (ASR_MODEL=none).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocalRunner } from '../../standalone/runner.js';
import { client, startApi, token, uploadFile } from '../support/api.js';
import { waitFor } from '../support/kube.js';
import { PIPELINE, testbedStageSettings, testLocalRunner } from '../support/local-runner.js';
import { audioOnly } from '../support/media.js';
import { operatorTestNamespace, type RunningOperator, startOperator } from '../support/operator-harness.js';
import { photoClip } from '../support/photo-media.js';
import { BUILD_TIMEOUT_MS, ensureRealModels, pictureStageSettings, SMALL } from '../support/real-models.js';
import type { ScreenText } from '../support/screen-text-media.js';

const env = inject('testbed');
const t = operatorTestNamespace(env, 'modes');
/** What the sign in the test clip says (both lines are read well at the keyframes' size: docs/benchmarks.md). */
const SIGN: readonly ScreenText[] = [
  { text: '오늘의 특가 세일', style: 'sign' },
  { text: 'GRAND OPENING SALE', style: 'sign' },
];
/** What every stage needs in both modes: the test bed's services and the small profile's models (set in beforeAll). */
let stageSettings: Record<string, string>;

let operator: RunningOperator;
let runner: LocalRunner;
let cluster: Awaited<ReturnType<typeof startApi>>;
let standalone: Awaited<ReturnType<typeof startApi>>;

beforeAll(async () => {
  const modelsDir = await ensureRealModels();
  stageSettings = { ...testbedStageSettings(env), ...pictureStageSettings(modelsDir) };
  await t.c.core.createNamespacedConfigMap({
    namespace: t.ns,
    body: { metadata: { name: 'stage-settings' }, data: stageSettings },
  });
  operator = startOperator(env, t.ns, {
    STAGE_COMMAND: JSON.stringify(PIPELINE),
    STAGE_CONFIGMAP: 'stage-settings',
    // The models its Jobs embed with (the chart sets these and the stage ConfigMap from the same values).
    TEXT_MODEL: SMALL.text,
    VISION_MODEL: SMALL.vision,
  });
  // Queries are embedded with the models the scenes were.
  const queryModels = { modelsDir, textModel: SMALL.text, visionModel: SMALL.vision };
  cluster = await startApi(env, t.ns, {}, 10_000, 10, undefined, queryModels);
  standalone = await startApi(
    env,
    t.ns,
    {},
    10_000,
    10,
    (d) => {
      runner = testLocalRunner(d, env, stageSettings, join(t.dir, 'work'));
      return runner;
    },
    queryModels,
  );
  await runner.start();
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await runner?.stop();
  await operator?.stop();
  await cluster?.close();
  await standalone?.close();
});

/** Uploads a file through the API as a new user and waits until its processing is over. */
async function ingestThrough(api: { url: string }, file: string) {
  const sub = `user-${randomUUID()}`;
  const call = client(api.url, await token(sub, { email: `${sub}@example.com`, email_verified: true }));
  const videoId = await uploadFile(call, file, { filename: 'holiday.mp4' });
  let status: { state: string; error: unknown; stages: { name: string; state: string }[] } | undefined;
  await waitFor(
    `video ${videoId} to be processed`,
    async () => {
      status = (await call('GET', `/videos/${videoId}/status`)).json;
      return status?.state === 'failed' || status?.state === 'indexed';
    },
    { timeoutMs: 300_000, intervalMs: 500 },
  );
  return Object.assign(status!, { call, videoId });
}

describe('cluster and standalone mode', () => {
  it('show a bad upload’s owner the same category and message through the API', async () => {
    // Sound without a picture passes complete (a real MP4 header) and is refused by probe.
    const bad = audioOnly(t.dir);
    const [inCluster, inStandalone] = await Promise.all([
      ingestThrough(cluster, bad),
      ingestThrough(standalone, bad),
    ]);
    expect(inCluster.state).toBe('failed');
    expect(inCluster.error).toMatchObject({
      category: 'BadInput',
      message: 'The file has sound but no picture (audio only); upload a video.',
    });
    expect(inStandalone.error).toEqual(inCluster.error);
    const shown = (s: typeof inCluster) =>
      s.stages.map(({ name, state, message }: { name: string; state: string; message?: string }) => ({
        name,
        state,
        message,
      }));
    expect(shown(inStandalone)).toEqual(shown(inCluster));
  });

  it('find a scene by the Korean or English text on screen and an object by its Korean or English name', async () => {
    // Two scenes: a sign with a Korean and an English line, then a photo of a cup (the sign's scene shows no
    // object, the cup's no text), so each query must find its own scene.
    const clip = photoClip(t.dir, 'sign-and-cup', [
      { photo: null, seconds: 4, lines: SIGN },
      { photo: 'coffee.jpg', seconds: 4 },
    ]);
    const [inCluster, inStandalone] = await Promise.all([
      ingestThrough(cluster, clip),
      ingestThrough(standalone, clip),
    ]);
    for (const [mode, s] of [
      ['cluster', inCluster],
      ['standalone', inStandalone],
    ] as const) {
      expect(s.state, `${mode}: ${JSON.stringify(s.stages)}`).toBe('indexed');
      // What ocr read and objects saw goes through the text model too (embed-screen), each a stage Job (cluster)
      // or a local process (standalone).
      for (const stage of ['ocr', 'objects', 'embed-screen'])
        expect(s.stages.find((x) => x.name === stage)?.state, `${mode} ${stage}`).toBe('succeeded');
      const search = async (q: string) =>
        (await s.call('GET', `/search?q=${encodeURIComponent(q)}`)).json as {
          items: { start_s: number; snippet: string; snippet_source: string }[];
        };
      const found = async (q: string) => (await search(q)).items.map((i) => [i.start_s, i.snippet_source]);
      // The sign, by a word of either line.
      expect(await found('특가'), `${mode} 특가`).toEqual([[0, 'screen']]);
      expect(await found('opening sale'), `${mode} opening sale`).toEqual([[0, 'screen']]);
      expect((await search('특가')).items[0]!.snippet, mode).toMatch(/^On screen: .*<mark>특가<\/mark>/);
      // The cup, by its Korean and its English name.
      const cup = await search('컵');
      expect(
        cup.items.map((i) => [i.start_s, i.snippet_source]),
        `${mode} 컵`,
      ).toEqual([[4, 'objects']]);
      expect(cup.items[0]!.snippet, mode).toMatch(/^Seen: cup \(<mark>컵<\/mark>\)/);
      expect(await found('cup'), `${mode} cup`).toEqual([[4, 'objects']]);
      // embed-screen stored, with the text model the queries use, the sign's text as one passage (idx 0) and the
      // cup's English and Korean names (1, 2).
      const { rows } = await cluster.db.query(
        `SELECT s.idx AS scene, array_agg(v.idx ORDER BY v.idx) AS idx, array_agg(DISTINCT v.model) AS model
           FROM scene_vectors v JOIN scenes s USING (scene_id)
          WHERE s.video_id = $1 AND v.kind = 'screen' GROUP BY s.idx ORDER BY s.idx`,
        [s.videoId],
      );
      expect(rows, mode).toEqual([
        { scene: 0, idx: [0], model: [SMALL.text] },
        { scene: 1, idx: [1, 2], model: [SMALL.text] },
      ]);
      // Nothing in the video: nothing found.
      for (const q of ['zebra', '주식 시장 폭락']) expect(await found(q), `${mode} ${q}`).toEqual([]);
      // The timeline lists what each scene showed: the sign's lines as read, the cup in both languages.
      const { scenes } = (await s.call('GET', `/videos/${s.videoId}/scenes`)).json as {
        scenes: {
          screen_text: string[];
          objects: { label: string; label_ko: string; confidence: number }[];
        }[];
      };
      // (Spaces aside: Tesseract may read a Korean word's syllables apart, which search's Korean spacing undoes.)
      const unspaced = (lines: readonly string[]) => lines.map((l) => l.replace(/\s+/g, ''));
      expect(
        scenes.map((x) => unspaced(x.screen_text)),
        mode,
      ).toEqual([unspaced(SIGN.map((l) => l.text)), []]);
      expect(
        scenes.map((x) => x.objects.map((o) => o.label)),
        mode,
      ).toEqual([[], ['cup']]);
      expect(scenes[1]!.objects[0], mode).toMatchObject({ label_ko: '컵', confidence: expect.any(Number) });
    }
  }, 360_000);
});
