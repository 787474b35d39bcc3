import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded.js';

const STARTUP = 60_000;

/**
 * Starts the embedded Postgres in a child process, reads the socket directory it prints, and SIGKILLs it
 * there: what a crash or an OOM kill leaves behind.
 */
async function startAndKill(dataDir?: string): Promise<string> {
  const module = fileURLToPath(new URL('./embedded.ts', import.meta.url));
  const script = `import(${JSON.stringify(module)}).then(async (m) => {
    const db = await m.startEmbeddedPostgres(${dataDir ? `{ dataDir: ${JSON.stringify(dataDir)} }` : ''});
    console.log(db.socketDir);
    setInterval(() => {}, 1000);
  });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const socketDir = await new Promise<string>((done, fail) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) done(out.trim());
    });
    child.once('exit', (code) => fail(new Error(`the child exited (${code}) before it started`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return socketDir;
}

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Inodes of the listening TCP sockets this process holds (Linux: /proc/net/tcp*, /proc/self/fd). */
function tcpListenersOfThisProcess(): string[] {
  const listening = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && f[9]) listening.add(f[9]);
    }
  }
  const mine = readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
      } catch {
        return undefined;
      }
    })
    .filter((inode): inode is string => inode !== undefined && listening.has(inode));
  return mine.sort();
}

/** Connects to a Unix socket from a separate process running as `uid`: "connected" or the error code. */
function connectAs(socket: string, uid: number): Promise<string> {
  const probe = `require('node:net').connect(${JSON.stringify(socket)})
    .on('connect', function () { console.log('connected'); this.destroy(); })
    .on('error', (e) => console.log(e.code));`;
  return new Promise((done, fail) =>
    execFile(process.execPath, ['-e', probe], { uid, gid: uid, cwd: '/' }, (err, stdout) =>
      err ? fail(err) : done(stdout.trim()),
    ),
  );
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
    'serves PGlite on a Unix socket with pgvector and pg_trgm available',
    async () => {
      const db = await startEmbeddedPostgres();
      try {
        expect(db.url).toBe(`postgres://postgres@${encodeURIComponent(db.socketDir)}/postgres`);
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
      expect(existsSync(db.socketDir)).toBe(false);
    },
    STARTUP,
  );

  it(
    'opens no TCP port, and keeps its socket in a directory only its own user may enter',
    async () => {
      const before = process.platform === 'linux' ? tcpListenersOfThisProcess() : [];
      const db = await startEmbeddedPostgres();
      try {
        // /proc tells which sockets listen; elsewhere the modes below are what can be checked.
        if (process.platform === 'linux') expect(tcpListenersOfThisProcess()).toEqual(before);
        expect(statSync(db.socketDir).mode & 0o777).toBe(0o700);
        expect(statSync(join(db.socketDir, '.s.PGSQL.5432')).mode & 0o777).toBe(0o600);
      } finally {
        await db.close();
      }
    },
    STARTUP,
  );

  it.skipIf(process.getuid?.() !== 0)(
    'refuses a client running as another local user, and accepts one running as its own',
    async () => {
      const db = await startEmbeddedPostgres();
      try {
        const socket = join(db.socketDir, '.s.PGSQL.5432');
        expect(await connectAs(socket, process.getuid!())).toBe('connected');
        expect(await connectAs(socket, 65534)).toMatch(/EACCES/);
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

  it(
    'keeps its socket beside its data directory, where a killed process leaves it to the next start',
    async () => {
      const dataDir = join(dir, 'killed');
      const left = await startAndKill(dataDir);
      expect(left).toBe(`${dataDir}.socket`);
      expect(existsSync(join(left, '.s.PGSQL.5432'))).toBe(true);
      const db = await startEmbeddedPostgres({ dataDir });
      try {
        expect(db.socketDir).toBe(left);
        expect((await query(db.url, 'select 1 as one')).rows).toEqual([{ one: 1 }]);
      } finally {
        await db.close();
      }
      expect(existsSync(left)).toBe(false);
    },
    STARTUP,
  );

  it(
    'removes the temp socket directory of a killed process on the next start, and leaves a live one alone',
    async () => {
      const live = await startEmbeddedPostgres();
      const orphan = await startAndKill();
      expect(orphan.startsWith(join(tmpdir(), 'heimdex-pg-'))).toBe(true);
      expect(existsSync(orphan)).toBe(true);
      const next = await startEmbeddedPostgres();
      try {
        expect(existsSync(orphan)).toBe(false);
        expect(existsSync(live.socketDir)).toBe(true);
        expect((await query(live.url, 'select 1 as one')).rows).toEqual([{ one: 1 }]);
      } finally {
        await next.close();
        await live.close();
      }
    },
    STARTUP,
  );
});
