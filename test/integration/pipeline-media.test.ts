// The media stages (probe, audio, shots, keyframes) run as processes against the test bed's MinIO, on
// generated videos whose every expected value is known.
import sharp from 'sharp';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { EXIT_BAD_INPUT } from '../../core/stage-contract.js';
import { keys } from '../../core/storage/store.js';
import type { Keyframe, ShotsOutput } from '../../pipeline-image/src/artifacts.js';
import type { ProbeInfo } from '../../pipeline-image/src/media/probe.js';
import { tempDir } from '../support/cleanup.js';
import {
  audioOnly,
  cutsVideo,
  emptyFile,
  type GeneratedVideo,
  longVideo,
  rotated,
  silentVideo,
  staticVideo,
  strobeVideo,
  textFileNamedMp4,
  truncatedMp4,
  variableFrameRate,
} from '../support/media.js';
import {
  readBytes,
  readJson,
  runStage,
  storeFor,
  type TestVideo,
  uploadVideo,
} from '../support/pipeline-harness.js';

const env = inject('testbed') as unknown as Record<string, string>;
const store = storeFor(env);
const ARTIFACTS = env.S3_BUCKET_ARTIFACTS ?? 'heimdex-artifacts';
const dir = tempDir('pipeline-media');

const artifact = (v: TestVideo, stage: string, name: string) =>
  keys.artifact(v.userId, v.videoId, stage, name);

describe('a video with hard cuts at known times', () => {
  let clip: GeneratedVideo;
  let video: TestVideo;
  beforeAll(async () => {
    // Segment lengths are whole frames at 25 fps, so the true cut times are exact.
    clip = cutsVideo(dir, 'cuts', {
      segments: [2, 1.6, 3, 2.4],
      metadata: { title: '바닷가에서 고기 굽기' },
    });
    video = await uploadVideo(store, env, clip.file);
  });

  it('is probed: duration, size, frame rate, sound and its Korean title are reported', async () => {
    const run = await runStage('probe', video, env);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.result?.outcome).toBe('Succeeded');
    expect(run.result?.outputs?.durationSeconds).toBeCloseTo(clip.duration, 1);
    expect(run.result?.outputs).toMatchObject({
      hasAudio: true,
      width: 320,
      height: 240,
      fps: 25,
      rotation: 0,
    });
    const info = await readJson<ProbeInfo>(store, ARTIFACTS, artifact(video, 'probe', 'probe.json'));
    expect(info.tags.title).toBe('바닷가에서 고기 굽기');
  });

  it('gets a 16 kHz mono WAV soundtrack, and the same bytes when the stage runs again', async () => {
    const first = await runStage('audio', video, env);
    expect(first.exitCode, first.stderr).toBe(0);
    const wav = await readBytes(store, ARTIFACTS, artifact(video, 'audio', 'audio.wav'));
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    expect(wav.readUInt16LE(22)).toBe(1); // channels
    expect(wav.readUInt32LE(24)).toBe(16000); // sample rate
    expect(first.result?.outputs?.audioSeconds).toBeCloseTo(clip.duration, 0);
    const second = await runStage('audio', video, env);
    expect(second.exitCode).toBe(0);
    expect((await readBytes(store, ARTIFACTS, artifact(video, 'audio', 'audio.wav'))).equals(wav)).toBe(true);
  });

  it('is cut into scenes within one frame of every hard cut, the same on a second run', async () => {
    const run = await runStage('shots', video, env);
    expect(run.exitCode, run.stderr).toBe(0);
    const out = await readJson<ShotsOutput>(store, ARTIFACTS, artifact(video, 'shots', 'shots.json'));
    expect(out.scenes).toHaveLength(clip.cuts.length + 1);
    out.scenes.slice(1).forEach((scene, i) => {
      expect(Math.abs(scene.start - clip.cuts[i]!)).toBeLessThanOrEqual(1 / clip.fps + 1e-6);
    });
    expect(out.scenes.at(-1)!.end).toBeCloseTo(clip.duration, 1);
    await runStage('shots', video, env);
    expect(await readJson<ShotsOutput>(store, ARTIFACTS, artifact(video, 'shots', 'shots.json'))).toEqual(
      out,
    );
  });

  it('gets one keyframe per scene taken from that scene, and a small thumbnail for each', async () => {
    const run = await runStage('keyframes', video, env);
    expect(run.exitCode, run.stderr).toBe(0);
    const { keyframes } = await readJson<{ keyframes: Keyframe[] }>(
      store,
      ARTIFACTS,
      artifact(video, 'keyframes', 'keyframes.json'),
    );
    expect(keyframes).toHaveLength(clip.cuts.length + 1);
    // Scene 1 is a flat blue (0x1040c0) and scene 3 a flat orange (0xd04010): their keyframes show it.
    const mean = async (k: Keyframe) => {
      const { channels } = await sharp(await readBytes(store, ARTIFACTS, k.keyframeKey)).stats();
      return channels.map((c) => Math.round(c.mean));
    };
    const [r1, , b1] = await mean(keyframes[1]!);
    expect(b1!).toBeGreaterThan(r1! + 100);
    const [r3, , b3] = await mean(keyframes[3]!);
    expect(r3!).toBeGreaterThan(b3! + 100);
    const thumb = await sharp(await readBytes(store, ARTIFACTS, keyframes[0]!.thumbnailKey)).metadata();
    expect(thumb.format).toBe('webp');
    expect(thumb.width).toBeLessThanOrEqual(320);
    const again = await runStage('keyframes', video, env);
    expect(again.exitCode).toBe(0);
    const listed = await store.list(ARTIFACTS, artifact(video, 'keyframes', ''));
    expect(listed).toHaveLength(2 * keyframes.length + 1);
  });
});

describe('videos that are unusual but fine', () => {
  it('a video without sound is probed as silent and its audio stage is Skipped', async () => {
    const video = await uploadVideo(store, env, silentVideo(dir).file);
    expect((await runStage('probe', video, env)).result?.outputs?.hasAudio).toBe(false);
    const run = await runStage('audio', video, env);
    expect(run.exitCode).toBe(0);
    expect(run.result?.outcome).toBe('Skipped');
    expect(run.result?.message).toMatch(/no sound/);
  });

  it('a rotated phone video reports its rotation and upright size, and its keyframes are upright', async () => {
    const clip = rotated(dir, cutsVideo(dir, 'to-rotate', { segments: [2, 2] }));
    const video = await uploadVideo(store, env, clip.file);
    const probe = await runStage('probe', video, env);
    expect(probe.result?.outputs).toMatchObject({ width: 240, height: 320 });
    expect([90, 270]).toContain(probe.result?.outputs?.rotation);
    await runStage('shots', video, env);
    await runStage('keyframes', video, env);
    const { keyframes } = await readJson<{ keyframes: Keyframe[] }>(
      store,
      ARTIFACTS,
      artifact(video, 'keyframes', 'keyframes.json'),
    );
    expect(keyframes[0]).toMatchObject({ width: 240, height: 320 });
  });

  it('a variable frame rate video is flagged and still cut at its hard cut', async () => {
    const clip = variableFrameRate(dir, cutsVideo(dir, 'to-vfr', { segments: [2, 3], fps: 30 }));
    const video = await uploadVideo(store, env, clip.file);
    const probe = await runStage('probe', video, env);
    expect(probe.exitCode).toBe(0);
    expect(probe.result?.outputs?.variableFrameRate).toBe(true);
    await runStage('shots', video, env);
    const out = await readJson<ShotsOutput>(store, ARTIFACTS, artifact(video, 'shots', 'shots.json'));
    expect(out.scenes.map((s) => s.startsWith)).toEqual(['start', 'cut']);
    expect(out.scenes[1]!.start).toBeCloseTo(2, 1);
  });

  it('a 4K clip is probed at its size, cut at its hard cut, and its keyframes and thumbnails come out small', async () => {
    const clip = cutsVideo(dir, 'uhd', { segments: [1, 1], size: '3840x2160', fps: 25 });
    const video = await uploadVideo(store, env, clip.file);
    const probe = await runStage('probe', video, env);
    expect(probe.exitCode, probe.stderr).toBe(0);
    const info = await readJson<ProbeInfo>(store, ARTIFACTS, artifact(video, 'probe', 'probe.json'));
    expect([info.video.width, info.video.height]).toEqual([3840, 2160]);
    expect((await runStage('shots', video, env)).exitCode).toBe(0);
    const shots = await readJson<ShotsOutput>(store, ARTIFACTS, artifact(video, 'shots', 'shots.json'));
    expect(shots.scenes.map((s) => s.start)).toEqual([0, expect.closeTo(1, 1)]);
    const run = await runStage('keyframes', video, env);
    expect(run.exitCode, run.stderr).toBe(0);
    const { keyframes } = await readJson<{ keyframes: Keyframe[] }>(
      store,
      ARTIFACTS,
      artifact(video, 'keyframes', 'keyframes.json'),
    );
    const frame = await sharp(await readBytes(store, ARTIFACTS, keyframes[0]!.keyframeKey)).metadata();
    expect([frame.width, frame.height]).toEqual([768, 432]);
    const thumb = await sharp(await readBytes(store, ARTIFACTS, keyframes[0]!.thumbnailKey)).metadata();
    expect(thumb.width).toBe(320);
  });

  it('a strobe of 200 flashes does not explode into dozens of scenes', async () => {
    const video = await uploadVideo(store, env, strobeVideo(dir).file);
    await runStage('probe', video, env);
    const run = await runStage('shots', video, env);
    expect(run.exitCode).toBe(0);
    expect(run.result?.outputs?.sceneCount).toBeLessThanOrEqual(2);
  });

  it('a long static shot is split into pieces no longer than the maximum scene length', async () => {
    const clip = staticVideo(dir, 95);
    const video = await uploadVideo(store, env, clip.file);
    await runStage('probe', video, env);
    await runStage('shots', video, env, { SHOT_MAX_SECONDS: '30' });
    const out = await readJson<ShotsOutput>(store, ARTIFACTS, artifact(video, 'shots', 'shots.json'));
    expect(out.scenes).toHaveLength(4);
    for (const s of out.scenes) expect(s.end - s.start).toBeLessThanOrEqual(30);
    expect(out.scenes.slice(1).every((s) => s.startsWith === 'split')).toBe(true);
  });
});

describe('uploads heimdex cannot index are rejected with exit code 42 and a reason', () => {
  const rejects = async (file: string, reason: RegExp, extra: Record<string, string> = {}) => {
    const video = await uploadVideo(store, env, file);
    const run = await runStage('probe', video, env, extra);
    expect(run.exitCode, run.stderr).toBe(EXIT_BAD_INPUT);
    expect(run.result).toMatchObject({ outcome: 'Failed', category: 'BadInput' });
    expect(run.result?.message).toMatch(reason);
  };

  it('a text file named .mp4 is not a playable video', () =>
    rejects(textFileNamedMp4(dir), /not a playable video/));
  it('a zero-length file is empty', () => rejects(emptyFile(dir), /empty/));
  it('a truncated MP4 reads as an incomplete upload, to be uploaded again', async () => {
    const clip = cutsVideo(dir, 'to-truncate', { segments: [2, 2] });
    await rejects(truncatedMp4(dir, clip), /^the upload looks incomplete — upload it again$/);
  });
  it('frames larger than MAX_VIDEO_PIXELS are refused with the size and the limit', () =>
    rejects(
      longVideo(dir, 2),
      /^the picture is 32×32 \(1024 pixels\); the largest accepted is 1000 pixels — scale it down/,
      { MAX_VIDEO_PIXELS: '1000' },
    ));
  it('an audio-only file has no picture', () => rejects(audioOnly(dir), /no picture|no video/));
  it('a 12-minute video is longer than the 10-minute maximum', () =>
    rejects(longVideo(dir, 720), /12 min long; the longest accepted is 10 min/));
});
