// Two operator replicas: only the Lease holder acts; killing it hands over to the other.
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STAGE_NAMES } from '../../core/dag.js';
import { waitFor } from '../support/kube.js';
import {
  createIngestion,
  ingestion,
  operatorKubeconfig,
  operatorTestNamespace,
  type RunningOperator,
  startOperator,
  videoRows,
  waitForPhase,
} from '../support/operator-harness.js';

const env = inject('testbed');
const t = operatorTestNamespace(env, 'op-leader');
const replicas: RunningOperator[] = [];

beforeAll(async () => {
  await t.fakeStage({});
  const kubeconfig = await operatorKubeconfig(t.c, t.ns);
  replicas.push(startOperator(env, t.ns, { KUBECONFIG: kubeconfig, POD_NAME: 'replica-a' }));
  replicas.push(startOperator(env, t.ns, { KUBECONFIG: kubeconfig, POD_NAME: 'replica-b' }));
});

afterAll(async () => {
  for (const r of replicas) await r.stop();
});

const leads = (r: RunningOperator) => r.log().includes('became the leader');
const creates = (r: RunningOperator) => (r.log().match(/created stage Job/g) ?? []).length;

describe('leader election', () => {
  it('lets only the Lease holder act', async () => {
    await waitFor('a leader', async () => replicas.some(leads), { timeoutMs: 30_000 });
    const { userId, videoId } = await videoRows(t.pool);
    await createIngestion(t.c, t.ns, ingestion('first', videoId, userId));
    await waitForPhase(t.c, t.ns, 'first', 'Succeeded');
    const leader = replicas.find(leads)!;
    const follower = replicas.find((r) => r !== leader)!;
    expect(leads(follower)).toBe(false);
    expect(creates(leader)).toBe(STAGE_NAMES.length);
    expect(creates(follower)).toBe(0);
    const lease = await t.c.kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ namespace: t.ns, name: 'heimdex-operator' });
    expect(lease.spec?.holderIdentity).toBe(leader === replicas[0] ? 'replica-a' : 'replica-b');
    const metrics = await (await fetch(`${await follower.metricsUrl()}/metrics`)).text();
    expect(metrics).toMatch(/^heimdex_operator_leader 0$/m);
  });

  it('hands over when the leader is killed', async () => {
    const leader = replicas.find(leads)!;
    const follower = replicas.find((r) => r !== leader)!;
    await leader.stop('SIGKILL');
    const { userId, videoId } = await videoRows(t.pool);
    await createIngestion(t.c, t.ns, ingestion('second', videoId, userId));
    await waitForPhase(t.c, t.ns, 'second', 'Succeeded');
    expect(leads(follower)).toBe(true);
    expect(creates(follower)).toBe(STAGE_NAMES.length);
    const res = await fetch(`${await follower.metricsUrl()}/readyz`);
    expect(res.status).toBe(200);
    const metrics = await (await fetch(`${await follower.metricsUrl()}/metrics`)).text();
    expect(metrics).toMatch(/^heimdex_operator_leader 1$/m);
    expect(metrics).toMatch(/heimdex_operator_reconciles_total\{result="ok"\} \d+/);
  });
});
