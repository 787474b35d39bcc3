// Per-stage speed of the media work on a generated 60 s clip (not a test): `tsx scripts/bench-pipeline.ts [720|1080]`.
// Runs the same ffmpeg command lines and pure logic the stages run, without storage, and prints × real time.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TINY_MODELS_DIR } from '../models/manifest.js';
import { loadImageTextEmbedder } from '../models/runtime/embeddings.js';
import { audioArgs, keyframeArgs, keyframeFilter, shotScoreArgs } from '../pipeline-image/src/ffmpeg/args.js';
import { runFfmpeg } from '../pipeline-image/src/ffmpeg/run.js';
import { ffprobe, judgeProbe } from '../pipeline-image/src/media/probe.js';
import { detectScenes, parseSceneScores } from '../pipeline-image/src/media/shots.js';
import { keyframeTargets } from '../pipeline-image/src/stages/keyframes.js';
import { cutsVideo } from '../test/support/media.js';

const height = Number(process.argv[2] ?? 720);
const size = height === 1080 ? '1920x1080' : '1280x720';
const dir = mkdtempSync(join(tmpdir(), 'heimdex-bench-'));
const clip = cutsVideo(dir, 'bench', { segments: Array.from({ length: 12 }, () => 5), size, fps: 30 });
const rows: [string, number][] = [];
const time = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
  const t0 = performance.now();
  const out = await fn();
  rows.push([name, (performance.now() - t0) / 1000]);
  return out;
};
const info = await time('probe', async () =>
  judgeProbe(await ffprobe(clip.file), { maxSeconds: 600, sizeBytes: 1 }),
);
if (!info.ok) throw new Error(info.reason);
await time('audio', () => runFfmpeg(audioArgs(clip.file, join(dir, 'a.wav'))));
const scenes = await time('shots', async () => {
  await runFfmpeg(shotScoreArgs(clip.file, join(dir, 's.txt'), { width: 256 }));
  return detectScenes(parseSceneScores(readFileSync(join(dir, 's.txt'), 'utf8')), info.info.durationSeconds, {
    threshold: 0.3,
    minSeconds: 1,
    maxSeconds: 30,
    flashSeconds: 0.35,
  });
});
const truth = new Set(clip.cuts.map((c) => Math.round(c * clip.fps)));
const found = scenes.slice(1).map((s) => Math.round(s.start * clip.fps));
const tp = found.filter((f) => [...truth].some((t) => Math.abs(t - f) <= 1)).length;
const f1 = (2 * tp) / (found.length + truth.size);
await time('keyframes', async () => {
  writeFileSync(join(dir, 'f.txt'), keyframeFilter(keyframeTargets(scenes), 768));
  await runFfmpeg(keyframeArgs(clip.file, join(dir, 'f.txt'), join(dir, 'kf-%05d.jpg')));
});
const frames = readdirSync(dir)
  .filter((f) => f.startsWith('kf-'))
  .map((f) => readFileSync(join(dir, f)));
await time('embed-vision (tiny model)', async () => {
  const e = await loadImageTextEmbedder('tiny-siglip2', { modelsDir: TINY_MODELS_DIR });
  await e.embedImages(frames);
});
console.log(
  `60 s ${size} clip, ${scenes.length} scenes (F1 ${f1.toFixed(2)} on ${clip.cuts.length} hard cuts)`,
);
for (const [name, s] of rows)
  console.log(
    `${name.padEnd(28)} ${s.toFixed(2).padStart(6)} s  ${(clip.duration / s).toFixed(1).padStart(6)}× real time`,
  );
console.log(
  `peak RSS of this process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (ffmpeg children not included)`,
);
rmSync(dir, { recursive: true, force: true });
