// Watches that drop: the operator's connections to the API server run through a TCP proxy the test cuts.
// While the operator is blind, an ingestion is created; once the network is back the operator re-lists,
// finds it and drives it to Succeeded, without a restart and without a duplicate Job.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
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
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const env = inject('testbed');
const t = operatorTestNamespace(env, 'op-watch');
let proxy: TcpProxy;
let operator: RunningOperator;

/** The test bed's kubeconfig with the API server's address replaced by the proxy's. */
function kubeconfigThrough(port: number): string {
  const kc = parse(readFileSync(env.KUBECONFIG, 'utf8'));
  for (const cl of kc.clusters) {
    const url = new URL(cl.cluster.server);
    url.host = `127.0.0.1:${port}`;
    cl.cluster.server = url.toString().replace(/\/$/, '');
  }
  const file = join(t.dir, 'kubeconfig');
  writeFileSync(file, stringify(kc));
  return file;
}

beforeAll(async () => {
  await t.fakeStage({});
  const server = new URL(parse(readFileSync(env.KUBECONFIG, 'utf8')).clusters[0].cluster.server);
  proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port) });
  // One replica, no Lease: this test is about watches, not about leadership surviving a partition.
  operator = startOperator(env, t.ns, {
    KUBECONFIG: kubeconfigThrough(proxy.port),
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
