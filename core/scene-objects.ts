// One object label seen in a scene, as the objects stage writes it (scenes.vision_tags, the sidecar) and the
// search API reads it back.

export interface SceneObject {
  /** COCO's English name. */
  label: string;
  /** Its Korean name. */
  ko: string;
  /** The best confidence over the scene's frames, 0–1. */
  confidence: number;
  /** The largest share of the frame one of its boxes covered, 0–1 (how much of the picture it is). */
  area: number;
  /** How many boxes of it the busiest frame held. */
  count: number;
  /** The frame times (s) it was seen at. */
  seenAt: number[];
  /** Its best box, as fractions of the frame. */
  box: { x: number; y: number; w: number; h: number };
}
