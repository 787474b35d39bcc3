// Where the test bed keeps things: binaries cached per version (shared by checkouts), runtime state per checkout.
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE_DIR = process.env.HEIMDEX_CACHE_DIR ?? join(homedir(), '.cache', 'heimdex');
/** One test bed per checkout, so two clones never stop each other's services. */
export const STATE_DIR = process.env.HEIMDEX_TESTBED_DIR ?? join(REPO_ROOT, '.testbed');
export const STATE_FILE = join(STATE_DIR, 'state.json');

export interface Binaries {
  kubernetes: string;
  etcd: string;
  minio: string;
}

/** Builds what is missing (idempotent; seconds when cached) and returns the binary directories. */
export function ensureBinaries(): Binaries {
  const scripts = join(REPO_ROOT, 'testbed', 'scripts');
  execFileSync('bash', [join(scripts, 'install-system.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const out = execFileSync('bash', [join(scripts, 'build-binaries.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const vars = Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]),
  );
  return { kubernetes: vars.KUBERNETES_BIN!, etcd: vars.ETCD_BIN!, minio: vars.MINIO_BIN! };
}
