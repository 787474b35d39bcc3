// The embedded Postgres for standalone mode and tests: PGlite with pgvector and pg_trgm, served over the wire
// on a Unix socket that only this user can reach (PGlite checks no password: the file system is the lock).
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { isAlive, lockDirectory } from './dir-lock.js';

export interface EmbeddedPostgresOptions {
  /** Where the data lives between runs; in memory, gone on close, when absent. */
  dataDir?: string;
  /** Wire connections accepted at once (pool sizes of every component added up). */
  maxConnections?: number;
}

export interface EmbeddedPostgres {
  /**
   * A postgres:// URL any `pg` client of this user can use, e.g.
   * postgres://postgres@%2Ftmp%2Fheimdex-pg-Ab12Cd/postgres: the host is the socket's directory.
   */
  url: string;
  /**
   * The directory (mode 0700) holding the socket `.s.PGSQL.5432` (mode 0600); removed on close. Beside
   * the data directory (`<dataDir>.socket`) where that path is short enough for a socket, so a killed
   * process leaves it where the next start (holding the data directory's lock) takes it over; otherwise
   * a `heimdex-pg-*` directory in the temp directory, whose owner's PID it records so that the next
   * start removes it once that process is gone.
   */
  socketDir: string;
  /** Stops listening, then closes the database (flushing it to dataDir). Safe to call twice. */
  close(): Promise<void>;
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const dataDir = opts.dataDir === undefined ? undefined : resolve(opts.dataDir);
  let unlock = async () => {};
  if (dataDir !== undefined) {
    await mkdir(dataDir, { recursive: true });
    unlock = await lockDirectory(dataDir);
  }
  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  // No TCP listener: any local process could connect to one, as any role, without a password. A socket
  // in a directory of mode 0700 is refused by the kernel to every other user.
  const socketDir = await makeSocketDir(dataDir);
  const release = async () => {
    await rm(socketDir, { recursive: true, force: true });
    await unlock();
  };
  try {
    await chmod(socketDir, 0o700);
    const path = join(socketDir, SOCKET_NAME);
    db = await PGlite.create({ ...(dataDir && { dataDir }), extensions: { vector, pg_trgm } });
    server = new PGLiteSocketServer({
      db,
      path,
      // The server's default is a single connection, which a pool would exhaust at once.
      maxConnections: opts.maxConnections ?? 100,
    });
    await server.start();
    await chmod(path, 0o600);
  } catch (err) {
    await server?.stop().catch(() => {});
    await db?.close().catch(() => {});
    await release();
    throw err;
  }
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= shutdown(server, db).finally(release);
    return closing;
  };
  return { url: `postgres://postgres@${encodeURIComponent(socketDir)}/postgres`, socketDir, close };
}

/** libpq's and node-postgres's name for the socket in a directory, for the default port 5432. */
const SOCKET_NAME = '.s.PGSQL.5432';
/** sun_path holds 108 bytes on Linux and 104 on macOS, the terminating zero included. */
const MAX_SOCKET_PATH = 100;
const TEMP_PREFIX = 'heimdex-pg-';
const OWNER_FILE = 'owner.pid';

async function makeSocketDir(dataDir: string | undefined): Promise<string> {
  if (dataDir !== undefined) {
    const beside = join(dirname(dataDir), `${basename(dataDir)}.socket`);
    if (Buffer.byteLength(join(beside, SOCKET_NAME)) <= MAX_SOCKET_PATH) {
      // The caller holds the data directory's lock: whatever is here is a dead process's.
      await rm(beside, { recursive: true, force: true });
      await mkdir(beside, { mode: 0o700 });
      return beside;
    }
  }
  await removeOrphanedSocketDirs();
  const dir = await mkdtemp(join(tmpdir(), TEMP_PREFIX));
  await writeFile(join(dir, OWNER_FILE), `${process.pid}\n`);
  return dir;
}

/** Temp socket directories whose owner is gone (killed before it could remove its own). */
async function removeOrphanedSocketDirs(): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(TEMP_PREFIX))) {
    const dir = join(tmpdir(), name);
    const owner = Number.parseInt(await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => ''), 10);
    // No owner file: another user's, an older version's, or one being made this instant; left alone.
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) {
      await rm(dir, { recursive: true, force: true }).catch(() => {});
    }
  }
}

async function shutdown(server: PGLiteSocketServer, db: PGlite): Promise<void> {
  // stop() detaches connections without awaiting them; a connection caught inside a transaction
  // queues its ROLLBACK on the database, and close() waits behind whatever is queued there.
  await server.stop();
  await db.close();
}
