// `npm run operator`: the VideoIngestion operator against KUBECONFIG (or in-cluster), with leader
// election, /healthz, /readyz and /metrics, and a graceful shutdown on SIGTERM/SIGINT.
import { hostname } from 'node:os';
import pg from 'pg';
import { IngestionRows } from '../core/ingestion/rows.js';
import { createLogger } from '../core/log.js';
import { startServer } from '../core/probe-server.js';
import { createS3Store } from '../core/storage/s3.js';
import { loadConfig, stageSettingsProblem } from './config.js';
import { Controller } from './controller.js';
import { boundedKubeConfig } from './kube-config.js';
import { LeaderElector } from './leader.js';
import { createMetrics } from './metrics.js';

async function main(): Promise<void> {
  const log = createLogger('operator');
  const { config, operator } = loadConfig();
  const kc = boundedKubeConfig((k) => {
    if (config.KUBECONFIG) k.loadFromFile(config.KUBECONFIG);
    else k.loadFromCluster();
  }, operator.KUBE_REQUEST_TIMEOUT_SECONDS * 1000);
  const identity = operator.POD_NAME ?? `${hostname()}-${process.pid}`;
  const metrics = createMetrics();
  const pool = config.DATABASE_URL
    ? new pg.Pool({ connectionString: config.DATABASE_URL, max: 4 })
    : undefined;
  if (!pool) log.warn('DATABASE_URL is unset: videos and jobs rows are not kept');
  // An idle pooled connection that drops (PostgreSQL restarted, the network cut) emits 'error' on the pool;
  // unhandled, that ended the process. It is an outage to wait out: the controller probes until it is back.
  pool?.on('error', (err) => controller.dependencyDown('postgres', err));
  const store = config.S3_ENDPOINT ? createS3Store(config) : undefined;
  if (!store) log.warn('S3_ENDPOINT is unset: cleanup does not remove stored objects');
  const stageProblem = stageSettingsProblem(operator);
  if (stageProblem) log.warn(stageProblem);
  const controller = new Controller({
    kc,
    namespace: config.HEIMDEX_NAMESPACE,
    config: operator,
    builder: { ...operator, maxVideoSeconds: config.MAX_VIDEO_SECONDS },
    buckets: { uploads: config.S3_BUCKET_UPLOADS, artifacts: config.S3_BUCKET_ARTIFACTS },
    ...(pool ? { rows: new IngestionRows(pool) } : {}),
    ...(store ? { store } : {}),
    failedSources: config.FAILED_SOURCES,
    rerunWindowSeconds: config.STAGE_RERUN_WINDOW_SECONDS,
    metrics,
    log,
    identity,
  });
  const elector = operator.LEADER_ELECTION
    ? new LeaderElector(
        kc,
        {
          namespace: config.HEIMDEX_NAMESPACE,
          name: operator.LEADER_LEASE_NAME,
          identity,
          leaseSeconds: operator.LEADER_LEASE_SECONDS,
          renewSeconds: operator.LEADER_RENEW_SECONDS,
          onRequest: (verb) => metrics.apiRequests.inc({ verb, resource: 'leases' }),
        },
        log,
      )
    : undefined;
  let leading = false;
  const server = await startServer(operator.METRICS_HOST, operator.METRICS_PORT, metrics.registry, {
    healthy: () => controller.healthy,
    ready: () => (leading ? controller.ready : true),
  });
  log.info({ identity, namespace: config.HEIMDEX_NAMESPACE, address: server.address() }, 'operator started');

  const lead = () => {
    leading = true;
    metrics.leader.set(1);
    controller.start().catch((err) => {
      log.fatal({ err: String(err) }, 'could not start the controller');
      process.exit(1);
    });
  };
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down');
    const force = setTimeout(() => process.exit(code), 20_000);
    force.unref();
    await controller.stop().catch(() => {});
    await elector?.stop();
    await pool?.end().catch(() => {});
    server.close();
    process.exit(code);
  };
  if (elector) {
    // Losing the lease means another replica may act now: stop at once and let a restart rejoin cleanly.
    elector.run(lead, () => void shutdown(1));
  } else lead();
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
}

main().catch((err) => {
  // Configuration errors name the variable; print them plainly rather than as a stack.
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
