import { createHash } from 'node:crypto';
// Brings the whole test bed up (idempotently) and down again, recording what it started in a state file.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { SignJWT } from 'jose';
import { TINY_MODELS_DIR } from '../models/manifest.js';
import { bootstrapCluster, STAGE_SETTINGS } from './bootstrap.js';
import { makeCerts } from './certs.js';
import { restartApiServer, startControlPlane } from './kube.js';
import { BUCKETS, S3_ACCESS_KEY, S3_REGION, S3_SECRET_KEY, startMinio } from './minio.js';
import { ensureBinaries, REPO_ROOT, STATE_DIR, STATE_FILE } from './paths.js';
import { startPostgres } from './postgres.js';
import { isAlive, launched, type Started, startDetached, stopProcess, waitFor } from './proc.js';

export const NAMESPACE = 'heimdex';

/** The connection settings `up` prints and tests read; names match ARCHITECTURE.md's configuration table. */
export interface TestbedEnv {
  KUBECONFIG: string;
  HEIMDEX_NAMESPACE: string;
  DATABASE_URL: string;
  S3_ENDPOINT: string;
  S3_ACCESS_KEY: string;
  S3_SECRET_KEY: string;
  S3_REGION: string;
  S3_BUCKET_UPLOADS: string;
  S3_BUCKET_ARTIFACTS: string;
  /** Superuser URL on the same server, for tests that need a database of their own. */
  TESTBED_POSTGRES_ADMIN_URL: string;
}

interface State {
  createdAt: string;
  env: TestbedEnv;
  processes: Started[];
  runDir: string;
}

const say = (msg: string) => process.stderr.write(`testbed: ${msg}\n`);

export function readState(): State | undefined {
  if (!existsSync(STATE_FILE)) return undefined;
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as State;
}

/** True when every process of the recorded test bed is still ours and running. */
export function isUp(state = readState()): state is State {
  return !!state && state.processes.length > 0 && state.processes.every(isAlive);
}

export async function up(): Promise<TestbedEnv> {
  const existing = readState();
  if (isUp(existing)) {
    // The CRDs may have changed since it started; applying them again is cheap and idempotent.
    await bootstrapCluster(existing.env.KUBECONFIG, join(REPO_ROOT, 'crds'), NAMESPACE);
    say(`already up (since ${existing.createdAt})`);
    return existing.env;
  }
  if (existing) {
    say('a previous test bed is partly gone; stopping what is left of it');
    await down();
  }
  const t0 = Date.now();
  const bins = ensureBinaries();
  const runDir = join(STATE_DIR, 'run');
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  try {
    const certs = makeCerts(join(runDir, 'certs'));
    const [plane, postgres, minio] = await Promise.all([
      startControlPlane(bins, certs, runDir),
      startPostgres(join(runDir, 'postgres')),
      startMinio(bins.minio, runDir),
    ]);
    const { migrate } = await import('../core/db/migrate.js');
    await migrate(postgres.url);
    // What `npm run operator`'s stage Jobs need to reach MinIO and Postgres (the chart's ConfigMap and
    // Secret); the tiny models, so GPU stages run without downloads.
    await bootstrapCluster(plane.kubeconfig, join(REPO_ROOT, 'crds'), NAMESPACE, {
      config: {
        S3_ENDPOINT: minio.endpoint,
        S3_REGION,
        S3_BUCKET_UPLOADS: BUCKETS.uploads,
        S3_BUCKET_ARTIFACTS: BUCKETS.artifacts,
        ...TINY_MODELS,
      },
      secret: { DATABASE_URL: postgres.url, S3_ACCESS_KEY, S3_SECRET_KEY },
    });
    const agent = startDetached(
      'node-agent',
      join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
      [join(REPO_ROOT, 'testbed', 'agent', 'main.ts')],
      join(runDir, 'node-agent.log'),
      {
        env: { ...process.env, KUBECONFIG: plane.kubeconfig, HEIMDEX_TESTBED_DIR: STATE_DIR },
        match: 'testbed/agent/main.ts',
      },
    );
    await waitForNodes(plane.kubeconfig, () => isAlive(agent), agent.log);
    const env: TestbedEnv = {
      KUBECONFIG: plane.kubeconfig,
      HEIMDEX_NAMESPACE: NAMESPACE,
      DATABASE_URL: postgres.url,
      S3_ENDPOINT: minio.endpoint,
      S3_ACCESS_KEY,
      S3_SECRET_KEY,
      S3_REGION,
      S3_BUCKET_UPLOADS: BUCKETS.uploads,
      S3_BUCKET_ARTIFACTS: BUCKETS.artifacts,
      TESTBED_POSTGRES_ADMIN_URL: postgres.adminUrl,
    };
    const state: State = { createdAt: new Date().toISOString(), env, processes: [...launched], runDir };
    writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
    writeFileSync(join(STATE_DIR, 'env'), await formatEnv(env));
    say(`up in ${((Date.now() - t0) / 1000).toFixed(1)}s; logs in ${runDir}`);
    return env;
  } catch (error) {
    say('start failed; stopping what was started');
    await stopAll([...launched]);
    throw error;
  }
}

/**
 * Restarts the test bed's kube-apiserver in place (kube.ts restartApiServer) and records its new PID. The
 * controller-manager, scheduler and node agent reconnect by themselves. For the fault suite's script only: every
 * other user of the test bed loses the API server meanwhile.
 */
export async function restartTestbedApiServer(opts: { downMs?: number } = {}) {
  const state = readState();
  if (!isUp(state)) throw new Error('the test bed is not up');
  const i = state.processes.findIndex((p) => p.name === 'kube-apiserver');
  const certs = makeCerts(join(state.runDir, 'certs')); // the existing ones: made only when missing
  const restarted = await restartApiServer(state.processes[i]!, certs, opts);
  state.processes[i] = restarted.process;
  // Written whole and renamed, so a reader never sees half a file.
  writeFileSync(`${STATE_FILE}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${STATE_FILE}.tmp`, STATE_FILE);
  return restarted;
}

export async function down(): Promise<void> {
  const state = readState();
  if (!state) {
    say('not up');
    return;
  }
  await stopAll(state.processes);
  rmSync(state.runDir, { recursive: true, force: true });
  rmSync(join(STATE_DIR, 'pods'), { recursive: true, force: true });
  rmSync(STATE_FILE, { force: true });
  rmSync(join(STATE_DIR, 'env'), { force: true });
  say('down');
}

async function stopAll(processes: Started[]): Promise<void> {
  // Reverse start order: the agent and controllers before the apiserver, the apiserver before etcd.
  // The data is thrown away, so nobody needs a long graceful drain (kube-apiserver takes ~15 s).
  for (const p of [...processes].reverse()) {
    // SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to disconnect.
    await stopProcess(p, 5_000, p.name === 'postgres' ? 'SIGINT' : 'SIGTERM');
  }
}

/** The tiny test models (models/tiny) for stages and search: the loop runs with no model download. */
const TINY_MODELS = {
  MODELS_DIR: TINY_MODELS_DIR,
  VISION_MODEL: 'tiny-siglip2',
  TEXT_MODEL: 'tiny-bge-m3',
  ASR_MODEL: 'none',
};

/**
 * The settings, as `npm run api` and `npm run operator` take them: the services, plus what only the
 * documented cluster loop needs (the operator's stage settings, search on the tiny models, a token secret
 * for the API and a token signed with it, which the CLI reads as HEIMDEX_TOKEN). The secret is derived from
 * the test bed's own, so `env` prints the same one again.
 */
export async function formatEnv(env: TestbedEnv): Promise<string> {
  const secret = createHash('sha256').update(`heimdex-testbed-auth:${env.S3_SECRET_KEY}`).digest('base64url');
  const token = await new SignJWT({ email: 'dev@testbed.local', email_verified: false })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('testbed-dev')
    .setIssuedAt()
    .setExpirationTime('30d')
    .sign(new TextEncoder().encode(secret));
  const loop = {
    STAGE_CONFIGMAP: STAGE_SETTINGS,
    STAGE_SECRET: STAGE_SETTINGS,
    MODELS_DIR: TINY_MODELS_DIR,
    // The operator tells its Jobs which models to embed with (the chart sets these beside the stage ConfigMap's).
    TEXT_MODEL: TINY_MODELS.TEXT_MODEL,
    VISION_MODEL: TINY_MODELS.VISION_MODEL,
    SEARCH_TEXT_MODEL: TINY_MODELS.TEXT_MODEL,
    SEARCH_VISION_MODEL: TINY_MODELS.VISION_MODEL,
    AUTH_JWT_SECRET: secret,
    HEIMDEX_TOKEN: token,
  };
  return `${Object.entries({ ...env, ...loop })
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

async function waitForNodes(kubeconfig: string, alive: () => boolean, log: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  await waitFor(
    'the test node agent to register Ready nodes',
    async () => {
      const nodes = await core.listNode();
      const ready = nodes.items.filter((n) =>
        n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return (
        ready.length >= 2 &&
        ready.every((n) => !n.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/')))
      );
    },
    { timeoutMs: 60_000, alive, log },
  );
}
