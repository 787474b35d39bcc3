// The fault suite (issue 19): ingestions run through two operator replicas on the test bed's API server
// while faults are injected at random moments, one kind after another; afterwards the invariants are
// checked and each kind's recovery time is reported. The operators use a PostgreSQL and a MinIO of the
// suite's own (so stopping them disturbs nothing else) and reach the API server through a TCP proxy the
// suite can cut. A supervisor restarts a replica that exited, as a Deployment would. Stages are the fake stage
// program (fast, so hundreds of faults fit in a run) or, with `stages: 'real'`, the real pipeline on a small
// generated video with the tiny models, against the suite's own PostgreSQL and MinIO. The api-restart kind
// restarts the test bed's own kube-apiserver, which every user of the test bed shares: only a run that owns the
// test bed (the script) may inject it; the CI-sized test leaves it out (integration files run in parallel).
// `npm run faults` (scripts/fault-suite.ts) runs it at scale; test/integration/fault-suite.test.ts at CI size.
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CoordinationV1Api,
  type CoreV1Event,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import pg from 'pg';
import { parseConfig } from '../../core/config.js';
import type { VideoIngestion } from '../../core/crd/videoingestion.js';
import type { StageName } from '../../core/dag.js';
import { migrate } from '../../core/db/migrate.js';
import { NOT_INDEXED } from '../../core/ingestion/outcomes.js';
import { seededRandom } from '../../core/random.js';
import { createS3Store } from '../../core/storage/s3.js';
import { TINY_MODELS_DIR } from '../../models/manifest.js';
import { BUCKETS, S3_ACCESS_KEY, S3_SECRET_KEY, startMinio } from '../../testbed/minio.js';
import { ensureBinaries, REPO_ROOT, STATE_DIR } from '../../testbed/paths.js';
import { runPostgres, startPostgres } from '../../testbed/postgres.js';
import { type Started, stopProcess } from '../../testbed/proc.js';
import { restartTestbedApiServer, type TestbedEnv } from '../../testbed/testbed.js';
import { tempDir } from './cleanup.js';
import { type Clients, clients, createNamespace, deleteNamespace } from './kube.js';
import { cutsVideo } from './media.js';
import {
  createIngestion,
  ingestion,
  jobsOf,
  type RunningOperator,
  readFakeLog,
  setFakeStage,
  startOperator,
  TARGET,
} from './operator-harness.js';
import { overlaps } from './run-log.js';
import { apiServerProxy, type TcpProxy } from './tcp-proxy.js';

export const FAULT_KINDS = [
  'operator-kill',
  'leader-kill',
  'postgres',
  'storage',
  'api-cut',
  'api-restart',
  'job-delete',
  'job-orphan',
  'spec-edit',
  'duplicate',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const WHAT: Record<FaultKind, string> = {
  'operator-kill': 'SIGKILL of a random replica, restarted 1 s later',
  'leader-kill': 'SIGKILL of the Lease holder, restarted 1 s later',
  postgres: 'PostgreSQL stopped (fast shutdown), restarted on its port',
  storage: 'MinIO stopped, restarted on its port',
  'api-cut': 'every connection to the API server cut, new ones refused',
  'api-restart': "the test bed's kube-apiserver stopped (SIGTERM) and started again on its port, same etcd",
  'job-delete': 'a running stage Job deleted (background)',
  'job-orphan': 'a running stage Job deleted with --cascade=orphan',
  'spec-edit': 'spec.stages of a running ingestion shrunk to probe, audio, shots',
  duplicate: 'a second VideoIngestion for a running video',
};

/** What recovery means per kind: from the fault's end until… */
const RECOVERY: Record<FaultKind, string> = {
  'operator-kill': 'a replica leads and has synced its caches',
  'leader-kill': 'a replica leads and has synced its caches',
  postgres: 'the operator says postgres is back (from its first answer to the suite)',
  storage: 'the operator says storage is back (from its first answer to the suite)',
  'api-cut': 'the next stage starts',
  'api-restart': 'a replica leads and has synced its caches (from the API server ready again)',
  'job-delete': 'the stage runs again',
  'job-orphan': 'the stage runs again',
  'spec-edit': 'the removed stages are Skipped',
  duplicate: 'the duplicate is refused',
};

export interface SuiteOptions {
  /** Ingestions kept unfinished at once while faults are injected. */
  concurrent: number;
  /** Faults of each kind. */
  rounds: number;
  /** How long an outage lasts (postgres, storage, api-cut; api-restart adds it to the restart itself). */
  downMs: number;
  kinds?: readonly FaultKind[];
  seed?: number;
  say?: (line: string) => void;
  /** Ends the run early, cleaning up what it started (the script's Ctrl-C). */
  signal?: AbortSignal;
  /** The fake stage program (default) or the real pipeline on a small generated video. */
  stages?: 'fake' | 'real';
  /**
   * Where to keep what a person needs to see why, when an invariant fails or the run does: every replica run's
   * log, the stage runs' log, the faults with their times, the ingestions' last status, the Events, and the
   * stage pods' own output. Left out (the CI-sized test), nothing is kept.
   */
  keepLogsIn?: string;
}

/** One injected fault: when it ended (ms), of what kind, on what. */
export interface FaultRecord {
  n: number;
  kind: FaultKind;
  target: string;
  at: number;
  recoveredMs?: number;
}

const TINY_MODELS = { TEXT_MODEL: 'tiny-bge-m3', VISION_MODEL: 'tiny-siglip2' };

/** The real pipeline, run by test/support/logged-stage.ts, which logs each run as the fake stage does. */
const LOGGED_STAGE_COMMAND = [
  process.execPath,
  '--import',
  'tsx',
  join(REPO_ROOT, 'test/support/logged-stage.ts'),
];

export interface KindReport {
  kind: FaultKind;
  what: string;
  injected: number;
  recoveryMs: number[];
  recovery: string;
  /** api-restart: from the API server ready again until the next stage starts (the whole cluster's recovery). */
  nextStageMs?: number[];
}

export interface Invariant {
  name: string;
  held: boolean;
  detail?: string;
}

export interface SuiteReport {
  kinds: KindReport[];
  ingestions: number;
  duplicates: number;
  invariants: Invariant[];
  seconds: number;
  /** Where the logs were kept (SuiteOptions.keepLogsIn), when they were. */
  keptLogs?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let aborted: AbortSignal | undefined;

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (aborted?.aborted) throw new Error('the fault suite was stopped');
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/**
 * Runs `restart` (a dependency started again) while polling `answers` every 50 ms: resolves to the moment the
 * dependency first answered the suite. Recovery is measured from there, not from when `restart` returned (its own
 * readiness wait and setup come later, and the operator's probe could beat them: a negative recovery).
 */
async function firstAnswer<T>(restart: () => Promise<T>, answers: () => Promise<boolean>) {
  let at: number | undefined;
  let done = false;
  const probe = (async () => {
    while (at === undefined && !done) {
      const t = Date.now();
      if (await answers().catch(() => false)) at = Math.min(at ?? t, t);
      else await sleep(50);
    }
  })();
  try {
    const value = await restart();
    // Ready per its own wait: it answers now, if the probe has not seen it yet.
    while (at === undefined) {
      const t = Date.now();
      if (await answers().catch(() => false)) at = Math.min(at ?? t, t);
      else await sleep(50);
    }
    return { value, answeredAt: at };
  } finally {
    done = true;
    await probe;
  }
}

/** Log lines of an operator as JSON, with their time. */
function logLines(r: RunningOperator): { time: number; msg: string; [k: string]: unknown }[] {
  return r
    .log()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        const j = JSON.parse(l);
        return { ...j, time: Date.parse(j.time) };
      } catch {
        return undefined;
      }
    })
    .filter(Boolean);
}

export async function runFaultSuite(env: TestbedEnv, o: SuiteOptions): Promise<SuiteReport> {
  const say = o.say ?? (() => {});
  aborted = o.signal;
  const random = seededRandom(o.seed ?? 19);
  const t0 = Date.now();
  const dir = tempDir('fault-suite');
  const pgDir = join(STATE_DIR, `faults-pg-${randomUUID().slice(0, 8)}`);
  const minioDir = join(STATE_DIR, `faults-minio-${randomUUID().slice(0, 8)}`);
  const fakeLog = join(dir, 'fake.log');
  const c: Clients = clients(env.KUBECONFIG);
  const ns = await createNamespace(c, 'faults');
  const list = async () =>
    (
      (await c.custom.listNamespacedCustomObject({ ...TARGET, namespace: ns })) as {
        items: VideoIngestion[];
      }
    ).items;
  let pgServer: Started | undefined;
  let minio: Started | undefined;
  let proxy: TcpProxy | undefined;
  let pool: pg.Pool | undefined;
  const replicas: { name: string; op: RunningOperator; all: RunningOperator[] }[] = [];
  let supervising = true;
  let supervisor: Promise<void> | undefined;
  const faults: FaultRecord[] = [];
  // Events as they come: the API server drops each an hour after its last sighting (--event-ttl), and a run at
  // scale lasts longer, so its first ingestions' Events were gone by the check (the 300-fault run's v-0).
  const events = new Map<string, CoreV1Event>();
  const collectEvents = async () => {
    for (const e of (await c.core.listNamespacedEvent({ namespace: ns })).items)
      if (e.metadata?.uid) events.set(e.metadata.uid, e);
  };
  let collecting: ReturnType<typeof setInterval> | undefined;
  let outcome: SuiteReport | undefined;
  const keepWhy = () =>
    keepLogs(o.keepLogsIn!, { ns, replicas, fakeLog, faults, events: [...events.values()], list });
  try {
    const pgStarted = await startPostgres(pgDir);
    pgServer = pgStarted.process;
    const dbUrl = pgStarted.url;
    const pgPort = Number(new URL(dbUrl).port);
    await migrate(dbUrl);
    pool = new pg.Pool({ connectionString: dbUrl, max: 2 });
    pool.on('error', () => {});
    const minioBin = ensureBinaries().minio;
    const m = await startMinio(minioBin, minioDir);
    minio = m.process;
    const s3 = m.endpoint;
    const s3Port = Number(new URL(s3).port);
    const through = await apiServerProxy(env.KUBECONFIG, dir);
    proxy = through.proxy;
    const { kubeconfig } = through;

    const real = o.stages === 'real';
    // Fake: every stage needs storage (as real ones do) and takes 0.5–2.5 s.
    const behaviour: Record<string, Record<string, Record<string, unknown>>> = {
      '*': { '*': { sleepMs: 1500, storage: s3 } },
    };
    // Real: one 4 s clip with two scenes and a tone, uploaded as every video's source; the tiny models; no
    // speech, screen text or object models (each would add minutes a video on this machine and no fault).
    const clip = real ? cutsVideo(dir, 'clip', { segments: [2, 2] }).file : '';
    /** An ingestion of a made video: in real mode its source is the clip, whose size the probe checks. */
    const ingestionOf = (name: string, videoId: string, userId: string) => {
      const body = ingestion(name, videoId, userId);
      if (real) body.spec.source.sizeBytes = statSync(clip).size;
      return body;
    };
    /** The suite's own PostgreSQL and MinIO, for the operators and (real mode) the stages. */
    const services = {
      DATABASE_URL: dbUrl,
      S3_ENDPOINT: s3,
      S3_ACCESS_KEY,
      S3_SECRET_KEY,
      S3_BUCKET_UPLOADS: BUCKETS.uploads,
      S3_BUCKET_ARTIFACTS: BUCKETS.artifacts,
    };
    const store = real
      ? createS3Store(parseConfig({ S3_ENDPOINT: s3, S3_ACCESS_KEY, S3_SECRET_KEY }))
      : undefined;
    if (real) {
      await c.core.createNamespacedConfigMap({
        namespace: ns,
        body: {
          metadata: { name: 'stage-settings' },
          data: {
            ...services,
            MODELS_DIR: TINY_MODELS_DIR,
            ...TINY_MODELS,
            ASR_MODEL: 'none',
            OCR_MODEL: 'none',
            OBJECTS_MODEL: 'none',
            LOG_LEVEL: 'warn',
            STAGE_RUN_LOG: fakeLog,
          },
        },
      });
    } else await setFakeStage(c, ns, behaviour, join(dir, 'state'), fakeLog);
    const operatorEnv = (name: string) => ({
      KUBECONFIG: kubeconfig,
      ...services,
      POD_NAME: name,
      OPERATOR_BACKOFF_MAX_MS: '10000',
      ...(real
        ? {
            STAGE_COMMAND: JSON.stringify(LOGGED_STAGE_COMMAND),
            STAGE_CONFIGMAP: 'stage-settings',
            STAGE_MEMORY_LIMIT: '1Gi',
            // The models the Jobs embed with, as the chart sets them beside the stage ConfigMap's.
            ...TINY_MODELS,
          }
        : {}),
    });
    for (const name of ['replica-a', 'replica-b']) {
      const op = startOperator(env, ns, operatorEnv(name));
      replicas.push({ name, op, all: [op] });
    }
    // A Deployment's restart: a replica that exited (killed, or it lost its Lease) starts again 1 s later.
    supervisor = (async () => {
      while (supervising) {
        for (const r of replicas) {
          if (r.op.child.exitCode !== null || r.op.child.signalCode !== null) {
            await sleep(1000);
            if (!supervising) break;
            r.op = startOperator(env, ns, operatorEnv(r.name));
            r.all.push(r.op);
          }
        }
        await sleep(250);
      }
    })();

    collecting = setInterval(() => void collectEvents().catch(() => {}), 30_000);
    const made: { name: string; videoId: string; userId: string }[] = [];
    const duplicates: { name: string; of: string }[] = [];
    const edited = new Set<string>();
    let serial = 0;
    const unfinished = async () =>
      (await list()).filter(
        (v) =>
          v.status?.phase !== 'Succeeded' &&
          v.status?.phase !== 'Failed' &&
          !duplicates.some((d) => d.name === v.metadata.name),
      );
    /** Keeps `concurrent` ingestions unfinished; `more` makes at least that many new ones anyway. */
    const topUp = async (more = 0) => {
      const open = (await unfinished().catch(() => [])).length;
      for (let i = open; i < Math.max(o.concurrent, open + more); i++) {
        const userId = randomUUID();
        const videoId = randomUUID();
        await pool!.query('insert into users (user_id, auth_user_id) values ($1, $2)', [
          userId,
          `sub-${userId}`,
        ]);
        await pool!.query(
          `insert into videos (video_id, user_id, storage_key, state) values ($1, $2, $3, 'validating')`,
          [videoId, userId, `uploads/${userId}/${videoId}/source`],
        );
        const name = `v-${serial++}`;
        if (store)
          await store.upload(BUCKETS.uploads, `uploads/${userId}/${videoId}/source`, clip, 'video/mp4');
        else {
          behaviour[videoId] = { '*': { sleepMs: 500 + Math.floor(random() * 2000), storage: s3 } };
          await setFakeStage(c, ns, behaviour, join(dir, 'state'), fakeLog);
        }
        await createIngestion(c, ns, ingestionOf(name, videoId, userId));
        made.push({ name, videoId, userId });
      }
    };
    // Creating goes through the test's own (uncut) connection, but the database may be away.
    const topUpSafely = (more = 0) =>
      topUp(more).catch((err) => say(`  (top-up deferred: ${String(err).slice(0, 80)})`));

    const indexed = (v: VideoIngestion) =>
      v.status?.stages?.some((s) => s.name === 'index' && s.state === 'Succeeded') ?? false;
    /** Unfinished ingestions that `fit`; more are made while there are none. */
    const someUnfinished = (fit: (v: VideoIngestion) => boolean) =>
      until(
        'an unfinished ingestion to inject into',
        async () => {
          const open = (await unfinished()).filter(fit);
          if (open.length === 0) await topUpSafely(1);
          return open.length > 0 ? open : undefined;
        },
        60_000,
      );
    const coordination = c.kc.makeApiClient(CoordinationV1Api);
    const leaderOf = async () => {
      const lease = await coordination.readNamespacedLease({ namespace: ns, name: 'heimdex-operator' });
      return replicas.find((r) => r.name === lease.spec?.holderIdentity);
    };
    /** First log line matching `re` in any replica's run, at or after `since`. */
    const firstLog = (re: RegExp, since: number) => {
      let best: number | undefined;
      for (const r of replicas)
        for (const op of r.all)
          for (const l of logLines(op))
            if (l.time >= since && re.test(l.msg) && (best === undefined || l.time < best)) best = l.time;
      return best;
    };
    const firstStart = (
      since: number,
      match: (l: { videoId: string; stage: string }) => boolean = () => true,
    ) => readFakeLog(fakeLog).find((l) => l.event === 'start' && l.at >= since && match(l))?.at;
    const runningJobs = async () =>
      (await jobsOf(c, ns)).filter(
        (j) =>
          (j.status?.active ?? 0) > 0 &&
          !j.metadata?.deletionTimestamp &&
          !j.status?.conditions?.some((x) => x.status === 'True'),
      );

    await until('a leader', async () => (firstLog(/caches synced/, t0) ? true : undefined), 60_000);
    await topUp();

    const kinds = o.kinds ?? FAULT_KINDS;
    const reports = new Map<FaultKind, KindReport>(
      kinds.map((k) => [k, { kind: k, what: WHAT[k], injected: 0, recoveryMs: [], recovery: RECOVERY[k] }]),
    );
    const schedule = kinds.flatMap((k) => Array.from({ length: o.rounds }, () => k));
    for (let i = schedule.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [schedule[i], schedule[j]] = [schedule[j]!, schedule[i]!];
    }

    for (const [n, kind] of schedule.entries()) {
      if (o.signal?.aborted) throw new Error('the fault suite was stopped');
      await topUpSafely();
      await sleep(1000 + random() * 3000);
      const report = reports.get(kind)!;
      let recovered: number | undefined;
      let ended = Date.now();
      let target = '';
      switch (kind) {
        case 'operator-kill':
        case 'leader-kill': {
          const victim =
            kind === 'leader-kill' ? await leaderOf() : replicas[Math.floor(random() * replicas.length)];
          if (!victim) continue;
          target = victim.name;
          ended = Date.now();
          await victim.op.stop('SIGKILL');
          // A replica that leads again has synced; with a follower killed the leader never stopped.
          recovered =
            kind === 'leader-kill' || (await leaderOf().catch(() => undefined)) === victim
              ? await until('a leader after the kill', async () => firstLog(/caches synced/, ended), 90_000)
              : ended;
          break;
        }
        case 'postgres': {
          await stopProcess(pgServer!, 10_000, 'SIGINT');
          await sleep(o.downMs);
          const back = await firstAnswer(
            () => runPostgres(pgDir, pgPort),
            async () => {
              const client = new pg.Client({ connectionString: dbUrl, connectionTimeoutMillis: 1000 });
              client.on('error', () => {});
              try {
                await client.connect();
                await client.query('select 1');
                return true;
              } finally {
                await client.end().catch(() => {});
              }
            },
          );
          pgServer = back.value;
          ended = back.answeredAt;
          recovered = await until(
            'postgres is back',
            async () => firstLog(/postgres is back/, ended - o.downMs),
            90_000,
          );
          break;
        }
        case 'storage': {
          await stopProcess(minio!, 10_000);
          await sleep(o.downMs);
          const back = await firstAnswer(
            () => startMinio(minioBin, minioDir, { port: s3Port }),
            async () => (await fetch(`${s3}/minio/health/ready`, { signal: AbortSignal.timeout(1000) })).ok,
          );
          minio = back.value.process;
          ended = back.answeredAt;
          recovered = await until(
            'storage is back',
            async () => firstLog(/storage is back/, ended - o.downMs),
            90_000,
          );
          break;
        }
        case 'api-cut': {
          proxy.cut();
          await sleep(o.downMs);
          proxy.restore();
          ended = Date.now();
          await topUpSafely();
          recovered = await until('a stage to start after the cut', async () => firstStart(ended), 120_000);
          break;
        }
        case 'api-restart': {
          // The real thing: the operators, the node agent, the controller-manager and the scheduler all lose
          // the API server and its watches, and must find their way back on their own.
          const r = await restartTestbedApiServer({ downMs: o.downMs });
          ended = r.readyAt;
          // The leader cannot renew its Lease meanwhile (4 s in the suite): it exits, and a replica leads again.
          recovered = await until(
            'a leader after the restart',
            async () => firstLog(/caches synced/, r.stoppedAt),
            120_000,
          );
          await topUpSafely();
          // The Job controller retries a Job whose sync failed with a growing pause (up to 60 s).
          const next = await until(
            'a stage to start after the restart',
            async () => firstStart(ended),
            180_000,
          );
          report.nextStageMs = [...(report.nextStageMs ?? []), next - ended];
          target = `away ${((r.readyAt - r.stoppedAt) / 1000).toFixed(1)} s after it stopped; the next stage started ${((next - ended) / 1000).toFixed(1)} s after it was ready`;
          break;
        }
        case 'job-delete':
        case 'job-orphan': {
          const jobs = await until(
            'a running stage Job',
            async () => {
              const js = await runningJobs();
              if (js.length === 0) await topUpSafely();
              return js.length > 0 ? js : undefined;
            },
            60_000,
          );
          const job = jobs[Math.floor(random() * jobs.length)]!;
          const videoId = made.find(
            (m) => m.name === job.metadata?.labels?.['heimdex.io/ingestion'],
          )?.videoId;
          const stage = job.metadata?.labels?.['heimdex.io/stage'];
          target = `${job.metadata?.labels?.['heimdex.io/ingestion']}/${stage}`;
          ended = Date.now();
          await c.batch
            .deleteNamespacedJob({
              namespace: ns,
              name: job.metadata!.name!,
              propagationPolicy: kind === 'job-orphan' ? 'Orphan' : 'Background',
            })
            .catch(() => {});
          // The stage runs again, or (its pod had already succeeded) its success is taken as it is.
          const owner = job.metadata?.labels?.['heimdex.io/ingestion'];
          recovered = await until(
            'the stage to run again or be done',
            async () =>
              firstStart(ended, (l) => l.videoId === videoId && l.stage === stage) ??
              ((await list())
                .find((v) => v.metadata.name === owner)
                ?.status?.stages?.some((s) => s.name === stage && s.state === 'Succeeded')
                ? Date.now()
                : undefined),
            120_000,
          ).catch(() => undefined);
          break;
        }
        case 'spec-edit': {
          const open = await someUnfinished((v) => !edited.has(v.metadata.name!) && !indexed(v));
          const target = open[Math.floor(random() * open.length)]!;
          const stages: StageName[] = ['probe', 'audio', 'shots'];
          ended = Date.now();
          await c.custom.patchNamespacedCustomObject(
            { ...TARGET, namespace: ns, name: target.metadata.name!, body: { spec: { stages } } },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          );
          edited.add(target.metadata.name!);
          recovered = await until(
            'the removed stages to be skipped',
            async () => {
              const vi = (await list()).find((v) => v.metadata.name === target.metadata.name);
              return vi?.status?.stages?.every(
                (s) => stages.includes(s.name) || s.state === 'Skipped' || s.state === 'Succeeded',
              ) && vi.status.observedGeneration === vi.metadata.generation
                ? Date.now()
                : undefined;
            },
            60_000,
          );
          break;
        }
        case 'duplicate': {
          const open = await someUnfinished((v) => made.some((m) => m.name === v.metadata.name));
          const target = open[Math.floor(random() * open.length)]!;
          const owner = made.find((m) => m.name === target.metadata.name)!;
          const name = `dup-${duplicates.length}`;
          ended = Date.now();
          await createIngestion(c, ns, ingestionOf(name, owner.videoId, owner.userId));
          duplicates.push({ name, of: owner.name });
          recovered = await until(
            'the duplicate to be refused',
            async () =>
              (await list()).find((v) => v.metadata.name === name)?.status?.phase === 'Failed'
                ? Date.now()
                : undefined,
            60_000,
          );
          break;
        }
      }
      report.injected++;
      faults.push({
        n: n + 1,
        kind,
        target,
        at: ended,
        ...(recovered !== undefined ? { recoveredMs: Math.max(0, recovered - ended) } : {}),
      });
      // A dependency the operator's probe reached within the suite's 50 ms polling counts as back at once.
      const took = recovered !== undefined ? Math.max(0, recovered - ended) : undefined;
      if (took !== undefined) report.recoveryMs.push(took);
      say(
        `fault ${n + 1}/${schedule.length}: ${kind}${target ? ` (${target})` : ''}${took !== undefined ? `, recovered in ${(took / 1000).toFixed(1)} s` : ''}`,
      );
    }

    say('faults done; waiting for every ingestion to end');
    await until(
      'every ingestion to end',
      async () => ((await unfinished()).length === 0 ? true : undefined),
      Math.max(300_000, made.length * (real ? 90_000 : 30_000)),
    ).catch(async (err) => {
      // Which ones, and where each stands: what a person needs to see why.
      const open = await unfinished().catch(() => []);
      const where = open.map(
        (v) =>
          `${v.metadata.name} ${v.status?.phase}: ${(v.status?.stages ?? []).map((s) => `${s.name}=${s.state}`).join(' ')} (${v.status?.message ?? ''})`,
      );
      throw new Error(`${(err as Error).message}; unfinished:\n${where.join('\n')}`);
    });
    supervising = false;
    await supervisor;
    await collectEvents();
    const invariants = await checkInvariants({
      c,
      ns,
      pool,
      fakeLog,
      made,
      duplicates,
      edited,
      list,
      events: [...events.values()],
      faults,
    });
    outcome = {
      kinds: [...reports.values()],
      ingestions: made.length,
      duplicates: duplicates.length,
      invariants,
      seconds: Math.round((Date.now() - t0) / 1000),
    };
    if (o.keepLogsIn && invariants.some((i) => !i.held)) {
      outcome.keptLogs = await keepWhy();
      say(`an invariant failed: logs kept in ${outcome.keptLogs}`);
    }
    return outcome;
  } catch (err) {
    // What a person needs to see why: each replica's last words, and where the unfinished ingestions stand.
    for (const r of replicas) {
      const alive = r.op.child.exitCode === null && r.op.child.signalCode === null;
      say(`${r.name} (${alive ? 'running' : 'exited'}, started ${r.all.length} times), its last log lines:`);
      for (const l of logLines(r.op).slice(-15)) {
        const why = (l.err as { message?: string } | undefined)?.message;
        say(`  ${new Date(l.time).toISOString()} ${l.msg}${why ? `: ${why.slice(0, 200)}` : ''}`);
      }
    }
    const open = await list().catch(() => []);
    for (const v of open.filter((x) => x.status?.phase !== 'Succeeded' && x.status?.phase !== 'Failed'))
      say(
        `${v.metadata.name} ${v.status?.phase}: ${(v.status?.stages ?? []).map((s) => `${s.name}=${s.state}`).join(' ')}`,
      );
    if (o.keepLogsIn && !outcome) {
      await collectEvents().catch(() => {});
      const kept = await keepWhy().catch((e) => `(could not keep the logs: ${e})`);
      say(`the run failed: logs kept in ${kept}`);
    }
    throw err;
  } finally {
    if (collecting) clearInterval(collecting);
    supervising = false;
    await supervisor?.catch(() => {});
    for (const r of replicas) await r.op.stop().catch(() => {});
    // With the operators gone nobody removes the cleanup finalizer: take it off, or the namespace never goes.
    await list()
      .then((all) =>
        Promise.all(
          all.map((v) =>
            c.custom.patchNamespacedCustomObject(
              { ...TARGET, namespace: ns, name: v.metadata.name!, body: { metadata: { finalizers: null } } },
              setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
            ),
          ),
        ),
      )
      .catch(() => {});
    await pool?.end().catch(() => {});
    await proxy?.close().catch(() => {});
    if (pgServer) await stopProcess(pgServer, 10_000, 'SIGINT');
    if (minio) await stopProcess(minio, 10_000);
    await deleteNamespace(c, ns).catch(() => {});
    rmSync(pgDir, { recursive: true, force: true });
    rmSync(minioDir, { recursive: true, force: true });
  }
}

/** Copies what a person needs to see why into a new directory under `root`; returns it. */
async function keepLogs(
  root: string,
  x: {
    ns: string;
    replicas: readonly { name: string; all: readonly RunningOperator[] }[];
    fakeLog: string;
    faults: readonly FaultRecord[];
    events: readonly CoreV1Event[];
    list: () => Promise<VideoIngestion[]>;
  },
): Promise<string> {
  const dir = join(root, `faults-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  for (const r of x.replicas)
    for (const [i, op] of r.all.entries())
      if (existsSync(op.logFile)) cpSync(op.logFile, join(dir, `${r.name}.${i + 1}.log`));
  if (existsSync(x.fakeLog)) cpSync(x.fakeLog, join(dir, 'stage-runs.jsonl'));
  writeFileSync(
    join(dir, 'faults.jsonl'),
    x.faults.map((f) => `${JSON.stringify({ ...f, atIso: new Date(f.at).toISOString() })}\n`).join(''),
  );
  writeFileSync(join(dir, 'events.json'), JSON.stringify(x.events, null, 1));
  writeFileSync(join(dir, 'ingestions.json'), JSON.stringify(await x.list().catch(() => []), null, 1));
  // The test node agent keeps each pod's output under the test bed's state directory, by namespace.
  const pods = join(STATE_DIR, 'pods');
  if (existsSync(pods))
    for (const d of readdirSync(pods).filter((d) => d.startsWith(`${x.ns}_`)))
      cpSync(join(pods, d), join(dir, 'pods', d), { recursive: true });
  const agentLog = join(STATE_DIR, 'run', 'node-agent.log');
  if (existsSync(agentLog)) cpSync(agentLog, join(dir, 'node-agent.log'));
  return dir;
}

async function checkInvariants(x: {
  c: Clients;
  ns: string;
  pool: pg.Pool;
  fakeLog: string;
  made: { name: string; videoId: string }[];
  duplicates: { name: string; of: string }[];
  edited: ReadonlySet<string>;
  list: () => Promise<VideoIngestion[]>;
  events: readonly CoreV1Event[];
  faults: readonly FaultRecord[];
}): Promise<Invariant[]> {
  const out: Invariant[] = [];
  const check = (name: string, problems: string[]) =>
    out.push({
      name,
      held: problems.length === 0,
      ...(problems.length
        ? {
            detail: `${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`,
          }
        : {}),
    });
  const all = await x.list();
  const byName = new Map(all.map((v) => [v.metadata.name!, v]));
  const log = readFakeLog(x.fakeLog);

  check(
    'every ingestion final and correct',
    x.made.flatMap((m) => {
      const vi = byName.get(m.name);
      if (vi?.status?.phase !== 'Succeeded')
        return [`${m.name}: ${vi?.status?.phase} ${vi?.status?.message ?? ''}`];
      if (vi.status.errorCategory) return [`${m.name}: category ${vi.status.errorCategory} on success`];
      return [];
    }),
  );
  check(
    'duplicates refused as BadInput (Duplicate)',
    x.duplicates.flatMap((d) => {
      const vi = byName.get(d.name);
      const failed = vi?.status?.conditions?.find((c) => c.type === 'Failed');
      return vi?.status?.phase === 'Failed' &&
        vi.status.errorCategory === 'BadInput' &&
        failed?.reason === 'Duplicate'
        ? []
        : [`${d.name}: ${vi?.status?.phase} ${failed?.reason}`];
    }),
  );
  check(
    'exactly one successful run per (video, stage)',
    x.made.flatMap((m) => {
      const vi = byName.get(m.name);
      const problems: string[] = [];
      for (const s of vi?.status?.stages ?? []) {
        const ok = log.filter(
          (l) => l.videoId === m.videoId && l.stage === s.name && l.event === 'end' && l.exit === 0,
        );
        const want = s.state === 'Succeeded' ? 1 : 0;
        if (ok.length !== want && !(s.state === 'Skipped' && ok.length <= 1))
          problems.push(`${m.name}/${s.name}: ${ok.length} successful runs, state ${s.state}`);
      }
      return problems;
    }),
  );
  // With the fault just before each, the first thing a person asks.
  const lastFaultBefore = (at: number) => {
    const f = x.faults.filter((f) => f.at <= at).at(-1);
    return f
      ? ` (${((at - f.at) / 1000).toFixed(1)} s after fault ${f.n}, ${f.kind}${f.target ? ` ${f.target}` : ''})`
      : '';
  };
  const names = new Map(x.made.map((m) => [m.videoId, m.name]));
  check(
    'never two runs of one stage at once',
    overlaps(log.filter((l) => names.has(l.videoId))).map(
      (o) =>
        `${names.get(o.videoId)}/${o.stage}: ${o.why} at ${new Date(o.at).toISOString()}${lastFaultBefore(o.at)}`,
    ),
  );
  const rowProblems: string[] = [];
  for (const m of x.made) {
    const vi = byName.get(m.name);
    const v = (await x.pool.query('select state, error_text from videos where video_id = $1', [m.videoId]))
      .rows[0];
    const indexed = vi?.status?.stages?.some((s) => s.name === 'index' && s.state === 'Succeeded');
    const want = indexed ? 'indexed' : 'failed';
    if (v?.state !== want) rowProblems.push(`${m.name}: video ${v?.state}, expected ${want}`);
    if (!indexed && v?.error_text !== NOT_INDEXED) rowProblems.push(`${m.name}: error_text ${v?.error_text}`);
    if (!indexed && !x.edited.has(m.name)) rowProblems.push(`${m.name}: not indexed, never edited`);
    const jobs = await x.pool.query<{ stage: string; state: string }>(
      'select stage, state from jobs where video_id = $1',
      [m.videoId],
    );
    const rows = new Map(jobs.rows.map((r) => [r.stage, r.state]));
    for (const s of vi?.status?.stages ?? [])
      if (rows.get(s.name) !== s.state.toLowerCase())
        rowProblems.push(`${m.name}/${s.name}: row ${rows.get(s.name)}, status ${s.state}`);
  }
  check('rows agree with status', rowProblems);
  const events = x.events;
  check(
    'Events present, none twice',
    x.made.flatMap((m) => {
      const mine = events.filter((e) => e.involvedObject.name === m.name);
      const problems: string[] = [];
      for (const s of byName.get(m.name)?.status?.stages ?? []) {
        if (s.state !== 'Succeeded') continue;
        const succeeded = mine.filter(
          (e) => e.reason === 'StageSucceeded' && e.message === `stage ${s.name} succeeded`,
        );
        const started = mine.filter(
          (e) => e.reason === 'StageStarted' && e.message?.startsWith(`stage ${s.name} `),
        );
        if (succeeded.length !== 1) problems.push(`${m.name}/${s.name}: ${succeeded.length} StageSucceeded`);
        if (started.length < 1) problems.push(`${m.name}/${s.name}: no StageStarted`);
      }
      if (mine.filter((e) => e.reason === 'Succeeded').length !== 1)
        problems.push(`${m.name}: no single Succeeded`);
      if (mine.some((e) => (e.count ?? 1) > 1)) problems.push(`${m.name}: an Event counted twice`);
      return problems;
    }),
  );
  const pods = (await x.c.core.listNamespacedPod({ namespace: x.ns })).items.filter(
    (p) => p.status?.phase === 'Running' || p.status?.phase === 'Pending',
  );
  const active = (await jobsOf(x.c, x.ns)).filter((j) => (j.status?.active ?? 0) > 0);
  check('nothing left running', [
    ...pods.map((p) => `pod ${p.metadata?.name} ${p.status?.phase}`),
    ...active.map((j) => `job ${j.metadata?.name} active`),
  ]);
  return out;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : undefined;
};
const sec = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);

/** The report as Markdown tables (docs/reliability.md takes them as printed). */
export function formatReport(r: SuiteReport): string {
  const lines = [
    `${r.ingestions} ingestions (+${r.duplicates} duplicates) through two operator replicas, ${r.kinds.reduce((n, k) => n + k.injected, 0)} faults, ${r.seconds} s`,
    '',
    '| fault | injected | recovery p50 | recovery max | recovery is the time until |',
    '| --- | --- | --- | --- | --- |',
    ...r.kinds.map(
      (k) =>
        `| ${k.kind}: ${k.what} | ${k.injected} | ${sec(pct(k.recoveryMs, 50))} | ${sec(k.recoveryMs.length ? Math.max(...k.recoveryMs) : undefined)} | ${k.recovery} |`,
    ),
    '',
    ...r.kinds
      .filter((k) => k.nextStageMs?.length)
      .map(
        (k) =>
          `${k.kind}: the next stage started ${sec(pct(k.nextStageMs!, 50))} (p50), ${sec(Math.max(...k.nextStageMs!))} (max) after the API server was ready again`,
      ),
    '',
    '| invariant | held |',
    '| --- | --- |',
    ...r.invariants.map((i) => `| ${i.name} | ${i.held ? 'yes' : `NO: ${i.detail}`} |`),
  ];
  return lines.join('\n');
}
