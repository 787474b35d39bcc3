// What tests start and write, ended after each test file even when it fails (test/setup.ts calls
// cleanUp in an afterAll that runs after the file's own), and marked so that the run's final check
// (test/run-check.ts) finds whatever escapes.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killMarked, RUN_MARK } from '../../testbed/leftovers.js';

const dirs = new Set<string>();
const groups = new Set<number>();

/** A fresh `heimdex-<name>-*` directory in the run's temp root, removed after the test file. */
export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `heimdex-${name}-`));
  dirs.add(dir);
  return dir;
}

/** `env` with the run's mark and (unless `env` names another) temp root, which children hand on. */
export function marked(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { TMPDIR: tmpdir(), ...env, [RUN_MARK]: process.env[RUN_MARK] };
}

/**
 * Spawns a marked child in a process group of its own, so that what it starts ends with it: after the
 * test file every process of that group still carrying the run's mark is killed.
 */
export function spawnTracked(command: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { ...opts, env: marked(opts.env ?? process.env), detached: true });
  if (child.pid !== undefined) groups.add(child.pid);
  return child;
}

/** Kills what the file's tracked children left running and removes its temp directories. */
export async function cleanUp(): Promise<void> {
  const run = process.env[RUN_MARK];
  if (run && groups.size > 0) await killMarked(run, (p) => groups.has(p.pgid), 0);
  groups.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}
