// The Korean spacing/particle, mixed-script and full-width table on the embedded database (PGlite, migrated);
// test/integration/search-lexical.test.ts runs the same table on PostgreSQL 15.
import pg from 'pg';
import { startMigratedDatabase } from '../../core/db/testing.js';
import { lexicalTable } from '../../test/support/lexical-cases.js';

lexicalTable('the embedded database (PGlite)', async () => {
  const db = await startMigratedDatabase();
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  return {
    sql,
    close: async () => {
      await sql.end();
      await db.close();
    },
  };
});
