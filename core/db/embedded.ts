// The embedded Postgres for standalone mode and tests: PGlite with pgvector and pg_trgm, served over the wire.
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { lockDirectory } from './dir-lock.js';

export interface EmbeddedPostgresOptions {
  /** Where the data lives between runs; in memory, gone on close, when absent. */
  dataDir?: string;
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Wire connections accepted at once (pool sizes of every component added up). */
  maxConnections?: number;
}

export interface EmbeddedPostgres {
  /** A postgres:// URL any `pg` client can use, e.g. postgres://postgres@127.0.0.1:54321/postgres. */
  url: string;
  port: number;
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
  try {
    db = await PGlite.create({ ...(dataDir && { dataDir }), extensions: { vector, pg_trgm } });
    server = new PGLiteSocketServer({
      db,
      host: '127.0.0.1',
      port: opts.port ?? 0,
      // The server's default is a single connection, which a pool would exhaust at once.
      maxConnections: opts.maxConnections ?? 100,
    });
    await server.start();
  } catch (err) {
    await db?.close().catch(() => {});
    await unlock();
    throw err;
  }
  const port = Number(server.getServerConn().split(':').at(-1));
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= shutdown(server, db).finally(unlock);
    return closing;
  };
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, close };
}

async function shutdown(server: PGLiteSocketServer, db: PGlite): Promise<void> {
  // stop() detaches connections without awaiting them; a connection caught inside a transaction
  // queues its ROLLBACK on the database, and close() waits behind whatever is queued there.
  await server.stop();
  await db.close();
}
