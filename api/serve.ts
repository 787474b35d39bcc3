// The API process, given its parts: the database, object storage, where ingestions go and how tokens are
// checked. Both ways to run compose it: api/server.ts for a cluster (the operator runs the stages) and
// standalone/main.ts for one machine (a local runner does). Nothing here knows which one it is serving
// beyond what it is told.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type express from 'express';
import pg from 'pg';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Config } from '../core/config.js';
import { migrate } from '../core/db/migrate.js';
import type { IngestionSubmitter } from '../core/ingestion/submitter.js';
import type { Logger } from '../core/log.js';
import type { ObjectStore } from '../core/storage/store.js';
import { createApp } from './app.js';
import { createVerifier } from './auth.js';
import type { ApiConfig } from './config.js';
import { answerClientErrors } from './http-limits.js';
import { exposureNotice, startMetricsServer } from './listen.js';
import { lazyQueryEmbedders } from './search/embedders.js';
import { sweepAbandonedUploads } from './uploads-service.js';
import type { VideoDeps } from './videos-service.js';
import { webOptionsFrom } from './web.js';

export interface ApiParts {
  config: Config;
  apiConfig: ApiConfig;
  log: Logger;
  db: pg.Pool;
  store: ObjectStore;
  submitter: IngestionSubmitter;
  /** What the readiness check calls the submitter: `kubernetes` or `runner`. */
  submitterName: string;
  /** Standalone warns when it listens beyond loopback (its local token is the only lock). */
  standalone: boolean;
  /** The models queries are embedded with: the same the stages index with. */
  models: { modelsDir: string; textModel: string; visionModel: string };
  /** A token secret made on this machine when no identity provider is configured (standalone only). */
  localAuth?: { secret: string; tokenFile: string };
  extraRouters?: express.Router[];
  /** Called on SIGTERM/SIGINT before the HTTP server stops accepting (e.g. stop starting stages). */
  beforeClose?: () => Promise<void>;
  /** Called after requests in flight finished and the database pool closed (e.g. the embedded Postgres). */
  afterClose?: () => Promise<void>;
}

export interface RunningApi {
  /** Resolves once the server listens. */
  listening: Promise<void>;
}

/** A pool on a migrated database; embedded PGlite gets one connection (several break each other's portals). */
export async function connectDatabase(url: string, log: Logger, o: { embedded: boolean }): Promise<pg.Pool> {
  const applied = await migrate(url);
  if (applied.length > 0) log.info({ applied }, 'database migrations applied');
  const db = new pg.Pool({ connectionString: url, max: o.embedded ? 1 : 20 });
  db.on('error', (err) => log.warn({ err }, 'idle database connection failed'));
  return db;
}

/** A random secret kept in `dir`, made on first use (mode 0600). */
export function secretFile(dir: string, name: string): string {
  const file = join(dir, name);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/** Listens, serves /metrics on its own port, sweeps abandoned uploads, and stops gracefully on a signal. */
export async function serveApi(p: ApiParts): Promise<RunningApi> {
  const { config, apiConfig, log, db, store, submitter } = p;
  const verify = createVerifier({
    jwtSecret: config.AUTH_JWT_SECRET ?? p.localAuth?.secret,
    jwksUrl: config.AUTH_JWKS_URL,
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    verifiedEmailClaim: apiConfig.AUTH_VERIFIED_EMAIL_CLAIM,
  });
  const deps: VideoDeps = {
    db,
    store,
    submitter,
    log,
    settings: {
      uploadsBucket: config.S3_BUCKET_UPLOADS,
      maxVideoBytes: config.MAX_VIDEO_BYTES,
      maxVideoSeconds: config.MAX_VIDEO_SECONDS,
      uploadUrlSeconds: 15 * 60,
      uploadTtlSeconds: apiConfig.HEIMDEX_UPLOAD_TTL_SECONDS,
      defaultLanguage: apiConfig.HEIMDEX_DEFAULT_LANGUAGE,
    },
  };
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const app = createApp({
    ...deps,
    registry,
    verify,
    rateLimitPerMinute: apiConfig.HEIMDEX_RATE_LIMIT_PER_MINUTE,
    search: {
      embedders: lazyQueryEmbedders(p.models, log),
      weights: {
        lexical: apiConfig.SEARCH_WEIGHT_LEXICAL,
        text: apiConfig.SEARCH_WEIGHT_TEXT,
        vision: apiConfig.SEARCH_WEIGHT_VISION,
      },
      artifactsBucket: config.S3_BUCKET_ARTIFACTS,
    },
    readiness: [
      { name: 'postgres', check: async () => void (await db.query('select 1')) },
      { name: 'storage', check: () => store.ping() },
      { name: p.submitterName, check: () => submitter.ping() },
    ],
    web: webOptionsFrom(
      apiConfig,
      { maxVideoBytes: config.MAX_VIDEO_BYTES, maxVideoSeconds: config.MAX_VIDEO_SECONDS },
      p.localAuth?.tokenFile,
    ),
    ...(p.extraRouters ? { extraRouters: p.extraRouters } : {}),
  });
  const server = answerClientErrors(
    app.listen(config.PORT, apiConfig.HOST, () => {
      const notice = exposureNotice(apiConfig.HOST, config.PORT, p.standalone);
      log[notice.level]({ host: apiConfig.HOST, port: config.PORT }, notice.message);
    }),
  );
  server.on('error', (err: NodeJS.ErrnoException) => {
    log.fatal(
      err.code === 'EADDRINUSE' ? `port ${config.PORT} is taken: stop what uses it or set PORT` : err.message,
    );
    process.exit(1);
  });
  const metricsServer = await startMetricsServer(registry, apiConfig.HOST, apiConfig.METRICS_PORT, log);
  const sweeper = setInterval(
    () => void sweepAbandonedUploads(deps).catch((err) => log.warn({ err }, 'upload sweep failed')),
    10 * 60_000,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing requests in flight');
    clearInterval(sweeper);
    await p.beforeClose?.();
    // Stop accepting, let requests in flight finish, then give up after 10 s.
    const force = setTimeout(() => server.closeAllConnections(), 10_000).unref();
    await new Promise<void>((r) => server.close(() => r()));
    clearTimeout(force);
    await new Promise<void>((r) => (metricsServer ? metricsServer.close(() => r()) : r()));
    await db.end();
    await p.afterClose?.();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  const listening = server.listening
    ? Promise.resolve()
    : new Promise<void>((r) => server.once('listening', () => r()));
  return { listening };
}
