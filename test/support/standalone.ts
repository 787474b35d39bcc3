// A standalone server as a newcomer starts it (`npm start`: embedded Postgres, local storage, stages as
// local processes), in a data directory of its own, with none of the test bed's settings.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../testbed/paths.js';
import { freePort, waitFor } from '../../testbed/proc.js';
import { spawnTracked } from './cleanup.js';

export interface Standalone {
  base: string;
  token: string;
  log: () => string;
  /** SIGTERM to the process group (stage processes included), then waits for the exit. */
  stop: () => Promise<void>;
  /** SIGKILL to the process group, as a crash or a power cut would end it, then waits for the exit. */
  kill: () => Promise<void>;
}

export async function startStandalone(o: {
  dataDir: string;
  sample?: boolean;
  /** Settings beyond a newcomer's (limits, for instance). */
  env?: Record<string, string>;
}): Promise<Standalone> {
  const [port, metricsPort, closedPort] = [await freePort(), await freePort(), await freePort()];
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'LANG']) if (process.env[k]) env[k] = process.env[k]!;
  const proc: ChildProcess = spawnTracked(process.execPath, ['--import', 'tsx', 'standalone/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...env,
      HEIMDEX_DATA_DIR: o.dataDir,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      LOG_LEVEL: 'info',
      HEIMDEX_SAMPLE: o.sample ? 'on' : 'off',
      // The model hub is "offline": a port on this machine nothing listens on.
      HF_ENDPOINT: `http://127.0.0.1:${closedPort}`,
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  const stop = async () => {
    if (!alive()) return;
    const exited = new Promise((r) => proc.once('exit', r));
    process.kill(-proc.pid!, 'SIGTERM');
    const timer = setTimeout(() => alive() && process.kill(-proc.pid!, 'SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  const kill = async () => {
    if (!alive()) return;
    const exited = new Promise((r) => proc.once('exit', r));
    process.kill(-proc.pid!, 'SIGKILL');
    await exited;
  };
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor('the standalone server to be ready', async () => (await fetch(`${base}/readyz`)).ok, {
      timeoutMs: 120_000,
      alive,
    });
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${output.slice(-3000)}`);
  }
  return { base, token: readFileSync(join(o.dataDir, 'local-token'), 'utf8'), log: () => output, stop, kill };
}
