// The test bed's PostgreSQL 15 with pgvector: a throwaway cluster in its own directory on a free port.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, isAlive, type Started, startDetached, waitFor } from './proc.js';

const PG_BIN = '/usr/lib/postgresql/15/bin';
export const PG_PASSWORD = 'heimdex-testbed';

export async function startPostgres(
  dir: string,
): Promise<{ process: Started; url: string; adminUrl: string }> {
  const data = join(dir, 'pgdata');
  mkdirSync(dir, { recursive: true });
  // PostgreSQL refuses to run as root; when we are root, run it as the Debian package's postgres user.
  const asUser = process.getuid?.() === 0 ? userIds('postgres') : undefined;
  const pwfile = join(dir, 'pgpass');
  writeFileSync(pwfile, `${PG_PASSWORD}\n`, { mode: 0o600 });
  if (asUser) chownSync(pwfile, asUser.uid, asUser.gid);
  mkdirSync(data, { recursive: true, mode: 0o700 });
  if (asUser) chownSync(data, asUser.uid, asUser.gid);
  execFileSync(
    join(PG_BIN, 'initdb'),
    // C.UTF-8 character type: with plain C, pg_trgm sees no Hangul trigrams (shared/notes/postgres-korean.md).
    [
      '-D',
      data,
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
      '-U',
      'postgres',
      '--auth-host=scram-sha-256',
      '--auth-local=trust',
      `--pwfile=${pwfile}`,
    ],
    { stdio: 'pipe', ...(asUser ?? {}) },
  );
  const port = await freePort();
  const proc = await runPostgres(dir, port);
  const adminUrl = `postgres://postgres:${PG_PASSWORD}@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query('CREATE DATABASE heimdex');
  } finally {
    await admin.end();
  }
  return { process: proc, url: `postgres://postgres:${PG_PASSWORD}@127.0.0.1:${port}/heimdex`, adminUrl };
}

/**
 * Runs the server of a cluster startPostgres made in `dir`, on `port`, until it accepts connections. Tests
 * that stop a server of their own to see an outage start it again with this, on the same port.
 */
export async function runPostgres(dir: string, port: number): Promise<Started> {
  const data = join(dir, 'pgdata');
  const asUser = process.getuid?.() === 0 ? userIds('postgres') : undefined;
  const proc = startDetached(
    'postgres',
    join(PG_BIN, 'postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${data}`,
      // Durability is pointless for throwaway test data and costs seconds per test file.
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ],
    join(dir, 'postgres.log'),
    { ...(asUser ?? {}), match: data },
  );
  if (asUser) chownSync(proc.log, asUser.uid, asUser.gid);
  const adminUrl = `postgres://postgres:${PG_PASSWORD}@127.0.0.1:${port}/postgres`;
  await waitFor('postgres to accept connections', () => canConnect(adminUrl), {
    log: proc.log,
    alive: () => isAlive(proc),
  });
  return proc;
}

async function canConnect(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } finally {
    await c.end().catch(() => {});
  }
}

function userIds(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid };
}
