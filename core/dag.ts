// The ingestion pipeline's stage DAG as data, and the pure rules the operator and the standalone runner share.

export const STAGE_STATES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Skipped'] as const;
export type StageState = (typeof STAGE_STATES)[number];

export type StageResource = 'cpu' | 'gpu';

// Listed in topological order; the order is also the order the CRD enum and `kubectl` output show.
const DEFINITIONS = [
  { name: 'probe', needs: [], resource: 'cpu', optional: [] },
  { name: 'audio', needs: ['probe'], resource: 'cpu', optional: [] },
  // A silent video can still carry subtitles, which asr reads: it runs even when audio was skipped.
  { name: 'asr', needs: ['audio'], resource: 'gpu', optional: ['audio'], models: true },
  // A GPU shot model is optional; the default detector runs on CPU, so the stage is scheduled as CPU.
  { name: 'shots', needs: ['probe'], resource: 'cpu', optional: [] },
  { name: 'keyframes', needs: ['shots'], resource: 'cpu', optional: [] },
  { name: 'embed-vision', needs: ['keyframes'], resource: 'gpu', optional: [], models: true },
  { name: 'embed-text', needs: ['asr', 'shots'], resource: 'gpu', optional: [], models: true },
  // On-screen text: the text detector is small enough for CPU, and Tesseract has no GPU path.
  { name: 'ocr', needs: ['keyframes'], resource: 'cpu', optional: [], models: true },
  // Objects in view: the detector is small enough for CPU (about 0.1 s a frame); onnxruntime takes a GPU where
  // the pipeline image has CUDA, but the stage does not ask for one.
  { name: 'objects', needs: ['keyframes'], resource: 'cpu', optional: [], models: true },
  // What ocr read and objects saw, through the text model (the one embed-text runs): a stage of its own rather
  // than embed-text moved after ocr and objects, so transcript vectors never wait for the slowest picture stage.
  // Either need may be Skipped; the stage skips itself when neither produced anything.
  {
    name: 'embed-screen',
    needs: ['ocr', 'objects'],
    resource: 'gpu',
    optional: ['ocr', 'objects'],
    wantsOne: true,
    models: true,
  },
  // A silent video is still indexed from its pictures: index tolerates a skipped embed-text, and a skipped ocr
  // (no text detector or Tesseract installed) or objects (no detector) leaves the scenes without screen text or
  // object labels, and embed-screen then without screen vectors.
  {
    name: 'index',
    needs: ['embed-vision', 'embed-text', 'ocr', 'objects', 'embed-screen'],
    resource: 'cpu',
    optional: ['embed-text', 'ocr', 'objects', 'embed-screen'],
  },
] as const;

export type StageName = (typeof DEFINITIONS)[number]['name'];

export interface Stage {
  readonly name: StageName;
  readonly needs: readonly StageName[];
  readonly resource: StageResource;
  /** Needs this stage can do without: when one of them is Skipped, this stage still runs. */
  readonly optional: readonly StageName[];
  /**
   * Set when the stage has work only if at least one need produced something: with every need Skipped it is
   * Skipped too, without a run (embed-screen after ocr and objects both skipped: a GPU slot spent on nothing).
   */
  readonly wantsOne?: boolean;
  /**
   * Set when the stage reads model files (MODELS_DIR): the operator mounts the models volume into its Jobs. Not
   * the same as a GPU stage: ocr and objects run their detectors on CPU.
   */
  readonly models?: boolean;
}

/** Every stage, in topological order (each stage comes after all it needs). */
export const STAGES: readonly Stage[] = DEFINITIONS as readonly Stage[];

/** Stage names in topological order; the CRD's enums are built from this list. */
export const STAGE_NAMES: readonly StageName[] = STAGES.map((s) => s.name);

const BY_NAME = new Map<string, Stage>(STAGES.map((s) => [s.name, s]));

export function isStageName(name: string): name is StageName {
  return BY_NAME.has(name);
}

export function stage(name: StageName): Stage {
  return BY_NAME.get(name)!;
}

/** The state of each stage of one run; a stage with no entry is not part of the run. */
export type StageStates = Partial<Record<StageName, StageState>>;

const DONE: ReadonlySet<StageState | undefined> = new Set(['Succeeded', 'Skipped']);

/** Every stage of the run (all stages unless a subset was asked for) in state Pending. */
export function initialStates(subset: readonly StageName[] = STAGE_NAMES): StageStates {
  const wanted = new Set(subset);
  return Object.fromEntries(STAGE_NAMES.filter((n) => wanted.has(n)).map((n) => [n, 'Pending']));
}

/**
 * Skipping is contagious by default: a stage whose input was never produced has nothing to do.
 * asr lists audio as optional: "no audio stream" skips audio, but asr still reads subtitle tracks;
 * when there are none either, asr is Skipped, which skips embed-text (there is no transcript to
 * embed; a GPU job embedding nothing would only cost a GPU slot), and index, which lists embed-text
 * as optional, still runs and writes scenes with image vectors and no text vectors.
 * The rule lives here, not in the stage handlers, so both runners skip the same stages.
 */
function skipCause(s: Stage, states: StageStates): StageName | undefined {
  if (s.wantsOne && s.needs.length > 0 && s.needs.every((n) => states[n] === 'Skipped')) return s.needs[0];
  return s.needs.find((n) => states[n] === 'Skipped' && !s.optional.includes(n));
}

/**
 * Marks Skipped every Pending stage that a skipped need leaves without input. One pass in
 * topological order reaches the end of a chain (audio → asr → embed-text). Returns a new object.
 */
export function propagateSkips(states: StageStates): StageStates {
  const next: StageStates = { ...states };
  for (const s of STAGES) {
    if (next[s.name] === 'Pending' && skipCause(s, next) !== undefined) next[s.name] = 'Skipped';
  }
  return next;
}

/**
 * Stages to start now: Pending, in the run, every need Succeeded or Skipped. A stage that a
 * skipped need leaves without input is not ready; propagateSkips marks it Skipped instead.
 * A need missing from the run never counts as done (validateStageSubset keeps runs closed).
 */
export function readyStages(states: StageStates): StageName[] {
  return STAGES.filter(
    (s) =>
      states[s.name] === 'Pending' &&
      s.needs.every((n) => DONE.has(states[n])) &&
      skipCause(s, states) === undefined,
  ).map((s) => s.name);
}

export type SubsetCheck = { ok: true; stages: StageName[] } | { ok: false; problems: string[] };

/**
 * Checks a requested list of stages (spec.stages) names known stages and contains everything each
 * of them needs; on success returns it de-duplicated in topological order. It does not add the
 * missing needs itself: a caller asking for `asr` alone most likely made a mistake worth reporting.
 */
export function validateStageSubset(subset: readonly string[]): SubsetCheck {
  const problems: string[] = [];
  const unknown = subset.filter((n) => !isStageName(n));
  if (unknown.length > 0) {
    problems.push(`unknown stage(s) ${unknown.join(', ')}; known stages are ${STAGE_NAMES.join(', ')}`);
  }
  const wanted = new Set(subset.filter(isStageName));
  if (wanted.size === 0 && unknown.length === 0) problems.push('at least one stage is required');
  for (const s of STAGES) {
    if (!wanted.has(s.name)) continue;
    const missing = s.needs.filter((n) => !wanted.has(n));
    if (missing.length === 0) continue;
    const verb = missing.length === 1 ? 'is' : 'are';
    problems.push(`${s.name} needs ${missing.join(' and ')}, which ${verb} not in the list`);
  }
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, stages: STAGE_NAMES.filter((n) => wanted.has(n)) };
}

/**
 * Percentage of the run that is done, 0–100. Each stage counts equally and a running one counts
 * half, so the bar moves while long GPU stages work; 100 only once every stage is done.
 */
export function progressOf(states: StageStates): number {
  const values = Object.values(states);
  if (values.length === 0) return 0;
  const done = values.filter((v) => DONE.has(v)).length;
  const running = values.filter((v) => v === 'Running').length;
  return Math.floor(((done + running / 2) * 100) / values.length);
}
