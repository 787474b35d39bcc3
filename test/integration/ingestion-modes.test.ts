// Cluster mode and standalone mode run one plan: the same upload, the same pipeline program, the same
// API, and what its owner reads back is the same. Cluster: the operator with stage Jobs (the test node
// agent runs them); standalone: the local runner with local processes. Both on the test bed's Postgres and MinIO,
// with the tiny models and the real object detector (the ocr stage is off: Tesseract's minutes prove nothing here).
import { randomUUID } from 'node:crypto';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OBJECT_DETECTION_MODEL, TINY_MODELS_DIR } from '../../models/manifest.js';
import type { LocalRunner } from '../../standalone/runner.js';
import { client, startApi, token, uploadFile } from '../support/api.js';
import { waitFor } from '../support/kube.js';
import { PIPELINE, testbedStageSettings, testLocalRunner } from '../support/local-runner.js';
import { audioOnly } from '../support/media.js';
import { operatorTestNamespace, type RunningOperator, startOperator } from '../support/operator-harness.js';
import { photoClip } from '../support/photo-media.js';
import { BUILD_TIMEOUT_MS, ensureRealModels } from '../support/real-models.js';

const env = inject('testbed');
const t = operatorTestNamespace(env, 'modes');
/** What every stage needs in both modes: the test bed's services and the tiny models. */
const stageSettings = {
  ...testbedStageSettings(env),
  MODELS_DIR: join(t.dir, 'models'),
  VISION_MODEL: 'tiny-siglip2',
  TEXT_MODEL: 'tiny-bge-m3',
  ASR_MODEL: 'none',
  OCR_MODEL: 'none',
  LOG_LEVEL: 'warn',
};

let operator: RunningOperator;
let runner: LocalRunner;
let cluster: Awaited<ReturnType<typeof startApi>>;
let standalone: Awaited<ReturnType<typeof startApi>>;

beforeAll(async () => {
  // One models directory: the tiny stand-ins and the real object detector, linked in.
  const real = await ensureRealModels();
  mkdirSync(stageSettings.MODELS_DIR, { recursive: true });
  for (const name of ['tiny-siglip2', 'tiny-bge-m3'])
    symlinkSync(join(TINY_MODELS_DIR, name), join(stageSettings.MODELS_DIR, name));
  symlinkSync(join(real, OBJECT_DETECTION_MODEL), join(stageSettings.MODELS_DIR, OBJECT_DETECTION_MODEL));
  await t.c.core.createNamespacedConfigMap({
    namespace: t.ns,
    body: { metadata: { name: 'stage-settings' }, data: stageSettings },
  });
  operator = startOperator(env, t.ns, {
    STAGE_COMMAND: JSON.stringify(PIPELINE),
    STAGE_CONFIGMAP: 'stage-settings',
    // The models its Jobs embed with (the chart sets these and the stage ConfigMap from the same values).
    TEXT_MODEL: stageSettings.TEXT_MODEL,
    VISION_MODEL: stageSettings.VISION_MODEL,
  });
  cluster = await startApi(env, t.ns);
  standalone = await startApi(env, t.ns, {}, 10_000, 10, (d) => {
    runner = testLocalRunner(d, env, stageSettings, join(t.dir, 'work'));
    return runner;
  });
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
    { timeoutMs: 180_000, intervalMs: 500 },
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

  it('find a scene by an object seen in it, in Korean or English, and say it was seen', async () => {
    const clip = photoClip(t.dir, 'photos', [
      { photo: 'coffee.jpg', seconds: 4 },
      { photo: 'horse.jpg', seconds: 4 },
    ]);
    const [inCluster, inStandalone] = await Promise.all([
      ingestThrough(cluster, clip),
      ingestThrough(standalone, clip),
    ]);
    for (const [mode, s] of [
      ['cluster', inCluster],
      ['standalone', inStandalone],
    ] as const) {
      expect(s.state, mode).toBe('indexed');
      expect(s.stages.find((x) => x.name === 'objects')?.state, mode).toBe('succeeded');
      // What was seen goes through the text model too, as a stage Job (cluster) or a local process (standalone).
      expect(s.stages.find((x) => x.name === 'embed-screen')?.state, mode).toBe('succeeded');
      const search = async (q: string) =>
        (await s.call('GET', `/search?q=${encodeURIComponent(q)}`)).json as {
          items: { start_s: number; snippet: string; snippet_source: string }[];
        };
      const cup = await search('컵');
      expect(
        cup.items.map((i) => [i.start_s, i.snippet_source]),
        mode,
      ).toEqual([[0, 'objects']]);
      expect(cup.items[0]!.snippet, mode).toMatch(/^Seen: cup \(<mark>컵<\/mark>\)/);
      expect(
        (await search('horse')).items.map((i) => i.start_s),
        mode,
      ).toEqual([4]);
      // The timeline lists what each scene showed, in both languages.
      const { scenes } = (await s.call('GET', `/videos/${s.videoId}/scenes`)).json as {
        scenes: { objects: { label: string; label_ko: string; confidence: number }[] }[];
      };
      expect(
        scenes.map((x) => x.objects[0]?.label),
        mode,
      ).toEqual(['cup', 'horse']);
      expect(scenes[0]!.objects[0], mode).toMatchObject({ label_ko: '컵', confidence: expect.any(Number) });
    }
  });
});
