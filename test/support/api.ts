// Starts the real API app in-process against the test bed (Postgres, MinIO, kube-apiserver) for HTTP tests.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { SignJWT } from 'jose';
import pg from 'pg';
import { Registry } from 'prom-client';
import { createApp } from '../../api/app.js';
import { createVerifier } from '../../api/auth.js';
import { answerClientErrors } from '../../api/http-limits.js';
import { kubernetesSubmitter } from '../../api/kubernetes-submitter.js';
import { lazyQueryEmbedders } from '../../api/search/embedders.js';
import type { VideoSettings } from '../../api/videos-service.js';
import { parseConfig } from '../../core/config.js';
import { migrate } from '../../core/db/migrate.js';
import type { IngestionSubmitter } from '../../core/ingestion/submitter.js';
import { createLogger } from '../../core/log.js';
import { startServer } from '../../core/probe-server.js';
import { createS3Store } from '../../core/storage/s3.js';
import type { ObjectStore } from '../../core/storage/store.js';
import { TINY_MODELS_DIR } from '../../models/manifest.js';
import { REPO_ROOT } from '../../testbed/paths.js';
import { freePort } from '../../testbed/proc.js';
import type { TestbedEnv } from '../../testbed/testbed.js';
import { spawnTracked, tempDir } from './cleanup.js';
import { waitFor } from './kube.js';

export const JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256';

export async function startApi(
  env: TestbedEnv,
  namespace: string,
  settings: Partial<VideoSettings> = {},
  rateLimitPerMinute = 10_000,
  poolMax = 10,
  /** What runs the ingestions: a VideoIngestion per video (cluster mode) unless given. */
  makeSubmitter?: (d: { db: pg.Pool; store: ObjectStore }) => IngestionSubmitter,
  /** The models search embeds queries with: those the stages embedded the scenes with (the tiny ones unless given). */
  queryModels: { modelsDir: string; textModel: string; visionModel: string } = {
    modelsDir: TINY_MODELS_DIR,
    textModel: 'tiny-bge-m3',
    visionModel: 'tiny-siglip2',
  },
) {
  await migrate(env.DATABASE_URL);
  const config = parseConfig(env as unknown as Record<string, string>);
  const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: poolMax });
  const store = createS3Store(config);
  const kc = new KubeConfig();
  kc.loadFromFile(env.KUBECONFIG);
  const submitter = makeSubmitter ? makeSubmitter({ db, store }) : kubernetesSubmitter(kc, namespace);
  const deps = {
    db,
    store,
    submitter,
    log: createLogger('api-test', 'silent'),
    settings: {
      uploadsBucket: config.S3_BUCKET_UPLOADS,
      maxVideoBytes: 50 * 1024 * 1024,
      maxVideoSeconds: 600,
      uploadUrlSeconds: 900,
      uploadTtlSeconds: 3600,
      defaultLanguage: 'ko',
      ...settings,
    },
  };
  const registry = new Registry();
  const app = createApp({
    ...deps,
    registry,
    verify: createVerifier({ jwtSecret: JWT_SECRET, issuer: 'https://auth.test', audience: 'heimdex' }),
    rateLimitPerMinute,
    search: {
      embedders: lazyQueryEmbedders(queryModels, deps.log),
      weights: { lexical: 1, text: 1, vision: 1 },
      artifactsBucket: config.S3_BUCKET_ARTIFACTS,
    },
    readiness: [{ name: 'postgres', check: async () => void (await db.query('select 1')) }],
  });
  const server = answerClientErrors(app.listen(0, '127.0.0.1'));
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // As server.ts does: /metrics on a port of its own.
  const metrics = await startServer('127.0.0.1', 0, registry);
  const metricsUrl = `http://127.0.0.1:${(metrics.address() as AddressInfo).port}/metrics`;
  return {
    url,
    metricsUrl,
    db,
    store,
    kc,
    deps,
    close: async () => {
      await new Promise((r) => server.close(r));
      await new Promise((r) => metrics.close(r));
      await db.end();
    },
  };
}

export async function token(
  sub: string,
  claims: Record<string, unknown> = {},
  opts: { secret?: string; exp?: string | number; iss?: string; aud?: string; nbf?: string | number } = {},
) {
  let jwt = new SignJWT({ email_verified: false, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setIssuer(opts.iss ?? 'https://auth.test')
    .setAudience(opts.aud ?? 'heimdex')
    .setExpirationTime(opts.exp ?? '10m');
  if (opts.nbf !== undefined) jwt = jwt.setNotBefore(opts.nbf);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? JWT_SECRET));
}

/** A client bound to one bearer token: `call('POST', '/videos/upload/init', body)` → status and JSON. */
export function client(base: string, bearer?: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected field by field
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, json, headers: res.headers };
  };
}

/**
 * Uploads a file as a person's client does: init, one PUT to the signed URL with the headers it names,
 * complete. Fails the test at the first step that does not answer as it should; returns the video id.
 */
export async function uploadFile(
  call: ReturnType<typeof client>,
  file: string,
  init: { filename: string; mime_type?: string; title?: string } = { filename: 'video.mp4' },
): Promise<string> {
  const bytes = readFileSync(file);
  const started = await call('POST', '/videos/upload/init', {
    mime_type: 'video/mp4',
    ...init,
    size_bytes: bytes.length,
  });
  if (started.status !== 201)
    throw new Error(`upload init answered ${started.status}: ${JSON.stringify(started.json)}`);
  const put = await fetch(started.json.upload_url, {
    method: 'PUT',
    body: bytes,
    headers: started.json.upload_headers ?? { 'Content-Type': init.mime_type ?? 'video/mp4' },
  });
  if (put.status !== 200) throw new Error(`the signed PUT answered ${put.status}: ${await put.text()}`);
  const done = await call('POST', '/videos/upload/complete', { video_id: started.json.video_id });
  if (done.status !== 200)
    throw new Error(`upload complete answered ${done.status}: ${JSON.stringify(done.json)}`);
  return started.json.video_id;
}

let sample: Buffer | undefined;
/** A real 1-second H.264 MP4 made by ffmpeg, the same bytes for every test in a file. */
export function sampleVideo(): Buffer {
  if (sample) return sample;
  const dir = tempDir('api');
  const file = join(dir, 'sample.mp4');
  execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x120:rate=10:duration=1',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    file,
  ]);
  sample = readFileSync(file);
  return sample;
}

export interface ApiProcess {
  proc: ChildProcess;
  base: string;
  /** Everything the process printed so far. */
  log(): string;
}

/**
 * `npm run api` as its own process (node with tsx as a loader: one process, so a signal, SIGKILL too,
 * reaches the server itself rather than npm or the tsx CLI, which would leave their node child running),
 * on a free port, once /readyz answers. `env` is the whole environment the server sees, PORT aside, and
 * HOST unless it is a loopback address (the chart's 0.0.0.0 becomes 127.0.0.1).
 */
export async function spawnApi(env: NodeJS.ProcessEnv): Promise<ApiProcess> {
  const port = await freePort();
  // A test may name another loopback address; nothing a test starts listens beyond this machine.
  const host = env.HOST && /^127\./.test(env.HOST) ? env.HOST : '127.0.0.1';
  const proc = spawnTracked(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
    cwd: REPO_ROOT,
    env: { ...env, HOST: host, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  const base = `http://${host}:${port}`;
  try {
    await waitFor('the API to be ready', async () => (await fetch(`${base}/readyz`)).ok, {
      timeoutMs: 60_000,
      alive: () => proc.exitCode === null,
    });
  } catch (error) {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${output.slice(-2000)}`);
  }
  return { proc, base, log: () => output };
}
