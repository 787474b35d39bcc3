// More than one look per scene: how often a picture of what shows only in a long scene's first seconds finds
// that scene first (recall@1, and the mean reciprocal rank), when each scene is described by its middle frame
// alone (before), by the mean of its frames, or by its best-matching frame (what search does now: the best of
// the frames and their mean, api/search/repository.ts nearest()). An evaluation, not a test; figures go to
// docs/benchmarks.md by hand.
//
// Design: generated clips of 24 s (or 30 s) scenes, each showing a flat marker colour for its first
// `markSeconds`, then its body: the same moving testsrc2 in every scene (only the first seconds tell scenes
// apart), or a different pattern per scene. The pipeline's own keyframe sampling and extraction (ffmpeg, one
// pass) pick the frames; the image model is the random-weight tiny-siglip2 (the only image model here), so the
// query is a picture of the marker, not words: what this measures is whether the first seconds are looked at
// and how a scene's frames are combined, not how well a model understands a picture or a sentence.
//
// Usage: npx tsx scripts/eval-frames.ts
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TINY_MODELS_DIR } from '../models/manifest.js';
import { loadImageTextEmbedder } from '../models/runtime/embeddings.js';
import { parsePipelineConfig } from '../pipeline-image/src/config.js';
import { keyframeArgs, keyframeFilter } from '../pipeline-image/src/ffmpeg/args.js';
import { runFfmpeg } from '../pipeline-image/src/ffmpeg/run.js';
import { framesByScene, keyframeTargets, representative } from '../pipeline-image/src/media/keyframes.js';
import { parseFrameTimes, scenesFromBoundaries } from '../pipeline-image/src/media/shots.js';
import { pooled } from '../pipeline-image/src/stages/embed-vision.js';
import { markedScenesVideo, stillImage } from '../test/support/media.js';

const dir = mkdtempSync(join(tmpdir(), 'heimdex-eval-frames-'));
const cfg = parsePipelineConfig({});
const embedder = await loadImageTextEmbedder('tiny-siglip2', { modelsDir: TINY_MODELS_DIR });
const cos = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += a[i]! * b[i]!;
  return d;
};

type Strategy = 'middle frame' | 'mean of frames' | 'best frame';
const STRATEGIES: Strategy[] = ['middle frame', 'mean of frames', 'best frame'];

interface Case {
  body: 'same' | 'varied';
  sceneSeconds: number;
  markSeconds: number;
}
const cases: Case[] = [];
for (const body of ['same', 'varied'] as const)
  for (const [sceneSeconds, markSeconds] of [
    [24, 4],
    [24, 2],
    [30, 2],
  ] as const)
    cases.push({ body, sceneSeconds, markSeconds });

const rows: string[][] = [];
for (const c of cases) {
  const name = `${c.body}-${c.sceneSeconds}-${c.markSeconds}`;
  const clip = markedScenesVideo(dir, name, { scenes: 6, ...c });
  const scenes = scenesFromBoundaries([], clip.duration, { minSeconds: 1, maxSeconds: c.sceneSeconds });
  const targets = keyframeTargets(scenes, {
    intervalSeconds: cfg.KEYFRAME_INTERVAL_SECONDS,
    maxPerScene: cfg.KEYFRAME_MAX_PER_SCENE,
  });
  const script = join(dir, `${name}.filter`);
  const timesFile = join(dir, `${name}.times`);
  writeFileSync(script, keyframeFilter(targets, cfg.KEYFRAME_MAX_SIDE, timesFile));
  await runFfmpeg(keyframeArgs(clip.file, script, join(dir, `${name}-%05d.jpg`)));
  const files = readdirSync(dir)
    .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.jpg'))
    .sort();
  const times = parseFrameTimes(readFileSync(timesFile, 'utf8'));
  const vectors = await embedder.embedImages(files.map((f) => readFileSync(join(dir, f))));
  const byScene = framesByScene(scenes, targets, times);
  const described: Record<Strategy, (q: Float32Array, scene: number) => number> = {
    'middle frame': (q, s) => cos(q, vectors[representative(scenes[s]!, byScene[s]!, times)]!),
    'mean of frames': (q, s) => cos(q, pooled(byScene[s]!.map((i) => vectors[i]!))),
    'best frame': (q, s) =>
      Math.max(
        cos(q, pooled(byScene[s]!.map((i) => vectors[i]!))),
        ...byScene[s]!.map((i) => cos(q, vectors[i]!)),
      ),
  };
  const queries = await embedder.embedImages(
    clip.scenes.map((s, i) => stillImage(dir, `${name}-q${i}`, `${s.marker}:size=320x240`)),
  );
  for (const strategy of STRATEGIES) {
    let hits = 0;
    let rr = 0;
    for (const [i, q] of queries.entries()) {
      const score = scenes.map((_, s) => described[strategy](q, s));
      // Ties count against: a scene must beat every other to rank first.
      const rank = 1 + score.filter((x, s) => s !== i && x >= score[i]!).length;
      if (rank === 1) hits++;
      rr += 1 / rank;
    }
    rows.push([
      c.body === 'same' ? 'same body' : 'varied bodies',
      `${c.sceneSeconds} s`,
      `${c.markSeconds} s`,
      String(byScene[0]!.length),
      strategy,
      `${hits}/${queries.length}`,
      (rr / queries.length).toFixed(2),
    ]);
  }
  process.stderr.write(`${name} done\n`);
}

const cols = ['scenes', 'scene', 'marker', 'frames', 'described by', 'recall@1', 'MRR'];
const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((v, i) => v.padEnd(widths[i]!)).join('  ');
console.log(
  `\n6 scenes per clip; a scene is looked at every ${cfg.KEYFRAME_INTERVAL_SECONDS} s, at most ${cfg.KEYFRAME_MAX_PER_SCENE} frames; model tiny-siglip2 (random weights); query: a picture of the marker`,
);
console.log(line(cols));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
rmSync(dir, { recursive: true, force: true });
