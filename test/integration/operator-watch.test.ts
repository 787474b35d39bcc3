// Watches that drop: the operator's connections to the API server run through a TCP proxy the test cuts.
// While the operator is blind, an ingestion is created; once the network is back the operator re-lists,
// finds it and drives it to Succeeded, without a restart and without a duplicate Job.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STAGE_NAMES } from '../../core/dag.js';
import { waitFor } from '../support/kube.js';
import {
  createIngestion,
  ingestion,
  jobsOf,
  operatorTestNamespace,
  type RunningOperator,
  startOperator,
  videoRows,
  waitForPhase,
} from '../support/operator-harness.js';
import { apiServerProxy, type TcpProxy } from '../support/tcp-proxy.js';

const env = inject('testbed');
const t = operatorTestNamespace(env, 'op-watch');
let proxy: TcpProxy;
let operator: RunningOperator;

beforeAll(async () => {
  await t.fakeStage({});
  const through = await apiServerProxy(env.KUBECONFIG, t.dir);
  proxy = through.proxy;
  // One replica, no Lease: this test is about watches, not about leadership surviving a partition.
  operator = startOperator(env, t.ns, {
    KUBECONFIG: through.kubeconfig,
    LEADER_ELECTION: 'false',
  });
});

afterAll(async () => {
  await operator?.stop();
  await proxy?.close();
});

describe('dropped watch connections', () => {
  it('are re-established, and what happened while they were down is not lost', async () => {
    const before = await videoRows(t.pool);
    await createIngestion(t.c, t.ns, ingestion('before-cut', before.videoId, before.userId));
    await waitForPhase(t.c, t.ns, 'before-cut', 'Succeeded');

    proxy.cut();
    // Created while the operator cannot see the API server: no watch event will ever carry it.
    const during = await videoRows(t.pool);
    await createIngestion(t.c, t.ns, ingestion('during-cut', during.videoId, during.userId));
    await waitFor('the operator to notice its watches failed', async () =>
      /watch failed; re-listing/.test(operator.log()),
    );
    expect((await jobsOf(t.c, t.ns, 'during-cut')).length).toBe(0);
    proxy.restore();

    const vi = await waitForPhase(t.c, t.ns, 'during-cut', 'Succeeded');
    expect(vi.status?.stages?.every((s) => s.state === 'Succeeded')).toBe(true);
    // One Job per stage: the re-list did not make the operator create anything twice.
    const jobs = await jobsOf(t.c, t.ns, 'during-cut');
    expect(new Set(jobs.map((j) => j.metadata?.name)).size).toBe(jobs.length);
    expect(jobs).toHaveLength(STAGE_NAMES.length);
    const metrics = await (await fetch(`${await operator.metricsUrl()}/metrics`)).text();
    const restarts = [...metrics.matchAll(/^heimdex_operator_watch_restarts_total\{[^}]*\} (\d+)/gm)];
    expect(restarts.reduce((a, m) => a + Number(m[1]), 0)).toBeGreaterThan(0);
    expect(operator.child.exitCode).toBeNull();
  });
});
