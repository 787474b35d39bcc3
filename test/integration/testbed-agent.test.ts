// The test node agent starts each pod's containers once, however many events arrive while it prepares them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CPU_NODE_NAME } from '../../testbed/agent/nodes.js';
import { tempDir } from '../support/cleanup.js';
import { type Clients, clients, createNamespace, deleteNamespace, waitFor } from '../support/kube.js';

const env = inject('testbed');
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
let c: Clients;
let ns: string;
const scratch = tempDir('agent');

beforeAll(async () => {
  c = clients(env.KUBECONFIG);
  ns = await createNamespace(c, 'agent');
  // A ConfigMap reference makes the agent read it before starting: the window where events pile up.
  await c.core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'settings' }, data: { MODE: 'once' } },
  });
});
afterAll(async () => deleteNamespace(c, ns));

describe('the test node agent', () => {
  it('starts a pod’s container once even when updates arrive while it prepares the start', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `twice-${i}`);
    await Promise.all(
      names.map(async (name) => {
        const out = join(scratch, `${name}.starts`);
        await c.core.createNamespacedPod({
          namespace: ns,
          body: {
            metadata: { name },
            spec: {
              // Bound by hand, so the agent sees the pod on its first event (no scheduler in between).
              nodeName: CPU_NODE_NAME,
              restartPolicy: 'Never',
              terminationGracePeriodSeconds: 1,
              containers: [
                {
                  name: 'main',
                  image: 'busybox:1.36',
                  command: ['sh', '-c', 'echo "$MODE" >> "$OUT"; sleep 2'],
                  env: [{ name: 'OUT', value: out }],
                  envFrom: [{ configMapRef: { name: 'settings' } }],
                },
              ],
            },
          },
        });
        // A burst of updates while the agent reads the ConfigMap: each is an informer 'update' event.
        for (let k = 0; k < 25; k++) {
          await c.core.patchNamespacedPod(
            { name, namespace: ns, body: { metadata: { labels: { poke: String(k) } } } },
            mergePatch,
          );
        }
      }),
    );
    for (const name of names) {
      await waitFor(
        `pod ${name} to finish`,
        async () => {
          const pod = await c.core.readNamespacedPod({ name, namespace: ns });
          return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      );
    }
    // Let a second start, if there was one, write its line too.
    await new Promise((r) => setTimeout(r, 3000));
    const starts = names.map((n) =>
      readFileSync(join(scratch, `${n}.starts`), 'utf8')
        .trim()
        .split('\n'),
    );
    expect(starts).toEqual(names.map(() => ['once']));
  });
});
