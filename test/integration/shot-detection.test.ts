// The shots stage, run as a process against the test bed's MinIO, cuts generated clips where a person sees
// a cut: colour-only hard cuts, dissolves and fades (one boundary inside the transition), and nothing on a
// camera flash or a pan. Every boundary is known by construction (ffmpeg xfade at known frames).
import { describe, expect, inject, it } from 'vitest';
import { keys } from '../../core/storage/store.js';
import type { ShotsOutput } from '../../pipeline-image/src/artifacts.js';
import { tempDir } from '../support/cleanup.js';
import {
  equalLumaVideo,
  flashVideo,
  type GeneratedVideo,
  panVideo,
  transitionVideo,
} from '../support/media.js';
import { readJson, runStage, storeFor, uploadVideo } from '../support/pipeline-harness.js';

const env = inject('testbed') as unknown as Record<string, string>;
const store = storeFor(env);
const ARTIFACTS = env.S3_BUCKET_ARTIFACTS ?? 'heimdex-artifacts';
const dir = tempDir('shot-detection');

async function shotsOf(clip: GeneratedVideo): Promise<ShotsOutput> {
  const video = await uploadVideo(store, env, clip.file);
  const probe = await runStage('probe', video, env);
  expect(probe.exitCode, probe.stderr).toBe(0);
  const run = await runStage('shots', video, env);
  expect(run.exitCode, run.stderr).toBe(0);
  return readJson<ShotsOutput>(
    store,
    ARTIFACTS,
    keys.artifact(video.userId, video.videoId, 'shots', 'shots.json'),
  );
}

const frame = (clip: GeneratedVideo) => 1 / clip.fps;

describe('shots are cut where a person sees a cut', () => {
  it('three flat backgrounds of equal brightness and different colour are three scenes, cut at their first frames', async () => {
    const clip = equalLumaVideo(dir);
    const out = await shotsOf(clip);
    expect(out.scenes.map((s) => s.startsWith)).toEqual(['start', 'cut', 'cut']);
    out.scenes.slice(1).forEach((s, i) => {
      expect(Math.abs(s.start - clip.cuts[i]!)).toBeLessThanOrEqual(frame(clip) + 1e-6);
    });
  });

  it.each([
    ['a 1 s cross-dissolve', 'fade', 1],
    ['a 2 s cross-dissolve', 'fade', 2],
    ['a 1 s fade out through black and in again', 'fadeblack', 1],
  ] as const)('%s is one boundary inside the transition', async (_name, transition, seconds) => {
    const clip = transitionVideo(dir, `${transition}-${seconds}`, { transition, seconds, fps: 30 });
    const out = await shotsOf(clip);
    expect(out.scenes).toHaveLength(2);
    const [from, to] = clip.gradual[0]!;
    expect(out.scenes[1]!.start).toBeGreaterThanOrEqual(from - frame(clip));
    expect(out.scenes[1]!.start).toBeLessThanOrEqual(to + frame(clip));
  });

  it.each([
    ['a two-frame camera flash', () => flashVideo(dir, { frames: 2 })],
    ['a pan across scenery', () => panVideo(dir, { pxPerSecond: 240 })],
    ['a fast pan across scenery', () => panVideo(dir, { pxPerSecond: 800 })],
  ])('%s is no cut', async (_name, make) => {
    const out = await shotsOf(make());
    expect(out.scenes.map((s) => [s.startsWith, s.start])).toEqual([['start', 0]]);
  });
});
