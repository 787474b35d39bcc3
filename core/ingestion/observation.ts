// What an executor sees of one stage's run, reduced to the facts plan() needs. The operator derives it
// from a Job and its pods (operator/observe.ts); the standalone runner from its local processes
// (standalone/local-jobs.ts). Both behave like a Job: retries happen inside one observation.
import type { StageName } from '../dag.js';
import type { StageResult } from '../stage-contract.js';

export interface StageObservation {
  stage: StageName;
  /** The run's name (the Job's name in a cluster), as stageJobName() makes it. */
  name: string;
  /** Active covers attempts pending, running or waiting to be retried; Suspended waits for Kueue. */
  phase: 'Active' | 'Suspended' | 'Complete' | 'Failed';
  /** Attempts started so far (retries included). */
  attempts: number;
  startedAt?: string;
  finishedAt?: string;
  /**
   * Why it Failed, in the Job controller's words: PodFailurePolicy (a non-retryable exit code),
   * BackoffLimitExceeded (retries used up), DeadlineExceeded…
   */
  failureReason?: string;
  failureMessage?: string;
  /** The run's time budget (a Job's activeDeadlineSeconds), for the message when it is exceeded. */
  deadlineSeconds?: number;
  /** The stage's result document from the last finished attempt, when it wrote one. */
  result?: StageResult;
  exitCode?: number;
  deleting: boolean;
}
