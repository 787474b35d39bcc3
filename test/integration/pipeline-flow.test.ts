// A whole video through every stage against the test bed (MinIO, PostgreSQL + pgvector), on the tiny models:
// scenes rows with vectors of the right sizes, thumbnails and a sidecar; every stage run twice gives the same.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { aUser, aVideo } from '../../core/db/testing.js';
import { EXIT_INTERNAL, STAGE_ENV } from '../../core/stage-contract.js';
import { keys } from '../../core/storage/store.js';
import { TINY_MODELS_DIR } from '../../models/manifest.js';
import type { TranscriptOutput } from '../../pipeline-image/src/artifacts.js';
import { tempDir } from '../support/cleanup.js';
import { cutsVideo, silentVideo, withPgsTrack } from '../support/media.js';
import {
  readJson,
  runAllStages,
  runStage,
  type StageRun,
  storeFor,
  type TestVideo,
  uploadVideo,
} from '../support/pipeline-harness.js';

const env = inject('testbed') as unknown as Record<string, string>;
const store = storeFor(env);
const ARTIFACTS = env.S3_BUCKET_ARTIFACTS ?? 'heimdex-artifacts';
const TINY = {
  MODELS_DIR: TINY_MODELS_DIR,
  VISION_MODEL: 'tiny-siglip2',
  TEXT_MODEL: 'tiny-bge-m3',
  ASR_MODEL: 'none',
};
const dir = tempDir('pipeline-flow');
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
afterAll(async () => {
  await pool.end();
  rmSync(dir, { recursive: true, force: true });
});

async function registered(file: string): Promise<TestVideo> {
  const userId = await aUser(pool);
  const video = await uploadVideo(store, env, file, { userId });
  await aVideo(pool, userId, { video_id: video.videoId, storage_key: video.sourceKey, state: 'processing' });
  return video;
}

const runAll = (video: TestVideo) => runAllStages(video, env, TINY);

const sceneRows = async (videoId: string) =>
  (
    await pool.query(
      `SELECT s.scene_id, s.idx, s.start_s, s.end_s, s.transcript, t.vec::text AS text_vec, i.vec::text AS image_vec,
              vector_dims(t.vec) AS text_dims, vector_dims(i.vec) AS image_dims, s.thumbnail_key, s.sidecar_key
         FROM scenes s
         LEFT JOIN scene_vectors t ON t.scene_id = s.scene_id AND t.kind = 'text' AND t.idx = -1
         LEFT JOIN scene_vectors i ON i.scene_id = s.scene_id AND i.kind = 'image' AND i.idx = -1
        WHERE s.video_id = $1 ORDER BY s.idx`,
      [videoId],
    )
  ).rows;

const objects = async (v: TestVideo) =>
  (await store.list(ARTIFACTS, keys.artifactsPrefix(v.userId, v.videoId)))
    .concat(await store.list(ARTIFACTS, keys.sidecarsPrefix(v.userId, v.videoId)))
    .map((o) => [o.key, o.sizeBytes, o.etag])
    .sort();

describe('a captioned video with speech through the whole pipeline', () => {
  let video: TestVideo;
  let runs: Record<string, StageRun>;
  beforeAll(async () => {
    const clip = cutsVideo(dir, 'captioned', {
      segments: [2, 3, 2.4],
      speech: { text: 'we grill meat on the beach' },
      subtitles: [
        { start: 0.4, end: 1.6, text: '바닷가에서 고기를 구웠다' },
        { start: 2.5, end: 4.5, text: 'we grill meat on the beach' },
      ],
    });
    video = await registered(clip.file);
    runs = await runAll(video);
  });

  it('reads the subtitle track as timed transcript and records where it came from', async () => {
    const t = await readJson<TranscriptOutput>(
      store,
      ARTIFACTS,
      keys.artifact(video.userId, video.videoId, 'asr', 'transcript.json'),
    );
    expect(t.sources).toEqual(['subtitle:mov_text:0']);
    expect(t.segments.map((s) => [s.start, s.end, s.text])).toEqual([
      [0.4, 1.6, '바닷가에서 고기를 구웠다'],
      [2.5, 4.5, 'we grill meat on the beach'],
    ]);
  });

  it('writes one scenes row per scene with 1152-d image vectors, 1024-d text vectors where words are, and thumbnails', async () => {
    expect(runs.index?.result?.outputs?.sceneCount).toBe(3);
    const rows = await sceneRows(video.videoId);
    expect(rows.map((r) => [r.idx, r.start_s, r.end_s, r.transcript, r.image_dims, r.text_dims])).toEqual([
      [0, 0, 2, '바닷가에서 고기를 구웠다', 1152, 1024],
      [1, 2, 5, 'we grill meat on the beach', 1152, 1024],
      [2, 5, expect.closeTo(7.4, 1), '', 1152, null],
    ]);
    for (const r of rows) expect(await store.head(ARTIFACTS, r.thumbnail_key)).toBeDefined();
    const sidecar = await readJson<{
      models: { vision: { name: string } };
      scenes: unknown[];
      transcript: TranscriptOutput;
    }>(store, ARTIFACTS, rows[0].sidecar_key);
    expect(sidecar.models.vision.name).toBe('tiny-siglip2');
    expect(sidecar.scenes).toHaveLength(3);
    expect(sidecar.transcript.sources).toEqual(['subtitle:mov_text:0']);
    const v = await pool.query('SELECT state, duration_s FROM videos WHERE video_id = $1', [video.videoId]);
    expect(v.rows[0].state).toBe('indexed');
    expect(v.rows[0].duration_s).toBeCloseTo(7.4, 1);
  });

  it('gives the same rows and the same objects when every stage runs a second time', async () => {
    const rowsBefore = await sceneRows(video.videoId);
    const objectsBefore = await objects(video);
    await runAll(video);
    expect(await sceneRows(video.videoId)).toEqual(rowsBefore);
    expect(await objects(video)).toEqual(objectsBefore);
  });
});

describe('a video without sound', () => {
  it('is indexed from its pictures alone: audio Skipped, scenes with image vectors and no text', async () => {
    const video = await registered(silentVideo(dir, 'silent-flow', 3).file);
    const runs = await runAll(video);
    expect(runs.audio?.result?.outcome).toBe('Skipped');
    expect(runs['embed-text']).toBeUndefined();
    const rows = await sceneRows(video.videoId);
    expect(rows.map((r) => [r.image_dims, r.text_dims, r.transcript])).toEqual([[1152, null, '']]);
  });
});

describe('subtitle tracks of other formats', () => {
  it.each([
    ['ass', 'mkv'],
    ['webvtt', 'mkv'],
    ['srt', 'mkv'],
  ] as const)('a %s track in %s is read as transcript', async (codec, container) => {
    const clip = cutsVideo(dir, `subs-${codec}`, {
      segments: [2],
      container,
      subtitleCodec: codec,
      subtitles: [{ start: 0.5, end: 1.5, text: '안녕하세요' }],
    });
    const video = await uploadVideo(store, env, clip.file);
    await runStage('probe', video, env);
    const run = await runStage('asr', video, env, TINY);
    expect(run.exitCode, run.stderr).toBe(0);
    const t = await readJson<TranscriptOutput>(
      store,
      ARTIFACTS,
      keys.artifact(video.userId, video.videoId, 'asr', 'transcript.json'),
    );
    expect(t.segments.map((s) => s.text)).toEqual(['안녕하세요']);
    expect(t.sources[0]).toMatch(new RegExp(`^subtitle:${codec === 'srt' ? 'subrip' : codec}:0$`));
  });
});

describe('bitmap subtitle tracks', () => {
  const transcript = (v: TestVideo) =>
    readJson<TranscriptOutput>(
      store,
      ARTIFACTS,
      keys.artifact(v.userId, v.videoId, 'asr', 'transcript.json'),
    );

  it('skips a PGS track with a note and reads the text track beside it', async () => {
    const clip = cutsVideo(dir, 'subs-pgs-and-srt', {
      segments: [2],
      container: 'mkv',
      subtitles: [{ start: 0.5, end: 1.5, text: '안녕하세요' }],
    });
    const video = await uploadVideo(store, env, withPgsTrack(dir, clip, [{ start: 0.2, end: 1.8 }]).file);
    expect((await runStage('probe', video, env)).exitCode).toBe(0);
    const run = await runStage('asr', video, env, TINY);
    expect(run.exitCode, run.stderr).toBe(0);
    const t = await transcript(video);
    expect(t.segments.map((s) => s.text)).toEqual(['안녕하세요']);
    expect(t.notes).toEqual([
      expect.stringMatching(/track\(s\) 1 \(hdmv_pgs_subtitle\) are pictures, not text: skipped/),
    ]);
    expect(run.result?.message).toMatch(/hdmv_pgs_subtitle.*skipped/);
  });

  it('with only a PGS track, skips asr with the note instead of failing as Transient', async () => {
    const clip = cutsVideo(dir, 'subs-pgs-only', { segments: [2], container: 'mkv' });
    const video = await uploadVideo(store, env, withPgsTrack(dir, clip, [{ start: 0.2, end: 1.8 }]).file);
    expect((await runStage('probe', video, env)).exitCode).toBe(0);
    const run = await runStage('asr', video, env, TINY);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.result).toMatchObject({ outcome: 'Skipped' });
    expect(run.result?.message).toMatch(
      /no subtitle track read .*hdmv_pgs_subtitle\) are pictures, not text/,
    );
  });
});

describe('stages whose model is missing', () => {
  it('fail at once as internal errors naming the model and the command to fetch it', async () => {
    const video = await uploadVideo(store, env, silentVideo(dir, 'no-model', 1).file);
    const run = await runStage('embed-vision', video, env, { MODELS_DIR: join(dir, 'no-models') });
    expect(run.exitCode).toBe(EXIT_INTERNAL);
    expect(run.result?.message).toMatch(
      /model siglip2-so400m-patch14-384 is missing .*npm run models:fetch -- siglip2/,
    );
  });
});

describe('speech recognition on the soundtrack (tiny Whisper: real decoding, random words)', () => {
  const transcriptOf = (v: TestVideo) =>
    readJson<TranscriptOutput>(
      store,
      ARTIFACTS,
      keys.artifact(v.userId, v.videoId, 'asr', 'transcript.json'),
    );

  it('adds timed segments from the model, in the resource’s language, next to the subtitle track’s, the same on a rerun', async () => {
    const clip = cutsVideo(dir, 'spoken', {
      segments: [4, 4],
      speech: { text: 'we grill meat on the beach, and then we eat on the beach together' },
      subtitles: [{ start: 0.5, end: 2, text: '바닷가에서 고기를 구웠다' }],
    });
    const video = await uploadVideo(store, env, clip.file);
    const withAsr = { ...TINY, ASR_MODEL: 'tiny-whisper' };
    for (const stage of ['probe', 'audio'] as const)
      expect((await runStage(stage, video, env, withAsr)).exitCode).toBe(0);
    const run = await runStage('asr', video, env, withAsr);
    expect(run.exitCode, run.stderr).toBe(0);
    const t = await transcriptOf(video);
    expect(t.asr).toMatchObject({
      model: 'tiny-whisper',
      revision: 'seed-20261124',
      language: 'ko',
      detected: false,
    });
    expect(t.language).toBe('ko');
    const fromAsr = t.segments.filter((s) => s.source === 'asr:tiny-whisper');
    expect(fromAsr.length).toBe(t.asr?.segments);
    // Random weights: the guards may drop all of its text (unsure, or a loop); the window was decoded all the same.
    expect(t.asr?.stats.windows).toBeGreaterThanOrEqual(1);
    expect(t.sources).toContain('subtitle:mov_text:0');
    expect(t.segments.find((s) => s.source === 'subtitle:mov_text:0')?.text).toBe('바닷가에서 고기를 구웠다');
    for (const s of t.segments) {
      expect(s.start).toBeGreaterThanOrEqual(0);
      expect(s.end).toBeLessThanOrEqual(8.1);
      expect(s.end).toBeGreaterThanOrEqual(s.start);
    }
    expect(run.result?.outputs).toMatchObject({ language: 'ko' });
    // The tiny models' directory has no voice activity model: the whole audio is decoded, and the result says so.
    expect(t.asr).toMatchObject({ vad: 'none', beamSize: 5 });
    expect(t.asr?.notes.join(' ')).toMatch(/voice activity detection off: .*silero-vad/);
    expect(run.result?.message).toMatch(/voice activity detection off/);
    const key = keys.artifact(video.userId, video.videoId, 'asr', 'transcript.json');
    const before = await store.head(ARTIFACTS, key);
    expect((await runStage('asr', video, env, withAsr)).exitCode).toBe(0);
    expect((await store.head(ARTIFACTS, key))?.etag).toBe(before?.etag);
  });

  it('detects the language when the resource asks for auto, and records that it did', async () => {
    const video = await uploadVideo(
      store,
      env,
      cutsVideo(dir, 'spoken-auto', { segments: [3], speech: { text: 'hello world' } }).file,
    );
    const withAsr = { ...TINY, ASR_MODEL: 'tiny-whisper', [STAGE_ENV.language]: 'auto' };
    for (const stage of ['probe', 'audio', 'asr'] as const) {
      const run = await runStage(stage, video, env, withAsr);
      expect(run.exitCode, `${stage}: ${run.stderr}`).toBe(0);
    }
    const t = await transcriptOf(video);
    expect(t.asr?.detected).toBe(true);
    // Detected among ASR_LANGUAGES (ko, en by default), with the model's probability recorded.
    expect(['ko', 'en']).toContain(t.asr?.language);
    expect(t.asr?.languageProbability).toBeGreaterThan(0);
    expect(t.language).toBe(t.asr?.language);
  });
});
