// Shot detection side by side (a benchmark, not a test): heimdex's shots stage (one ffmpeg decode pass
// over 128×72 RGB frames, colour histograms and block grid, adaptive hard-cut score, flash test, gradual
// transitions, min/max length, production defaults) against PySceneDetect's ContentDetector and
// AdaptiveDetector (defaults) on the same generated clips: speed in × real time, peak RSS, precision/
// recall/F1 against the known boundaries (hard cut ±1 frame; a gradual transition anywhere inside it
// ±1 frame), and per tool the hard-cut F1 (every false detection counts against it) and the recall of
// gradual transitions.
//
// PySceneDetect runs from a throwaway virtualenv ($HEIMDEX_CACHE_DIR or ~/.cache/heimdex, venv-bench),
// created on first use with `pip install scenedetect-headless` (PySceneDetect with OpenCV's headless build); Python only ever runs here,
// as a reference, never in the product path. Without the venv the comparison is skipped, saying why.
//
// Usage: npx tsx scripts/bench-shots.ts [--heights 720,1080] [--no-pyscenedetect] [--venv DIR] [--keep]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parsePipelineConfig } from '../pipeline-image/src/config.js';
import { detectScenes } from '../pipeline-image/src/media/shots.js';
import { analyseFrames, shotParams } from '../pipeline-image/src/stages/shots.js';
import {
  cutsVideo,
  equalLumaVideo,
  flashVideo,
  type GeneratedVideo,
  panVideo,
  strobeVideo,
  transitionVideo,
} from '../test/support/media.js';
import { type BenchClip, hardVideo, heldOutVideo, motionClips } from './bench/clips.js';
import { installChildShim, measure, runTimed } from './bench/measure.js';
import { type Score, scoreCuts } from './bench/score.js';

const cacheDir = process.env.HEIMDEX_CACHE_DIR ?? join(homedir(), '.cache', 'heimdex');
const { values: args } = parseArgs({
  options: {
    heights: { type: 'string', default: '720,1080' },
    'no-pyscenedetect': { type: 'boolean', default: false },
    venv: { type: 'string', default: join(cacheDir, 'venv-bench') },
    keep: { type: 'boolean', default: false },
  },
});
const RUNNER = new URL('./bench/scenedetect_runner.py', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'heimdex-bench-shots-'));
const shim = installChildShim(dir);
const log = (s: string) => process.stderr.write(`${s}\n`);

/** The venv's python with scenedetect importable, creating the venv if needed; or why it cannot be had. */
function pyscenedetect(venv: string): { python: string } | { skip: string } {
  const python = join(venv, 'bin', 'python');
  const importable = () => {
    try {
      execFileSync(python, ['-c', 'import scenedetect, cv2'], { stdio: 'ignore', timeout: 60_000 });
      return true;
    } catch {
      return false;
    }
  };
  if (existsSync(python) && importable()) return { python };
  try {
    log(`creating ${venv} (python3 -m venv; pip install scenedetect-headless)…`);
    execFileSync('python3', ['-m', 'venv', venv], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
    execFileSync(join(venv, 'bin', 'pip'), ['install', '--quiet', 'scenedetect-headless'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 600_000,
    });
  } catch (err) {
    const e = err as Error & { stderr?: Buffer };
    const why = (e.stderr?.toString().trim().split('\n').at(-1) ?? '') || e.message;
    return { skip: `could not create the venv at ${venv}: ${why}` };
  }
  return importable() ? { python } : { skip: `scenedetect is not importable from ${python} after install` };
}

// ---- clips ----
const clips: BenchClip[] = [];
const t0 = performance.now();
for (const h of args.heights.split(',').map(Number)) {
  const size = h === 1080 ? '1920x1080' : h === 720 ? '1280x720' : `${Math.round((h * 16) / 9 / 2) * 2}x${h}`;
  const c = cutsVideo(dir, `cuts-${h}p`, {
    segments: Array.from({ length: 12 }, () => 5),
    size,
    fps: 30,
    speech: null,
  });
  clips.push({ ...c, name: `cuts-${h}p`, gradual: [], about: '11 hard cuts, 5 s apart' });
  clips.push(hardVideo(dir, `hard-${h}p`, { size, fps: 30 }));
}
clips.push(heldOutVideo(dir, 'held-out-540p', { size: '960x540', fps: 24 }));
const strobe = strobeVideo(dir);
clips.push({
  ...strobe,
  name: 'strobe-240p',
  gradual: [],
  about: 'media.ts strobeVideo: 200 white on/off flips, no cut',
});
const named = (
  v: GeneratedVideo & { gradual?: [number, number][] },
  name: string,
  about: string,
): BenchClip => ({
  ...v,
  gradual: v.gradual ?? [],
  name,
  about,
});
clips.push(named(equalLumaVideo(dir), 'equal-luma', '3 flat colours of equal luma, 2 hard cuts'));
for (const [transition, seconds] of [
  ['fade', 0.5],
  ['fade', 1],
  ['fade', 2],
  ['fadeblack', 1],
  ['fadeblack', 2],
] as const) {
  const what = transition === 'fade' ? 'dissolve' : 'fade-black';
  const name = `${what}-${seconds}s`;
  clips.push(
    named(
      transitionVideo(dir, name, { transition, seconds, size: '640x360', fps: 30 }),
      name,
      `testsrc2 → smptebars, xfade ${transition} ${seconds} s at 3 s`,
    ),
  );
}
clips.push(named(flashVideo(dir, { fps: 30 }), 'flash', '2-frame white flash over testsrc2, no cut'));
for (const speed of [240, 800])
  clips.push(
    named(
      panVideo(dir, { pxPerSecond: speed, fps: 30 }),
      `pan-${speed}`,
      `pan over a texture, ${speed} px/s of 320, no cut`,
    ),
  );
clips.push(...motionClips(dir));
log(`generated ${clips.length} clips in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// ---- detectors ----
interface Row {
  tool: string;
  clip: BenchClip;
  seconds: number;
  wallSeconds: number;
  peakKiB: number;
  score: Score;
}
const rows: Row[] = [];
const cfg = parsePipelineConfig({});
const params = shotParams(cfg);
const py = args['no-pyscenedetect'] ? { skip: '--no-pyscenedetect given' } : pyscenedetect(args.venv);
let pyVersion = '';

for (const clip of clips) {
  const m = await measure(shim, 'shots', async () => {
    const frames = await analyseFrames(clip.file, join(dir, `${clip.name}.pts.txt`), {
      threads: cfg.FFMPEG_THREADS,
    });
    return detectScenes(frames, clip.duration, params);
  });
  const cuts = m.value
    .filter((s) => s.startsWith === 'cut' || s.startsWith === 'gradual')
    .map((s) => s.start);
  rows.push({
    tool: 'heimdex',
    clip,
    seconds: m.seconds,
    wallSeconds: m.seconds,
    peakKiB: m.childPeakKiB + m.nodePeakKiB,
    score: scoreCuts(cuts, clip, clip.fps),
  });
  if (!('python' in py)) continue;
  for (const det of ['content', 'adaptive'] as const) {
    const r = await runTimed(py.python, [RUNNER, clip.file, det], {
      timeoutMs: 300_000,
      rssFile: join(dir, 'py-rss.txt'),
    });
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      cuts: number[];
      elapsed: number;
      version: string;
    };
    pyVersion = out.version;
    rows.push({
      tool: `PySceneDetect ${det === 'content' ? 'Content' : 'Adaptive'}`,
      clip,
      seconds: out.elapsed,
      wallSeconds: r.seconds,
      peakKiB: r.peakKiB,
      score: scoreCuts(out.cuts, clip, clip.fps),
    });
  }
  log(`${clip.name} done`);
}

// ---- report ----
const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const cols = ['tool', 'clip', 'seconds', '× real time', 'peak RSS', 'TP/FP/FN', 'precision', 'recall', 'F1'];
const table: string[][] = rows.map((r) => [
  r.tool,
  r.clip.name,
  fmt(r.seconds),
  `${fmt(r.clip.duration / r.seconds, 1)}×`,
  Number.isFinite(r.peakKiB) ? `${(r.peakKiB / 1024).toFixed(0)} MiB` : 'n/a',
  `${r.score.tp}/${r.score.fp}/${r.score.fn}`,
  fmt(r.score.precision),
  fmt(r.score.recall),
  fmt(r.score.f1),
]);
for (const tool of [...new Set(rows.map((r) => r.tool))]) {
  const mine = rows.filter((r) => r.tool === tool);
  const [tp, fp, fn] = ['tp', 'fp', 'fn'].map((k) =>
    mine.reduce((a, r) => a + r.score[k as 'tp' | 'fp' | 'fn'], 0),
  );
  const secs = mine.reduce((a, r) => a + r.seconds, 0);
  const dur = mine.reduce((a, r) => a + r.clip.duration, 0);
  table.push([
    tool,
    'all (micro)',
    fmt(secs),
    `${fmt(dur / secs, 1)}×`,
    '',
    `${tp}/${fp}/${fn}`,
    fmt(tp! / (tp! + fp!)),
    fmt(tp! / (tp! + fn!)),
    fmt((2 * tp!) / (2 * tp! + fp! + fn!)),
  ]);
}
const widths = cols.map((c, i) => Math.max(c.length, ...table.map((r) => r[i]!.length)));
const line = (r: string[]) =>
  r.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
console.log(`\nShot detection, ${os()}`);
console.log(
  `heimdex: threshold ${params.threshold}, ratio ${params.adaptiveRatio}, min ${params.minSeconds} s, max ${params.maxSeconds} s, flash ${params.flashSeconds} s, gradual ≤ ${params.gradualSeconds} s from ${params.gradualThreshold}` +
    (pyVersion ? `; PySceneDetect ${pyVersion} defaults (auto-downscale to ~256 px)` : ''),
);
console.log(line(cols));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of table) console.log(line(r));
if ('skip' in py) console.log(`\nPySceneDetect comparison skipped: ${py.skip}`);

console.log('\nHard cuts (F1: every false detection counts against it) and gradual transitions (recall):');
for (const tool of [...new Set(rows.map((r) => r.tool))]) {
  const mine = rows.filter((r) => r.tool === tool);
  const sum = (f: (x: Score) => number) => mine.reduce((a, r) => a + f(r.score), 0);
  const [found, total, fp] = [sum((x) => x.cutsFound), sum((x) => x.cutsTotal), sum((x) => x.fp)];
  const [gFound, gTotal] = [sum((x) => x.gradualFound), sum((x) => x.gradualTotal)];
  const noCut = mine.filter((r) => r.score.cutsTotal + r.score.gradualTotal === 0);
  console.log(
    `  ${tool.padEnd(22)} hard-cut F1 ${fmt((2 * found) / (2 * found + fp + (total - found)))} (${found}/${total} found, ${fp} false)` +
      `; gradual recall ${fmt(gFound / gTotal)} (${gFound}/${gTotal})` +
      `; false cuts on clips with no cut (strobe, flash, pans, shake): ${noCut.reduce((a, r) => a + r.score.fp, 0)}`,
  );
}

console.log('\nClips:');
for (const c of clips) console.log(`  ${c.name.padEnd(12)} ${c.duration} s @ ${c.fps} fps — ${c.about}`);
console.log('\nMisses (truth boundary not found) and false positives, seconds:');
const list = (xs: number[]) =>
  xs.length === 0
    ? '—'
    : xs
        .slice(0, 10)
        .map((x) => x.toFixed(2))
        .join(' ') + (xs.length > 10 ? ` …(+${xs.length - 10})` : '');
for (const r of rows)
  if (r.score.fn + r.score.fp > 0)
    console.log(
      `  ${r.tool.padEnd(22)} ${r.clip.name.padEnd(12)} missed ${list(r.score.missed)}; false ${list(r.score.spurious)}`,
    );
if (rows.some((r) => r.tool !== 'heimdex')) {
  const py = rows.filter((r) => r.tool !== 'heimdex');
  const start = py.reduce((a, r) => a + (r.wallSeconds - r.seconds), 0) / py.length;
  console.log(
    `\nseconds: heimdex = ffmpeg spawn + decode + scoring + detectScenes; PySceneDetect = open_video + detect_scenes` +
      ` in-process (interpreter start and imports, ${start.toFixed(2)} s per run on average, excluded).` +
      `\npeak RSS: heimdex = the ffmpeg child plus this Node process (which scores the frames); PySceneDetect = the whole Python process.`,
  );
}

function os(): string {
  const cpus = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/gm) ?? [];
  return `${cpus.length} CPU(s) ${cpus[0]?.replace(/^model name\s*:\s*/, '') ?? ''}`.trim();
}

if (!args.keep) rmSync(dir, { recursive: true, force: true });
else log(`clips kept in ${dir}`);
