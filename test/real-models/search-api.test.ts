// Through the product: a standalone server (`npm start`) with the small profile's real models indexes a video in
// which an English sentence is spoken (espeak-ng, transcribed by Whisper base), and GET /search finds that scene
// by a Korean paraphrase, by meaning alone (no word in common), while a query about nothing in the library gets an
// empty list and a hint.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../testbed/proc.js';
import { client, uploadFile } from '../support/api.js';
import { tempDir } from '../support/cleanup.js';
import { cutsVideo } from '../support/media.js';
import { BUILD_TIMEOUT_MS, ensureRealModels, SMALL } from '../support/real-models.js';
import { type Standalone, startStandalone } from '../support/standalone.js';

const SAID = 'My grandmother is knitting a warm red sweater by the fireplace.';
let server: Standalone;
let call: ReturnType<typeof client>;
let videoId: string;

beforeAll(async () => {
  const modelsDir = await ensureRealModels();
  const dir = tempDir('search-api');
  server = await startStandalone({
    dataDir: join(dir, 'data'),
    env: { MODELS_DIR: modelsDir, HEIMDEX_PROFILE: 'small', MAX_VIDEO_SECONDS: '60' },
  });
  call = client(server.base, server.token);
  const video = cutsVideo(dir, 'knitting', { segments: [6, 3], speech: { text: SAID } });
  videoId = await uploadFile(call, video.file, { filename: 'knitting.mp4', title: 'Winter evening' });
  await waitFor(
    'the video to be indexed',
    async () => {
      const s = await call('GET', `/videos/${videoId}/status`);
      if (s.json.state === 'failed') throw new Error(`ingestion failed: ${JSON.stringify(s.json)}`);
      return s.json.state === 'indexed';
    },
    { timeoutMs: 600_000, intervalMs: 1000 },
  ).catch((e) => {
    throw new Error(`${(e as Error).message}\n${server.log().slice(-3000)}`);
  });
}, BUILD_TIMEOUT_MS + 900_000);
afterAll(async () => {
  await server?.stop();
});

const search = async (q: string) => {
  const r = await call('GET', `/search?q=${encodeURIComponent(q)}`);
  expect(r.status).toBe(200);
  return r.json;
};

describe(`GET /search on a standalone server with ${SMALL.text}`, () => {
  it('finds the scene where an English sentence is said by a Korean paraphrase of it, by meaning alone', async () => {
    const r = await search('할머니가 스웨터를 뜨는 모습');
    expect(r.signals.text).toBe('on');
    expect(r.floor_criteria.text).toBe('standout');
    expect(r.items.length).toBeGreaterThan(0);
    const hit = r.items[0];
    expect(hit.video_id).toBe(videoId);
    expect(hit.snippet).toMatch(/sweater/i);
    expect(hit.scores.lexical).toBeNull();
    expect(hit.scores.text).toBeGreaterThan(0);
    expect(hit.text_standout).toBeGreaterThanOrEqual(r.floors.text_cross_language);
    expect(hit.relevances.text).toBe(hit.relevance);
    expect(r.hint).toBeNull();
  });

  it.each(['고양이', 'zebra', '주식 시장 폭락'])('answers “%s” with nothing, and a hint', async (q) => {
    const r = await search(q);
    expect(r.items).toEqual([]);
    expect(r.hint).toMatch(/close enough in meaning/);
  });
});
