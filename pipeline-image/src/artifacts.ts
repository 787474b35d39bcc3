// The JSON documents stages hand to each other, one typed entry each: which stage writes it, under which
// name, and its shape. Readers name the entry (getJson(ctx, ARTIFACTS.probe)), never a stage, a file name
// and a cast. The shapes live here, beside their entries, so stages import this contract and it imports no stage.

import type { StageName } from '../../core/dag.js';
import type { SceneObject } from '../../core/scene-objects.js';
import type { ScreenPassageSource } from '../../core/screen-passages.js';
import type { DecodeStats } from '../../models/runtime/speech.js';
import type { ProbeInfo } from './media/probe.js';
import type { SceneLine } from './media/screen-text.js';
import type { Scene, ShotParams } from './media/shots.js';
import type { Segment } from './media/transcript.js';

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
  /** Each scene's screen text and object names through the text model; absent when embed-screen was skipped. */
  sceneScreen: artifact<SceneScreenOutput>('embed-screen', 'screen-vectors.json'),
} as const;

// The shapes, in DAG order of the stages that write them.

export interface TranscriptOutput {
  language: string;
  sources: string[];
  segments: Segment[];
  /** Subtitle tracks not read, and why (bitmap formats, a track ffmpeg could not convert). */
  notes?: string[];
  /** Present when speech recognition ran: the model, the language (detected or given) and what the guards did. */
  asr?: {
    model: string;
    revision: string;
    language: string;
    detected: boolean;
    /** The speech model's probability of that language (absent when no speech was heard). */
    languageProbability?: number;
    segments: number;
    /** Voice activity detection's model, or none (with the reason in notes). */
    vad: string;
    beamSize: number;
    stats: DecodeStats;
    notes: string[];
  };
}

export interface SceneTextOutput {
  model: { name: string; revision: string; dims: number };
  scenes: { idx: number; transcript: string; vector: number[] | null }[];
}

export interface FrameVector {
  /** Time of the frame, seconds. */
  at: number;
  vector: number[];
}

export interface VectorsOutput {
  model: { name: string; revision: string; dims: number };
  /** By scene index: the normalized mean of the scene's frame vectors. */
  vectors: number[][];
  /** By scene index: one vector per frame, in time order. */
  frames: FrameVector[][];
}

export interface KeyframeSample {
  /** Time of the frame, seconds. */
  at: number;
  key: string;
}

export interface Keyframe {
  idx: number;
  /** Time of the scene's representative frame (nearest its middle), seconds. */
  at: number;
  /** The representative frame: one of `frames`. */
  keyframeKey: string;
  thumbnailKey: string;
  width: number;
  height: number;
  /** Every frame looked at in the scene, in time order; embed-vision embeds each. */
  frames: KeyframeSample[];
}

export interface ScreenTextOutput {
  model: { name: string; revision: string };
  /** The recogniser that read the lines beside Tesseract (OCR_RECOGNIZER_MODEL); absent when Tesseract read alone. */
  recognizer?: { name: string; revision: string };
  languages: string;
  /** By scene index: the scene's lines, merged across the frames read, and how many frames were read. */
  scenes: { idx: number; frames: number; lines: SceneLine[] }[];
}

export interface ShotsOutput {
  durationSeconds: number;
  params: ShotParams;
  frames: number;
  scenes: Scene[];
}

export interface ObjectsOutput {
  model: { name: string; revision: string };
  minConfidence: number;
  /** By scene index: the labels seen, most confident first, and how many frames were looked at. */
  scenes: { idx: number; frames: number; objects: SceneObject[] }[];
}

export interface SceneScreenOutput {
  model: { name: string; revision: string; dims: number };
  /** By scene index: one vector per passage (core/screen-passages.ts: idx 0 screen text, then object names). */
  scenes: { idx: number; passages: { idx: number; source: ScreenPassageSource; vector: number[] }[] }[];
}
