// Standalone mode's stand-in for Kubernetes Jobs: each stage run is a local process with a Job's
// semantics (retries with backoff up to a limit, a failure policy for the non-retryable exit codes,
// a scratch directory per attempt), seen by the plan as the same observation the operator makes of a Job.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { VideoIngestionSpec } from '../core/crd/videoingestion.js';
import { type StageName, stage as stageOf } from '../core/dag.js';
import type { StageObservation } from '../core/ingestion/observation.js';
import type { Logger } from '../core/log.js';
import {
  decodeResult,
  NON_RETRYABLE_EXIT_CODES,
  type StageResult,
  stageArgs,
  stageEnvironment,
} from '../core/stage-contract.js';

export interface LocalJobsOptions {
  /** argv that runs the stage program; `<stage> <videoId>` are appended. */
  command: string[];
  /** The shared configuration every stage process gets (database, storage, models…). */
  env: Record<string, string>;
  /** Scratch space: `<workDir>/<videoId>/<stage>`, emptied before each attempt and removed after it. */
  workDir: string;
  /** Attempts per run, as a Job's backoffLimit + 1. */
  maxAttempts: number;
  /** Delay before the n-th retry: retryBaseMs · 2^(n-1), capped at 30 s (the Job controller's shape). */
  retryBaseMs: number;
  log: Logger;
  /** Called whenever a run changes in a way the plan should see. */
  onChange: () => void;
}

interface LocalJob {
  name: string;
  stage: StageName;
  videoId: string;
  spec: VideoIngestionSpec;
  gpu: boolean;
  phase: StageObservation['phase'];
  attempts: number;
  startedAt: string;
  finishedAt?: string;
  failureReason?: string;
  result?: StageResult;
  exitCode?: number;
  child?: ChildProcess;
  retry?: NodeJS.Timeout;
  /** The run's time budget (a Job's activeDeadlineSeconds: all attempts together) and its timer. */
  deadlineSeconds: number;
  deadline?: NodeJS.Timeout;
}

/** After SIGTERM at the deadline, a process that has not ended gets SIGKILL (a pod's grace period). */
const KILL_GRACE_MS = 10_000;

const NON_RETRYABLE: ReadonlySet<number> = new Set(NON_RETRYABLE_EXIT_CODES);

export class LocalJobs {
  private readonly jobs = new Map<string, LocalJob>();
  private stopping = false;

  constructor(private readonly o: LocalJobsOptions) {}

  /** Runs not yet finished, by resource: what admission counts. */
  active(): { cpu: number; gpu: number } {
    const n = { cpu: 0, gpu: 0 };
    for (const j of this.jobs.values()) if (j.phase === 'Active') n[j.gpu ? 'gpu' : 'cpu']++;
    return n;
  }

  /** The runs of one video, as the plan reads them. */
  observe(videoId: string): StageObservation[] {
    return [...this.jobs.values()]
      .filter((j) => j.videoId === videoId)
      .map((j) => ({
        stage: j.stage,
        name: j.name,
        phase: j.phase,
        attempts: j.attempts,
        startedAt: j.startedAt,
        ...(j.finishedAt ? { finishedAt: j.finishedAt } : {}),
        ...(j.failureReason ? { failureReason: j.failureReason } : {}),
        ...(j.result ? { result: j.result } : {}),
        ...(j.exitCode !== undefined ? { exitCode: j.exitCode } : {}),
        deadlineSeconds: j.deadlineSeconds,
        deleting: false,
      }));
  }

  /**
   * Starts a run with its time budget (core/ingestion/deadline.ts); a second create of the same name is a no-op
   * (as an AlreadyExists would be). Past the budget the process is stopped and the run Fails with
   * DeadlineExceeded, retries or not, as a Job past its activeDeadlineSeconds does.
   */
  create(spec: VideoIngestionSpec, stage: StageName, name: string, deadlineSeconds: number): void {
    if (!(deadlineSeconds > 0))
      throw new RangeError(`a stage run needs a positive time budget, not ${deadlineSeconds}`);
    if (this.jobs.has(name) || this.stopping) return;
    const job: LocalJob = {
      name,
      stage,
      videoId: spec.videoId,
      spec,
      gpu: stageOf(stage).resource === 'gpu',
      phase: 'Active',
      attempts: 0,
      startedAt: new Date().toISOString(),
      deadlineSeconds,
    };
    this.jobs.set(name, job);
    job.deadline = setTimeout(() => void this.pastDeadline(job), deadlineSeconds * 1000);
    job.deadline.unref();
    this.attempt(job);
  }

  private async pastDeadline(job: LocalJob): Promise<void> {
    if (this.jobs.get(job.name) !== job || job.phase !== 'Active' || this.stopping) return;
    this.o.log.warn(
      { videoId: job.videoId, stage: job.stage, deadlineSeconds: job.deadlineSeconds },
      'stage ran past its time budget; stopping it',
    );
    Object.assign(job, {
      phase: 'Failed',
      finishedAt: new Date().toISOString(),
      failureReason: 'DeadlineExceeded',
    });
    await this.kill(job);
    this.o.onChange();
  }

  /** Stops a run (the plan stops the rest of a failed ingestion); resolves once its process has exited. */
  delete(name: string): Promise<void> {
    const job = this.jobs.get(name);
    if (!job) return Promise.resolve();
    this.jobs.delete(name);
    return this.kill(job);
  }

  /**
   * Forgets a video's runs once the plan has recorded their outcome (or the video goes), and removes its
   * scratch space; resolves when none of its processes can still write.
   */
  async forget(videoId: string): Promise<void> {
    const mine = [...this.jobs.values()].filter((j) => j.videoId === videoId);
    await Promise.all(mine.map((j) => this.delete(j.name)));
    rmSync(join(this.o.workDir, videoId), { recursive: true, force: true });
  }

  /** Shutdown: the processes end, and their runs are not failures; they start again on the next start. */
  stop(): void {
    this.stopping = true;
    for (const j of this.jobs.values()) void this.kill(j);
  }

  private kill(job: LocalJob): Promise<void> {
    clearTimeout(job.retry);
    clearTimeout(job.deadline);
    const child = job.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.kill('SIGTERM');
    // A decoder deep in native code may not heed SIGTERM at once.
    const hard = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    hard.unref();
    return exited.finally(() => clearTimeout(hard));
  }

  private dir(job: LocalJob): string {
    return join(this.o.workDir, job.videoId, job.stage);
  }

  private attempt(job: LocalJob): void {
    if (this.stopping || this.jobs.get(job.name) !== job) return;
    const dir = this.dir(job);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const resultFile = join(dir, 'result.json');
    job.attempts++;
    const [program, ...args] = this.o.command;
    const child = spawn(program!, [...args, ...stageArgs(job.stage, job.videoId)], {
      env: { ...this.o.env, ...stageEnvironment(job.spec, { resultFile, scratchDir: dir }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    job.child = child;
    let tail = '';
    const keep = (d: Buffer) => {
      tail = (tail + d.toString()).slice(-2000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const log = this.o.log.child({ videoId: job.videoId, stage: job.stage, attempt: job.attempts });
    log.info('stage started');
    child.on('error', (err) => log.error({ err }, 'the stage program could not be started'));
    child.on('close', (code, signal) => {
      // Stopped meanwhile: deleted, shut down, or past its deadline.
      if (this.jobs.get(job.name) !== job || this.stopping || job.phase !== 'Active') return;
      job.child = undefined;
      const exitCode = code ?? (signal ? 128 : 1);
      const result = readResult(resultFile);
      rmSync(dir, { recursive: true, force: true });
      if (exitCode === 0 || NON_RETRYABLE.has(exitCode) || job.attempts >= this.o.maxAttempts)
        clearTimeout(job.deadline);
      if (exitCode === 0) {
        Object.assign(job, { phase: 'Complete', finishedAt: new Date().toISOString() });
        if (result) job.result = result;
        log.info({ outcome: result?.outcome ?? 'Succeeded' }, 'stage finished');
      } else if (NON_RETRYABLE.has(exitCode) || job.attempts >= this.o.maxAttempts) {
        Object.assign(job, {
          phase: 'Failed',
          finishedAt: new Date().toISOString(),
          exitCode,
          failureReason: NON_RETRYABLE.has(exitCode) ? 'PodFailurePolicy' : 'BackoffLimitExceeded',
        });
        if (result) job.result = result;
        log.warn({ exitCode, message: result?.message, output: lastLine(tail) }, 'stage failed');
      } else {
        const delay = Math.min(30_000, this.o.retryBaseMs * 2 ** (job.attempts - 1));
        log.warn({ exitCode, output: lastLine(tail), retryInMs: delay }, 'stage failed; retrying');
        job.retry = setTimeout(() => this.attempt(job), delay);
        job.retry.unref();
      }
      this.o.onChange();
    });
  }
}

function readResult(file: string): StageResult | undefined {
  try {
    return decodeResult(readFileSync(file, 'utf8'));
  } catch {
    return undefined; // no result written
  }
}

const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';
