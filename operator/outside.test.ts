import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { stageJobName } from '../core/ingestion/names.js';
import { aJob, anIngestion, UID } from '../core/ingestion/testing.js';
import { createLogger } from '../core/log.js';
import { OutsideChanges } from './outside.js';
import { aTerminatedPod } from './testing/builders.js';

const log = createLogger('test', 'silent');
const vi = anIngestion();
const key = `${vi.metadata.namespace}/${vi.metadata.name}`;
const jobName = stageJobName(vi.metadata.name!, UID, 'shots');
const job = (over: Partial<V1Job['status']> = {}, deleting = false): V1Job => ({
  metadata: {
    name: jobName,
    namespace: vi.metadata.namespace,
    uid: 'job-uid',
    labels: { 'heimdex.io/stage': 'shots' },
    ownerReferences: [
      {
        apiVersion: 'heimdex.io/v1alpha1',
        kind: 'VideoIngestion',
        name: 'video-1',
        uid: UID,
        controller: true,
      },
    ],
    ...(deleting ? { deletionTimestamp: new Date() } : {}),
  },
  status: over,
});
const pod = (phase: string, exitCode?: number): V1Pod => {
  const done =
    exitCode === undefined
      ? {}
      : aTerminatedPod(exitCode, JSON.stringify({ outcome: 'Succeeded', outputs: {} }));
  return {
    metadata: {
      name: `${jobName}-abcde`,
      namespace: vi.metadata.namespace,
      labels: { 'heimdex.io/stage': 'shots', 'heimdex.io/ingestion': 'video-1', 'job-name': jobName },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid: 'job-uid' }],
    },
    status: { ...done.status, phase },
  };
};

describe('OutsideChanges', () => {
  it('tells a running Job deleted by hand from one the operator deleted, or one a TTL removed', () => {
    const o = new OutsideChanges(log);
    o.deletingJob(jobName);
    o.jobChanged(job({ active: 1 }), [], true);
    expect(o.interruptedOf(key)).toBeUndefined();
    o.jobChanged(job({ conditions: [{ type: 'Complete', status: 'True' }] }), [], true);
    expect(o.interruptedOf(key)).toBeUndefined();
    o.jobChanged(job({ active: 1 }, true), [], false);
    expect(o.interruptedOf(key)).toEqual(['shots']);
    o.settled(key, []);
    expect(o.interruptedOf(key)).toBeUndefined();
  });

  it('calls a pod no live Job owns a stray, and one of a live Job not', () => {
    const o = new OutsideChanges(log);
    expect(o.observe(vi, [], new Set(), [pod('Running')]).strays).toEqual([
      { stage: 'shots', name: `${jobName}-abcde`, stopping: false },
    ]);
    expect(o.observe(vi, [], new Set(['job-uid']), [pod('Running')]).strays).toEqual([]);
  });

  it('keeps the success of a pod that went as it succeeded, until the status has it', () => {
    const o = new OutsideChanges(log);
    o.podGone(pod('Succeeded', 0));
    expect(o.observe(vi, [], new Set(), []).kept).toMatchObject([
      { stage: 'shots', phase: 'Complete', name: jobName },
    ]);
    // Another resource of the same name (another uid) takes nothing of it.
    const other = anIngestion();
    other.metadata.uid = 'another-uid';
    expect(o.observe(other, [], new Set(), []).kept).toEqual([]);
    o.settled(key, ['shots']);
    expect(o.observe(vi, [], new Set(), []).kept).toEqual([]);
  });

  it('adopts the success of a re-embed round run by the Job name of its round, past the first round Job', () => {
    const o = new OutsideChanges(log);
    const round = stageJobName(vi.metadata.name!, UID, 'shots', 1);
    const inRound = anIngestion({
      status: { phase: 'Succeeded', stages: [{ name: 'shots', state: 'Running', job: round, round: 1 }] },
    });
    const roundPod = pod('Succeeded', 0);
    roundPod.metadata!.labels!['job-name'] = round;
    // The first round's Job (finished long ago) is still there; the round's Job was deleted as its pod succeeded.
    const first = aJob('shots', { phase: 'Complete' });
    expect(o.observe(inRound, [first], new Set(), [roundPod]).kept).toMatchObject([
      { stage: 'shots', phase: 'Complete', name: round },
    ]);
  });

  it('names the Running stages whose Job is gone and was not deleted by the operator', () => {
    const o = new OutsideChanges(log);
    const running = anIngestion({
      status: { phase: 'Running', stages: [{ name: 'shots', state: 'Running', job: jobName }] },
    });
    expect(o.vanished(running, [aJob('shots')])).toEqual([]);
    expect(o.vanished(running, [aJob('shots', { deleting: true })])).toEqual([
      { name: 'shots', job: jobName },
    ]);
    expect(o.vanished(running, [])).toEqual([{ name: 'shots', job: jobName }]);
    // A finished run kept as it went is not gone; one the operator deletes is not someone's hand.
    expect(o.vanished(running, [aJob('shots', { phase: 'Complete', deleting: true })])).toEqual([]);
    o.deletingJob(jobName);
    expect(o.vanished(running, [])).toEqual([]);
  });
});
