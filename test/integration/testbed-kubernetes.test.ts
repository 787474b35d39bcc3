// Smoke tests of the test bed's Kubernetes: real apiserver, real Job controller and scheduler, the node agent.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PatchStrategy, setHeaderOptions, VersionApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CPU_NODE_NAME, GPU_NODE_NAME } from '../../testbed/agent/nodes.js';
import { tempDir } from '../support/cleanup.js';
import {
  type Clients,
  clients,
  createNamespace,
  deleteNamespace,
  job,
  podsOf,
  waitFor,
  waitForJob,
} from '../support/kube.js';

const env = inject('testbed');
let c: Clients;
let ns: string;
const scratch = tempDir('kube');

beforeAll(async () => {
  c = clients(env.KUBECONFIG);
  ns = await createNamespace(c, 'smoke-kube');
});
afterAll(async () => deleteNamespace(c, ns));

describe('the test bed Kubernetes control plane', () => {
  it('reports the pinned Kubernetes release', async () => {
    const version = await fetchVersion();
    expect(version).toMatch(/^v1\.35\./);
  });

  it('serves the VideoIngestion CRD with its status subresource', async () => {
    const body = {
      apiVersion: 'heimdex.io/v1alpha1',
      kind: 'VideoIngestion',
      metadata: { name: 'smoke-video' },
      spec: {
        videoId: '0b7f2c1e-8a4d-4c1b-9e55-2f6c3d1a9b70',
        userId: '6a1d2e3f-4b5c-4d7e-8f90-1a2b3c4d5e6f',
        source: {
          bucket: 'heimdex-uploads',
          key: 'uploads/u/v/source',
          sizeBytes: 1234,
          mimeType: 'video/mp4',
        },
      },
    };
    const target = { group: 'heimdex.io', version: 'v1alpha1', namespace: ns, plural: 'videoingestions' };
    await c.custom.createNamespacedCustomObject({ ...target, body });
    // Status written through the main resource is ignored; only the subresource changes it.
    const patched = await c.custom.patchNamespacedCustomObjectStatus(
      { ...target, name: 'smoke-video', body: { status: { phase: 'Running', progress: 40 } } },
      mergePatchOptions(),
    );
    expect(patched.status).toMatchObject({ phase: 'Running', progress: 40 });
    const read = await c.custom.getNamespacedCustomObject({ ...target, name: 'smoke-video' });
    expect(read.spec.language).toBe('auto');
    expect(read.status).toMatchObject({ phase: 'Running', progress: 40 });
    await c.custom.patchNamespacedCustomObject(
      { ...target, name: 'smoke-video', body: { status: { phase: 'Failed' } } },
      mergePatchOptions(),
    );
    const again = await c.custom.getNamespacedCustomObject({ ...target, name: 'smoke-video' });
    expect(again.status.phase).toBe('Running');
  });

  it('runs a CPU Job on the CPU node with env from a Secret and a ConfigMap', async () => {
    const out = join(scratch, 'cpu.txt');
    await c.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'creds' }, stringData: { TOKEN: 's3cr3t' } },
    });
    await c.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'settings' }, data: { MODE: 'fast', LEVEL: '7' } },
    });
    await c.batch.createNamespacedJob({
      namespace: ns,
      body: job('cpu-job', {
        containers: [
          {
            name: 'main',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'echo "$TOKEN $MODE $CFG_LEVEL $POD $(pwd)" > "$OUT"'],
            env: [
              { name: 'OUT', value: out },
              { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'TOKEN' } } },
              { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            ],
            envFrom: [
              { configMapRef: { name: 'settings' } },
              { configMapRef: { name: 'settings' }, prefix: 'CFG_' },
            ],
            workingDir: scratch,
          },
        ],
      }),
    });
    await waitForJob(c, ns, 'cpu-job', 'Complete');
    const [pod] = await podsOf(c, ns, 'cpu-job');
    expect(pod?.spec?.nodeName).toBe(CPU_NODE_NAME);
    expect(readFileSync(out, 'utf8').trim()).toBe(`s3cr3t fast 7 ${ns} ${scratch}`);
  });

  it('schedules a Job that requests nvidia.com/gpu onto the GPU node', async () => {
    await c.batch.createNamespacedJob({
      namespace: ns,
      body: job('gpu-job', {
        containers: [
          {
            name: 'main',
            image: 'busybox',
            command: ['true'],
            resources: { limits: { 'nvidia.com/gpu': '1' } },
          },
        ],
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      }),
    });
    await waitForJob(c, ns, 'gpu-job', 'Complete');
    const [pod] = await podsOf(c, ns, 'gpu-job');
    expect(pod?.spec?.nodeName).toBe(GPU_NODE_NAME);
  });

  it('retries a failing Job up to backoffLimit and then fails it', async () => {
    await c.batch.createNamespacedJob({
      namespace: ns,
      body: job(
        'flaky',
        { containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'exit 3'] }] },
        { backoffLimit: 1 },
      ),
    });
    const failed = await waitForJob(c, ns, 'flaky', 'Failed', 120_000);
    expect(failed.status?.conditions?.find((x) => x.type === 'Failed')?.reason).toBe('BackoffLimitExceeded');
    const pods = await podsOf(c, ns, 'flaky');
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.status?.phase).toBe('Failed');
      expect(p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
    }
  });

  it('fails a Job at once when its pod failure policy matches the exit code', async () => {
    await c.batch.createNamespacedJob({
      namespace: ns,
      body: job(
        'bad-input',
        { containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'exit 42'] }] },
        {
          backoffLimit: 5,
          podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] },
        },
      ),
    });
    const failed = await waitForJob(c, ns, 'bad-input', 'Failed');
    expect(failed.status?.conditions?.find((x) => x.type === 'Failed')?.reason).toBe('PodFailurePolicy');
    expect(await podsOf(c, ns, 'bad-input')).toHaveLength(1);
  });

  it('kills the process when the Job passes its activeDeadlineSeconds', async () => {
    const marker = join(scratch, 'deadline-survived');
    await c.batch.createNamespacedJob({
      namespace: ns,
      body: job(
        'slow',
        {
          containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', `sleep 8; touch ${marker}`] }],
        },
        { activeDeadlineSeconds: 2 },
      ),
    });
    const failed = await waitForJob(c, ns, 'slow', 'Failed');
    expect(failed.status?.conditions?.find((x) => x.type === 'Failed')?.reason).toBe('DeadlineExceeded');
    await waitFor('the pod to be gone', async () => (await podsOf(c, ns, 'slow')).length === 0, {
      timeoutMs: 30_000,
    });
    await new Promise((r) => setTimeout(r, 8000));
    expect(existsSync(marker)).toBe(false);
  });
});

// Custom-object patches default to JSON Patch in client-node 1.x; these are merge patches.
const mergePatchOptions = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

async function fetchVersion(): Promise<string> {
  const info = await c.kc.makeApiClient(VersionApi).getCode();
  return info.gitVersion;
}
