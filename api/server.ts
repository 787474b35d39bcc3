// Starts the REST API: parses configuration, connects Postgres (embedded when DATABASE_URL is unset),
// object storage and Kubernetes, listens, and shuts down gracefully.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { SignJWT } from 'jose';
import pg from 'pg';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { type Config, ConfigError, parseConfig } from '../core/config.js';
import { startEmbeddedPostgres } from '../core/db/embedded.js';
import { migrate } from '../core/db/migrate.js';
import type { IngestionSubmitter } from '../core/ingestion/submitter.js';
import { createLogger } from '../core/log.js';
import { LocalStore } from '../core/storage/local.js';
import { createS3Store } from '../core/storage/s3.js';
import type { ObjectStore } from '../core/storage/store.js';
import { LocalRunner } from '../standalone/runner.js';
import { ingestSample } from '../standalone/sample.js';
import { checkDiskSpace, chooseModels, ensureFfmpeg, fetchOnFirstUse } from '../standalone/setup.js';
import { createApp } from './app.js';
import { createVerifier } from './auth.js';
import { parseApiConfig } from './config.js';
import { answerClientErrors } from './http-limits.js';
import { kubernetesSubmitter } from './kubernetes-submitter.js';
import { exposureNotice, localUrl, startMetricsServer } from './listen.js';
import { localStorageRouter } from './local-storage.js';
import { lazyQueryEmbedders } from './search/embedders.js';
import { sweepAbandonedUploads } from './uploads-service.js';
import type { VideoDeps } from './videos-service.js';
import { webOptionsFrom } from './web.js';

const log = createLogger('api');

async function main(): Promise<void> {
  const config = parseConfig();
  const apiConfig = parseApiConfig();
  const dataDir = resolve(process.env.HEIMDEX_DATA_DIR ?? '.heimdex');
  let databaseUrl = config.DATABASE_URL;
  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
  if (!databaseUrl) {
    // Standalone: an embedded Postgres with pgvector whose data stays between runs.
    mkdirSync(join(dataDir, 'db'), { recursive: true });
    embedded = await startEmbeddedPostgres({ dataDir: join(dataDir, 'db') });
    databaseUrl = embedded.url;
    log.info({ dataDir }, 'embedded Postgres started (set DATABASE_URL to use your own)');
  }
  const applied = await migrate(databaseUrl);
  if (applied.length > 0) log.info({ applied }, 'database migrations applied');
  // Embedded PGlite has one backend: several connections interleave extended-protocol messages and
  // break each other's portals, so standalone mode uses exactly one.
  const db = new pg.Pool({ connectionString: databaseUrl, max: embedded ? 1 : 20 });
  db.on('error', (err) => log.warn({ err }, 'idle database connection failed'));

  const kube = kubeConfig(config);
  const standalone = !kube;
  const publicUrl = process.env.HEIMDEX_PUBLIC_URL ?? localUrl(apiConfig.HOST, config.PORT);
  // Standalone without S3: objects on local disk, presigned URLs served by this API under /storage.
  const local = config.S3_ENDPOINT
    ? undefined
    : { root: join(dataDir, 'storage'), secret: await secretFile(dataDir, 'storage-secret'), publicUrl };
  const store: ObjectStore = local ? new LocalStore(local) : createS3Store(config);
  const modelEnv = {
    MODELS_DIR: config.MODELS_DIR,
    ...pick(
      process.env,
      'HEIMDEX_PROFILE',
      'VISION_MODEL',
      'TEXT_MODEL',
      'ASR_MODEL',
      'HEIMDEX_MODELS_FETCH',
      'HF_ENDPOINT',
    ),
  };
  if (standalone) await fetchOnFirstUse(modelEnv, log);
  const models = standalone
    ? chooseModels(modelEnv, log)
    : {
        modelsDir: config.MODELS_DIR,
        visionModel: apiConfig.SEARCH_VISION_MODEL,
        textModel: apiConfig.SEARCH_TEXT_MODEL,
      };
  let runner: LocalRunner | undefined;
  let submitter: IngestionSubmitter;
  if (kube) {
    submitter = kubernetesSubmitter(kube, config.HEIMDEX_NAMESPACE);
  } else {
    checkDiskSpace(dataDir, log);
    if (ensureFfmpeg() === 'npm')
      log.info('no system ffmpeg: using the static build from npm (@ffmpeg-installer)');
    runner = new LocalRunner({
      db,
      store,
      log: log.child({ component: 'runner' }),
      command: stageCommand(),
      env: stageEnv({
        DATABASE_URL: databaseUrl,
        MODELS_DIR: models.modelsDir,
        VISION_MODEL: models.visionModel,
        TEXT_MODEL: models.textModel,
        ASR_MODEL: 'asrModel' in models ? models.asrModel : '',
        ...(local
          ? {
              HEIMDEX_STORAGE_DIR: local.root,
              HEIMDEX_STORAGE_SECRET: local.secret,
              HEIMDEX_PUBLIC_URL: publicUrl,
            }
          : {}),
      }),
      workDir: join(dataDir, 'work'),
      uploadsBucket: config.S3_BUCKET_UPLOADS,
      artifactsBucket: config.S3_BUCKET_ARTIFACTS,
      maxParallel: Number(process.env.HEIMDEX_MAX_PARALLEL_STAGES ?? 2),
      maxGpuParallel: 1,
      maxAttempts: 3,
    });
    submitter = runner;
  }
  const localSecret = config.AUTH_JWT_SECRET || config.AUTH_JWKS_URL ? undefined : await localAuth(dataDir);
  const secret = config.AUTH_JWT_SECRET ?? localSecret;
  const tokenFile = join(dataDir, 'local-token');
  const verify = createVerifier({
    jwtSecret: secret,
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
      embedders: lazyQueryEmbedders(
        { modelsDir: models.modelsDir, textModel: models.textModel, visionModel: models.visionModel },
        log,
      ),
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
      { name: kube ? 'kubernetes' : 'runner', check: () => submitter.ping() },
    ],
    web: webOptionsFrom(apiConfig, config.MAX_VIDEO_BYTES, localSecret ? tokenFile : undefined),
    ...(local && store instanceof LocalStore
      ? { extraRouters: [localStorageRouter(store, local.secret)] }
      : {}),
  });
  const server = answerClientErrors(
    app.listen(config.PORT, apiConfig.HOST, () => {
      const notice = exposureNotice(apiConfig.HOST, config.PORT, standalone);
      log[notice.level]({ host: apiConfig.HOST, port: config.PORT }, notice.message);
    }),
  );
  const metricsServer = await startMetricsServer(registry, apiConfig.HOST, apiConfig.METRICS_PORT, log);
  server.on('error', (err: NodeJS.ErrnoException) => {
    log.fatal(
      err.code === 'EADDRINUSE' ? `port ${config.PORT} is taken: stop what uses it or set PORT` : err.message,
    );
    process.exit(1);
  });
  await runner?.start();
  if (
    runner &&
    process.env.HEIMDEX_SAMPLE !== 'off' &&
    !config.AUTH_JWT_SECRET &&
    !config.AUTH_JWKS_URL &&
    existsSync(tokenFile)
  ) {
    // First start of a fresh standalone install: show the whole product working on a bundled sample.
    const go = () =>
      ingestSample(
        localUrl(apiConfig.HOST, config.PORT),
        readFileSync(tokenFile, 'utf8'),
        dataDir,
        log,
      ).catch((err) => log.warn({ err }, 'the sample video could not be ingested'));
    if (server.listening) void go();
    else server.once('listening', () => void go());
  }
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
    await runner?.stop();
    // Stop accepting, let requests in flight finish, then give up after 10 s.
    const force = setTimeout(() => server.closeAllConnections(), 10_000).unref();
    await new Promise<void>((r) => server.close(() => r()));
    clearTimeout(force);
    metricsServer?.close();
    await db.end();
    await embedded?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** The stage program: TypeScript through tsx in a checkout, compiled JavaScript in an image. */
function stageCommand(): string[] {
  if (import.meta.url.endsWith('.ts')) {
    return [
      process.execPath,
      '--import',
      import.meta.resolve('tsx'),
      fileURLToPath(new URL('../pipeline-image/src/main.ts', import.meta.url)),
    ];
  }
  return [process.execPath, fileURLToPath(new URL('../pipeline-image/src/main.js', import.meta.url))];
}

/** What stage processes inherit: the shared settings (so they reach the same services) plus the given ones. */
function stageEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return { ...env, ...extra };
}

function pick(env: NodeJS.ProcessEnv, ...names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => env[n]).map((n) => [n, env[n]!]));
}

function kubeConfig(config: Config): KubeConfig | undefined {
  const kc = new KubeConfig();
  if (config.KUBECONFIG) kc.loadFromFile(config.KUBECONFIG);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else return undefined;
  return kc;
}

/** A random secret kept in the data dir, made on first start. */
async function secretFile(dataDir: string, name: string): Promise<string> {
  const file = join(dataDir, name);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/** Standalone without an identity provider: a local secret and a token written for the owner. */
async function localAuth(dataDir: string): Promise<string> {
  const secret = await secretFile(dataDir, 'auth-secret');
  const token = await new SignJWT({ email: 'owner@localhost', email_verified: true })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('local-owner')
    .setIssuedAt()
    .setExpirationTime('30d')
    .sign(new TextEncoder().encode(secret));
  writeFileSync(join(dataDir, 'local-token'), token, { mode: 0o600 });
  log.info(
    `no AUTH_JWT_SECRET or AUTH_JWKS_URL: using a local secret; your token is in ${join(dataDir, 'local-token')}`,
  );
  return secret;
}

main().catch((error) => {
  if (error instanceof ConfigError) log.fatal(error.message);
  else log.fatal({ err: error }, 'API failed to start');
  process.exit(1);
});
