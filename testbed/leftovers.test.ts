// The run's final check finds what a test left: a real process carrying a run's mark, a real heimdex-*
// directory in a run's temp root. Each case uses a run id of its own, not this run's.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/support/cleanup.js';
import { checkLeftovers, leftoverDirs, markedProcesses, RUN_MARK } from './leftovers.js';
import { waitFor } from './proc.js';

function markedSleeper(runId: string) {
  const child = spawn('sleep', ['300'], {
    env: { PATH: process.env.PATH, [RUN_MARK]: runId },
    detached: true,
    stdio: 'ignore',
  });
  return child;
}

describe('leftover detection', () => {
  it('finds a live process with the run mark, in its own group, and only for that run', async () => {
    const run = randomUUID();
    const child = markedSleeper(run);
    try {
      await waitFor('the marked process to show up', () => markedProcesses(run).length === 1);
      expect(markedProcesses(run)).toEqual([{ pid: child.pid, pgid: child.pid, command: 'sleep 300' }]);
      expect(markedProcesses(randomUUID())).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
    await waitFor('the killed process to be gone', () => markedProcesses(run).length === 0);
  });

  it('lists heimdex-* entries of the temp root and nothing else', () => {
    const root = tempDir('leftovers');
    expect(leftoverDirs(root)).toEqual([]);
    mkdirSync(join(root, 'tsx-0'));
    mkdirSync(join(root, 'heimdex-api-x1'));
    expect(leftoverDirs(root)).toEqual(['heimdex-api-x1']);
    expect(leftoverDirs(join(root, 'gone'))).toEqual([]);
  });

  it('fails with the process and the directory it found, after ending the one and removing the other', async () => {
    const run = randomUUID();
    const root = tempDir('leftovers');
    mkdirSync(join(root, 'heimdex-standalone-abc'));
    const child = markedSleeper(run);
    const exited = new Promise((r) => child.once('exit', (_code, signal) => r(signal)));
    await waitFor('the marked process to show up', () => markedProcesses(run).length === 1);

    const report = await checkLeftovers(run, root, 500);
    expect(report).toContain(`process ${child.pid} (group ${child.pid}) still running: sleep 300`);
    expect(report).toContain('temp directory left: heimdex-standalone-abc');
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(root)).toBe(false);
  });

  it('passes when the run left nothing', async () => {
    const root = tempDir('leftovers');
    mkdirSync(join(root, 'tsx-0'));
    expect(await checkLeftovers(randomUUID(), root, 0)).toBeUndefined();
    expect(existsSync(root)).toBe(false);
  });
});
