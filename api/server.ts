// Starts the REST API: parses configuration, connects Postgres (embedded when DATABASE_URL is unset), listens.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { ConfigError, parseConfig } from '../core/config.js';
import { startEmbeddedPostgres } from '../core/db/embedded.js';
import { migrate } from '../core/db/migrate.js';
import { createLogger } from '../core/log.js';
import { createApp } from './app.js';

const log = createLogger('api');

async function main(): Promise<void> {
  const config = parseConfig();
  let databaseUrl = config.DATABASE_URL;
  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
  if (!databaseUrl) {
    // Standalone: an embedded Postgres with pgvector whose data stays between runs.
    const dataDir = resolve(process.env.HEIMDEX_DATA_DIR ?? '.heimdex', 'db');
    mkdirSync(dataDir, { recursive: true });
    embedded = await startEmbeddedPostgres({ dataDir });
    databaseUrl = embedded.url;
    log.info({ dataDir }, 'embedded Postgres started (set DATABASE_URL to use your own)');
  }
  const applied = await migrate(databaseUrl);
  if (applied.length > 0) log.info({ applied }, 'database migrations applied');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: embedded ? 4 : 10 });
  pool.on('error', (err) => log.warn({ err }, 'idle database connection failed'));
  const app = createApp({
    log,
    readiness: [{ name: 'postgres', check: async () => void (await pool.query('select 1')) }],
  });
  const server = app.listen(config.PORT, () =>
    log.info({ port: config.PORT }, `heimdex API listening on http://127.0.0.1:${config.PORT}`),
  );
  server.on('error', (err: NodeJS.ErrnoException) => {
    log.fatal(
      err.code === 'EADDRINUSE'
        ? `port ${config.PORT} is taken: stop what uses it or set PORT to another port`
        : err.message,
    );
    process.exit(1);
  });
  const stop = async () => {
    server.close();
    await pool.end();
    await embedded?.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    log.fatal(error.message);
  } else {
    log.fatal({ err: error }, 'API failed to start');
  }
  process.exit(1);
});
