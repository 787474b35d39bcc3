// The chart installed into the test bed's RBAC-enforcing API server with helm: every object accepted,
// then the API and the operator run with the chart's ConfigMaps, Secret references and ServiceAccount
// tokens (as their pods would) and take an uploaded video to Succeeded, and kubectl shows it.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppsV1Api, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { client, JWT_SECRET, sampleVideo, spawnApi, token } from '../support/api.js';
import { containerEnv } from '../support/chart-install.js';
import { CHART, chartTools, exec, helmRunner, type Tools } from '../support/chart-tools.js';
import { tempDir } from '../support/cleanup.js';
import {
  type Clients,
  clients,
  createNamespace,
  deleteNamespace,
  serviceAccountKubeconfig,
  waitFor,
} from '../support/kube.js';
import {
  FAKE_STAGE_COMMAND,
  getIngestion,
  type RunningOperator,
  startOperator,
  waitForPhase,
} from '../support/operator-harness.js';

const env = inject('testbed');
const RELEASE = 'hx';
let k: Clients;
let ns: string;
let tools: Tools;
let helm: ReturnType<typeof helmRunner>;
let kubectl: (args: string[]) => ReturnType<typeof exec>;
let operator: RunningOperator | undefined;
let api: ChildProcess | undefined;
const dir = tempDir('chart-install');

/** Production-shaped values pointed at the test bed; Deployment pods stay Pending (no node matches). */
function values() {
  const nowhere = { 'heimdex.io/chart-test': 'no-such-node' };
  return {
    credentials: { existingSecret: 'heimdex-credentials' },
    storage: { endpoint: env.S3_ENDPOINT },
    auth: { issuer: 'https://auth.test', audience: 'heimdex' },
    api: {
      nodeSelector: nowhere,
      ingress: {
        enabled: true,
        hosts: [{ host: 'heimdex.test', paths: [{ path: '/', pathType: 'Prefix' }] }],
      },
    },
    operator: { nodeSelector: nowhere },
    pipeline: {
      // The agent runs this command as a local process; the fake stage honours the stage contract.
      image: { repository: 'heimdex/test-stage' },
      command: FAKE_STAGE_COMMAND,
      resources: { cpuRequest: '10m', memoryRequest: '16Mi', memoryLimit: '512Mi', scratchSize: '1Gi' },
      gpu: { nodeSelector: { 'nvidia.com/gpu.present': 'true' } },
      extraEnv: {
        FAKE_BEHAVIOUR: '{}',
        FAKE_LOG: join(dir, 'stages.log'),
        FAKE_STATE_DIR: join(dir, 'state'),
      },
    },
    models: { fetch: { enabled: false } },
    networkPolicy: { enabled: true },
  };
}

async function deployment(name: string): Promise<V1Deployment> {
  return k.kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace: ns });
}

beforeAll(async () => {
  tools = await chartTools();
  helm = helmRunner(tools.helm);
  kubectl = (args) => exec(tools.kubectl, ['--kubeconfig', env.KUBECONFIG, ...args]);
  k = clients(env.KUBECONFIG);
  ns = await createNamespace(k, 'chart');
  await k.core.createNamespacedSecret({
    namespace: ns,
    body: {
      metadata: { name: 'heimdex-credentials' },
      stringData: {
        DATABASE_URL: env.DATABASE_URL,
        S3_ACCESS_KEY: env.S3_ACCESS_KEY,
        S3_SECRET_KEY: env.S3_SECRET_KEY,
        AUTH_JWT_SECRET: JWT_SECRET,
      },
    },
  });
});

afterAll(async () => {
  await k.core.deletePersistentVolume({ name: `${ns}-models` }).catch(() => {});
  if (api && api.exitCode === null) api.kill('SIGKILL');
  await operator?.stop();
  await helm(['uninstall', RELEASE, '--namespace', ns, '--kubeconfig', env.KUBECONFIG]);
  await deleteNamespace(k, ns);
});

describe('helm install into the test bed', () => {
  it('creates every object of the chart, and the API server accepts the dev-mode objects too', async () => {
    // A volume for the chart's models claim to bind to, as a cluster's provisioner would make
    // (the node agent runs stages on this machine; the volume is only there to be bound).
    await k.core.createPersistentVolume({
      body: {
        metadata: { name: `${ns}-models` },
        spec: {
          capacity: { storage: '40Gi' },
          accessModes: ['ReadWriteMany', 'ReadWriteOnce', 'ReadOnlyMany'],
          persistentVolumeReclaimPolicy: 'Delete',
          hostPath: { path: join(dir, 'models') },
          claimRef: { namespace: ns, name: `${RELEASE}-heimdex-models` },
        },
      },
    });
    const file = join(dir, 'values.json');
    writeFileSync(file, JSON.stringify(values()));
    const r = await helm([
      'install',
      RELEASE,
      CHART,
      '--namespace',
      ns,
      '--kubeconfig',
      env.KUBECONFIG,
      '-f',
      file,
    ]);
    expect(r.stdout + r.stderr, r.stderr).toMatch(/STATUS: deployed/);
    expect(r.stdout).toMatch(/kubectl get videoingestions/);

    const manifest = await helm([
      'get',
      'manifest',
      RELEASE,
      '--namespace',
      ns,
      '--kubeconfig',
      env.KUBECONFIG,
    ]);
    const manifestFile = join(dir, 'manifest.yaml');
    writeFileSync(manifestFile, manifest.stdout);
    const live = await kubectl(['get', '-f', manifestFile, '-o', 'name']);
    expect(live.stderr).toBe('');
    expect(live.stdout.trim().split('\n').sort()).toEqual(
      [
        'configmap/hx-heimdex-config',
        'configmap/hx-heimdex-operator',
        'configmap/hx-heimdex-stage',
        'deployment.apps/hx-heimdex-api',
        'deployment.apps/hx-heimdex-operator',
        'ingress.networking.k8s.io/hx-heimdex-api',
        'networkpolicy.networking.k8s.io/hx-heimdex-api',
        'networkpolicy.networking.k8s.io/hx-heimdex-operator',
        'networkpolicy.networking.k8s.io/hx-heimdex-stages',
        'persistentvolumeclaim/hx-heimdex-models',
        'poddisruptionbudget.policy/hx-heimdex-api',
        'poddisruptionbudget.policy/hx-heimdex-operator',
        'role.rbac.authorization.k8s.io/hx-heimdex-api',
        'role.rbac.authorization.k8s.io/hx-heimdex-operator',
        'rolebinding.rbac.authorization.k8s.io/hx-heimdex-api',
        'rolebinding.rbac.authorization.k8s.io/hx-heimdex-operator',
        'service/hx-heimdex-api',
        'service/hx-heimdex-operator-metrics',
        'serviceaccount/hx-heimdex-api',
        'serviceaccount/hx-heimdex-operator',
      ].sort(),
    );
    // The test bed runs no Deployment controller: the API server admits each pod template (dry run).
    for (const name of ['hx-heimdex-api', 'hx-heimdex-operator']) {
      const template = (await deployment(name)).spec!.template;
      const pod = await k.core.createNamespacedPod({
        namespace: ns,
        dryRun: 'All',
        body: { metadata: { ...template.metadata, name: `${name}-dry-run` }, spec: template.spec! },
      });
      expect(pod.spec?.serviceAccountName).toBe(name);
    }

    // Dev mode and the models fetch Job, checked by the API server without being created.
    const dev = await helm([
      'template',
      'hxdev',
      CHART,
      '--namespace',
      ns,
      '-f',
      join(CHART, 'ci/dev-values.yaml'),
      '--set',
      'models.existingClaim=',
      '--set',
      'models.fetch.enabled=true',
      // The default list has files the manifest has not pinned (docs/security.md): fetched unverified here.
      '--set',
      'models.allowUnpinned=true',
    ]);
    expect(dev.code, dev.stderr).toBe(0);
    const devFile = join(dir, 'dev.yaml');
    writeFileSync(devFile, dev.stdout);
    const dry = await kubectl(['create', '--dry-run=server', '--namespace', ns, '-f', devFile]);
    expect(dry.stderr).toBe('');
    expect(dry.stdout).toMatch(/statefulset.apps\/hxdev-heimdex-postgres created \(server dry run\)/);
    expect(dry.stdout).toMatch(/statefulset.apps\/hxdev-heimdex-s3 created \(server dry run\)/);
    expect(dry.stdout).toMatch(/job.batch\/hxdev-heimdex-models-\w+ created \(server dry run\)/);
  });

  it('runs the API and the operator with their chart ServiceAccounts and settings through a whole ingestion', async () => {
    // The operator, as its pod would run: the chart's env, a token of its ServiceAccount.
    const op = (await deployment('hx-heimdex-operator')).spec!.template.spec!.containers[0]!;
    const opEnv = await containerEnv(k, ns, op, { name: 'hx-heimdex-operator-0' });
    expect(opEnv).toMatchObject({
      HEIMDEX_NAMESPACE: ns,
      STAGE_CONFIGMAP: 'hx-heimdex-stage',
      DATABASE_URL: env.DATABASE_URL,
    });
    operator = startOperator(env, ns, {
      ...opEnv,
      KUBECONFIG: await serviceAccountKubeconfig(k, ns, 'hx-heimdex-operator'),
      // Host processes share ports; in a pod this is the chart's 9090.
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
    });

    const apiContainer = (await deployment('hx-heimdex-api')).spec!.template.spec!.containers[0]!;
    const apiEnv = await containerEnv(k, ns, apiContainer, { name: 'hx-heimdex-api-0' });
    // In its pod the API listens on every interface, /metrics on the port its Service names.
    expect(apiEnv).toMatchObject({ HOST: '0.0.0.0', METRICS_PORT: '9090' });
    const spawned = await spawnApi({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...apiEnv,
      KUBECONFIG: await serviceAccountKubeconfig(k, ns, 'hx-heimdex-api'),
      // Host processes share ports (the operator's is 9090 too).
      METRICS_PORT: '0',
    });
    api = spawned.proc;
    const base = spawned.base;

    const call = client(base, await token(`chart-${randomUUID()}`));
    const started = await call('POST', '/videos/upload/init', {
      filename: 'beach.mp4',
      mime_type: 'video/mp4',
      size_bytes: sampleVideo().length,
    });
    expect(started.status, JSON.stringify(started.json)).toBe(201);
    const put = await fetch(started.json.upload_url, {
      method: 'PUT',
      body: sampleVideo(),
      headers: started.json.upload_headers,
    });
    expect(put.ok).toBe(true);
    const videoId: string = started.json.video_id;
    expect((await call('POST', '/videos/upload/complete', { video_id: videoId })).status).toBe(200);
    const name = `video-${videoId}`;
    const vi = await waitForPhase(k, ns, name, 'Succeeded', 110_000);
    expect(vi.status?.progress).toBe(100);

    // kubectl shows it in columns, and more with -o wide.
    const table = await kubectl(['get', 'vi', '--namespace', ns]);
    expect(table.stdout.split('\n')[0]!.split(/\s+/).filter(Boolean)).toEqual([
      'NAME',
      'VIDEO',
      'PHASE',
      'STAGE',
      'PROGRESS',
      'SCENES',
      'AGE',
    ]);
    expect(table.stdout).toMatch(new RegExp(`${name}\\s+${videoId}\\s+Succeeded\\s+.*100`));
    const wide = await kubectl(['get', 'videoingestions', '--namespace', ns, '-o', 'wide']);
    expect(wide.stdout.split('\n')[0]!.split(/\s+/).filter(Boolean)).toEqual([
      'NAME',
      'VIDEO',
      'PHASE',
      'STAGE',
      'PROGRESS',
      'SCENES',
      'USER',
      'DURATION',
      'ERROR',
      'MESSAGE',
      'AGE',
    ]);
    expect(wide.stdout).toMatch(
      new RegExp(`${name}\\s+${videoId}\\s+Succeeded\\s+100\\s+.*${vi.spec.userId}\\s+.*indexed`),
    );

    // Deleting the video deletes the resource; the operator's finalizer lets it go.
    expect((await call('DELETE', `/videos/${videoId}`)).status).toBe(204);
    await waitFor(
      'the VideoIngestion to be gone',
      async () => (await getIngestion(k, ns, name)) === undefined,
      {
        timeoutMs: 60_000,
      },
    );
    expect(operator.log()).not.toMatch(/forbidden/i);
    expect(spawned.log()).not.toMatch(/forbidden/i);
  });

  it('gives neither ServiceAccount anything beyond its Role, here or elsewhere', async () => {
    const canList = async (sa: string) => {
      const r = await kubectl([
        'auth',
        'can-i',
        '--list',
        '--namespace',
        ns,
        '--as',
        `system:serviceaccount:${ns}:${sa}`,
      ]);
      expect(r.code, r.stderr).toBe(0);
      // Resource rows only; what every authenticated user may do (self reviews, discovery URLs) aside.
      return r.stdout
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s{2,}/))
        .filter((cols) => cols.length === 4 && !cols[0]!.startsWith('selfsubject'))
        .map((cols) => `${cols[0]} ${cols[3]}`)
        .sort();
    };
    expect(await canList('hx-heimdex-api')).toEqual([
      'videoingestions.heimdex.io [create get list watch delete]',
    ]);
    expect(await canList('hx-heimdex-operator')).toEqual(
      [
        'events [create]',
        'jobs.batch [get list watch create delete]',
        'leases.coordination.k8s.io [get create update]',
        'pods [get list watch delete]',
        'videoingestions.heimdex.io [get list watch patch]',
        'videoingestions.heimdex.io/finalizers [update]',
        'videoingestions.heimdex.io/status [patch]',
      ].sort(),
    );
    for (const sa of ['hx-heimdex-api', 'hx-heimdex-operator']) {
      const as = ['--as', `system:serviceaccount:${ns}:${sa}`];
      for (const [verb, what, where] of [
        ['get', 'secrets', ns],
        ['list', 'configmaps', ns],
        ['create', 'pods', ns],
        ['list', 'videoingestions.heimdex.io', 'default'],
        ['list', 'namespaces', ''],
      ] as const) {
        const r = await kubectl([
          'auth',
          'can-i',
          verb,
          what,
          ...(where ? ['--namespace', where] : []),
          ...as,
        ]);
        expect(r.stdout.trim(), `${sa} ${verb} ${what} ${where}`).toBe('no');
      }
    }
  });
});
