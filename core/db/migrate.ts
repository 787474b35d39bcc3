// Applies the SQL migrations in core/db/migrations to a Postgres database, each exactly once.
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';

/** Next to this module in the source tree and, by the Dockerfile's copy, in dist/ too. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));
export const MIGRATIONS_TABLE = 'pgmigrations';

export interface MigrateOptions {
  /** Receives node-pg-migrate's progress lines; silent when absent. */
  log?: (msg: string) => void;
}

/** Applies every pending migration in one transaction; returns the names applied, [] when up to date. */
export async function migrate(databaseUrl: string, opts: MigrateOptions = {}): Promise<string[]> {
  const log = opts.log ?? (() => {});
  // One connection for everything: the embedded Postgres serializes connections, and a second
  // one would wait behind this one's transaction.
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'heimdex-migrate' });
  // A dropped connection surfaces as the failing query's error; without a listener it would crash the process.
  client.on('error', (err) => log(`migration connection error: ${err.message}`));
  await client.connect();
  try {
    const applied = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      migrationsTable: MIGRATIONS_TABLE,
      direction: 'up',
      checkOrder: true,
      singleTransaction: true,
      // The API and the operator may both migrate at startup: the second waits, then finds nothing to do.
      advisoryLockMode: 'wait',
      log,
    });
    return applied.map((m) => m.name);
  } finally {
    await client.end();
  }
}
