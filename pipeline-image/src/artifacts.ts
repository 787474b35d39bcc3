// The JSON documents stages hand to each other, one typed entry each: which stage writes it, under which
// name, and its shape. Readers name the entry (getJson(ctx, ARTIFACTS.probe)), never a stage, a file name
// and a cast.
import type { StageName } from '../../core/dag.js';
import type { ProbeInfo } from './media/probe.js';
import type { TranscriptOutput } from './stages/asr.js';
import type { SceneTextOutput } from './stages/embed-text.js';
import type { VectorsOutput } from './stages/embed-vision.js';
import type { Keyframe } from './stages/keyframes.js';
import type { ObjectsOutput } from './stages/objects.js';
import type { ScreenTextOutput } from './stages/ocr.js';
import type { ShotsOutput } from './stages/shots.js';

/** A document written by `stage` as `artifacts/<user>/<video>/<stage>/<name>`; T is its shape. */
export interface Artifact<T> {
  stage: StageName;
  name: string;
  /** Type only: never set. */
  readonly shape?: T;
}

const artifact = <T>(stage: StageName, name: string): Artifact<T> => ({ stage, name });

export const ARTIFACTS = {
  /** The container's streams, duration and subtitle tracks. */
  probe: artifact<ProbeInfo>('probe', 'probe.json'),
  /** Scene boundaries. */
  shots: artifact<ShotsOutput>('shots', 'shots.json'),
  /** Each scene's frames (several for a long scene), its representative keyframe and thumbnail. */
  keyframes: artifact<{ keyframes: Keyframe[] }>('keyframes', 'keyframes.json'),
  /** Subtitle-track and speech segments; absent when asr was skipped. */
  transcript: artifact<TranscriptOutput>('asr', 'transcript.json'),
  /** Each scene's transcript text and its vector; absent when embed-text was skipped. */
  sceneText: artifact<SceneTextOutput>('embed-text', 'scenes.json'),
  /** Each keyframe's picture vector. */
  vectors: artifact<VectorsOutput>('embed-vision', 'vectors.json'),
  /** Each scene's on-screen text lines; absent when ocr was skipped. */
  screenText: artifact<ScreenTextOutput>('ocr', 'screen-text.json'),
  /** Each scene's object labels; absent when objects was skipped. */
  objects: artifact<ObjectsOutput>('objects', 'objects.json'),
} as const;
