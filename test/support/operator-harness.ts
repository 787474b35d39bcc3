// Runs the operator as a child process against the test bed, with the fake stage program, and small
// helpers for VideoIngestions, the fake stage's behaviour and the database rows of a test.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { V1Job } from '@kubernetes/client-node';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { ModelOverrides, VideoIngestion } from '../../core/crd/videoingestion.js';
import type { StageName } from '../../core/dag.js';
import type { TestbedEnv } from '../../testbed/testbed.js';
import { spawnTracked, tempDir } from './cleanup.js';
import {
  type Clients,
  clients,
  createNamespace,
  deleteNamespace,
  serviceAccountKubeconfig,
  waitFor,
} from './kube.js';
import { readRunLog } from './run-log.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
export const FAKE_STAGE_COMMAND = [TSX, join(ROOT, 'test/support/fake-stage.ts')];
export const TARGET = { group: 'heimdex.io', version: 'v1alpha1', plural: 'videoingestions' };

export interface RunningOperator {
  child: ChildProcess;
  logFile: string;
  log(): string;
  /** Sends a signal and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  metricsUrl(): Promise<string>;
}

export function startOperator(
  env: TestbedEnv,
  namespace: string,
  extra: Record<string, string> = {},
): RunningOperator {
  const dir = tempDir('operator');
  const logFile = join(dir, 'operator.log');
  const fd = openSync(logFile, 'a');
  // node itself with tsx as a loader: one process, so SIGKILL really kills the operator (the tsx CLI
  // would leave its node child running).
  const child = spawnTracked(process.execPath, ['--import', 'tsx', join(ROOT, 'operator/main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...env,
      HEIMDEX_NAMESPACE: namespace,
      PIPELINE_IMAGE: 'heimdex/test-stage:dev',
      STAGE_COMMAND: JSON.stringify(FAKE_STAGE_COMMAND),
      STAGE_CONFIGMAP: 'fake-stage',
      STAGE_CPU_REQUEST: '10m',
      STAGE_MEMORY_REQUEST: '16Mi',
      STAGE_MEMORY_LIMIT: '512Mi',
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      LEADER_LEASE_SECONDS: '4',
      LEADER_RENEW_SECONDS: '1',
      OPERATOR_BACKOFF_BASE_MS: '200',
      OPERATOR_BACKOFF_MAX_MS: '5000',
      STAGE_BACKOFF_LIMIT: '2',
      LOG_LEVEL: 'info',
      ...extra,
    },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  return {
    child,
    logFile,
    log,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill(signal);
      await exited;
    },
    async metricsUrl() {
      let url = '';
      await waitFor('operator metrics address', async () => {
        const m = log().match(/"address":\{"address":"([^"]+)","family":"[^"]+","port":(\d+)\}/);
        if (m) url = `http://${m[1]}:${m[2]}`;
        return Boolean(m);
      });
      return url;
    },
  };
}

/** The fake stage's behaviour for this namespace (see test/support/fake-stage.ts). */
export async function setFakeStage(
  c: Clients,
  namespace: string,
  behaviour: Record<string, unknown>,
  stateDir: string,
  logFile: string,
) {
  const body = {
    metadata: { name: 'fake-stage' },
    data: { FAKE_BEHAVIOUR: JSON.stringify(behaviour), FAKE_STATE_DIR: stateDir, FAKE_LOG: logFile },
  };
  try {
    await c.core.createNamespacedConfigMap({ namespace, body });
  } catch {
    await c.core.replaceNamespacedConfigMap({ namespace, name: 'fake-stage', body });
  }
}

export function ingestion(
  name: string,
  videoId: string,
  userId: string,
  stages?: StageName[],
  models?: ModelOverrides,
) {
  return {
    apiVersion: 'heimdex.io/v1alpha1',
    kind: 'VideoIngestion',
    metadata: { name },
    spec: {
      videoId,
      userId,
      source: {
        bucket: 'heimdex-uploads',
        key: `uploads/${userId}/${videoId}/source`,
        sizeBytes: 1000,
        mimeType: 'video/mp4',
      },
      ...(stages ? { stages } : {}),
      ...(models ? { models } : {}),
    },
  };
}

export async function createIngestion(c: Clients, namespace: string, body: ReturnType<typeof ingestion>) {
  await c.custom.createNamespacedCustomObject({ ...TARGET, namespace, body });
}

export async function getIngestion(
  c: Clients,
  namespace: string,
  name: string,
): Promise<VideoIngestion | undefined> {
  try {
    return (await c.custom.getNamespacedCustomObject({ ...TARGET, namespace, name })) as VideoIngestion;
  } catch {
    return undefined;
  }
}

export async function waitForPhase(
  c: Clients,
  namespace: string,
  name: string,
  phase: 'Succeeded' | 'Failed' | 'Running',
  timeoutMs = 100_000,
): Promise<VideoIngestion> {
  let vi: VideoIngestion | undefined;
  await waitFor(
    `${namespace}/${name} to be ${phase}`,
    async () => {
      vi = await getIngestion(c, namespace, name);
      if (phase !== 'Failed' && vi?.status?.phase === 'Failed')
        throw new Error(`failed: ${JSON.stringify(vi.status)}`);
      return vi?.status?.phase === phase;
    },
    { timeoutMs, intervalMs: 250 },
  );
  return vi!;
}

export async function jobsOf(c: Clients, namespace: string, name?: string): Promise<V1Job[]> {
  const selector = `app.kubernetes.io/managed-by=heimdex-operator${name ? `,heimdex.io/ingestion=${name}` : ''}`;
  return (await c.batch.listNamespacedJob({ namespace, labelSelector: selector })).items;
}

/** A user and a video row (state validating) the operator keeps up to date. */
export async function videoRows(pool: pg.Pool): Promise<{ userId: string; videoId: string }> {
  const userId = randomUUID();
  const videoId = randomUUID();
  await pool.query('insert into users (user_id, auth_user_id) values ($1, $2)', [userId, `sub-${userId}`]);
  await pool.query(
    `insert into videos (video_id, user_id, storage_key, state) values ($1, $2, $3, 'validating')`,
    [videoId, userId, `uploads/${userId}/${videoId}/source`],
  );
  return { userId, videoId };
}

export function newPool(env: TestbedEnv): pg.Pool {
  return new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
}

/** The stage runs' log (test/support/run-log.ts), written by the fake stage and the logged real one. */
export const readFakeLog = readRunLog;

/**
 * Applies operator/rbac.yaml in the namespace and returns a kubeconfig that authenticates as its
 * ServiceAccount (a TokenRequest token): an operator run with it proves the listed verbs suffice.
 */
export async function operatorKubeconfig(c: Clients, namespace: string): Promise<string> {
  const { parseAllDocuments } = await import('yaml');
  const { RbacAuthorizationV1Api } = await import('@kubernetes/client-node');
  const rbac = c.kc.makeApiClient(RbacAuthorizationV1Api);
  const docs = parseAllDocuments(readFileSync(join(ROOT, 'operator/rbac.yaml'), 'utf8')).map((d) => d.toJS());
  for (const doc of docs) {
    const body = { ...doc, metadata: { ...doc.metadata, namespace } };
    if (doc.kind === 'ServiceAccount') await c.core.createNamespacedServiceAccount({ namespace, body });
    if (doc.kind === 'Role') await rbac.createNamespacedRole({ namespace, body });
    if (doc.kind === 'RoleBinding') {
      body.subjects = body.subjects.map((s: Record<string, string>) => ({ ...s, namespace }));
      await rbac.createNamespacedRoleBinding({ namespace, body });
    }
  }
  return serviceAccountKubeconfig(c, namespace, 'heimdex-operator');
}

export interface OperatorTestNamespace {
  c: Clients;
  ns: string;
  pool: pg.Pool;
  dir: string;
  /** Where the fake stage logs each run (readFakeLog). */
  fakeLog: string;
  /** Sets the fake stage's behaviour for this namespace. */
  fakeStage(behaviour: Record<string, unknown>): Promise<void>;
}

/**
 * What every operator test file sets up: API clients, its own namespace, a database pool and a scratch
 * directory, made before its tests and removed after them. Call it at the top of the file: its afterAll
 * is registered first, so it runs after the file's own (which stop the operators), as hooks unwind.
 */
export function operatorTestNamespace(env: TestbedEnv, prefix: string): OperatorTestNamespace {
  const dir = tempDir(prefix);
  const t = { dir, fakeLog: join(dir, 'fake.log') } as OperatorTestNamespace;
  t.fakeStage = (behaviour) => setFakeStage(t.c, t.ns, behaviour, join(dir, 'state'), t.fakeLog);
  beforeAll(async () => {
    t.c = clients(env.KUBECONFIG);
    t.ns = await createNamespace(t.c, prefix);
    t.pool = newPool(env);
  });
  afterAll(async () => {
    await t.pool?.end();
    if (t.ns) await deleteNamespace(t.c, t.ns);
  });
  return t;
}

export interface OperatorTest extends OperatorTestNamespace {
  /** The operator of the file, started before its tests (a test may replace it; the last one is stopped). */
  operator: RunningOperator;
}

/**
 * The preamble most operator test files share: their namespace (operatorTestNamespace), the fake stage's
 * behaviour, and one operator started before the tests and stopped after them. `setup` runs first (rows,
 * objects the behaviour names) and returns the behaviour; `operatorEnv` gives the operator's extra settings.
 */
export function useOperatorTest(
  env: TestbedEnv,
  prefix: string,
  opts: {
    setup?: (t: OperatorTest) => Promise<Record<string, unknown>> | Record<string, unknown>;
    operatorEnv?: (t: OperatorTest) => Promise<Record<string, string>> | Record<string, string>;
  } = {},
): OperatorTest {
  const t = operatorTestNamespace(env, prefix) as OperatorTest;
  beforeAll(async () => {
    await t.fakeStage((await opts.setup?.(t)) ?? {});
    t.operator = startOperator(env, t.ns, (await opts.operatorEnv?.(t)) ?? {});
  });
  afterAll(async () => {
    await t.operator?.stop();
  });
  return t;
}
