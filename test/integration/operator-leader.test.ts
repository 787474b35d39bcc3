// Two operator replicas: only the Lease holder acts; killing it hands over to the other, and a holder cut off
// from the API server stops acting before another replica takes over.
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
import { apiServerProxy, type TcpProxy } from '../support/tcp-proxy.js';

const env = inject('testbed');
const t = operatorTestNamespace(env, 'op-leader');
const replicas: RunningOperator[] = [];
let kubeconfig = '';
let proxy: TcpProxy | undefined;

beforeAll(async () => {
  await t.fakeStage({});
  kubeconfig = await operatorKubeconfig(t.c, t.ns);
  replicas.push(startOperator(env, t.ns, { KUBECONFIG: kubeconfig, POD_NAME: 'replica-a' }));
  replicas.push(startOperator(env, t.ns, { KUBECONFIG: kubeconfig, POD_NAME: 'replica-b' }));
});

afterAll(async () => {
  for (const r of replicas) await r.stop();
  await proxy?.close();
});

const leads = (r: RunningOperator) => r.log().includes('became the leader');
/** When a replica first logged a line matching `re` (its log's own clock). */
const loggedAt = (r: RunningOperator, re: RegExp) => {
  const line = r
    .log()
    .split('\n')
    .find((l) => re.test(l));
  return line ? Date.parse(JSON.parse(line).time) : Number.NaN;
};
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

  it('stops a leader cut off by a partition before another replica takes over', async () => {
    // A replica whose connection to the API server will stall (requests accepted, never answered), made the
    // leader by stopping the others (SIGTERM: a leader hands the Lease over).
    const through = await apiServerProxy(kubeconfig, t.dir);
    proxy = through.proxy;
    const cutOff = startOperator(env, t.ns, { KUBECONFIG: through.kubeconfig, POD_NAME: 'replica-c' });
    await waitFor('replica-c to start', async () => cutOff.log().includes('operator started'));
    for (const r of replicas) await r.stop();
    replicas.push(cutOff);
    await waitFor('replica-c to lead', async () => leads(cutOff), { timeoutMs: 30_000 });
    const other = startOperator(env, t.ns, { KUBECONFIG: kubeconfig, POD_NAME: 'replica-d' });
    replicas.push(other);
    await waitFor('replica-d to start', async () => other.log().includes('operator started'));

    proxy.stall();
    await waitFor('replica-d to lead', async () => leads(other), { timeoutMs: 30_000 });
    await waitFor('replica-c to stop leading', async () => cutOff.log().includes('lost the lease'), {
      timeoutMs: 30_000,
    });
    // Its renewal never came back, and it stopped on its own deadline, not the request's: never two leaders.
    expect(loggedAt(cutOff, /lost the lease/)).toBeLessThan(loggedAt(other, /became the leader/));

    const { userId, videoId } = await videoRows(t.pool);
    await createIngestion(t.c, t.ns, ingestion('third', videoId, userId));
    await waitForPhase(t.c, t.ns, 'third', 'Succeeded');
    expect(creates(other)).toBe(STAGE_NAMES.length);
    proxy.restore();
  });
});
