// heimdex on one machine (`npm start`): the API with an embedded Postgres (or DATABASE_URL), objects on local
// disk served through signed URLs by the API itself (or S3_ENDPOINT), a local token, and the stage DAG run as
// local processes by the same plan the operator follows. First start ingests a bundled sample.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { parseApiConfig } from '../api/config.js';
import { localUrl } from '../api/listen.js';
import { localStorageRouter } from '../api/local-storage.js';
import { connectDatabase, secretFile, serveApi } from '../api/serve.js';
import { ConfigError, parseConfig } from '../core/config.js';
import { startEmbeddedPostgres } from '../core/db/embedded.js';
import { createLogger } from '../core/log.js';
import { LocalStore } from '../core/storage/local.js';
import { createS3Store } from '../core/storage/s3.js';
import { parseStandaloneConfig } from './config.js';
import { LocalRunner } from './runner.js';
import { ingestSample } from './sample.js';
import {
  checkDiskSpace,
  chooseModels,
  ensureFfmpeg,
  fetchOnFirstUse,
  type ModelEnv,
  ocrRecognizerOf,
  stageProcessEnv,
} from './setup.js';

const log = createLogger('api');

async function main(): Promise<void> {
  const config = parseConfig();
  const apiConfig = parseApiConfig();
  const own = parseStandaloneConfig();
  const dataDir = resolve(own.HEIMDEX_DATA_DIR);
  if (config.KUBECONFIG) {
    log.warn(
      'KUBECONFIG is set, but standalone mode runs the stages on this machine and ignores it: ' +
        '`npm run api` is the API that hands ingestions to the operator',
    );
  }

  let databaseUrl = config.DATABASE_URL;
  const embedded = databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: join(dataDir, 'db') });
  if (embedded) {
    databaseUrl = embedded.url;
    log.info({ dataDir }, 'embedded Postgres started (set DATABASE_URL to use your own)');
  }
  const db = await connectDatabase(databaseUrl!, log, { embedded: embedded !== undefined });

  const publicUrl = own.HEIMDEX_PUBLIC_URL ?? localUrl(apiConfig.HOST, config.PORT);
  // Without S3: objects on local disk, presigned URLs served by this API under /storage.
  const local = config.S3_ENDPOINT
    ? undefined
    : { root: join(dataDir, 'storage'), secret: secretFile(dataDir, 'storage-secret'), publicUrl };
  const store = local ? new LocalStore(local) : createS3Store(config);
  if (store instanceof LocalStore) {
    // Before anything listens or writes: what a killed server was writing is no object and never will be.
    const removed = await store.removePartialWrites();
    if (removed) log.info({ removed }, 'removed partial writes an interrupted run left in storage');
  }

  const modelEnv: ModelEnv = {
    MODELS_DIR: config.MODELS_DIR,
    ...definedOnly({
      HEIMDEX_PROFILE: own.HEIMDEX_PROFILE,
      VISION_MODEL: own.VISION_MODEL,
      TEXT_MODEL: own.TEXT_MODEL,
      ASR_MODEL: own.ASR_MODEL,
      HEIMDEX_MODELS_FETCH: own.HEIMDEX_MODELS_FETCH,
      HF_ENDPOINT: own.HF_ENDPOINT,
      MODELSCOPE_ENDPOINT: own.MODELSCOPE_ENDPOINT,
    }),
    // Stage processes get OCR_MODEL and OBJECTS_MODEL from this environment (stageProcessEnv), and
    // OCR_RECOGNIZER_MODEL from it or the profile (ocrRecognizerOf).
    stageSettings: process.env,
  };
  await fetchOnFirstUse(modelEnv, log);
  const models = chooseModels(modelEnv, log);
  checkDiskSpace(dataDir, log);
  if (ensureFfmpeg() === 'npm')
    log.info('no system ffmpeg: using the static build from npm (@ffmpeg-installer)');

  const runner = new LocalRunner({
    db,
    store,
    log: createLogger('runner'), // a child of the api logger would print "component" twice on each line
    command: stageCommand(),
    env: stageProcessEnv(process.env, {
      DATABASE_URL: databaseUrl!,
      MODELS_DIR: models.modelsDir,
      VISION_MODEL: models.visionModel,
      TEXT_MODEL: models.textModel,
      ASR_MODEL: models.asrModel,
      OCR_RECOGNIZER_MODEL: ocrRecognizerOf(modelEnv),
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
    failedSources: config.FAILED_SOURCES,
    rerunWindowSeconds: config.STAGE_RERUN_WINDOW_SECONDS,
    maxParallel: own.HEIMDEX_MAX_PARALLEL_STAGES,
    maxGpuParallel: 1,
    maxAttempts: 3,
    deadline: {
      baseSeconds: own.STAGE_DEADLINE_BASE_SECONDS,
      perVideoSecond: own.STAGE_DEADLINE_PER_VIDEO_SECOND,
      maxVideoSeconds: config.MAX_VIDEO_SECONDS,
    },
  });

  const identityProvider = Boolean(config.AUTH_JWT_SECRET || config.AUTH_JWKS_URL);
  const tokenFile = join(dataDir, 'local-token');
  const localAuth = identityProvider
    ? undefined
    : { secret: await ownerToken(dataDir, tokenFile), tokenFile };
  const api = await serveApi({
    config,
    apiConfig,
    log,
    db,
    store,
    submitter: runner,
    submitterName: 'runner',
    standalone: true,
    models,
    ...(localAuth ? { localAuth } : {}),
    ...(local && store instanceof LocalStore
      ? { extraRouters: [localStorageRouter(store, local.secret)] }
      : {}),
    beforeClose: () => runner.stop(),
    afterClose: async () => await embedded?.close(),
  });
  await runner.start();
  if (own.HEIMDEX_SAMPLE === 'on' && localAuth && existsSync(tokenFile)) {
    // First start of a fresh install: show the whole product working on a bundled sample.
    await api.listening;
    void ingestSample(
      localUrl(apiConfig.HOST, config.PORT),
      readFileSync(tokenFile, 'utf8'),
      dataDir,
      log,
    ).catch((err) => log.warn({ err }, 'the sample video could not be ingested'));
  }
}

/** The stage program: TypeScript through tsx in a checkout, compiled JavaScript in an image. */
function stageCommand(): string[] {
  const program = (ext: string) =>
    fileURLToPath(new URL(`../pipeline-image/src/main.${ext}`, import.meta.url));
  if (import.meta.url.endsWith('.ts'))
    return [process.execPath, '--import', import.meta.resolve('tsx'), program('ts')];
  return [process.execPath, program('js')];
}

function definedOnly<T extends Record<string, string | undefined>>(o: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<
    Record<keyof T, string>
  >;
}

/** No identity provider: a secret kept in the data dir and a token for the owner of this machine. */
async function ownerToken(dataDir: string, tokenFile: string): Promise<string> {
  const secret = secretFile(dataDir, 'auth-secret');
  const token = await new SignJWT({ email: 'owner@localhost', email_verified: true })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('local-owner')
    .setIssuedAt()
    .setExpirationTime('30d')
    .sign(new TextEncoder().encode(secret));
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(tokenFile, token, { mode: 0o600 });
  log.info(`no AUTH_JWT_SECRET or AUTH_JWKS_URL: using a local secret; your token is in ${tokenFile}`);
  return secret;
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) log.fatal(error.message);
  else log.fatal({ err: error }, 'heimdex failed to start');
  process.exit(1);
});
