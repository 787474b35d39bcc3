// Prometheus metrics of the operator, in their own registry (so tests can make several operators).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  return {
    registry,
    reconciles: new Counter({
      name: 'heimdex_operator_reconciles_total',
      help: 'reconciles run, by result (ok or error)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    reconcileErrors: new Counter({
      name: 'heimdex_operator_reconcile_errors_total',
      help: 'failed reconciles by error category',
      labelNames: ['category'] as const,
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: 'heimdex_operator_reconcile_duration_seconds',
      help: 'time one reconcile takes',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'heimdex_operator_queue_depth',
      help: 'keys waiting in the work queue',
      registers: [registry],
    }),
    activeJobs: new Gauge({
      name: 'heimdex_operator_active_jobs',
      help: 'unfinished stage Jobs by kind of resource (gpu or cpu)',
      labelNames: ['resource'] as const,
      registers: [registry],
    }),
    waitingStages: new Gauge({
      name: 'heimdex_operator_waiting_stages',
      help: 'ready stages held back by admission control',
      registers: [registry],
    }),
    stageDuration: new Histogram({
      name: 'heimdex_operator_stage_duration_seconds',
      help: 'time from a stage Job start to its end, by stage and outcome',
      labelNames: ['stage', 'outcome'] as const,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers: [registry],
    }),
    apiRequests: new Counter({
      name: 'heimdex_operator_api_requests_total',
      help: 'requests the operator made to the Kubernetes API (watches excluded), by verb and resource',
      labelNames: ['verb', 'resource'] as const,
      registers: [registry],
    }),
    watchRestarts: new Counter({
      name: 'heimdex_operator_watch_restarts_total',
      help: 'watches re-established after an error',
      labelNames: ['resource'] as const,
      registers: [registry],
    }),
    waitingFor: new Gauge({
      name: 'heimdex_operator_waiting_for',
      help: '1 while the operator waits for an unreachable dependency (postgres, storage)',
      labelNames: ['dependency'] as const,
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'heimdex_operator_leader',
      help: '1 while this replica is the leader',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
