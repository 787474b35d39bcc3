// Small builders and waits for integration tests that talk to the test bed's kube-apiserver.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type V1Job,
  type V1PodSpec,
} from '@kubernetes/client-node';
import { waitFor } from '../../testbed/proc.js';
import { tempDir } from './cleanup.js';

export { waitFor };

export function clients(kubeconfig: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
  };
}

export type Clients = ReturnType<typeof clients>;

/** A namespace of its own per test file, so files never see each other's objects. */
export async function createNamespace(c: Clients, prefix: string): Promise<string> {
  const ns = await c.core.createNamespace({ body: { metadata: { generateName: `${prefix}-` } } });
  const name = ns.metadata!.name!;
  // The serviceaccount controller creates "default"; pods are rejected until it exists.
  await waitFor(`service account default in ${name}`, async () => {
    await c.core.readNamespacedServiceAccount({ name: 'default', namespace: name });
    return true;
  });
  return name;
}

export async function deleteNamespace(c: Clients, name: string): Promise<void> {
  await c.core.deleteNamespace({ name }).catch(() => {});
}

export function job(
  name: string,
  spec: Partial<V1PodSpec> & { containers: V1PodSpec['containers'] },
  extra: Partial<V1Job['spec']> = {},
): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 0,
      ...extra,
      template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 5, ...spec } },
    },
  };
}

export async function waitForJob(
  c: Clients,
  namespace: string,
  name: string,
  condition: 'Complete' | 'Failed',
  timeoutMs = 90_000,
): Promise<V1Job> {
  let found: V1Job | undefined;
  await waitFor(
    `job ${namespace}/${name} to be ${condition}`,
    async () => {
      found = await c.batch.readNamespacedJobStatus({ name, namespace });
      return found.status?.conditions?.some((x) => x.type === condition && x.status === 'True') ?? false;
    },
    { timeoutMs, intervalMs: 250 },
  );
  return found!;
}

export async function podsOf(c: Clients, namespace: string, jobName: string) {
  const list = await c.core.listNamespacedPod({
    namespace,
    labelSelector: `batch.kubernetes.io/job-name=${jobName}`,
  });
  return list.items;
}

/** A kubeconfig that acts as a ServiceAccount (a TokenRequest token), to prove RBAC with the real apiserver. */
export async function serviceAccountKubeconfig(c: Clients, namespace: string, name: string): Promise<string> {
  const token = await c.core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { expirationSeconds: 3600, audiences: [] } },
  });
  const cluster = c.kc.getCurrentCluster()!;
  const file = join(tempDir('sa'), 'kubeconfig');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'testbed',
          cluster: {
            server: cluster.server,
            ...(cluster.caFile ? { 'certificate-authority': cluster.caFile } : {}),
            ...(cluster.caData ? { 'certificate-authority-data': cluster.caData } : {}),
          },
        },
      ],
      users: [{ name, user: { token: token.status!.token } }],
      contexts: [{ name, context: { cluster: 'testbed', user: name, namespace } }],
      'current-context': name,
    }),
    { mode: 0o600 },
  );
  return file;
}
