import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded.js';
import { MIGRATIONS_DIR, MIGRATIONS_TABLE, migrate } from './migrate.js';

const STARTUP = 60_000;
/** Every migration in the folder, in the order they apply. */
const ALL = readdirSync(MIGRATIONS_DIR)
  .filter((f) => f.endsWith('.sql'))
  .map((f) => f.replace(/\.sql$/, ''))
  .sort();

describe('the migrations folder', () => {
  it('numbers each migration once, four digits then a name (two changes that pick the same number must not both land)', () => {
    const numbers = ALL.map((name) => /^(\d{4})_[a-z0-9-]+$/.exec(name)?.[1]);
    expect(numbers.every(Boolean), ALL.join(', ')).toBe(true);
    const seen = new Map<string, string[]>();
    for (const [i, n] of numbers.entries()) seen.set(n!, [...(seen.get(n!) ?? []), ALL[i]!]);
    expect([...seen.values()].filter((names) => names.length > 1)).toEqual([]);
  });
});

describe('migrate', () => {
  let db: EmbeddedPostgres;
  let client: pg.Client;
  beforeAll(async () => {
    db = await startEmbeddedPostgres();
  }, STARTUP);
  afterAll(async () => {
    await client?.end();
    await db?.close();
  });

  it(
    'applies every migration to a fresh database and records them',
    async () => {
      const lines: string[] = [];
      const applied = await migrate(db.url, { log: (msg) => lines.push(msg) });
      expect(applied).toEqual(ALL);
      expect(ALL[0]).toBe('0001_initial-schema');
      expect(lines.join('\n')).toMatch(/0001_initial-schema/);

      client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query(`select name from ${MIGRATIONS_TABLE} order by id`);
      expect(rows.map((r) => r.name)).toEqual(ALL);
    },
    STARTUP,
  );

  it('applies nothing the second time', async () => {
    expect(await migrate(db.url)).toEqual([]);
    const { rows } = await client.query(`select count(*)::int as n from ${MIGRATIONS_TABLE}`);
    expect(rows[0].n).toBe(ALL.length);
  });

  it('rejects with the database error when the database cannot be reached', async () => {
    await expect(migrate('postgres://postgres@127.0.0.1:1/postgres')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('can be rolled back completely and applied again', async () => {
    const tables = async () =>
      (
        await client.query(
          `select table_name from information_schema.tables
            where table_schema = 'public' and table_name <> $1 order by 1`,
          [MIGRATIONS_TABLE],
        )
      ).rows.map((r) => r.table_name);
    const before = await tables();
    expect(before).toEqual(
      expect.arrayContaining(['face_profiles', 'jobs', 'scene_people', 'scenes', 'users', 'videos']),
    );
    await runner({
      databaseUrl: db.url,
      dir: MIGRATIONS_DIR,
      migrationsTable: MIGRATIONS_TABLE,
      direction: 'down',
      count: Number.POSITIVE_INFINITY,
      log: () => {},
    });
    expect(await tables()).toEqual([]);
    expect(await migrate(db.url)).toEqual(ALL);
    expect(await tables()).toEqual(before);
  });
});

describe('npm run migrate', () => {
  const run = promisify(execFile);
  const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
  const script = fileURLToPath(new URL('../../scripts/migrate.ts', import.meta.url));
  let db: EmbeddedPostgres;
  beforeAll(async () => {
    db = await startEmbeddedPostgres();
  }, STARTUP);
  afterAll(async () => db?.close());

  it(
    'prints the migrations it applied, then that there is nothing left to apply',
    async () => {
      const env = { ...process.env, DATABASE_URL: db.url };
      expect((await run(tsx, [script], { env })).stdout).toMatch(
        new RegExp(`applied ${ALL.length} migration\\(s\\): ${ALL.join(', ')}`),
      );
      expect((await run(tsx, [script], { env })).stdout).toMatch(/up to date/);
    },
    STARTUP,
  );

  it(
    'exits non-zero naming DATABASE_URL when it is not set',
    async () => {
      const env = { ...process.env, DATABASE_URL: '' };
      await expect(run(tsx, [script], { env })).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/migrate failed: .*DATABASE_URL/s),
      });
    },
    STARTUP,
  );

  it(
    'exits non-zero with the reason when the database cannot be reached',
    async () => {
      const env = { ...process.env, DATABASE_URL: 'postgres://postgres@localhost:1/postgres' };
      await expect(run(tsx, [script], { env })).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/migrate failed: .*ECONNREFUSED/),
      });
    },
    STARTUP,
  );
});
