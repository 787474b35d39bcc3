import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { nearest } from '../../api/search/repository.js';
import { DEFAULT_LANGUAGE } from '../../core/crd/videoingestion.js';
import { aUser, aVideo } from '../../core/db/testing.js';
import { STAGE_ENV } from '../../core/stage-contract.js';
import { keys } from '../../core/storage/store.js';
import { VAD_MODEL } from '../../models/manifest.js';
import { loadTextEmbedder } from '../../models/runtime/embeddings.js';
import type { TranscriptOutput } from '../../pipeline-image/src/artifacts.js';
import { wordErrorRate } from '../../scripts/eval/wer.js';
import { tempDir } from '../support/cleanup.js';
import { cutsVideo } from '../support/media.js';
import {
  readJson,
  runAllStages,
  storeFor,
  type TestVideo,
  uploadVideo,
} from '../support/pipeline-harness.js';
import { BUILD_TIMEOUT_MS, ensureRealModels, SMALL } from '../support/real-models.js';

const env = inject('testbed') as unknown as Record<string, string>;
const store = storeFor(env);
const ARTIFACTS = env.S3_BUCKET_ARTIFACTS ?? 'heimdex-artifacts';
const SAID = 'Welcome to the cooking show. Today we make a simple tomato soup with fresh basil.';
const dir = tempDir('real-pipeline');
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
let modelsDir: string;
let video: TestVideo;
beforeAll(async () => {
  modelsDir = await ensureRealModels();
  const clip = cutsVideo(dir, 'cooking', { segments: [4, 4], speech: { text: SAID } });
  const userId = await aUser(pool);
  video = await uploadVideo(store, env, clip.file, { userId });
  await aVideo(pool, userId, { video_id: video.videoId, storage_key: video.sourceKey, state: 'processing' });
  await runAllStages(video, env, {
    MODELS_DIR: modelsDir,
    VISION_MODEL: SMALL.vision,
    TEXT_MODEL: SMALL.text,
    ASR_MODEL: SMALL.asr,
    // The default a person gets who names no language: detected among ASR_LANGUAGES (ko, en).
    [STAGE_ENV.language]: DEFAULT_LANGUAGE,
  });
}, BUILD_TIMEOUT_MS);
afterAll(async () => {
  await pool.end();
});

describe('a spoken English video through every stage on the small profile’s real models', () => {
  it('transcribes the speech with Whisper base into timed segments inside the video', async () => {
    const t = await readJson<TranscriptOutput>(
      store,
      ARTIFACTS,
      keys.artifact(video.userId, video.videoId, 'asr', 'transcript.json'),
    );
    expect(t.asr).toMatchObject({ model: SMALL.asr, language: 'en', detected: true, vad: VAD_MODEL });
    expect(t.asr?.languageProbability).toBeGreaterThan(0.5);
    const text = t.segments.map((s) => s.text).join(' ');
    expect(wordErrorRate(SAID, text), text).toBeLessThanOrEqual(0.3);
    for (const s of t.segments) {
      expect(s.start).toBeGreaterThanOrEqual(0);
      expect(s.end).toBeLessThanOrEqual(8.1);
    }
  });

  it('stores 384-d e5 text vectors for the scenes with words, and a Korean paraphrase finds the one about soup', async () => {
    const { rows } = await pool.query(
      `SELECT s.scene_id, s.transcript, vector_dims(v.vec) AS dims, v.model FROM scenes s
         LEFT JOIN scene_vectors v ON v.scene_id = s.scene_id AND v.kind = 'text'
        WHERE s.video_id = $1 ORDER BY s.idx`,
      [video.videoId],
    );
    const spoken = rows.filter((r) => r.transcript);
    expect(spoken.length).toBeGreaterThan(0);
    for (const r of spoken) expect([r.dims, r.model]).toEqual([384, SMALL.text]);
    await pool.query(`UPDATE videos SET state = 'indexed' WHERE video_id = $1 AND state <> 'indexed'`, [
      video.videoId,
    ]);
    const text = await loadTextEmbedder(SMALL.text, { modelsDir });
    const [q] = await text.embed(['토마토 수프를 만드는 요리 방송'], 'query');
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const found = await nearest(c, { kind: 'text', model: SMALL.text }, video.userId, q!, {}, 5);
      await c.query('COMMIT');
      const best = rows.find((r) => r.scene_id === found[0]?.sceneId);
      expect(best?.transcript, JSON.stringify(rows)).toMatch(/soup/i);
    } finally {
      c.release();
    }
  });
});
