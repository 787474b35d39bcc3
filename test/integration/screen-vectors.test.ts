// What is on screen, searched by meaning: videos with a sign and with photos go through the standalone runner
// (local stage processes, the test bed's Postgres and MinIO) with the real text detector, Tesseract, the object
// detector and multilingual-e5-small; embed-screen embeds what ocr read and the objects' names, index stores them,
// and search finds the sign by a paraphrase that shares no word with it, through the screen vectors, saying it was
// on screen, while queries about nothing still get nothing. (The cluster path runs the same stage as a Job in
// ingestion-modes.test.ts.)
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lazyQueryEmbedders } from '../../api/search/embedders.js';
import { search } from '../../api/search/service.js';
import { createLogger } from '../../core/log.js';
import { SCREEN_CALIBRATION } from '../../models/calibration.js';
import type { LocalRunner } from '../../standalone/runner.js';
import { client, startApi, token, uploadFile } from '../support/api.js';
import { tempDir } from '../support/cleanup.js';
import { waitFor } from '../support/kube.js';
import { testbedStageSettings, testLocalRunner } from '../support/local-runner.js';
import { photoClip } from '../support/photo-media.js';
import { BUILD_TIMEOUT_MS, ensureRealModels, pictureStageSettings, SMALL } from '../support/real-models.js';
import { textClip } from '../support/screen-text-media.js';

const env = inject('testbed');
const dir = tempDir('screen-vectors');
const log = createLogger('screen-vectors', 'error');

let runner: LocalRunner;
let api: Awaited<ReturnType<typeof startApi>>;
let modelsDir: string;
let userId: string;
const videos: Record<'sign' | 'photos', { videoId: string; status: Status }> = {} as never;

interface Status {
  state: string;
  stages: { name: string; state: string; message?: string }[];
}

beforeAll(async () => {
  modelsDir = await ensureRealModels();
  const stageSettings = { ...testbedStageSettings(env), ...pictureStageSettings(modelsDir) };
  api = await startApi(env, 'default', {}, 10_000, 10, (d) => {
    runner = testLocalRunner(d, env, stageSettings, join(dir, 'work'));
    return runner;
  });
  await runner.start();
  const sub = `user-${randomUUID()}`;
  const call = client(api.url, await token(sub, { email: `${sub}@example.com`, email_verified: true }));
  const sign = textClip(dir, 'sign', [
    { seconds: 5, lines: [{ text: 'GRAND OPENING SALE', style: 'sign' }] },
    { seconds: 4, lines: [] },
  ]).file;
  const photos = photoClip(dir, 'photos', [
    { photo: 'coffee.jpg', seconds: 4 },
    { photo: 'astronaut.jpg', seconds: 5 },
    { photo: null, seconds: 3 },
  ]);
  for (const [name, file] of [
    ['sign', sign],
    ['photos', photos],
  ] as const) {
    const videoId = await uploadFile(call, file, { filename: `${name}.mp4` });
    let status: Status | undefined;
    await waitFor(
      `video ${name} to be processed`,
      async () => {
        status = (await call('GET', `/videos/${videoId}/status`)).json as Status;
        return status?.state === 'failed' || status?.state === 'indexed';
      },
      { timeoutMs: 600_000, intervalMs: 500 },
    );
    videos[name] = { videoId, status: status! };
  }
  const { rows } = await api.db.query('SELECT user_id FROM videos WHERE video_id = $1', [
    videos.sign.videoId,
  ]);
  userId = rows[0].user_id;
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await runner?.stop();
  await api?.close();
});

let embedders: ReturnType<typeof lazyQueryEmbedders> | undefined;
/** One set of query models for every search, as the API keeps. */
const queryModels = () => {
  embedders ??= lazyQueryEmbedders({ modelsDir, textModel: SMALL.text, visionModel: SMALL.vision }, log);
  return embedders;
};
const find = async (q: string) =>
  search(
    {
      db: api.db,
      store: api.store,
      embedders: queryModels(),
      weights: { lexical: 1, text: 1, vision: 1 },
      artifactsBucket: env.S3_BUCKET_ARTIFACTS,
      uploadsBucket: env.S3_BUCKET_UPLOADS,
      log,
    },
    userId,
    { q, limit: 10, filters: {} },
  );

describe('what is on screen, through the text model (standalone runner, real models)', () => {
  it('embeds what ocr read and the objects seen after both ran, and stores one vector per passage', async () => {
    for (const name of ['sign', 'photos'] as const) {
      const s = videos[name].status;
      expect(s.state, JSON.stringify(s)).toBe('indexed');
      expect(s.stages.find((x) => x.name === 'embed-screen')?.state, name).toBe('succeeded');
    }
    const { rows } = await api.db.query(
      `SELECT s.idx AS scene, v.idx, v.model FROM scene_vectors v JOIN scenes s USING (scene_id)
        WHERE s.video_id = $1 AND v.kind = 'screen' ORDER BY s.idx, v.idx`,
      [videos.sign.videoId],
    );
    // The sign's scene has its screen text's vector; the blank scene has none.
    expect(rows).toEqual([{ scene: 0, idx: 0, model: SMALL.text }]);
    const photos = await api.db.query(
      `SELECT s.idx AS scene, array_agg(v.idx ORDER BY v.idx) AS idx FROM scene_vectors v JOIN scenes s USING (scene_id)
        WHERE s.video_id = $1 AND v.kind = 'screen' GROUP BY s.idx ORDER BY s.idx`,
      [videos.photos.videoId],
    );
    // The astronaut is a person: its English and Korean names (1, 2) at least.
    expect(photos.rows.find((r) => r.scene === 1)?.idx).toEqual(expect.arrayContaining([1, 2]));
    expect(photos.rows.find((r) => r.scene === 2)).toBeUndefined();
  });

  it('finds the sign by a Korean paraphrase that shares no word with it, saying it was on screen', async () => {
    const r = await find('개업 기념 할인');
    expect(r.items.map((i) => [i.video_id, i.start_s])).toEqual([[videos.sign.videoId, 0]]);
    const hit = r.items[0]!;
    expect(hit).toMatchObject({ snippet_source: 'screen', text_source: 'screen', scores: { lexical: null } });
    expect(hit.snippet).toMatch(/^On screen: GRAND OPENING SALE/);
    expect(hit.text_standout!).toBeGreaterThanOrEqual(SCREEN_CALIBRATION[SMALL.text]!.crossLanguage!.floor);
    expect(r.floors.screen_cross_language).toBe(SCREEN_CALIBRATION[SMALL.text]!.crossLanguage!.floor);
  });

  it('finds a person seen by another word for one, through the object’s name', async () => {
    const r = await find('someone');
    expect(r.items.map((i) => [i.video_id, i.start_s, i.text_source])).toEqual([
      [videos.photos.videoId, 4, 'objects'],
    ]);
    expect(r.items[0]!.snippet).toMatch(/^Seen: .*person/);
  });

  it('answers queries about nothing in these videos with nothing', async () => {
    for (const q of [
      '주식 시장 폭락',
      'zebra',
      'quantum chromodynamics lecture',
      '우주 정거장 도킹',
      'tax return deadline',
    ])
      expect((await find(q)).items, q).toEqual([]);
  });
});
