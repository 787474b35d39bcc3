// The outer reconcile: watches (informers) feed a keyed work queue; each reconcile reads the ingestion and
// its Jobs from the caches, asks plan() what to do and applies it (Jobs, finalizer, status, rows, Events)
// through kube-writes.ts.
import {
  type KubeConfig,
  type KubernetesObject,
  makeInformer,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import {
  GROUP,
  PLURAL,
  VERSION,
  type VideoIngestion,
  type VideoIngestionStatus,
} from '../core/crd/videoingestion.js';
import type { StageName } from '../core/dag.js';
import { stage as stageOf } from '../core/dag.js';
import { cleanupIngestion, type FailedSources, releaseFailedSource } from '../core/ingestion/cleanup.js';
import { FINALIZER } from '../core/ingestion/names.js';
import type { StageObservation } from '../core/ingestion/observation.js';
import { isRefusedDuplicate, type Observed, type Plan, plan, type Stray } from '../core/ingestion/plan.js';
import { wantedModels } from '../core/ingestion/reembed.js';
import type { IngestionRows } from '../core/ingestion/rows.js';
import type { Logger } from '../core/log.js';
import type { ObjectStore } from '../core/storage/store.js';
import { Admission } from './admission.js';
import type { OperatorConfig } from './config.js';
import {
  type Dependency,
  DependencyUnavailable,
  DependencyWaits,
  guarded,
  isUnreachable,
  through,
} from './dependencies.js';
import { categorize } from './errors.js';
import { type BuilderConfig, buildStageJob } from './job-builder.js';
import { KubeWrites } from './kube-writes.js';
import type { Metrics } from './metrics.js';
import { LABELS, MANAGED_SELECTOR } from './names.js';
import { observeJob } from './observe.js';
import { OutsideChanges } from './outside.js';
import { type Outcome, WorkQueue } from './queue.js';

export interface ControllerDeps {
  kc: KubeConfig;
  namespace: string;
  config: OperatorConfig;
  builder: BuilderConfig;
  buckets: { uploads: string; artifacts: string };
  rows?: IngestionRows;
  store?: ObjectStore;
  /** FAILED_SOURCES; keep when unset. */
  failedSources?: FailedSources;
  /** STAGE_RERUN_WINDOW_SECONDS; the plan's default when unset. */
  rerunWindowSeconds?: number;
  /** How often object storage is probed while nothing is wrong (an outage is then probed every second). */
  storageCheckMs?: number;
  metrics: Metrics;
  log: Logger;
  identity: string;
}

/** How long a created Job may stay unseen by the Job watch before plan() may ask for it again. */
const EXPECT_MS = 30_000;

export class Controller {
  private readonly kube: KubeWrites;
  private readonly queue: WorkQueue;
  private readonly admission: Admission;
  private readonly waits: DependencyWaits;
  private readonly ingestions;
  private readonly jobs;
  private readonly pods;
  /** Jobs created but not yet seen by the watch: asking again would only cost a 409. */
  private readonly expected = new Map<string, number>();
  /** The status we last wrote per key, in case the watch has not delivered it yet. */
  private readonly written = new Map<string, { rv: string; status: VideoIngestionStatus }>();
  private resync: NodeJS.Timeout | undefined;
  private synced = false;
  private failingWatches = new Set<string>();
  private stopped = false;
  /** Jobs deleted by hand, strays and runs that succeeded as their Job went (operator/outside.ts). */
  private readonly outside: OutsideChanges;
  private storageCheck: NodeJS.Timeout | undefined;
  /** Rows and storage for cleanups and FAILED_SOURCES, their outages turned into waits. */
  private readonly cleanupDeps: Pick<ControllerDeps, 'rows' | 'store' | 'buckets'>;

  constructor(private readonly d: ControllerDeps) {
    this.kube = new KubeWrites(d.kc, d.namespace, d.metrics, d.log, d.identity);
    this.outside = new OutsideChanges(d.log);
    this.cleanupDeps = {
      buckets: d.buckets,
      ...(d.rows ? { rows: guarded('postgres', d.rows) } : {}),
      ...(d.store ? { store: guarded('storage', d.store) } : {}),
    };
    const { config: c } = d;
    this.admission = new Admission(
      c.KUEUE_QUEUE_NAME ? undefined : { gpu: c.MAX_GPU_JOBS, cpu: c.MAX_CPU_JOBS },
    );
    this.queue = new WorkQueue(
      (key) => this.reconcile(key),
      {
        concurrency: c.OPERATOR_CONCURRENCY,
        backoffBaseMs: c.OPERATOR_BACKOFF_BASE_MS,
        backoffMaxMs: c.OPERATOR_BACKOFF_MAX_MS,
      },
      (key, err, retryInMs) => {
        if (err instanceof DependencyUnavailable) {
          // Logged once per outage by the waits, not once per key and retry.
          d.metrics.reconcileErrors.inc({ category: 'Transient' });
          this.waits.wait(err.dependency, key, err);
          return;
        }
        const category = categorize(err);
        d.metrics.reconcileErrors.inc({ category });
        d.log.warn({ key, err: String(err), category, retryInMs }, 'reconcile failed; will retry');
      },
    );
    this.waits = new DependencyWaits(
      {
        ...(d.rows ? { postgres: () => d.rows!.ping() } : {}),
        ...(d.store ? { storage: () => d.store!.ping() } : {}),
      },
      (_dependency, keys) => {
        // Back: every ingestion that waited is looked at now, with its backoff forgotten; so is every
        // unfinished one, since plan() held their stages back while the dependency was away.
        const all = new Set(keys);
        for (const vi of this.ingestions.list(this.d.namespace)) {
          const phase = vi.status?.phase;
          if (phase !== 'Succeeded' && phase !== 'Failed')
            all.add(`${vi.metadata.namespace}/${vi.metadata.name}`);
        }
        for (const key of all) {
          this.queue.forget(key);
          this.queue.add(key);
        }
      },
      d.metrics,
      d.log,
    );
    const ns = d.namespace;
    this.ingestions = makeInformer<VideoIngestion & KubernetesObject>(
      d.kc,
      `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`,
      () => this.kube.listIngestions(),
    );
    this.jobs = makeInformer<V1Job>(
      d.kc,
      `/apis/batch/v1/namespaces/${ns}/jobs`,
      () => this.kube.listManagedJobs(),
      MANAGED_SELECTOR,
    );
    this.pods = makeInformer<V1Pod>(
      d.kc,
      `/api/v1/namespaces/${ns}/pods`,
      () => this.kube.listManagedPods(),
      MANAGED_SELECTOR,
    );
  }

  get ready(): boolean {
    return this.synced;
  }

  /** A dependency failed outside a reconcile (a pooled connection dropped): wait for it. */
  dependencyDown(dependency: Dependency, err: unknown): void {
    this.waits.wait(dependency, undefined, err);
  }

  /** What the operator waits for now (empty when nothing is down). */
  get waitingFor(): Dependency[] {
    return this.waits.current;
  }

  get healthy(): boolean {
    return this.failingWatches.size === 0 || !this.synced;
  }

  async start(): Promise<void> {
    const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;
    for (const [name, informer] of [
      ['videoingestions', this.ingestions],
      ['jobs', this.jobs],
      ['pods', this.pods],
    ] as const) {
      (informer as typeof this.jobs).on('error', (err: unknown) => {
        if (this.stopped) return;
        this.failingWatches.add(name);
        this.d.metrics.watchRestarts.inc({ resource: name });
        this.d.log.warn({ err: String(err), resource: name }, 'watch failed; re-listing');
        // A fresh list and watch: anything missed in between is in the list (level-based).
        setTimeout(() => {
          if (this.stopped) return;
          void informer.start().then(
            () => this.failingWatches.delete(name),
            () => {},
          );
        }, 1000).unref();
      });
    }
    const onIngestion = (o: VideoIngestion & KubernetesObject) => this.queue.add(keyOf(o));
    this.ingestions.on('add', onIngestion);
    this.ingestions.on('update', onIngestion);
    this.ingestions.on('delete', (o) => {
      this.admission.forget(keyOf(o));
      this.outside.forget(keyOf(o));
      this.written.delete(keyOf(o));
      this.queue.forget(keyOf(o));
    });
    const onJob = (job: V1Job, gone = false) => {
      const name = job.metadata?.name ?? '';
      this.expected.delete(name);
      const obs = observeJob(job, []);
      const resource = job.metadata?.labels?.[LABELS.resource] === 'gpu' ? 'gpu' : 'cpu';
      // A slot is held until the Job is really over (Complete/Failed): after SuccessCriteriaMet or
      // FailureTarget its pods may still be terminating and holding their GPU.
      const over = job.status?.conditions?.some(
        (x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True',
      );
      const finished = gone || !obs || Boolean(over);
      this.admission.observe(name, resource, job.metadata?.labels?.[LABELS.userId] ?? '', finished);
      const owner = job.metadata?.ownerReferences?.find((r) => r.controller && r.kind === 'VideoIngestion');
      if (owner) this.queue.add(`${job.metadata?.namespace}/${owner.name}`);
      if (finished) for (const key of this.admission.wakeups()) this.queue.add(key);
      this.updateGauges();
    };
    for (const verb of ['add', 'update'] as const)
      this.jobs.on(verb, (j) => {
        this.outside.jobChanged(j, this.podsOfJob(j), false);
        onJob(j);
      });
    this.jobs.on('delete', (j) => {
      this.outside.jobChanged(j, this.podsOfJob(j), true);
      onJob(j, true);
    });
    const onPod = (pod: V1Pod) => {
      const owner = pod.metadata?.labels?.[LABELS.ingestion];
      // Only a finished container changes what plan() sees (the termination message).
      if (owner && pod.status?.containerStatuses?.some((c) => c.state?.terminated)) {
        this.queue.add(`${pod.metadata?.namespace}/${owner}`);
      }
    };
    this.pods.on('add', onPod);
    this.pods.on('update', onPod);
    // A stray stopped just as it succeeded (or its Job deleted as it did): its last state is its outcome.
    this.pods.on('delete', (pod) => {
      this.outside.podGone(pod);
      // A stage may wait for this pod to be gone (one run of a stage at a time): look again now.
      const owner = pod.metadata?.labels?.[LABELS.ingestion];
      if (owner) this.queue.add(`${pod.metadata?.namespace}/${owner}`);
    });
    // Jobs and pods first, so the first reconcile of each ingestion sees them and creates nothing twice.
    await this.pods.start();
    await this.jobs.start();
    await this.ingestions.start();
    this.synced = true;
    this.resync = setInterval(() => {
      for (const vi of this.ingestions.list(this.d.namespace)) this.queue.add(keyOf(vi));
    }, this.d.config.OPERATOR_RESYNC_SECONDS * 1000);
    this.resync.unref();
    this.watchStorage();
    this.d.log.info({ namespace: this.d.namespace }, 'caches synced; reconciling');
  }

  /**
   * Object storage is probed now and then: the operator itself uses it only on failures and cleanups, but
   * its stages use it all the time, and a stage's transient failure during a known outage is the outage's.
   */
  private watchStorage(): void {
    const store = this.d.store;
    if (!store) return;
    const check = async () => {
      if (this.stopped) return;
      if (!this.waits.current.includes('storage')) {
        await store.ping().catch((err) => {
          if (isUnreachable(err)) this.waits.wait('storage', undefined, err);
        });
      }
      if (!this.stopped) this.storageCheck = setTimeout(check, this.d.storageCheckMs ?? 5000).unref();
    };
    void check();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waits.stop();
    if (this.resync) clearInterval(this.resync);
    if (this.storageCheck) clearTimeout(this.storageCheck);
    await this.queue.stop();
    await Promise.allSettled([this.ingestions.stop(), this.jobs.stop(), this.pods.stop()]);
  }

  /** Resolves when the queue has nothing to do (tests and the benchmark). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private updateGauges(): void {
    const counts = this.admission.counts();
    this.d.metrics.activeJobs.set({ resource: 'gpu' }, counts.active.gpu);
    this.d.metrics.activeJobs.set({ resource: 'cpu' }, counts.active.cpu);
    this.d.metrics.waitingStages.set(counts.waiting);
    this.d.metrics.queueDepth.set(this.queue.depth);
  }

  private observedJobs(vi: VideoIngestion): { jobs: StageObservation[]; strays: Stray[] } {
    const uid = vi.metadata.uid;
    const pods = this.pods.list(this.d.namespace);
    const jobs: StageObservation[] = [];
    const managed = new Set<string>();
    for (const job of this.jobs.list(this.d.namespace)) {
      if (!job.metadata?.ownerReferences?.some((r) => r.uid === uid)) continue;
      // By owner, not by the job-name label: a stage run again reuses its Job's name, and the pods of the
      // removed run may still be listed.
      const jobUid = job.metadata.uid;
      const mine = pods.filter((p) => p.metadata?.ownerReferences?.some((r) => r.uid === jobUid));
      const obs = observeJob(job, mine);
      if (!obs) continue;
      jobs.push(obs);
      if (!obs.deleting && jobUid) managed.add(jobUid);
    }
    const { strays, kept } = this.outside.observe(vi, jobs, managed, pods);
    return { jobs: [...jobs, ...kept], strays };
  }

  /** The freshest status we know: the cache's, or the one we wrote if the watch has not caught up. */
  private freshest(key: string, vi: VideoIngestion): VideoIngestion {
    const w = this.written.get(key);
    const rv = vi.metadata.resourceVersion;
    if (!w || !rv || !/^\d+$/.test(rv) || !/^\d+$/.test(w.rv)) return vi;
    // resourceVersions are etcd revisions on every apiserver we run on; when not numeric, trust the cache.
    return BigInt(w.rv) > BigInt(rv) ? { ...vi, status: w.status } : vi;
  }

  async reconcile(key: string): Promise<Outcome> {
    const started = process.hrtime.bigint();
    try {
      const outcome = await this.reconcileOnce(key);
      this.d.metrics.reconciles.inc({ result: 'ok' });
      return outcome;
    } catch (err) {
      this.d.metrics.reconciles.inc({ result: 'error' });
      throw err;
    } finally {
      this.d.metrics.reconcileDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
      this.updateGauges();
    }
  }

  private async reconcileOnce(key: string): Promise<Outcome> {
    const [namespace, name] = key.split('/') as [string, string];
    const cached = this.ingestions.get(name, namespace);
    if (!cached) {
      this.admission.forget(key);
      return undefined;
    }
    let vi = this.freshest(key, cached);
    const owner = {
      key,
      userId: vi.spec.userId,
      createdMs: vi.metadata.creationTimestamp ? new Date(vi.metadata.creationTimestamp).getTime() : 0,
    };
    const admit = (requests: Parameters<typeof this.admission.grant>[1]) =>
      this.admission.grant(owner, requests);
    const duplicateOf = this.ownerOtherThan(vi);
    const videoMissing = await this.videoMissing(vi);
    const vanished = await this.vanishedRuns(vi);
    const settings =
      this.d.rerunWindowSeconds !== undefined ? { transientWindowMs: this.d.rerunWindowSeconds * 1000 } : {};
    const observed = (): Observed => {
      const { jobs, strays } = this.observedJobs(vi);
      const seen = this.outside.interruptedOf(key) ?? [];
      const interrupted = [...new Set([...seen, ...vanished])];
      const waitingFor = this.waits.current;
      return {
        ingestion: vi,
        jobs,
        ...(strays.length > 0 ? { strays } : {}),
        ...(interrupted.length > 0 ? { interrupted } : {}),
        ...(waitingFor.length > 0 ? { waitingFor } : {}),
        ...(duplicateOf ? { duplicateOf } : {}),
        ...(videoMissing ? { videoMissing } : {}),
        // The models its stage Jobs would embed with now: indexed vectors of others are re-embedded.
        models: wantedModels(vi.spec, { text: this.d.config.TEXT_MODEL, vision: this.d.config.VISION_MODEL }),
      };
    };
    let p = plan(observed(), new Date(), admit, settings);
    if (p.kind === 'addFinalizer') {
      const updated = await this.kube.patchFinalizers(vi, [...(vi.metadata.finalizers ?? []), FINALIZER]);
      if (!updated) return undefined;
      // Go on with the patched object rather than wait for the watch to bring it back: the first Job
      // starts one round-trip sooner.
      vi = updated;
      p = plan(observed(), new Date(), admit, settings);
    }
    switch (p.kind) {
      case 'gone':
      case 'addFinalizer':
        return undefined;
      case 'cleanup':
        return this.cleanup(key, vi, p.notOwner === true);
      case 'reconcile':
        return this.apply(key, vi, p);
    }
  }

  private async apply(
    key: string,
    vi: VideoIngestion,
    p: Extract<Plan, { kind: 'reconcile' }>,
  ): Promise<Outcome> {
    // One pod per stage: a run left behind by a deleted Job is stopped before the stage runs again.
    for (const pod of p.stopStrays) await this.kube.deletePod(pod, 5);
    for (const stage of p.create)
      await this.createJob(vi, stage, p.status.stages?.find((s) => s.name === stage)?.job);
    if (p.statusChanged) {
      // A video failing now loses its original by the FAILED_SOURCES rule; before the status is written,
      // so that a storage error retries both rather than leave the original by accident.
      const verdict = p.releaseSource;
      if (verdict)
        await releaseFailedSource(this.cleanupDeps, vi.spec, verdict, this.d.failedSources ?? 'keep');
      // Rows first: if they fail, the status is not written either and the next try does both.
      const rows = this.d.rows;
      if (rows && !p.notOwner) await through('postgres', () => rows.sync(vi.spec.videoId, p.db));
      // Events before the status that implies them: a restart in between plans the same transition again,
      // and an Event already recorded under its occurrence's name is not recorded twice. The other order
      // lost the Event whenever the operator died between the two writes.
      await this.kube.recordEvents(vi, p.events);
      const rv = await this.kube.writeStatus(vi, p.status);
      if (rv) this.written.set(key, { rv, status: p.status });
      this.observeStageDurations(vi.status, p.status);
    }
    // Runs are stopped only once the status no longer calls their stages Running: a Job the status calls
    // Running that is gone was never deleted by us, even across a restart (vanishedRuns). A stop lost to a
    // crash here is asked for again by the next plan.
    for (const job of p.stop) await this.deleteJob(job);
    const done = (p.status.stages ?? []).filter(
      (s) => s.state === 'Succeeded' || s.state === 'Failed' || s.state === 'Skipped',
    );
    this.outside.settled(
      key,
      done.map((s) => s.name),
    );
    if (p.status.phase === 'Succeeded' || p.status.phase === 'Failed') this.admission.forget(key);
    // A stage waits to run again after a transient failure: no event will say when its time has come.
    if (p.lookAgainAt) return { requeueAfterMs: Math.max(0, Date.parse(p.lookAgainAt) - Date.now()) };
    return undefined;
  }

  /**
   * Stages the status calls Running under a Job that is gone, or going, without our asking: deleted from
   * outside, seen or not (the operator may have been down). Since this operator deletes a Job only after the
   * status stopped calling its stage Running, such a Job was not ours to stop. A Job missing from the cache is
   * read back first (one we just created, or another replica did, may not have reached the watch yet).
   */
  private async vanishedRuns(vi: VideoIngestion): Promise<StageName[]> {
    const phase = vi.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed' || vi.metadata.deletionTimestamp) return [];
    const live = (name: string) => {
      const j = this.jobs.get(name, vi.metadata.namespace);
      return (
        j &&
        !j.metadata?.deletionTimestamp &&
        j.metadata?.ownerReferences?.some((r) => r.uid === vi.metadata.uid)
      );
    };
    // The common case, cheaply: every Job the status calls Running is in the cache.
    if ((vi.status?.stages ?? []).every((s) => s.state !== 'Running' || !s.job || live(s.job))) return [];
    const { jobs } = this.observedJobs(vi);
    const out: StageName[] = [];
    for (const { name: stage, job: name } of this.outside.vanished(vi, jobs)) {
      const cached = this.jobs.get(name, vi.metadata.namespace);
      const expectedAt = this.expected.get(name);
      if (!cached && expectedAt && Date.now() - expectedAt < EXPECT_MS) continue;
      const job = cached ?? (await this.kube.readJob(name));
      const ours = job?.metadata?.ownerReferences?.some((r) => r.uid === vi.metadata.uid);
      if (job && ours && !job.metadata?.deletionTimestamp) continue;
      out.push(stage);
    }
    return out;
  }

  private podsOfJob(j: V1Job): V1Pod[] {
    return this.pods
      .list(this.d.namespace)
      .filter((p) => p.metadata?.ownerReferences?.some((r) => r.uid === j.metadata?.uid));
  }

  private async deleteJob(name: string): Promise<void> {
    this.outside.deletingJob(name);
    await this.kube.deleteJob(name);
  }

  /**
   * Whether the video the ingestion names has no row (never uploaded, or deleted): asked only while the
   * ingestion is unfinished, and never without a database.
   */
  private async videoMissing(vi: VideoIngestion): Promise<boolean> {
    const rows = this.d.rows;
    const phase = vi.status?.phase;
    if (!rows || phase === 'Succeeded' || phase === 'Failed' || vi.metadata.deletionTimestamp) return false;
    const state = await through('postgres', () => rows.videoState(vi.spec.videoId));
    return state === undefined || state === 'deleted';
  }

  private async createJob(vi: VideoIngestion, stage: StageName, planned?: string): Promise<void> {
    const job = buildStageJob(vi, stage, this.d.builder, planned);
    const name = job.metadata!.name!;
    const seen = this.jobs.get(name, vi.metadata.namespace);
    const expectedAt = this.expected.get(name);
    if (seen || (expectedAt && Date.now() - expectedAt < EXPECT_MS)) return;
    try {
      // Deterministic names: false (AlreadyExists) means a previous run or replica made it. Nothing to do.
      if (!(await this.kube.createJob(job))) return;
    } catch (err) {
      this.admission.release(name);
      throw err;
    }
    this.expected.set(name, Date.now());
    this.d.log.info(
      { ingestion: vi.metadata.name, stage, job: name, resource: stageOf(stage).resource },
      'created stage Job',
    );
  }

  private observeStageDurations(before: VideoIngestionStatus | undefined, after: VideoIngestionStatus): void {
    const was = new Map((before?.stages ?? []).map((s) => [s.name, s.state]));
    for (const s of after.stages ?? []) {
      if (was.get(s.name) === s.state || !s.finishedAt || !s.startedAt) continue;
      if (s.state !== 'Succeeded' && s.state !== 'Failed' && s.state !== 'Skipped') continue;
      const seconds = (new Date(s.finishedAt).getTime() - new Date(s.startedAt).getTime()) / 1000;
      if (seconds >= 0) this.d.metrics.stageDuration.observe({ stage: s.name, outcome: s.state }, seconds);
    }
  }

  /**
   * The finalizer: stop the Jobs and their pods, wait until no pod can still write, then remove what the
   * ingestion produced, and only then let the object go. Any failure throws and is retried with backoff.
   */
  /**
   * One owner per video id: the oldest live VideoIngestion naming it (by creation, then name); a refused
   * duplicate never owns. Returns the owner's name when it is not `vi`.
   */
  private ownerOtherThan(vi: VideoIngestion): string | undefined {
    const rank = (o: VideoIngestion) => `${o.metadata.creationTimestamp ?? ''}\u0000${o.metadata.name}`;
    let owner: VideoIngestion | undefined;
    for (const o of this.ingestions.list(this.d.namespace)) {
      if (o.spec?.videoId !== vi.spec.videoId || o.metadata.deletionTimestamp || isRefusedDuplicate(o))
        continue;
      if (!owner || rank(o) < rank(owner)) owner = o;
    }
    if (!owner || owner.metadata.uid === vi.metadata.uid || isRefusedDuplicate(vi)) return undefined;
    return owner.metadata.name;
  }

  private async cleanup(key: string, vi: VideoIngestion, notOwner = false): Promise<Outcome> {
    const selector = `${LABELS.ingestion}=${vi.metadata.name},${MANAGED_SELECTOR}`;
    this.admission.forget(key);
    const jobs = await this.kube.listManagedJobs(selector);
    for (const job of jobs.items) {
      if (!job.metadata?.ownerReferences?.some((r) => r.uid === vi.metadata.uid)) continue;
      if (!job.metadata.deletionTimestamp) await this.deleteJob(job.metadata.name!);
    }
    const pods = await this.kube.listManagedPods(selector);
    const live = pods.items.filter((p) => p.status?.phase === 'Pending' || p.status?.phase === 'Running');
    if (live.length > 0) {
      for (const pod of live) {
        if (!pod.metadata?.deletionTimestamp) await this.kube.deletePod(pod.metadata!.name!, 5);
      }
      return { requeueAfterMs: 1000 }; // a stage may still write; clean storage once it has stopped
    }
    // A refused duplicate leaves the video, its rows and its objects to the ingestion that owns them.
    const { videoDeleted, keepOutputs } = notOwner
      ? { videoDeleted: false, keepOutputs: true }
      : await cleanupIngestion(this.cleanupDeps, vi.spec);
    await this.kube.patchFinalizers(
      vi,
      (vi.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
    );
    this.d.log.info(
      { ingestion: vi.metadata.name, videoDeleted, keepOutputs },
      'cleaned up; finalizer removed',
    );
    this.written.delete(key);
    return undefined;
  }
}
