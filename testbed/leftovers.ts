// What a test run leaves behind: processes that carry the run's mark in their environment, and
// heimdex-* directories in the run's temp root. test/run-check.ts fails the run on either;
// test/support/cleanup.ts marks and tracks what tests start.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { sleep } from './proc.js';

/** The environment variable whose value (the run's id) every process a test run starts carries. */
export const RUN_MARK = 'HEIMDEX_TEST_RUN';

export interface MarkedProcess {
  pid: number;
  /** Its process group: tests start children in groups of their own. */
  pgid: number;
  command: string;
}

/**
 * Live processes whose environment, as they were started, holds `HEIMDEX_TEST_RUN=<runId>` (zombies,
 * this process and processes of other users aside). Reads /proc, so Linux only.
 */
export function markedProcesses(runId: string, proc = '/proc'): MarkedProcess[] {
  const mark = `${RUN_MARK}=${runId}`;
  const found: MarkedProcess[] = [];
  for (const entry of readdirSync(proc)) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!readFileSync(`${proc}/${entry}/environ`, 'latin1').split('\0').includes(mark)) continue;
      const stat = readFileSync(`${proc}/${entry}/stat`, 'utf8');
      // After "pid (comm) ": state, ppid, pgrp, ... (comm itself may hold spaces and parentheses).
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || state === 'X') continue;
      const command = readFileSync(`${proc}/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      found.push({ pid: Number(entry), pgid: Number(pgrp), command });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** The heimdex-* entries in `root` (the run's temp directory). */
export function leftoverDirs(root: string): string[] {
  try {
    return readdirSync(root)
      .filter((name) => name.startsWith('heimdex-'))
      .sort();
  } catch {
    return [];
  }
}

/** Waits up to `graceMs` for the marked processes `which` selects to exit, then SIGKILLs the rest. */
export async function killMarked(
  runId: string,
  which: (p: MarkedProcess) => boolean = () => true,
  graceMs = 10_000,
): Promise<MarkedProcess[]> {
  const deadline = Date.now() + graceMs;
  let left = markedProcesses(runId).filter(which);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(200);
    left = markedProcesses(runId).filter(which);
  }
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // exited just now
    }
  }
  return left;
}

/**
 * The run's final check: what is still running with the run's mark, and what heimdex-* directory is
 * left in its temp root. Ends both (SIGKILL by PID, the root removed) and returns what it found, in
 * words, or undefined when nothing was left.
 */
export async function checkLeftovers(
  runId: string,
  tmpRoot: string,
  graceMs = 10_000,
): Promise<string | undefined> {
  const processes = await killMarked(runId, () => true, graceMs);
  const dirs = leftoverDirs(tmpRoot);
  rmSync(tmpRoot, { recursive: true, force: true });
  if (processes.length === 0 && dirs.length === 0) return undefined;
  const lines = [
    'The test run left things behind (a test that starts a process or makes a temp directory must end it, even when it fails):',
    ...processes.map((p) => `  process ${p.pid} (group ${p.pgid}) still running: ${p.command}`),
    ...dirs.map((d) => `  temp directory left: ${d}`),
  ];
  return lines.join('\n');
}
