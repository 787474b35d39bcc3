// The test node agent starts each pod's containers once, however many events arrive while it prepares them, and
// reports how a pod it stops ended before the pod goes, as a kubelet does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  PatchStrategy,
  setHeaderOptions,
  type V1Container,
  type V1Pod,
  Watch,
} from '@kubernetes/client-node';
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

/** A pod bound to the CPU node by hand, so the agent sees it on its first event (no scheduler in between). */
const createPod = (name: string, graceSeconds: number, container: Omit<V1Container, 'name'>) =>
  c.core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name },
      spec: {
        nodeName: CPU_NODE_NAME,
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: graceSeconds,
        containers: [{ name: 'main', image: 'busybox:1.36', ...container }],
      },
    },
  });

describe('the test node agent', () => {
  it('starts a pod’s container once even when updates arrive while it prepares the start', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `twice-${i}`);
    await Promise.all(
      names.map(async (name) => {
        const out = join(scratch, `${name}.starts`);
        await createPod(name, 1, {
          command: ['sh', '-c', 'echo "$MODE" >> "$OUT"; sleep 2'],
          env: [{ name: 'OUT', value: out }],
          envFrom: [{ configMapRef: { name: 'settings' } }],
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

  it('reports the terminal phase of a pod deleted while it runs before the pod goes: Succeeded when it finished', async () => {
    // What a watcher sees last of each pod: the object its DELETED event carries.
    const last = new Map<string, V1Pod>();
    const watch = await new Watch(c.kc).watch(
      `/api/v1/namespaces/${ns}/pods`,
      {},
      (type: string, pod: V1Pod) => {
        if (type === 'DELETED') last.set(pod.metadata!.name!, pod);
      },
      () => {},
    );
    try {
      const pods = {
        // Ignores SIGTERM (sleep inherits that) and ends on its own within the grace period: a run that finished.
        finishes: { command: "trap '' TERM; sleep 2", grace: 20 },
        // Ends by the SIGTERM.
        stopped: { command: 'sleep 60', grace: 20 },
      };
      for (const [name, p] of Object.entries(pods)) {
        await createPod(name, p.grace, { command: ['sh', '-c', p.command] });
      }
      for (const name of Object.keys(pods)) {
        await waitFor(
          `pod ${name} to run`,
          async () =>
            (await c.core.readNamespacedPod({ name, namespace: ns })).status?.containerStatuses?.[0]?.state
              ?.running !== undefined,
          { timeoutMs: 60_000, intervalMs: 200 },
        );
        await c.core.deleteNamespacedPod({ name, namespace: ns });
      }
      await waitFor('both pods to go', async () => last.size === 2, { timeoutMs: 60_000, intervalMs: 200 });
      const ended = (name: string) => ({
        phase: last.get(name)?.status?.phase,
        exitCode: last.get(name)?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode,
      });
      expect(ended('finishes')).toEqual({ phase: 'Succeeded', exitCode: 0 });
      expect(ended('stopped')).toEqual({ phase: 'Failed', exitCode: 143 });
    } finally {
      watch.abort();
    }
  });
});
