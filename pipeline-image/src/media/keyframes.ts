// Which frames describe a scene (pure): more than its middle, so what shows only in a long scene's first
// seconds is still looked at; and which decoded frame belongs to which scene.
import type { KeyframeTarget } from '../ffmpeg/args.js';
import type { Scene } from './shots.js';

export interface SampleParams {
  /** A scene is looked at about once every this many seconds… */
  intervalSeconds: number;
  /** …up to this many frames. */
  maxPerScene: number;
}

/**
 * Times to look at in one scene: n = ceil(length / interval) frames (1 to maxPerScene), each in the middle
 * of its n-th of the scene, so the first is at most interval/2 in and none sits on a cut or a transition's
 * edge. One frame is the scene's middle.
 */
export function sampleTimes(scene: Pick<Scene, 'start' | 'end'>, p: SampleParams): number[] {
  const length = scene.end - scene.start;
  const n = Math.max(1, Math.min(p.maxPerScene, Math.ceil(length / p.intervalSeconds - 1e-9)));
  return Array.from({ length: n }, (_, i) => scene.start + ((i + 0.5) * length) / n);
}

export interface SceneTarget extends KeyframeTarget {
  scene: number;
}

/** Every scene's sample times as ffmpeg select targets, in time order; each ends where the next begins. */
export function keyframeTargets(scenes: readonly Scene[], p: SampleParams): SceneTarget[] {
  return scenes.flatMap((s) => {
    const times = sampleTimes(s, p);
    return times.map((at, i) => ({ scene: s.idx, at, end: times[i + 1] ?? s.end }));
  });
}

/**
 * The decoded frames (their times, in output order) of each scene: a frame belongs to the target whose
 * [at, end) holds it. A scene that got none (a variable frame rate video with a gap) borrows the frame
 * nearest its middle, so every scene is described.
 */
export function framesByScene(
  scenes: readonly Scene[],
  targets: readonly SceneTarget[],
  times: readonly number[],
): number[][] {
  const out: number[][] = scenes.map(() => []);
  times.forEach((t, i) => {
    const target = targets.find((g) => t >= g.at - 1e-6 && t < g.end);
    if (target) out[target.scene]!.push(i);
  });
  return out.map((frames, idx) => {
    if (frames.length > 0 || times.length === 0) return frames;
    const scene = scenes[idx]!;
    const middle = scene.start + (scene.end - scene.start) / 2;
    let best = 0;
    times.forEach((t, i) => {
      if (Math.abs(t - middle) < Math.abs(times[best]! - middle)) best = i;
    });
    return [best];
  });
}

/** The frame (of a scene's, by output index) nearest the scene's middle: its picture and thumbnail. */
export function representative(scene: Scene, frames: readonly number[], times: readonly number[]): number {
  const middle = scene.start + (scene.end - scene.start) / 2;
  return frames.reduce((best, i) =>
    Math.abs(times[i]! - middle) < Math.abs(times[best]! - middle) ? i : best,
  );
}
