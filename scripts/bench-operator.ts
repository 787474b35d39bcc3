// Benchmark of the operator (not a test): N ingestions created at once with instant stages (/bin/true)
// against the running test bed. Prints throughput, time from resource creation to its first Job
// (p50/p99), Kubernetes API requests per ingestion (from the operator's own counter) and the operator's
// peak memory. Usage: tsx scripts/bench-operator.ts [N=1000] [stages=all|probe,audio,...]
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type V1Job, Watch } from '@kubernetes/client-node';
import pg from 'pg';
import { STAGE_NAMES, type StageName } from '../core/dag.js';
import { clients, createNamespace, deleteNamespace, waitFor } from '../test/support/kube.js';
import { ingestion, TARGET } from '../test/support/operator-harness.js';
import { isUp, readState } from '../testbed/testbed.js';

const ROOT = resolve(import.meta.dirname, '..');
const N = Number(process.argv[2] ?? 1000);
const stages = (
  process.argv[3] && process.argv[3] !== 'all' ? process.argv[3].split(',') : STAGE_NAMES
) as StageName[];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

async function main() {
  const state = readState();
  if (!isUp(state)) throw new Error('the test bed is not up: npm run testbed -- up');
  const env = state.env;
  const c = clients(env.KUBECONFIG);
  const ns = await createNamespace(c, 'bench-operator');
  const port = await new Promise<number>((res) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => res(p));
    });
  });
  const logFile = join(tmpdir(), `bench-operator-${Date.now()}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'operator/main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...env,
      HEIMDEX_NAMESPACE: ns,
      PIPELINE_IMAGE: 'heimdex/bench-stage:dev',
      STAGE_COMMAND: JSON.stringify(['/bin/true']),
      STAGE_CPU_REQUEST: '1m',
      STAGE_MEMORY_REQUEST: '1Mi',
      MAX_GPU_JOBS: '100',
      MAX_CPU_JOBS: '200',
      OPERATOR_CONCURRENCY: '16',
      METRICS_PORT: String(port),
      METRICS_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LEADER_ELECTION: 'false',
    },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const created = new Map<string, number>();
  const firstJob = new Map<string, number>();
  const watch = await new Watch(c.kc).watch(
    `/apis/batch/v1/namespaces/${ns}/jobs`,
    {},
    (type: string, job: V1Job) => {
      const owner = job.metadata?.labels?.['heimdex.io/ingestion'];
      if (type === 'ADDED' && owner && !firstJob.has(owner)) firstJob.set(owner, performance.now());
    },
    () => {},
  );
  let peakRss = 0;
  const sampler = setInterval(() => {
    try {
      const m = readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
      if (m) peakRss = Math.max(peakRss, Number(m[1]) * 1024);
    } catch {}
  }, 500);
  try {
    // Measure the operator, not its start-up: wait until its caches are synced.
    await waitFor(
      'the operator to be ready',
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok ?? false,
      {
        timeoutMs: 60_000,
      },
    );
    const user = [randomUUID(), randomUUID()];
    const names = Array.from({ length: N }, (_, i) => `b-${i}`);
    // Each ingestion names a video row, as the API's do: one without a row is refused at once (VideoMissing).
    const videoIds = names.map(() => randomUUID());
    const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 1 });
    try {
      for (const u of user)
        await pool.query('insert into users (user_id, auth_user_id) values ($1, $2)', [u, `bench-${u}`]);
      await pool.query(
        `insert into videos (video_id, user_id, storage_key, state)
         select v, u, 'uploads/' || u || '/' || v || '/source', 'validating'
           from unnest($1::uuid[], $2::uuid[]) as t(v, u)`,
        [videoIds, videoIds.map((_, i) => user[(i + 1) % 2])],
      );
    } finally {
      await pool.end();
    }
    const started = performance.now();
    // Creating is part of the load: 16 in flight at a time, as an API under load would.
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < names.length) {
          const i = next++;
          const name = names[i]!;
          created.set(name, performance.now());
          await c.custom.createNamespacedCustomObject({
            ...TARGET,
            namespace: ns,
            body: ingestion(name, videoIds[i]!, user[(i + 1) % 2]!, stages),
          });
        }
      }),
    );
    let succeeded = 0;
    await waitFor(
      `${N} ingestions to succeed`,
      async () => {
        const list = (await c.custom.listNamespacedCustomObject({ ...TARGET, namespace: ns })) as {
          items: { status?: { phase?: string } }[];
        };
        succeeded = list.items.filter((i) => i.status?.phase === 'Succeeded').length;
        const failed = list.items.filter((i) => i.status?.phase === 'Failed').length;
        if (failed > 0) throw new Error(`${failed} ingestions failed`);
        return succeeded === N;
      },
      { timeoutMs: 3_600_000, intervalMs: 2000 },
    );
    const seconds = (performance.now() - started) / 1000;
    const latencies = names.filter((n) => firstJob.has(n)).map((n) => firstJob.get(n)! - created.get(n)!);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    let requests = 0;
    for (const m of metrics.matchAll(/^heimdex_operator_api_requests_total\{[^}]*\} (\d+)/gm))
      requests += Number(m[1]);
    const reconciles = Number(
      metrics.match(/^heimdex_operator_reconciles_total\{result="ok"\} (\d+)/m)?.[1] ?? 0,
    );
    console.log(`ingestions:                 ${N} (${stages.length} stages each, ${N * stages.length} Jobs)`);
    console.log(`wall time:                  ${seconds.toFixed(1)} s`);
    console.log(
      `throughput:                 ${(N / seconds).toFixed(2)} ingestions/s, ${((N * stages.length) / seconds).toFixed(1)} Jobs/s`,
    );
    console.log(
      `creation → first Job:       p50 ${pct(latencies, 50).toFixed(0)} ms, p99 ${pct(latencies, 99).toFixed(0)} ms`,
    );
    console.log(`API requests per ingestion: ${(requests / N).toFixed(1)} (watches excluded)`);
    console.log(`reconciles per ingestion:   ${(reconciles / N).toFixed(1)}`);
    console.log(`operator peak memory (RSS): ${(peakRss / 1024 / 1024).toFixed(0)} MiB`);
  } finally {
    clearInterval(sampler);
    watch.abort();
    child.kill('SIGTERM');
    await deleteNamespace(c, ns);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
