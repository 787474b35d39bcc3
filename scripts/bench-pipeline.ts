// Per-stage speed and peak memory of the media work on generated 60 s clips (not a test):
// `tsx scripts/bench-pipeline.ts [720] [1080]` (both when none given).
// Runs the same ffmpeg command lines and pure logic the stages run, without storage, and prints × real
// time, the peak RSS of this Node process during each stage (VmHWM, reset per stage), and the peak RSS
// of the ffmpeg/ffprobe children the stage spawned (GNU time through a PATH shim; see bench/measure.ts).
// Shot detection against PySceneDetect: scripts/bench-shots.ts.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TINY_MODELS_DIR } from '../models/manifest.js';
import { loadImageTextEmbedder } from '../models/runtime/embeddings.js';
import { loadSpeechRecognizer } from '../models/runtime/speech.js';
import { parsePipelineConfig } from '../pipeline-image/src/config.js';
import { audioArgs, keyframeArgs, keyframeFilter } from '../pipeline-image/src/ffmpeg/args.js';
import { runFfmpeg } from '../pipeline-image/src/ffmpeg/run.js';
import { keyframeTargets } from '../pipeline-image/src/media/keyframes.js';
import { ffprobe, judgeProbe } from '../pipeline-image/src/media/probe.js';
import { detectScenes } from '../pipeline-image/src/media/shots.js';
import { readPcm16Wav } from '../pipeline-image/src/media/wav.js';
import { analyseFrames, shotParams } from '../pipeline-image/src/stages/shots.js';
import { cutsVideo } from '../test/support/media.js';
import {
  installChildShim,
  measure,
  mib,
  resetSelfPeak,
  type StageMeasure,
  selfPeakKiB,
} from './bench/measure.js';
import { scoreCuts } from './bench/score.js';

const heights = process.argv.slice(2).map(Number);
const cfg = parsePipelineConfig({});
const dir = mkdtempSync(join(tmpdir(), 'heimdex-bench-'));
const shim = installChildShim(dir);
const canReset = resetSelfPeak();

for (const height of heights.length > 0 ? heights : [720, 1080]) {
  const size = height === 1080 ? '1920x1080' : '1280x720';
  const clip = cutsVideo(dir, `bench-${height}`, {
    segments: Array.from({ length: 12 }, () => 5),
    size,
    fps: 30,
  });
  const rows: StageMeasure<unknown>[] = [];
  const stage = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const m = await measure(shim, name, fn);
    rows.push(m);
    return m.value;
  };
  const startKiB = Number(/VmRSS:\s*(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
  const info = await stage('probe', async () =>
    judgeProbe(await ffprobe(clip.file), { maxSeconds: 600, maxPixels: 7680 * 4320, sizeBytes: 1 }),
  );
  if (!info.ok) throw new Error(info.reason);
  await stage('audio', () => runFfmpeg(audioArgs(clip.file, join(dir, 'a.wav'), cfg.FFMPEG_THREADS)));
  const scenes = await stage('shots', async () => {
    const frames = await analyseFrames(clip.file, join(dir, 's.txt'), { threads: cfg.FFMPEG_THREADS });
    return detectScenes(frames, info.info.durationSeconds, shotParams(cfg));
  });
  const cuts = scenes.filter((s) => s.startsWith === 'cut' || s.startsWith === 'gradual').map((s) => s.start);
  const score = scoreCuts(cuts, { cuts: clip.cuts, gradual: [] }, clip.fps);
  const kfPrefix = `kf${height}-`;
  await stage('keyframes', async () => {
    const targets = keyframeTargets(scenes, {
      intervalSeconds: cfg.KEYFRAME_INTERVAL_SECONDS,
      maxPerScene: cfg.KEYFRAME_MAX_PER_SCENE,
    });
    writeFileSync(join(dir, 'f.txt'), keyframeFilter(targets, cfg.KEYFRAME_MAX_SIDE, join(dir, 'kt.txt')));
    await runFfmpeg(
      keyframeArgs(clip.file, join(dir, 'f.txt'), join(dir, `${kfPrefix}%05d.jpg`), cfg.FFMPEG_THREADS),
    );
  });
  // Whisper's decoding loop on the tiny model: the cost of the code around the model, not of a real Whisper.
  await stage('asr (tiny whisper)', async () => {
    const r = await loadSpeechRecognizer('tiny-whisper', { modelsDir: TINY_MODELS_DIR });
    await r.transcribe(readPcm16Wav(readFileSync(join(dir, 'a.wav'))).samples, {
      language: 'ko',
      beamSize: cfg.ASR_BEAM_SIZE,
      maxTokensPerWindow: cfg.ASR_MAX_TOKENS_PER_WINDOW,
    });
  });
  const frames = readdirSync(dir)
    .filter((f) => f.startsWith(kfPrefix))
    .map((f) => readFileSync(join(dir, f)));
  await stage('embed-vision (tiny model)', async () => {
    const e = await loadImageTextEmbedder('tiny-siglip2', { modelsDir: TINY_MODELS_DIR });
    await e.embedImages(frames);
  });
  console.log(
    `\n60 s ${size} 30 fps clip, ${scenes.length} scenes (shot F1 ${score.f1.toFixed(2)} on ${clip.cuts.length} hard cuts), ${frames.length} keyframes`,
  );
  console.log(
    `${'stage'.padEnd(26)} ${'seconds'.padStart(8)} ${'× real time'.padStart(12)} ${'node peak'.padStart(10)} ${'ffmpeg peak'.padStart(12)}`,
  );
  for (const r of rows)
    console.log(
      `${r.name.padEnd(26)} ${r.seconds.toFixed(2).padStart(8)} ${`${(clip.duration / r.seconds).toFixed(1)}×`.padStart(12)} ${mib(r.nodePeakKiB).padStart(10)} ${(r.children > 0 ? `${mib(r.childPeakKiB)} ×${r.children}` : '—').padStart(12)}`,
    );
  console.log(
    `node RSS before the stages ${mib(startKiB)}; node peak is this process's VmHWM during the stage` +
      (canReset ? ' (reset per stage)' : ' (NOT reset: /proc/self/clear_refs refused, so cumulative)') +
      `; ffmpeg peak is the largest child's max RSS${shim.available ? '' : ' (n/a: no /usr/bin/time)'}, ×N children.`,
  );
}
console.log(
  `\npeak RSS of this process over the whole run ${mib(process.resourceUsage().maxRSS)}; last stage VmHWM ${mib(selfPeakKiB())}`,
);
rmSync(dir, { recursive: true, force: true });
