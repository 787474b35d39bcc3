// The re-embed decision inside the shared plan: a model change reruns only the embed stage of the changed kind and
// index, with Jobs of their own round, keeps the video indexed throughout, and records the new models at the end.
import { describe, expect, it } from 'vitest';
import type { VideoIngestionStatus } from '../crd/videoingestion.js';
import type { StageName } from '../dag.js';
import { stageJobName } from './names.js';
import type { StageObservation } from './observation.js';
import { type Plan, plan } from './plan.js';
import { reembedProgress, wantedModels } from './reembed.js';
import { aJob, anIngestion, NOW, UID } from './testing.js';

type Reconcile = Extract<Plan, { kind: 'reconcile' }>;
const reconcile = (p: Plan): Reconcile => {
  if (p.kind !== 'reconcile') throw new Error(`expected a reconcile plan, got ${p.kind}`);
  return p;
};
const OLD = { text: 'tiny-bge-m3', vision: 'tiny-siglip2' };

/**
 * Drives the plan to the end as the cluster would: created Jobs complete at once; index reports the models it
 * wrote (the ones its round embedded with). Earlier runs' Jobs stay listed, as a finished Job does until its TTL.
 */
function drive(
  status: VideoIngestionStatus | undefined,
  models: { text: string; vision: string },
  embeddedWith = models,
) {
  const jobs: StageObservation[] = [];
  const created: { stage: StageName; job: string }[] = [];
  let last: Reconcile | undefined;
  for (let i = 0; i < 40; i++) {
    const p = reconcile(plan({ ingestion: anIngestion({ status }), jobs, models }, NOW));
    for (const stage of p.create) {
      const job = p.status.stages!.find((s) => s.name === stage)!.job!;
      created.push({ stage, job });
      const outputs: Record<string, string> =
        stage === 'index' ? { visionModel: embeddedWith.vision, textModel: embeddedWith.text } : {};
      jobs.push(
        aJob(stage, {
          name: job,
          phase: 'Complete',
          finishedAt: NOW.toISOString(),
          result: { outcome: 'Succeeded', outputs },
        }),
      );
    }
    status = p.status;
    last = p;
    if (!p.statusChanged && p.create.length === 0) return { status: status!, created, last, jobs };
  }
  throw new Error('did not settle');
}

describe('re-embedding after a model change', () => {
  const indexed = drive(undefined, OLD);

  it('a first run records the models the vectors are of and starts nothing more', () => {
    expect(indexed.status.phase).toBe('Succeeded');
    expect(indexed.status.vectorModels).toEqual(OLD);
    expect(indexed.status.reembed).toBeUndefined();
    expect(indexed.last.db.video.state).toBe('indexed');
  });

  it('a new text model reruns embed-text, embed-screen and index only, as Jobs of round 1, and the video stays indexed meanwhile', () => {
    const want = { ...OLD, text: 'multilingual-e5-small' };
    const first = reconcile(
      plan({ ingestion: anIngestion({ status: indexed.status }), jobs: indexed.jobs, models: want }, NOW),
    );
    // Both embed the text model's vectors: the transcript's and what is on screen.
    expect(first.create).toEqual(['embed-text', 'embed-screen']);
    expect(first.status.phase).toBe('Running');
    expect(first.status.reembed).toEqual({
      round: 1,
      text: { from: OLD.text, to: 'multilingual-e5-small' },
      startedAt: NOW.toISOString(),
    });
    expect(first.status.stages!.find((s) => s.name === 'embed-text')).toMatchObject({
      state: 'Running',
      round: 1,
      job: stageJobName('video-1', UID, 'embed-text', 1),
    });
    // The first run's Jobs are there (not yet removed by their TTL) and do not count as this round's.
    expect(first.status.stages!.find((s) => s.name === 'index')).toMatchObject({
      state: 'Pending',
      round: 1,
    });
    expect(first.db.video).toEqual({
      state: null,
      errorText: null,
      errorCategory: null,
      durationSeconds: null,
    });
    expect(reembedProgress(first.status)).toEqual({ done: 0, of: 3 });

    const after = drive(indexed.status, want);
    expect(after.created.map((c) => c.stage)).toEqual(['embed-text', 'embed-screen', 'index']);
    expect(after.created.map((c) => c.job)).toEqual([
      stageJobName('video-1', UID, 'embed-text', 1),
      stageJobName('video-1', UID, 'embed-screen', 1),
      stageJobName('video-1', UID, 'index', 1),
    ]);
    expect(after.status.phase).toBe('Succeeded');
    expect(after.status.vectorModels).toEqual(want);
    expect(after.status.reembed).toMatchObject({ round: 1, finishedAt: NOW.toISOString() });
    expect(reembedProgress(after.status)).toEqual({ done: 3, of: 3 });
    // probe, audio, asr, shots, keyframes, embed-vision, ocr and objects kept their first results.
    for (const s of after.status.stages!.filter(
      (x) => !['embed-text', 'embed-screen', 'index'].includes(x.name),
    ))
      expect(s).toEqual(indexed.status.stages!.find((x) => x.name === s.name));
    expect(after.last.db.video.state).toBe('indexed');
    // Nothing more to do with the same models.
    expect(drive(after.status, want).created).toEqual([]);
  });

  it('a change of both models reruns both embed stages; a second change is round 2', () => {
    const both = { text: 'multilingual-e5-small', vision: 'siglip2-so400m-patch14-384' };
    const once = drive(indexed.status, both);
    expect(once.created.map((c) => c.stage).sort()).toEqual([
      'embed-screen',
      'embed-text',
      'embed-vision',
      'index',
    ]);
    const twice = drive(once.status, { ...both, text: 'bge-m3' });
    expect(twice.created.map((c) => c.job)).toEqual([
      stageJobName('video-1', UID, 'embed-text', 2),
      stageJobName('video-1', UID, 'embed-screen', 2),
      stageJobName('video-1', UID, 'index', 2),
    ]);
    expect(twice.status.reembed).toMatchObject({ round: 2, text: { from: both.text, to: 'bge-m3' } });
  });

  it('does not start another round when the last one ended with vectors of another model than it ran for', () => {
    // The stages embed with the old model whatever the executor wants (a stage setting naming it): one round runs,
    // ends, and the video is left as it is rather than re-embedded again and again.
    const want = { ...OLD, vision: 'siglip2-so400m-patch14-384' };
    const once = drive(indexed.status, want, OLD);
    expect(once.created.map((c) => c.stage).sort()).toEqual(['embed-vision', 'index']);
    expect(once.status.reembed).toMatchObject({ round: 1, vision: { to: want.vision } });
    expect(once.status.reembed?.finishedAt).toBeDefined();
    expect(once.status.vectorModels).toEqual(OLD);
    expect(drive(once.status, want, OLD).created).toEqual([]);
    // A model asked for after that is a new round again.
    expect(
      drive(once.status, { ...want, text: 'bge-m3' }, OLD)
        .created.map((c) => c.stage)
        .sort(),
    ).toEqual(['embed-screen', 'embed-text', 'index']);
  });

  it('a video without text vectors is not re-embedded for a text model, and a failed video not at all', () => {
    const noText: VideoIngestionStatus = { ...indexed.status, vectorModels: { vision: OLD.vision } };
    expect(drive(noText, { ...OLD, text: 'multilingual-e5-small' }).created).toEqual([]);
    const failed: VideoIngestionStatus = {
      ...indexed.status,
      phase: 'Failed',
      stages: indexed.status.stages!.map((s) =>
        s.name === 'index' ? { ...s, state: 'Failed', category: 'Internal', message: 'x' } : s,
      ),
    };
    expect(drive(failed, { ...OLD, text: 'multilingual-e5-small' }).created).toEqual([]);
  });

  it('a failed re-embed leaves the video indexed, without an error of its own', () => {
    const want = { ...OLD, text: 'multilingual-e5-small' };
    const started = reconcile(
      plan({ ingestion: anIngestion({ status: indexed.status }), jobs: [], models: want }, NOW),
    );
    const job = started.status.stages!.find((s) => s.name === 'embed-text')!.job!;
    const failed = reconcile(
      plan(
        {
          ingestion: anIngestion({ status: started.status }),
          jobs: [
            aJob('embed-text', {
              name: job,
              phase: 'Failed',
              exitCode: 43,
              failureReason: 'PodFailurePolicy',
            }),
          ],
          models: want,
        },
        NOW,
      ),
    );
    expect(failed.status.phase).toBe('Failed');
    expect(failed.db.video).toMatchObject({ state: null, errorText: null });
  });

  it('stages the DAG gained since the video was indexed run in a round of their own, then index, and the video stays indexed', () => {
    // A video indexed before the objects stage existed: its status has no entry for it (an upgrade).
    const before = {
      ...indexed.status,
      stages: indexed.status.stages!.filter((s) => s.name !== 'objects'),
    };
    const first = reconcile(
      plan({ ingestion: anIngestion({ status: before }), jobs: indexed.jobs, models: OLD }, NOW),
    );
    expect(first.create).toEqual(['objects']);
    expect(first.status.reembed).toEqual({ round: 1, added: ['objects'], startedAt: NOW.toISOString() });
    expect(first.status.stages!.find((s) => s.name === 'index')).toMatchObject({
      state: 'Pending',
      round: 1,
    });
    expect(first.db.video.state).toBeNull();

    const after = drive(before, OLD);
    expect(after.created.map((c) => c.job)).toEqual([
      stageJobName('video-1', UID, 'objects', 1),
      stageJobName('video-1', UID, 'index', 1),
    ]);
    expect(after.status.phase).toBe('Succeeded');
    expect(after.status.reembed).toMatchObject({
      round: 1,
      added: ['objects'],
      finishedAt: NOW.toISOString(),
    });
    // Every other stage kept its first result, and the models did not change.
    for (const s of after.status.stages!.filter((x) => !['objects', 'index'].includes(x.name)))
      expect(s).toEqual(indexed.status.stages!.find((x) => x.name === s.name));
    expect(after.status.vectorModels).toEqual(OLD);
    expect(after.last.db.video.state).toBe('indexed');
    expect(drive(after.status, OLD).created).toEqual([]);
  });

  it('a video indexed before embed-screen existed gets its screen vectors in an added round: embed-screen, then index', () => {
    const before = {
      ...indexed.status,
      stages: indexed.status.stages!.filter((s) => s.name !== 'embed-screen'),
    };
    const after = drive(before, OLD);
    expect(after.created.map((c) => c.job)).toEqual([
      stageJobName('video-1', UID, 'embed-screen', 1),
      stageJobName('video-1', UID, 'index', 1),
    ]);
    expect(after.status.reembed).toMatchObject({ round: 1, added: ['embed-screen'] });
    expect(after.status.phase).toBe('Succeeded');
    expect(after.last.db.video.state).toBe('indexed');
  });

  it('a stage left out of spec.stages on purpose is not one the DAG gained', () => {
    // embed-screen needs objects: a run without objects leaves it out too.
    const subset = indexed.status.stages!.filter((s) => !['objects', 'embed-screen'].includes(s.name));
    const stages = subset.map((s) => s.name);
    const p = reconcile(
      plan(
        {
          ingestion: anIngestion({ stages, status: { ...indexed.status, stages: subset } }),
          jobs: indexed.jobs,
          models: OLD,
        },
        NOW,
      ),
    );
    expect(p.create).toEqual([]);
    expect(p.status.reembed).toBeUndefined();
  });

  it('the wanted models are the spec’s overrides, else the executor’s defaults', () => {
    const spec = anIngestion().spec;
    expect(wantedModels(spec, OLD)).toEqual(OLD);
    expect(wantedModels({ ...spec, models: { textEmbedding: 'bge-m3' } }, OLD)).toEqual({
      ...OLD,
      text: 'bge-m3',
    });
  });
});
