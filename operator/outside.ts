// What happens to stage runs from outside the operator: Jobs deleted by hand (while they ran, or just after
// they had succeeded) and pods no live Job owns any more. The controller feeds it the watch's events and its
// own deletions; it answers with what plan() reads: Observed.interrupted, Observed.strays, and the finished
// runs to keep as the stage's outcome.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { VideoIngestion } from '../core/crd/videoingestion.js';
import { isStageName, STAGE_NAMES, type StageName } from '../core/dag.js';
import { stageJobName } from '../core/ingestion/names.js';
import type { StageObservation } from '../core/ingestion/observation.js';
import type { Stray } from '../core/ingestion/plan.js';
import type { Logger } from '../core/log.js';
import { LABELS } from './names.js';
import { adoptFinishedPod, observeJob } from './observe.js';

const keyOf = (namespace: string | undefined, ingestion: string) => `${namespace}/${ingestion}`;
const ownerOf = (j: V1Job) =>
  j.metadata?.ownerReferences?.find((r) => r.controller && r.kind === 'VideoIngestion');
const isOver = (j: V1Job) =>
  j.status?.conditions?.some((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');

/** The Job name of a stage's current run: of its re-embed round, when the status gives it one. */
const currentJobName = (vi: VideoIngestion, stage: StageName) =>
  stageJobName(
    vi.metadata.name!,
    vi.metadata.uid!,
    stage,
    vi.status?.stages?.find((s) => s.name === stage)?.round,
  );

export class OutsideChanges {
  /** Jobs this operator deleted: a deletion it did not ask for is someone's hand. */
  private readonly deleting = new Set<string>();
  /** Per ingestion key: stages whose unfinished Job was deleted from outside, until a reconcile saw it. */
  private readonly interrupted = new Map<string, Set<StageName>>();
  /** Per ingestion key: runs that succeeded as their Job or pod went, until the status says so. */
  private readonly finished = new Map<string, Map<StageName, StageObservation>>();

  constructor(private readonly log: Logger) {}

  /** The operator is about to delete this Job itself. */
  deletingJob(name: string): void {
    this.deleting.add(name);
  }

  /** A Job as the watch delivers it (`gone`: its deletion), with its pods from the cache. */
  jobChanged(j: V1Job, pods: readonly V1Pod[], gone: boolean): void {
    const name = j.metadata?.name ?? '';
    if (gone) this.keepFinishedRun(j, pods);
    this.noteDeletion(j, gone);
    if (gone) this.deleting.delete(name);
  }

  /** A pod's deletion: stopped as a stray just as it succeeded, or gone with its Job. Its last state counts. */
  podGone(pod: V1Pod): void {
    const labels = pod.metadata?.labels ?? {};
    const stage = labels[LABELS.stage];
    const ingestion = labels[LABELS.ingestion];
    const jobName = labels['job-name'];
    if (!stage || !isStageName(stage) || !ingestion || !jobName) return;
    const done = adoptFinishedPod([pod], jobName, stage);
    if (done) this.keep(keyOf(pod.metadata?.namespace, ingestion), stage, done, false);
  }

  interruptedOf(key: string): StageName[] | undefined {
    const s = this.interrupted.get(key);
    return s ? [...s] : undefined;
  }

  /**
   * For one ingestion: the stray runs (pods of it that no live Job of it owns, orphaned by a --cascade=orphan
   * delete or still stopping, which may write beside a new run) and the finished runs to add to `jobs`
   * for stages no Job shows (a success whose Job was deleted by hand).
   */
  observe(
    vi: VideoIngestion,
    jobs: readonly StageObservation[],
    liveJobUids: ReadonlySet<string>,
    pods: readonly V1Pod[],
  ): { strays: Stray[]; kept: StageObservation[] } {
    const mine = pods.filter((p) => p.metadata?.labels?.[LABELS.ingestion] === vi.metadata.name);
    const strays: Stray[] = [];
    for (const pod of mine) {
      const stage = pod.metadata?.labels?.[LABELS.stage];
      if (!stage || !isStageName(stage)) continue;
      if (pod.status?.phase !== 'Pending' && pod.status?.phase !== 'Running') continue;
      const owner = pod.metadata?.ownerReferences?.find((r) => r.kind === 'Job');
      if (owner && liveJobUids.has(owner.uid)) continue;
      strays.push({ stage, name: pod.metadata!.name!, stopping: Boolean(pod.metadata?.deletionTimestamp) });
    }
    const seen = new Set(jobs.filter((j) => !j.deleting || j.phase === 'Complete').map((j) => j.name));
    const held = this.finished.get(keyOf(vi.metadata.namespace, vi.metadata.name!));
    const kept: StageObservation[] = [];
    for (const stage of STAGE_NAMES) {
      // By the Job name of the stage's current run, which carries the resource's uid (a re-created resource of the
      // same name adopts nothing) and its re-embed round (an earlier round's finished Job is not this run).
      const name = currentJobName(vi, stage);
      if (seen.has(name)) continue;
      const held1 = held?.get(stage);
      const run = adoptFinishedPod(mine, name, stage) ?? (held1?.name === name ? held1 : undefined);
      if (run) kept.push(run);
    }
    return { strays, kept };
  }

  /**
   * The stages the status calls Running under a Job that `jobs` (live, or finished and kept) does not show, and
   * that this operator did not delete: candidates for a deletion from outside, which the controller makes sure
   * of (the cache may not have caught up with a Job just created).
   */
  vanished(vi: VideoIngestion, jobs: readonly StageObservation[]): { name: StageName; job: string }[] {
    const shown = new Set(jobs.filter((j) => !j.deleting || j.phase === 'Complete').map((j) => j.name));
    const out: { name: StageName; job: string }[] = [];
    for (const s of vi.status?.stages ?? [])
      if (s.state === 'Running' && s.job && !shown.has(s.job) && !this.deleting.has(s.job))
        out.push({ name: s.name, job: s.job });
    return out;
  }

  /** A reconcile applied its plan: interruptions are in the status now, and so are finished stages. */
  settled(key: string, done: readonly StageName[]): void {
    this.interrupted.delete(key);
    const held = this.finished.get(key);
    for (const stage of done) held?.delete(stage);
    if (held?.size === 0) this.finished.delete(key);
  }

  forget(key: string): void {
    this.interrupted.delete(key);
    this.finished.delete(key);
  }

  /** A deleted Job whose run had succeeded (it said Complete, or its pod succeeded before it caught up). */
  private keepFinishedRun(j: V1Job, pods: readonly V1Pod[]): void {
    const name = j.metadata?.name ?? '';
    const stage = j.metadata?.labels?.[LABELS.stage];
    const owner = ownerOf(j);
    if (this.deleting.has(name) || !owner || !stage || !isStageName(stage)) return;
    const obs = observeJob(j, pods);
    const done =
      obs?.phase === 'Complete' && obs.result?.outcome !== 'Failed'
        ? { ...obs, deleting: false }
        : adoptFinishedPod(pods, name, stage);
    if (done) this.keep(keyOf(j.metadata?.namespace, owner.name), stage, done, true);
  }

  /** A Job being deleted, or gone, that the operator did not delete and that had not finished (a TTL
   * removes only finished ones): someone deleted a running stage by hand. */
  private noteDeletion(j: V1Job, gone: boolean): void {
    const name = j.metadata?.name ?? '';
    if ((!gone && !j.metadata?.deletionTimestamp) || this.deleting.has(name)) return;
    const stage = j.metadata?.labels?.[LABELS.stage];
    const owner = ownerOf(j);
    if (isOver(j) || !owner || !stage || !isStageName(stage)) return;
    const key = keyOf(j.metadata?.namespace, owner.name);
    const stages = this.interrupted.get(key) ?? new Set<StageName>();
    if (stages.has(stage)) return;
    this.interrupted.set(key, stages.add(stage));
    this.log.warn({ ingestion: owner.name, stage, job: name }, 'stage Job deleted from outside while it ran');
  }

  private keep(key: string, stage: StageName, run: StageObservation, replace: boolean): void {
    const runs = this.finished.get(key) ?? new Map<StageName, StageObservation>();
    if (replace || !runs.has(stage)) this.finished.set(key, runs.set(stage, run));
  }
}
