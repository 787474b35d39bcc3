import { describe, expect, it } from 'vitest';
import type { VideoIngestionStatus } from '../crd/videoingestion.js';
import type { StageName } from '../dag.js';
import { STAGE_NAMES } from '../dag.js';
import { FINALIZER } from './names.js';
import type { StageObservation } from './observation.js';
import { NOT_INDEXED, REMOVED_FROM_SPEC } from './outcomes.js';
import { type Admit, type Plan, plan, rerunDelayMs, TRANSIENT_WINDOW_MS } from './plan.js';
import { aJob, anIngestion, NOW } from './testing.js';

type Reconcile = Extract<Plan, { kind: 'reconcile' }>;
const reconcile = (p: Plan): Reconcile => {
  if (p.kind !== 'reconcile') throw new Error(`expected a reconcile plan, got ${p.kind}`);
  return p;
};
const later = new Date(NOW.getTime() + 60_000);

/** Runs plan repeatedly the way the cluster would: created Jobs appear, `finish` decides how they end. */
function drive(
  finish: (stage: StageName) => Partial<StageObservation>,
  opts: { stages?: StageName[]; admit?: Admit } = {},
) {
  let status: VideoIngestionStatus | undefined;
  const jobs = new Map<StageName, StageObservation>();
  const created: StageName[] = [];
  for (let i = 0; i < 30; i++) {
    const p = reconcile(
      plan(
        { ingestion: anIngestion({ status, stages: opts.stages }), jobs: [...jobs.values()] },
        NOW,
        opts.admit,
      ),
    );
    for (const s of p.create) {
      created.push(s);
      jobs.set(s, aJob(s, { phase: 'Complete', finishedAt: NOW.toISOString(), ...finish(s) }));
    }
    status = p.status;
    if (!p.statusChanged && p.create.length === 0) return { status, created, last: p };
  }
  throw new Error('did not settle');
}

describe('plan', () => {
  it('adds the finalizer before doing anything else', () => {
    expect(plan({ ingestion: anIngestion({ finalizers: [] }), jobs: [] }, NOW).kind).toBe('addFinalizer');
  });

  it('cleans up a resource being deleted, and leaves one without our finalizer alone', () => {
    expect(plan({ ingestion: anIngestion({ deleting: true }), jobs: [] }, NOW).kind).toBe('cleanup');
    expect(
      plan({ ingestion: anIngestion({ deleting: true, finalizers: ['other'] }), jobs: [] }, NOW).kind,
    ).toBe('gone');
  });

  it('starts probe first, and only probe', () => {
    const p = reconcile(plan({ ingestion: anIngestion(), jobs: [] }, NOW));
    expect(p.create).toEqual(['probe']);
    expect(p.status.phase).toBe('Running');
    expect(p.status.stages?.find((s) => s.name === 'probe')).toMatchObject({
      state: 'Running',
      attempts: 1,
      startedAt: NOW.toISOString(),
    });
    // Every stage of the DAG but probe waits.
    expect(p.status.stages?.filter((s) => s.state === 'Pending').map((s) => s.name)).toEqual(
      STAGE_NAMES.filter((n) => n !== 'probe'),
    );
    expect(p.events).toContainEqual(expect.objectContaining({ reason: 'StageStarted', type: 'Normal' }));
    expect(p.db.video.state).toBe('processing');
  });

  it('starts audio and shots together once probe succeeded, and records the duration', () => {
    const first = reconcile(plan({ ingestion: anIngestion(), jobs: [] }, NOW));
    const probe = aJob('probe', {
      phase: 'Complete',
      finishedAt: NOW.toISOString(),
      result: { outcome: 'Succeeded', outputs: { durationSeconds: 12.5 } },
    });
    const p = reconcile(plan({ ingestion: anIngestion({ status: first.status }), jobs: [probe] }, later));
    expect(p.create).toEqual(['audio', 'shots']);
    expect(p.status.durationSeconds).toBe(12.5);
    expect(p.db.video.durationSeconds).toBe(12.5);
  });

  it('records the spoken language asr used and its probability, and keeps them to the end', () => {
    const outputs: Partial<Record<string, Record<string, string | number>>> = {
      asr: { language: 'en', languageProbability: 0.97 },
      'embed-text': { language: 'xx' },
    };
    const { status } = drive((s) => {
      const o = outputs[s];
      return o ? { result: { outcome: 'Succeeded', outputs: o } } : {};
    });
    // Only asr's word counts: another stage's output of the same name does not overwrite it.
    expect(status).toMatchObject({ phase: 'Succeeded', language: 'en', languageProbability: 0.97 });
  });

  it('runs every stage to Succeeded with progress 100, the scene count and a Ready condition', () => {
    const { status, created } = drive((s) =>
      s === 'index' ? { result: { outcome: 'Succeeded', outputs: { sceneCount: 7 } } } : {},
    );
    expect(created).toEqual([
      'probe',
      'audio',
      'shots',
      'asr',
      'keyframes',
      'embed-vision',
      'embed-text',
      'ocr',
      'objects',
      'embed-screen',
      'index',
    ]);
    expect(status).toMatchObject({
      phase: 'Succeeded',
      progress: 100,
      sceneCount: 7,
      message: 'the video is indexed',
    });
    expect(status.currentStage).toBeUndefined();
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
      reason: 'Succeeded',
      observedGeneration: 1,
    });
  });

  it('writes nothing and creates nothing once the state is reached again', () => {
    const { last } = drive(() => ({}));
    expect(last.statusChanged).toBe(false);
    expect(last.events).toEqual([]);
  });

  it('never creates a Job for a stage whose Job exists, even after a restart with stale status', () => {
    const running = aJob('probe');
    const p = reconcile(plan({ ingestion: anIngestion(), jobs: [running] }, NOW));
    expect(p.create).toEqual([]);
    expect(p.status.stages?.[0]).toMatchObject({ state: 'Running', job: running.name });
  });

  it('keeps a created Job not yet seen as Running, without a new status', () => {
    const first = reconcile(plan({ ingestion: anIngestion(), jobs: [] }, NOW));
    const again = reconcile(plan({ ingestion: anIngestion({ status: first.status }), jobs: [] }, later));
    expect(again.create).toEqual(['probe']); // idempotent: same name, AlreadyExists is fine
    expect(again.statusChanged).toBe(false);
  });

  it('still runs asr (subtitles) when audio is skipped', () => {
    const { created, status } = drive((s) =>
      s === 'audio' ? { result: { outcome: 'Skipped', message: 'no audio stream' } } : {},
    );
    expect(created).toContain('asr');
    expect(created).toContain('embed-text');
    expect(status.phase).toBe('Succeeded');
  });

  it('skips embed-text when there is no transcript at all (no audio, no subtitles), and still indexes', () => {
    const { status, created } = drive((s) =>
      s === 'audio' || s === 'asr' ? { result: { outcome: 'Skipped', message: 'nothing to read' } } : {},
    );
    expect(created).not.toContain('embed-text');
    expect(created).toContain('index');
    const states = Object.fromEntries(status.stages!.map((s) => [s.name, s.state]));
    expect(states).toMatchObject({
      audio: 'Skipped',
      asr: 'Skipped',
      'embed-text': 'Skipped',
      index: 'Succeeded',
    });
    expect(status.stages?.find((s) => s.name === 'embed-text')?.message).toBe('skipped: asr was skipped');
    expect(status.phase).toBe('Succeeded');
  });

  it('fails the run for bad input with the category, a reason and the stage message', () => {
    const { status, created, last } = drive((s) =>
      s === 'probe'
        ? {
            phase: 'Failed',
            failureReason: 'PodFailurePolicy',
            exitCode: 42,
            result: { outcome: 'Failed', category: 'BadInput', message: 'not a video' },
          }
        : {},
    );
    expect(created).toEqual(['probe']);
    expect(status).toMatchObject({
      phase: 'Failed',
      errorCategory: 'BadInput',
      message: 'stage probe failed: not a video',
    });
    expect(status.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      status: 'True',
      reason: 'BadInput',
    });
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'BadInput',
    });
    expect(status.stages?.find((s) => s.name === 'probe')).toMatchObject({
      state: 'Failed',
      category: 'BadInput',
      message: 'not a video',
    });
    expect(last.db.video).toEqual({
      state: 'failed',
      errorText: 'not a video',
      errorCategory: 'BadInput',
      durationSeconds: null,
    });
    expect(last.db.jobs.find((j) => j.stage === 'probe')).toMatchObject({
      state: 'failed',
      errorText: 'not a video',
    });
  });

  it('keeps the failing stage as the cause when a sibling stopped because of it comes first in the DAG', () => {
    const probe = aJob('probe', { phase: 'Complete' });
    const audio = aJob('audio', { phase: 'Complete' });
    let status = reconcile(plan({ ingestion: anIngestion(), jobs: [probe] }, NOW)).status;
    status = reconcile(plan({ ingestion: anIngestion({ status }), jobs: [probe, audio] }, NOW)).status;
    const shots = aJob('shots', {
      phase: 'Failed',
      failureReason: 'PodFailurePolicy',
      exitCode: 42,
      result: { outcome: 'Failed', category: 'BadInput', message: 'no video stream' },
    });
    const failed = reconcile(
      plan({ ingestion: anIngestion({ status }), jobs: [probe, audio, aJob('asr'), shots] }, later),
    );
    expect(failed.stop).toEqual([aJob('asr').name]);
    // The stopped asr comes before shots in the DAG; the next look must still blame shots.
    const again = reconcile(plan({ ingestion: anIngestion({ status: failed.status }), jobs: [] }, later));
    expect(again.statusChanged).toBe(false);
    expect(again.status).toMatchObject({
      errorCategory: 'BadInput',
      message: 'stage shots failed: no video stream',
    });
    expect(again.db.video.errorCategory).toBe('BadInput');
  });

  it('runs a stage again after a transient failure (an outage) instead of failing the video, until the window ends', () => {
    const probe = aJob('probe', { phase: 'Complete' });
    let status = reconcile(plan({ ingestion: anIngestion(), jobs: [probe] }, NOW)).status;
    // Storage was away: audio used up its retries on transient exits.
    const failedAudio = aJob('audio', {
      phase: 'Failed',
      failureReason: 'BackoffLimitExceeded',
      attempts: 3,
      exitCode: 1,
      finishedAt: NOW.toISOString(),
    });
    const p1 = reconcile(plan({ ingestion: anIngestion({ status }), jobs: [probe, failedAudio] }, NOW));
    expect(p1.status.phase).toBe('Running');
    expect(p1.stop).toEqual([failedAudio.name]);
    expect(p1.create).not.toContain('audio');
    const audio = p1.status.stages!.find((s) => s.name === 'audio')!;
    expect(audio).toMatchObject({ state: 'Pending', reruns: 1, attempts: 3 });
    expect(p1.lookAgainAt).toBe(new Date(NOW.getTime() + rerunDelayMs(0)).toISOString());
    expect(p1.events.map((e) => e.reason)).toContain('StageWillRetry');
    status = p1.status;
    // The failed run is still listed until its removal lands: nothing changes, it is asked to go again.
    const p2 = reconcile(plan({ ingestion: anIngestion({ status }), jobs: [probe, failedAudio] }, NOW));
    expect(p2.statusChanged).toBe(false);
    expect(p2.stop).toEqual([failedAudio.name]);
    // Gone, but too early: it waits.
    const early = reconcile(plan({ ingestion: anIngestion({ status }), jobs: [probe] }, NOW));
    expect(early.create).not.toContain('audio');
    // At retryAt it runs again, under the same deterministic name.
    const at = new Date(NOW.getTime() + rerunDelayMs(0));
    const p3 = reconcile(plan({ ingestion: anIngestion({ status }), jobs: [probe] }, at));
    expect(p3.create).toContain('audio');
    status = p3.status;
    // Failing transiently for longer than the window fails the video, as Transient.
    const late = new Date(NOW.getTime() + TRANSIENT_WINDOW_MS + 1000);
    const again = aJob('audio', {
      phase: 'Failed',
      failureReason: 'BackoffLimitExceeded',
      attempts: 3,
      exitCode: 1,
    });
    const p4 = reconcile(plan({ ingestion: anIngestion({ status }), jobs: [probe, again] }, late));
    expect(p4.status).toMatchObject({ phase: 'Failed', errorCategory: 'Transient' });
  });

  it('fails the video at once for a stage’s own failure (bad input), without running it again', () => {
    const p = reconcile(
      plan(
        {
          ingestion: anIngestion(),
          jobs: [aJob('probe', { phase: 'Failed', failureReason: 'PodFailurePolicy', exitCode: 42 })],
        },
        NOW,
      ),
    );
    expect(p.status).toMatchObject({ phase: 'Failed', errorCategory: 'BadInput' });
    expect(p.lookAgainAt).toBeUndefined();
  });

  it('refuses a second ingestion of one video, naming the first, and never lets it touch the video', () => {
    const running = aJob('probe');
    const p = reconcile(plan({ ingestion: anIngestion(), jobs: [running], duplicateOf: 'first' }, NOW));
    expect(p.create).toEqual([]);
    expect(p.stop).toEqual([running.name]);
    expect(p.notOwner).toBe(true);
    expect(p.status).toMatchObject({ phase: 'Failed', errorCategory: 'BadInput' });
    expect(p.status.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      status: 'True',
      reason: 'Duplicate',
      message: expect.stringContaining('VideoIngestion first'),
    });
    // Refused for good: its owner gone, it neither starts nor changes.
    const again = reconcile(plan({ ingestion: anIngestion({ status: p.status }), jobs: [] }, later));
    expect(again.create).toEqual([]);
    expect(again.statusChanged).toBe(false);
    expect(again.notOwner).toBe(true);
    // And its deletion leaves the video alone.
    const gone = plan(
      { ingestion: { ...anIngestion({ status: p.status, deleting: true }) }, jobs: [] },
      later,
    );
    expect(gone).toEqual({ kind: 'cleanup', notOwner: true });
  });

  it('stops a stage removed from spec.stages while it runs, ends its row, and does not call the video indexed', () => {
    const probe = aJob('probe', { phase: 'Complete' });
    const audio = aJob('audio', { phase: 'Complete' });
    let status = reconcile(plan({ ingestion: anIngestion(), jobs: [probe] }, NOW)).status;
    status = reconcile(plan({ ingestion: anIngestion({ status }), jobs: [probe, audio] }, NOW)).status;
    const asr = aJob('asr');
    const shots = aJob('shots', { phase: 'Complete' });
    status = reconcile(
      plan({ ingestion: anIngestion({ status }), jobs: [probe, audio, asr, shots] }, NOW),
    ).status;
    expect(status.stages?.find((s) => s.name === 'asr')?.state).toBe('Running');
    // Someone shrinks the spec to the picture side only: asr, embed-text and index go.
    const stages: StageName[] = ['probe', 'shots', 'keyframes', 'embed-vision'];
    const p = reconcile(
      plan({ ingestion: anIngestion({ status, stages }), jobs: [probe, audio, asr, shots] }, later),
    );
    expect(p.stop).toContain(asr.name);
    // Until its run has gone it may still finish: the stage says it is stopping, and the run is not over.
    expect(p.status.stages?.find((s) => s.name === 'asr')).toMatchObject({
      state: 'Running',
      message: expect.stringContaining('stopping'),
    });
    expect(p.status.phase).toBe('Running');
    // Its run is stopped after the status write; while it lives, the next plan asks again.
    const again = reconcile(
      plan({ ingestion: anIngestion({ status: p.status, stages }), jobs: [probe, audio, asr, shots] }, later),
    );
    expect(again.stop).toEqual([asr.name]);
    // Its Job gone, its pod still stopping: still waiting.
    const stray = { stage: 'asr' as const, name: 'asr-pod', stopping: true };
    const stopping = reconcile(
      plan(
        { ingestion: anIngestion({ status: again.status, stages }), jobs: [probe, shots], strays: [stray] },
        later,
      ),
    );
    expect(stopping.status.stages?.find((s) => s.name === 'asr')?.state).toBe('Running');
    // Gone without finishing: Skipped, and its row ends.
    const gone = reconcile(
      plan({ ingestion: anIngestion({ status: stopping.status, stages }), jobs: [probe, shots] }, later),
    );
    expect(gone.status.stages?.find((s) => s.name === 'asr')).toMatchObject({
      state: 'Skipped',
      message: REMOVED_FROM_SPEC,
    });
    expect(gone.db.jobs.find((j) => j.stage === 'asr')?.state).toBe('skipped');
    const done = drive(() => ({}), { stages });
    expect(done.status.phase).toBe('Succeeded');
    // The run has ended without index: a video it leaves unfinished is settled as failed, saying why (the
    // SQL keeps an indexed video indexed: rows tests).
    expect(done.last.db.video).toMatchObject({ state: 'settle', errorText: NOT_INDEXED });
    expect(done.status.message).toContain('not indexed');
    // While such a run goes on it leaves the video's state alone.
    expect(reconcile(plan({ ingestion: anIngestion({ stages }), jobs: [] }, NOW)).db.video.state).toBeNull();
    // The full run still indexes it.
    expect(drive(() => ({})).last.db.video.state).toBe('indexed');
  });

  it('takes the success of a removed stage whose run finished its work as it was stopped (index committed)', () => {
    // Everything but index has run; index runs when the spec is shrunk.
    const finished = drive(() => ({}), { stages: STAGE_NAMES.filter((s) => s !== 'index') });
    const before = finished.status.stages ?? [];
    const index = aJob('index');
    const running = reconcile(
      plan(
        {
          ingestion: anIngestion({
            status: {
              ...finished.status,
              phase: 'Running',
              stages: [...before, { name: 'index', state: 'Running', job: index.name, attempts: 1 }],
            },
          }),
          jobs: [index],
        },
        NOW,
      ),
    ).status;
    const stages: StageName[] = ['probe', 'audio', 'shots'];
    const stopped = reconcile(
      plan({ ingestion: anIngestion({ status: running, stages }), jobs: [index] }, later),
    );
    expect(stopped.stop).toEqual([index.name]);
    expect(stopped.db.video.state).toBe('processing');
    // The run had committed: it ends with its success (its pod kept by the executor), and the video is indexed.
    const done = reconcile(
      plan(
        {
          ingestion: anIngestion({ status: stopped.status, stages }),
          jobs: [{ ...index, phase: 'Complete', finishedAt: later.toISOString() }],
        },
        later,
      ),
    );
    expect(done.status.stages?.find((s) => s.name === 'index')).toMatchObject({
      state: 'Succeeded',
      message: expect.stringContaining('finished its work'),
    });
    expect(done.status.phase).toBe('Succeeded');
    expect(done.db.video.state).toBe('indexed');
    expect(done.events.map((e) => e.reason)).toContain('StageSucceeded');
  });

  it('derives the category from the exit code when the stage wrote no result', () => {
    const p = reconcile(
      plan(
        {
          ingestion: anIngestion(),
          jobs: [aJob('probe', { phase: 'Failed', failureReason: 'PodFailurePolicy', exitCode: 43 })],
        },
        NOW,
      ),
    );
    expect(p.status.errorCategory).toBe('Internal');
  });

  it('calls a stage that used up its retries a transient failure once its transient window is over', () => {
    const since = new Date(NOW.getTime() - TRANSIENT_WINDOW_MS).toISOString();
    const p = reconcile(
      plan(
        {
          ingestion: anIngestion({
            status: {
              stages: [{ name: 'probe', state: 'Running', job: aJob('probe').name, transientSince: since }],
            },
          }),
          jobs: [
            aJob('probe', {
              phase: 'Failed',
              failureReason: 'BackoffLimitExceeded',
              attempts: 4,
              exitCode: 1,
            }),
          ],
        },
        NOW,
      ),
    );
    expect(p.status).toMatchObject({
      errorCategory: 'Transient',
      message: 'stage probe failed: the stage failed after 4 attempts (exit code 1)',
    });
    expect(p.status.stages?.[0]?.attempts).toBe(4);
  });

  it('calls a stage past its time budget an internal failure, with the budget, even after a transient attempt', () => {
    const p = reconcile(
      plan(
        {
          ingestion: anIngestion(),
          jobs: [
            aJob('probe', {
              phase: 'Failed',
              failureReason: 'DeadlineExceeded',
              deadlineSeconds: 600,
              result: { outcome: 'Failed', category: 'Transient', message: 'storage unreachable' },
            }),
          ],
        },
        NOW,
      ),
    );
    expect(p.status.errorCategory).toBe('Internal');
    expect(p.status.stages?.find((s) => s.name === 'probe')).toMatchObject({
      state: 'Failed',
      category: 'Internal',
    });
    expect(p.status.message).toMatch(/probe stage ran past its time budget of 600 s and was stopped/);
    expect(p.db.video.errorCategory).toBe('Internal');
  });

  it('stops the stages still running when another stage fails for good', () => {
    const probe = aJob('probe', { phase: 'Complete' });
    const status = reconcile(plan({ ingestion: anIngestion(), jobs: [probe] }, NOW)).status;
    const p = reconcile(
      plan(
        {
          ingestion: anIngestion({ status }),
          jobs: [
            probe,
            aJob('audio', { phase: 'Failed', failureReason: 'PodFailurePolicy', exitCode: 42 }),
            aJob('shots'),
          ],
        },
        later,
      ),
    );
    expect(p.stop).toEqual([aJob('shots').name]);
    expect(p.create).toEqual([]);
    expect(p.status.stages?.find((s) => s.name === 'shots')).toMatchObject({
      state: 'Failed',
      message: 'stopped: stage audio failed',
    });
    // The executor stops runs after the status write: a stop lost to a crash in between is asked for again.
    const again = reconcile(
      plan(
        {
          ingestion: anIngestion({ status: p.status }),
          jobs: [
            probe,
            aJob('audio', { phase: 'Failed', failureReason: 'PodFailurePolicy', exitCode: 42 }),
            aJob('shots'),
          ],
        },
        later,
      ),
    );
    expect(again.stop).toEqual([aJob('shots').name]);
    expect(again.statusChanged).toBe(false);
  });

  it('stays failed when the failed Job is gone (TTL)', () => {
    const failed = reconcile(
      plan(
        {
          ingestion: anIngestion(),
          jobs: [aJob('probe', { phase: 'Failed', exitCode: 42, failureReason: 'PodFailurePolicy' })],
        },
        NOW,
      ),
    );
    const p = reconcile(plan({ ingestion: anIngestion({ status: failed.status }), jobs: [] }, later));
    expect(p.create).toEqual([]);
    expect(p.statusChanged).toBe(false);
    expect(p.status.errorCategory).toBe('BadInput');
  });

  it('emits stage and final events once per transition', () => {
    const p = reconcile(
      plan(
        {
          ingestion: anIngestion(),
          jobs: [aJob('probe', { phase: 'Failed', exitCode: 42, failureReason: 'PodFailurePolicy' })],
        },
        NOW,
      ),
    );
    // The run was never seen Running (the operator wrote no status between creating the Job and now): its
    // start is implied by what is observed, and still reported.
    expect(p.events.map((e) => [e.type, e.reason])).toEqual([
      ['Normal', 'StageStarted'],
      ['Warning', 'StageFailed'],
      ['Warning', 'Failed'],
    ]);
    expect(new Set(p.events.map((e) => e.key)).size).toBe(3);
  });

  it('runs only the requested stages', () => {
    const { created, status } = drive(() => ({}), { stages: ['probe', 'audio', 'asr'] });
    expect(created).toEqual(['probe', 'audio', 'asr']);
    expect(status.stages?.map((s) => s.name)).toEqual(['probe', 'audio', 'asr']);
    expect(status.phase).toBe('Succeeded');
  });

  it('fails an ingestion whose stage list is not closed under needs', () => {
    const p = reconcile(plan({ ingestion: anIngestion({ stages: ['asr'] }), jobs: [] }, NOW));
    expect(p.create).toEqual([]);
    expect(p.status).toMatchObject({ phase: 'Failed', errorCategory: 'BadInput' });
    expect(p.status.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('InvalidSpec');
  });

  it('keeps a stage Pending with a reason while admission holds it back', () => {
    const p = reconcile(plan({ ingestion: anIngestion(), jobs: [] }, NOW, () => new Set()));
    expect(p.create).toEqual([]);
    expect(p.status.phase).toBe('Pending');
    expect(p.status.stages?.[0]).toMatchObject({ state: 'Pending', message: 'waiting for a free CPU slot' });
    expect(p.status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'True',
      reason: 'WaitingForCapacity',
    });
  });

  it('shows a Job suspended for Kueue as a pending stage', () => {
    const p = reconcile(
      plan({ ingestion: anIngestion(), jobs: [aJob('probe', { phase: 'Suspended', attempts: 0 })] }, NOW),
    );
    expect(p.create).toEqual([]);
    expect(p.status.stages?.[0]).toMatchObject({
      state: 'Pending',
      message: 'queued: waiting for Kueue to admit the Job',
    });
  });

  it('moves the Ready condition transition time only when its status flips', () => {
    const a = reconcile(plan({ ingestion: anIngestion(), jobs: [] }, NOW));
    const b = reconcile(plan({ ingestion: anIngestion({ status: a.status }), jobs: [aJob('probe')] }, later));
    const ready = (s: VideoIngestionStatus) =>
      s.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
    expect(ready(b.status)).toBe(ready(a.status));
  });

  it('a finalizer someone else added does not stop ours from being added', () => {
    expect(plan({ ingestion: anIngestion({ finalizers: ['x'] }), jobs: [] }, NOW).kind).toBe('addFinalizer');
    expect(plan({ ingestion: anIngestion({ finalizers: ['x', FINALIZER] }), jobs: [] }, NOW).kind).toBe(
      'reconcile',
    );
  });
});

describe('plan under faults (issue 19)', () => {
  const running = () => reconcile(plan({ ingestion: anIngestion(), jobs: [] }, NOW)).status;

  it('refuses an ingestion whose video has no row, at once, as BadInput, and stops what it started', () => {
    const probe = aJob('probe');
    const p = reconcile(
      plan({ ingestion: anIngestion({ status: running() }), jobs: [probe], videoMissing: true }, NOW),
    );
    expect(p.create).toEqual([]);
    expect(p.stop).toEqual([probe.name]);
    expect(p.status).toMatchObject({ phase: 'Failed', errorCategory: 'BadInput' });
    expect(p.status.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      status: 'True',
      reason: 'VideoMissing',
      message: expect.stringMatching(/is not in the database \(it was deleted, or never uploaded\)/),
    });
    // Not the file's fault, and not a file of its own to judge: FAILED_SOURCES leaves the original alone.
    expect(p.releaseSource).toBeUndefined();
    // It stays refused, even if a row of that id appears later.
    const again = reconcile(plan({ ingestion: anIngestion({ status: p.status }), jobs: [] }, later));
    expect(again.status.phase).toBe('Failed');
    expect(again.create).toEqual([]);
  });

  it('says whose the failure is for FAILED_SOURCES, once, on the transition to Failed', () => {
    const bad = aJob('probe', { phase: 'Failed', exitCode: 42, failureReason: 'PodFailurePolicy' });
    const p = reconcile(plan({ ingestion: anIngestion(), jobs: [bad] }, NOW));
    expect(p.releaseSource).toBe('bad-input');
    expect(
      reconcile(plan({ ingestion: anIngestion({ status: p.status }), jobs: [bad] }, later)).releaseSource,
    ).toBeUndefined();
    const internal = aJob('probe', { phase: 'Failed', exitCode: 43, failureReason: 'PodFailurePolicy' });
    expect(reconcile(plan({ ingestion: anIngestion(), jobs: [internal] }, NOW)).releaseSource).toBe('failed');
    const dup = reconcile(plan({ ingestion: anIngestion(), jobs: [], duplicateOf: 'first' }, NOW));
    expect(dup.releaseSource).toBeUndefined();
  });

  it('never runs a stage twice at once: a pod left by a Job deleted with --cascade=orphan is stopped first', () => {
    const status = running();
    const stray = { stage: 'probe' as const, name: 'probe-pod-1', stopping: false };
    // The Job is gone; its pod still runs.
    const p = reconcile(plan({ ingestion: anIngestion({ status }), jobs: [], strays: [stray] }, NOW));
    expect(p.create).toEqual([]);
    expect(p.stopStrays).toEqual(['probe-pod-1']);
    expect(p.status.stages?.find((s) => s.name === 'probe')).toMatchObject({
      state: 'Pending',
      message: expect.stringContaining('probe-pod-1'),
    });
    // Stopping: asked once, still waited for.
    const stopping = reconcile(
      plan(
        { ingestion: anIngestion({ status: p.status }), jobs: [], strays: [{ ...stray, stopping: true }] },
        NOW,
      ),
    );
    expect(stopping.create).toEqual([]);
    expect(stopping.stopStrays).toEqual([]);
    // Gone: the stage starts again.
    const gone = reconcile(plan({ ingestion: anIngestion({ status: stopping.status }), jobs: [] }, later));
    expect(gone.create).toEqual(['probe']);
  });

  it('does not count the attempt of a Job deleted by hand while it ran, and reports the new run', () => {
    const status = running();
    const probe = status.stages!.find((s) => s.name === 'probe')!;
    expect(probe.attempts).toBe(1);
    const p = reconcile(
      plan({ ingestion: anIngestion({ status }), jobs: [], interrupted: ['probe'] }, later),
    );
    expect(p.create).toEqual(['probe']);
    expect(p.status.stages?.find((s) => s.name === 'probe')).toMatchObject({
      state: 'Running',
      attempts: 1,
      interruptions: 1,
    });
    expect(p.events.map((e) => e.reason)).toEqual(['StageInterrupted', 'StageStarted']);
    const firstStart = reconcile(plan({ ingestion: anIngestion(), jobs: [] }, NOW)).events[0]!.key;
    expect(p.events[1]!.key).not.toBe(firstStart);
  });

  it('starts a stage again only once the earlier Job of the name it needs is gone', () => {
    // Deleted by hand with --cascade=orphan: the Job lingers, being deleted, after its run went.
    const going = aJob('probe', { deleting: true });
    const p = reconcile(
      plan({ ingestion: anIngestion({ status: running() }), jobs: [going], interrupted: ['probe'] }, later),
    );
    expect(p.create).toEqual([]);
    expect(p.status.stages?.find((s) => s.name === 'probe')).toMatchObject({
      state: 'Pending',
      interruptions: 1,
      message: `waiting for its earlier Job ${going.name} to go`,
    });
    const gone = reconcile(plan({ ingestion: anIngestion({ status: p.status }), jobs: [] }, later));
    expect(gone.create).toEqual(['probe']);
    expect(gone.status.stages?.find((s) => s.name === 'probe')).toMatchObject({
      state: 'Running',
      interruptions: 1,
    });
  });

  it('names a start the same whether it is seen starting or only once it has ended', () => {
    const started = reconcile(plan({ ingestion: anIngestion(), jobs: [] }, NOW));
    // The status write was lost (a restart): the next look finds the Job done after retries.
    const done = aJob('probe', {
      phase: 'Complete',
      attempts: 3,
      result: { outcome: 'Succeeded', outputs: {} },
    });
    const seen = reconcile(plan({ ingestion: anIngestion(), jobs: [done] }, later));
    const key = (p: Reconcile) => p.events.find((e) => e.reason === 'StageStarted')?.key;
    expect(key(seen)).toBe(key(started));
  });

  it('holds stages back while a dependency is away, spends no re-run on it, and starts them once it is back', () => {
    const failed = aJob('probe', {
      phase: 'Failed',
      exitCode: 1,
      failureReason: 'BackoffLimitExceeded',
      attempts: 3,
    });
    const p = reconcile(
      plan({ ingestion: anIngestion({ status: running() }), jobs: [failed], waitingFor: ['storage'] }, NOW),
    );
    expect(p.stop).toEqual([failed.name]);
    expect(p.create).toEqual([]);
    const probe = p.status.stages!.find((s) => s.name === 'probe')!;
    expect(probe).toMatchObject({ state: 'Pending', message: expect.stringContaining('storage') });
    expect(probe.reruns).toBeUndefined();
    expect(probe.retryAt).toBeUndefined();
    expect(p.status.message).toBe('waiting for storage to come back');
    expect(p.status.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('WaitingForDependency');
    // Still away, the failed Job still listed: nothing changes.
    const still = reconcile(
      plan({ ingestion: anIngestion({ status: p.status }), jobs: [failed], waitingFor: ['storage'] }, later),
    );
    expect(still.create).toEqual([]);
    expect(still.status.stages?.find((s) => s.name === 'probe')?.state).toBe('Pending');
    // Back, and the failed Job removed: it starts at once, without a pause.
    const back = reconcile(plan({ ingestion: anIngestion({ status: still.status }), jobs: [] }, later));
    expect(back.create).toEqual(['probe']);
    expect(back.status.stages?.find((s) => s.name === 'probe')?.reruns).toBeUndefined();
  });

  it('takes the re-run window from its settings', () => {
    const failed = aJob('probe', {
      phase: 'Failed',
      exitCode: 1,
      failureReason: 'BackoffLimitExceeded',
      attempts: 3,
    });
    const observed = { ingestion: anIngestion({ status: running() }), jobs: [failed] };
    const rerun = reconcile(plan(observed, NOW)).status;
    expect(rerun.phase).not.toBe('Failed');
    expect(rerun.stages?.find((s) => s.name === 'probe')).toMatchObject({ state: 'Pending', reruns: 1 });
    const noWindow = reconcile(plan(observed, NOW, undefined, { transientWindowMs: 0 }));
    expect(noWindow.status).toMatchObject({ phase: 'Failed', errorCategory: 'Transient' });
  });
});

describe('plan when a finished run is being deleted', () => {
  it('keeps the outcome of a run that completed, even while its Job is being deleted', () => {
    const status = reconcile(plan({ ingestion: anIngestion(), jobs: [] }, NOW)).status;
    const done = aJob('probe', {
      phase: 'Complete',
      deleting: true,
      result: { outcome: 'Succeeded', outputs: {} },
    });
    const p = reconcile(plan({ ingestion: anIngestion({ status }), jobs: [done] }, later));
    expect(p.status.stages?.find((s) => s.name === 'probe')?.state).toBe('Succeeded');
    expect(p.create).not.toContain('probe');
  });
});
