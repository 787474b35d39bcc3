// `npm run api` as an operator of the service runs it: real process, test bed settings, least-privilege RBAC.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../testbed/proc.js';
import { client, JWT_SECRET, sampleVideo, spawnApi, token } from '../support/api.js';
import {
  type Clients,
  clients,
  createNamespace,
  deleteNamespace,
  serviceAccountKubeconfig,
} from '../support/kube.js';

const env = inject('testbed');
let k: Clients;
let ns: string;
let proc: ChildProcess | undefined;

/** A kubeconfig for a ServiceAccount allowed exactly what the API needs: create/get/list/watch/delete videoingestions. */
async function apiServiceAccountKubeconfig(namespace: string): Promise<string> {
  const rbac = k.kc.makeApiClient(RbacAuthorizationV1Api);
  await k.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'heimdex-api' } } });
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name: 'heimdex-api' },
      rules: [
        {
          apiGroups: ['heimdex.io'],
          resources: ['videoingestions'],
          verbs: ['create', 'get', 'list', 'watch', 'delete'],
        },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'heimdex-api' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'heimdex-api' },
      subjects: [{ kind: 'ServiceAccount', name: 'heimdex-api', namespace }],
    },
  });
  return serviceAccountKubeconfig(k, namespace, 'heimdex-api');
}

beforeAll(async () => {
  k = clients(env.KUBECONFIG);
  ns = await createNamespace(k, 'api-server');
});
afterAll(async () => {
  if (proc?.exitCode === null) proc.kill('SIGKILL');
  await deleteNamespace(k, ns);
});

describe('npm run api', () => {
  it('serves uploads with the test bed settings and only the RBAC it documents, then shuts down cleanly', async () => {
    const kubeconfig = await apiServiceAccountKubeconfig(ns);
    const metricsPort = await freePort();
    const api = await spawnApi({
      ...process.env,
      ...env,
      KUBECONFIG: kubeconfig,
      HEIMDEX_NAMESPACE: ns,
      AUTH_JWT_SECRET: JWT_SECRET,
      AUTH_ISSUER: 'https://auth.test',
      AUTH_AUDIENCE: 'heimdex',
      LOG_LEVEL: 'info',
      // Where HOST says (another loopback address: tests stay on this machine), metrics on their own port.
      HOST: '127.0.0.2',
      METRICS_PORT: String(metricsPort),
    });
    proc = api.proc;
    const base = api.base;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.2:/);
    await expect(fetch(base.replace('127.0.0.2', '127.0.0.1'))).rejects.toThrow();
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    const metrics = await (await fetch(`http://127.0.0.2:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/heimdex_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
    const ready = (await (await fetch(`${base}/readyz`)).json()) as {
      checks: { name: string; ok: boolean }[];
    };
    expect(ready.checks.map((c) => [c.name, c.ok])).toEqual([
      ['postgres', true],
      ['storage', true],
      ['kubernetes', true],
    ]);

    const call = client(base, await token(`server-${randomUUID()}`));
    const started = await call('POST', '/videos/upload/init', {
      filename: 'a.mp4',
      mime_type: 'video/mp4',
      size_bytes: sampleVideo().length,
    });
    await fetch(started.json.upload_url, {
      method: 'PUT',
      body: sampleVideo(),
      headers: started.json.upload_headers,
    });
    expect(await call('POST', '/videos/upload/complete', { video_id: started.json.video_id })).toMatchObject({
      status: 200,
      json: { state: 'validating' },
    });
    expect((await call('DELETE', `/videos/${started.json.video_id}`)).status).toBe(204);

    api.proc.kill('SIGTERM');
    const code = await new Promise((r) => api.proc.once('exit', r));
    expect(code).toBe(0);
    expect(api.log()).toMatch(/shutting down/);
  });
});
