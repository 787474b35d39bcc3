import { describe, expect, it } from 'vitest';
import {
  initialStates,
  progressOf,
  propagateSkips,
  readyStages,
  STAGE_NAMES,
  STAGES,
  type StageStates,
  stage,
  validateStageSubset,
} from './dag.js';

/** All stages Pending, then the given ones overridden. */
const run = (states: StageStates = {}): StageStates => ({ ...initialStates(), ...states });

describe('the stage DAG', () => {
  it('lists every stage, each after everything it needs', () => {
    expect(STAGE_NAMES).toEqual([
      'probe',
      'audio',
      'asr',
      'shots',
      'keyframes',
      'embed-vision',
      'embed-text',
      'ocr',
      'objects',
      'embed-screen',
      'index',
    ]);
    STAGES.forEach((s, i) => {
      for (const need of s.needs) expect(STAGE_NAMES.indexOf(need)).toBeLessThan(i);
    });
  });

  it('runs speech recognition and the three embedding stages on GPU, the rest on CPU', () => {
    expect(STAGES.filter((s) => s.resource === 'gpu').map((s) => s.name)).toEqual([
      'asr',
      'embed-vision',
      'embed-text',
      'embed-screen',
    ]);
  });

  it('marks the stages that read model files, on CPU too (ocr, objects), so their Jobs get the models volume', () => {
    expect(STAGES.filter((s) => s.models).map((s) => s.name)).toEqual([
      'asr',
      'embed-vision',
      'embed-text',
      'ocr',
      'objects',
      'embed-screen',
    ]);
  });

  it('lets index go ahead without text embeddings, screen text or objects but not without image embeddings', () => {
    expect(stage('index').optional).toEqual(['embed-text', 'ocr', 'objects', 'embed-screen']);
    expect(stage('embed-screen')).toMatchObject({ needs: ['ocr', 'objects'], optional: ['ocr', 'objects'] });
    expect(stage('ocr')).toMatchObject({ needs: ['keyframes'], resource: 'cpu' });
    expect(stage('objects')).toMatchObject({ needs: ['keyframes'], resource: 'cpu' });
    expect(stage('embed-text').needs).toEqual(['asr', 'shots']);
  });
});

describe('ready stages', () => {
  it('starts with probe alone', () => {
    expect(readyStages(run())).toEqual(['probe']);
  });

  it('starts audio and shots side by side once probe succeeded', () => {
    expect(readyStages(run({ probe: 'Succeeded' }))).toEqual(['audio', 'shots']);
  });

  it('waits for both asr and shots before embedding text', () => {
    const states = run({ probe: 'Succeeded', audio: 'Succeeded', asr: 'Running', shots: 'Succeeded' });
    expect(readyStages(states)).toEqual(['keyframes']);
    expect(readyStages({ ...states, asr: 'Succeeded' })).toEqual(['keyframes', 'embed-text']);
  });

  it('never offers a stage that is already running, done or failed', () => {
    expect(readyStages(run({ probe: 'Running' }))).toEqual([]);
    expect(readyStages(run({ probe: 'Failed' }))).toEqual([]);
    expect(readyStages({ probe: 'Succeeded', audio: 'Succeeded' })).toEqual([]);
  });

  it('does not start a stage whose input a skipped stage never produced', () => {
    expect(
      readyStages(run({ probe: 'Succeeded', audio: 'Succeeded', asr: 'Skipped', shots: 'Succeeded' })),
    ).toEqual(['keyframes']);
  });

  it('still reads subtitles (asr) when a silent video skipped audio', () => {
    expect(readyStages(run({ probe: 'Succeeded', audio: 'Skipped' }))).toEqual(['asr', 'shots']);
  });

  it('indexes from pictures alone once text embedding was skipped', () => {
    const states = run({
      probe: 'Succeeded',
      audio: 'Skipped',
      asr: 'Skipped',
      shots: 'Succeeded',
      keyframes: 'Succeeded',
      'embed-vision': 'Succeeded',
      'embed-text': 'Skipped',
      ocr: 'Succeeded',
      objects: 'Succeeded',
    });
    expect(readyStages(states)).toEqual(['embed-screen']);
    expect(readyStages({ ...states, 'embed-screen': 'Succeeded' })).toEqual(['index']);
    expect(readyStages({ ...states, 'embed-screen': 'Skipped' })).toEqual(['index']);
  });

  it('embeds what is on screen when ocr or objects ran, even with the other skipped', () => {
    const states = run({ probe: 'Succeeded', shots: 'Succeeded', keyframes: 'Succeeded' });
    expect(readyStages({ ...states, ocr: 'Skipped', objects: 'Succeeded' })).toContain('embed-screen');
    expect(readyStages({ ...states, ocr: 'Succeeded', objects: 'Skipped' })).toContain('embed-screen');
    expect(readyStages({ ...states, ocr: 'Succeeded', objects: 'Pending' })).not.toContain('embed-screen');
  });

  it('only considers the stages of the run', () => {
    expect(readyStages({ probe: 'Succeeded', shots: 'Pending', keyframes: 'Pending' })).toEqual(['shots']);
  });
});

describe('skipping', () => {
  it('skips text embedding when there is no transcript (no audio, no subtitles), but still indexes', () => {
    expect(propagateSkips(run({ probe: 'Succeeded', audio: 'Skipped' })).asr).toBe('Pending');
    const next = propagateSkips(run({ probe: 'Succeeded', audio: 'Skipped', asr: 'Skipped' }));
    expect(next).toMatchObject({
      asr: 'Skipped',
      'embed-text': 'Skipped',
      shots: 'Pending',
      index: 'Pending',
    });
  });

  it('skips embed-screen without a run when ocr and objects both skipped (no GPU slot for nothing), and still indexes', () => {
    const states = run({
      probe: 'Succeeded',
      shots: 'Succeeded',
      keyframes: 'Succeeded',
      'embed-vision': 'Succeeded',
      ocr: 'Skipped',
      objects: 'Skipped',
    });
    const next = propagateSkips(states);
    expect(next['embed-screen']).toBe('Skipped');
    expect(next.index).toBe('Pending');
    expect(readyStages(states)).not.toContain('embed-screen');
  });

  it('leaves stages that already ran alone and does not change its argument', () => {
    const states = run({ probe: 'Succeeded', audio: 'Skipped', asr: 'Succeeded' });
    const next = propagateSkips(states);
    expect(next.asr).toBe('Succeeded');
    expect(next['embed-text']).toBe('Pending');
    expect(states).toEqual(run({ probe: 'Succeeded', audio: 'Skipped', asr: 'Succeeded' }));
  });

  it('changes nothing when nothing was skipped', () => {
    const states = run({ probe: 'Succeeded', audio: 'Succeeded' });
    expect(propagateSkips(states)).toEqual(states);
  });
});

describe('stage subsets', () => {
  it('accepts a list closed under its needs and returns it in pipeline order', () => {
    expect(validateStageSubset(['shots', 'probe', 'keyframes', 'shots'])).toEqual({
      ok: true,
      stages: ['probe', 'shots', 'keyframes'],
    });
    expect(validateStageSubset(STAGE_NAMES)).toEqual({ ok: true, stages: STAGE_NAMES });
  });

  it('says which needs are missing', () => {
    const result = validateStageSubset(['probe', 'asr', 'embed-text']);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      'asr needs audio, which is not in the list',
      'embed-text needs shots, which is not in the list',
    ]);
  });

  it('names every missing need of a stage at once', () => {
    const result = validateStageSubset(['index']);
    expect(!result.ok && result.problems).toEqual([
      'index needs embed-vision and embed-text and ocr and objects and embed-screen, which are not in the list',
    ]);
  });

  it('names unknown stages and refuses an empty list', () => {
    const unknown = validateStageSubset(['probe', 'faces']);
    expect(!unknown.ok && unknown.problems[0]).toMatch(
      /unknown stage\(s\) faces; known stages are probe, audio/,
    );
    expect(validateStageSubset([])).toEqual({ ok: false, problems: ['at least one stage is required'] });
  });

  it('starts a run of a subset with just those stages pending', () => {
    expect(initialStates(['shots', 'probe'])).toEqual({ probe: 'Pending', shots: 'Pending' });
  });
});

describe('progress', () => {
  it('is 0 before anything ran and 100 when every stage succeeded or was skipped', () => {
    expect(progressOf(run())).toBe(0);
    const done = Object.fromEntries(STAGE_NAMES.map((n) => [n, 'Succeeded'])) as StageStates;
    expect(progressOf({ ...done, audio: 'Skipped', asr: 'Skipped', 'embed-text': 'Skipped' })).toBe(100);
  });

  it('counts a running stage as half done and stays below 100 until the end', () => {
    // (1 + ½) of every stage.
    const n = STAGE_NAMES.length;
    expect(progressOf(run({ probe: 'Succeeded', audio: 'Running' }))).toBe(Math.floor(150 / n));
    const almost = Object.fromEntries(STAGE_NAMES.map((n) => [n, 'Succeeded'])) as StageStates;
    expect(progressOf({ ...almost, index: 'Running' })).toBe(Math.floor(((n - 0.5) * 100) / n));
  });

  it('measures a subset run against its own stages', () => {
    expect(progressOf({ probe: 'Succeeded', shots: 'Pending' })).toBe(50);
    expect(progressOf({})).toBe(0);
  });
});
