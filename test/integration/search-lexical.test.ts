// The Korean spacing/particle, mixed-script and full-width table on the test bed's PostgreSQL 15 (a throwaway
// database, migrated); api/search/lexical.test.ts runs the same table on the embedded PGlite.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { expect, inject, it } from 'vitest';
import { migrate } from '../../core/db/migrate.js';
import { lexicalTable } from '../support/lexical-cases.js';

const env = inject('testbed');

lexicalTable('PostgreSQL', async () => {
  const name = `lexical_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: env.TESTBED_POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} LC_CTYPE 'C.UTF-8' TEMPLATE template0`);
  const url = env.TESTBED_POSTGRES_ADMIN_URL.replace(/\/postgres$/, `/${name}`);
  await migrate(url);
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  return {
    sql,
    close: async () => {
      await sql.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
});

it('the table ran on PostgreSQL 15, the version the cluster uses', async () => {
  const admin = new pg.Client({ connectionString: env.TESTBED_POSTGRES_ADMIN_URL });
  await admin.connect();
  const { rows } = await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  await admin.end();
  expect(rows[0]!.v).toMatch(/^15\./);
});
