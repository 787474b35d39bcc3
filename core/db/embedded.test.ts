import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded.js';

const STARTUP = 60_000;

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

describe('the embedded Postgres', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'heimdex-embedded-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'serves PGlite over TCP on 127.0.0.1 with pgvector and pg_trgm available',
    async () => {
      const db = await startEmbeddedPostgres();
      try {
        expect(db.url).toBe(`postgres://postgres@127.0.0.1:${db.port}/postgres`);
        const { rows } = await query(
          db.url,
          `select version() as version, array(select name::text from pg_available_extensions
             where name in ('vector', 'pg_trgm') order by name) as extensions`,
        );
        expect(rows[0].version).toMatch(/PGlite/);
        expect(rows[0].extensions).toEqual(['pg_trgm', 'vector']);
      } finally {
        await db.close();
      }
    },
    STARTUP,
  );

  it(
    'accepts several connections at once, as a connection pool opens them',
    async () => {
      const db = await startEmbeddedPostgres();
      const pool = new pg.Pool({ connectionString: db.url, max: 5 });
      try {
        const clients = await Promise.all(Array.from({ length: 5 }, () => pool.connect()));
        const sums = await Promise.all(clients.map((c, i) => c.query('select $1::int + 1 as n', [i])));
        expect(sums.map((r) => r.rows[0].n)).toEqual([1, 2, 3, 4, 5]);
        for (const c of clients) c.release();
      } finally {
        await pool.end();
        await db.close();
      }
    },
    STARTUP,
  );

  it(
    'listens on the port it is given',
    async () => {
      const port = await freePort();
      const db = await startEmbeddedPostgres({ port });
      try {
        expect(db.port).toBe(port);
        expect((await query(db.url, 'select 1 as one')).rows[0].one).toBe(1);
      } finally {
        await db.close();
      }
    },
    STARTUP,
  );

  it(
    'keeps committed data in its directory across restarts',
    async () => {
      const dataDir = join(dir, 'keeps');
      const first = await startEmbeddedPostgres({ dataDir });
      await query(first.url, `create table kept (word text); insert into kept values ('바닷가')`);
      await first.close();

      const second = await startEmbeddedPostgres({ dataDir });
      try {
        expect((await query(second.url, 'select word from kept')).rows).toEqual([{ word: '바닷가' }]);
      } finally {
        await second.close();
      }
    },
    STARTUP,
  );

  it(
    'refuses a data directory that a running instance holds, and frees it on close',
    async () => {
      const dataDir = join(dir, 'held');
      const first = await startEmbeddedPostgres({ dataDir });
      await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(/is in use by process \d+/);
      await first.close();
      const again = await startEmbeddedPostgres({ dataDir });
      await again.close();
    },
    STARTUP,
  );

  it(
    'closes while a client sits inside a transaction, dropping that transaction, and closing twice is harmless',
    async () => {
      const dataDir = join(dir, 'open-tx');
      let db: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir });
      await query(db.url, 'create table t (n int)');
      const client = new pg.Client({ connectionString: db.url });
      client.on('error', () => {});
      await client.connect();
      await client.query('begin');
      await client.query('insert into t values (1)');
      await Promise.all([db.close(), db.close()]);
      await db.close();
      await client.end().catch(() => {});

      db = await startEmbeddedPostgres({ dataDir });
      try {
        expect((await query(db.url, 'select count(*)::int as n from t')).rows[0].n).toBe(0);
      } finally {
        await db.close();
      }
    },
    STARTUP,
  );
});
