import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { adoptFinishedPod, observeJob } from './observe.js';
import { aTerminatedPod } from './testing/builders.js';

const job = (status: V1Job['status'], extra: Partial<V1Job['spec']> = {}): V1Job => ({
  metadata: { name: 'v-asr-1', labels: { 'heimdex.io/stage': 'asr' } },
  spec: { template: {}, ...extra },
  status,
});
const pod = aTerminatedPod;

describe('observeJob', () => {
  it('sees a running Job as active with its attempts', () => {
    expect(
      observeJob(job({ active: 1, failed: 1, startTime: '2030-01-01T00:00:00Z' as unknown as Date }), []),
    ).toMatchObject({
      stage: 'asr',
      phase: 'Active',
      attempts: 2,
      startedAt: '2030-01-01T00:00:00.000Z',
    });
  });

  it('reads the stage result from the last terminated pod', () => {
    const o = observeJob(job({ succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] }), [
      pod(1, 'old', '2030-01-01T00:00:01Z'),
      pod(0, '{"outcome":"Skipped","message":"no audio"}'),
    ]);
    expect(o).toMatchObject({
      phase: 'Complete',
      exitCode: 0,
      result: { outcome: 'Skipped', message: 'no audio' },
    });
  });

  it('takes the exit code from the failure policy message when the pod is gone', () => {
    const o = observeJob(
      job({
        failed: 1,
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'PodFailurePolicy',
            message: 'Container stage for pod ns/p failed with exit code 42 matching FailJob rule at index 0',
          },
        ],
      }),
      [],
    );
    expect(o).toMatchObject({ phase: 'Failed', failureReason: 'PodFailurePolicy', exitCode: 42 });
  });

  it('treats FailureTarget as failed already', () => {
    expect(
      observeJob(
        job({ conditions: [{ type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded' }] }),
        [],
      )?.phase,
    ).toBe('Failed');
  });

  it('sees a suspended Job as waiting for Kueue', () => {
    expect(observeJob(job({}, { suspend: true }), [])?.phase).toBe('Suspended');
  });

  it('ignores Jobs without a known stage label', () => {
    expect(
      observeJob({ metadata: { name: 'x', labels: { 'heimdex.io/stage': 'nope' } } }, []),
    ).toBeUndefined();
  });

  it('ignores log text that is not a result', () => {
    expect(observeJob(job({ failed: 1 }), [pod(1, 'Traceback: boom')])?.result).toBeUndefined();
  });
});

describe('adoptFinishedPod', () => {
  const of = (p: V1Pod, phase: string, jobName = 'v-asr-1'): V1Pod => ({
    ...p,
    metadata: { labels: { 'job-name': jobName } },
    status: { ...p.status, phase },
  });
  const ok = JSON.stringify({ outcome: 'Succeeded', outputs: { sceneCount: 2 } });

  it('takes the success of a pod whose Job was deleted before it said Complete', () => {
    expect(adoptFinishedPod([of(pod(0, ok), 'Succeeded')], 'v-asr-1', 'asr')).toMatchObject({
      stage: 'asr',
      phase: 'Complete',
      result: { outcome: 'Succeeded', outputs: { sceneCount: 2 } },
    });
  });

  it('takes nothing from a failed pod, one without a result, or another Job’s pod', () => {
    const failed = JSON.stringify({ outcome: 'Failed', category: 'BadInput', message: 'x' });
    expect(adoptFinishedPod([of(pod(42, failed), 'Failed')], 'v-asr-1', 'asr')).toBeUndefined();
    expect(adoptFinishedPod([of(pod(0), 'Succeeded')], 'v-asr-1', 'asr')).toBeUndefined();
    expect(adoptFinishedPod([of(pod(0, ok), 'Succeeded', 'other-asr-2')], 'v-asr-1', 'asr')).toBeUndefined();
    expect(adoptFinishedPod([of(pod(0, ok), 'Running')], 'v-asr-1', 'asr')).toBeUndefined();
  });
});
