// Benchmark helpers (not product code): wall time and peak memory of one stage, for this Node process
// and for every ffmpeg/ffprobe child it spawns.
//
// - This process: Linux keeps the peak resident set (VmHWM in /proc/self/status); writing "5" to
//   /proc/self/clear_refs resets it to the current RSS, so each stage reads its own peak.
// - Children: `ffmpeg` and `ffprobe` are found through PATH (runFfmpeg spawns 'ffmpeg', fluent-ffmpeg
//   runs `which ffprobe`), so a PATH shim that execs the real binary under GNU time (`/usr/bin/time -f %M`,
//   the child's ru_maxrss from wait4) records each child's exact peak RSS without touching product code.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const TIME = '/usr/bin/time';
const kib = (line: string | undefined) => Number(/(\d+) kB/.exec(line ?? '')?.[1] ?? Number.NaN);

function status(): string {
  return readFileSync('/proc/self/status', 'utf8');
}

/** This process's peak RSS since the last reset, KiB. */
export function selfPeakKiB(): number {
  return kib(status().match(/^VmHWM:.*$/m)?.[0]);
}

/** Resets this process's peak RSS to its current RSS; false where the kernel refuses (then peaks are cumulative). */
export function resetSelfPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

export interface ChildShim {
  /** File each shimmed child appends "<maxrss KiB> <name>" to. */
  log: string;
  available: boolean;
}

/** Puts ffmpeg/ffprobe wrappers under `dir`/bin first on PATH; a no-op (available=false) without GNU time. */
export function installChildShim(dir: string): ChildShim {
  const log = join(dir, 'child-rss.log');
  if (!existsSync(TIME)) return { log, available: false };
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const name of ['ffmpeg', 'ffprobe']) {
    const real = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    const shim = join(bin, name);
    writeFileSync(
      shim,
      `#!/bin/sh\nexec ${TIME} -a -o "$HEIMDEX_BENCH_CHILD_LOG" -f "%M ${name}" ${real} "$@"\n`,
    );
    chmodSync(shim, 0o755);
  }
  process.env.HEIMDEX_BENCH_CHILD_LOG = log;
  process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
  writeFileSync(log, '');
  return { log, available: true };
}

/** Peak RSS (KiB) and count of the shimmed children logged since the last call; empties the log. */
export function takeChildPeaks(shim: ChildShim): { peakKiB: number; count: number } {
  if (!shim.available) return { peakKiB: Number.NaN, count: 0 };
  const rows = readFileSync(shim.log, 'utf8')
    .split('\n')
    .map((l) => /^(\d+) \S+$/.exec(l.trim()))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]));
  writeFileSync(shim.log, '');
  return { peakKiB: rows.length > 0 ? Math.max(...rows) : 0, count: rows.length };
}

export interface StageMeasure<T> {
  name: string;
  seconds: number;
  /** Peak RSS of this Node process during the stage, KiB. */
  nodePeakKiB: number;
  /** Largest peak RSS of any ffmpeg/ffprobe child the stage ran, KiB (NaN when not measurable). */
  childPeakKiB: number;
  children: number;
  value: T;
}

export async function measure<T>(
  shim: ChildShim,
  name: string,
  fn: () => Promise<T>,
): Promise<StageMeasure<T>> {
  takeChildPeaks(shim);
  resetSelfPeak();
  const t0 = performance.now();
  const value = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const nodePeakKiB = selfPeakKiB();
  const { peakKiB, count } = takeChildPeaks(shim);
  return { name, seconds, nodePeakKiB, childPeakKiB: peakKiB, children: count, value };
}

/** Runs a command under GNU time: its stdout, wall seconds and peak RSS (KiB; NaN without GNU time). */
export function runTimed(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; rssFile: string },
): Promise<{ stdout: string; seconds: number; peakKiB: number }> {
  const timed = existsSync(TIME);
  const [file, argv] = timed ? [TIME, ['-o', opts.rssFile, '-f', '%M', cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(file, argv, { timeout: opts.timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${cmd} failed: ${err.message}\n${stderr.slice(-2000)}`));
      const seconds = (performance.now() - t0) / 1000;
      const rss = timed ? Number(/(\d+)\s*$/.exec(readFileSync(opts.rssFile, 'utf8'))?.[1]) : Number.NaN;
      resolve({ stdout, seconds, peakKiB: rss });
    });
  });
}

export const mib = (k: number) => (Number.isFinite(k) ? `${(k / 1024).toFixed(0)} MiB` : 'n/a');
