// Process helpers for the test bed: start detached services with log files, find free ports, stop by PID.
import { type SpawnOptions, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Started {
  name: string;
  pid: number;
  /** An argument unique to this process (its executable or data dir): a recycled PID must not pass for ours. */
  match: string;
  log: string;
}

/** Everything this process started, so a failed `up` can stop exactly what it began. */
export const launched: Started[] = [];

/** Starts a long-running service that outlives this process; output goes to `log`. */
export function startDetached(
  name: string,
  exe: string,
  args: string[],
  log: string,
  opts: Pick<SpawnOptions, 'env' | 'cwd' | 'uid' | 'gid'> & { match?: string } = {},
): Started {
  const fd = openSync(log, 'a');
  const { match: _match, ...spawnOpts } = opts;
  const child = spawn(exe, args, { ...spawnOpts, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${exe})`);
  child.unref();
  const started = { name, pid: child.pid, match: opts.match ?? exe, log };
  launched.push(started);
  return started;
}

export function isAlive(p: Pick<Started, 'pid' | 'match'>): boolean {
  try {
    // A recycled PID must not be mistaken for ours: compare the command line.
    const cmdline = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8');
    const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8');
    if (/\) Z /.test(stat)) return false;
    return cmdline.split('\0').some((part) => part === p.match || part.includes(p.match));
  } catch {
    return false;
  }
}

/** SIGTERM, wait, then SIGKILL — only if the PID is still the process we started. */
export async function stopProcess(
  p: Started,
  graceMs = 10_000,
  first: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!isAlive(p)) return;
  signal(p.pid, first);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(p)) return;
    await sleep(100);
  }
  signal(p.pid, 'SIGKILL');
  while (isAlive(p)) await sleep(50);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns true; on timeout the error names what was awaited and the log to read. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  opts: { timeoutMs?: number; intervalMs?: number; log?: string; alive?: () => boolean } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (opts.alive && !opts.alive()) break;
    await sleep(opts.intervalMs ?? 250);
  }
  const tail = opts.log ? `\n--- last lines of ${opts.log} ---\n${tailOf(opts.log)}` : '';
  const why = opts.alive && !opts.alive() ? 'the process exited' : 'timed out';
  throw new Error(`${what}: ${why}${lastError ? ` (last error: ${String(lastError)})` : ''}${tail}`);
}

function tailOf(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
