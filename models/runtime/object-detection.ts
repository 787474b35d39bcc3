// Object detection with a CenterNet model over COCO's 80 labels (ONNX): a picture in, labelled boxes with a
// confidence out. The decode (a class's centre is a heat map peak no neighbour exceeds, its box the predicted
// distances to the four sides, then per-label overlap suppression) follows the original graph's own decode; it
// is pure and tested without the model.
import sharp from 'sharp';
import { COCO_LABELS } from '../coco-labels.js';
import { modelDir, modelSpec, type ObjectDetectionContract } from '../manifest.js';
import { float32, loadSession } from './onnx.js';

export interface Detection {
  /** Index into COCO_LABELS. */
  classId: number;
  label: string;
  /** The centre's heat map value, 0–1. */
  score: number;
  /** Fractions of the picture (0–1), top-left origin. */
  box: { x: number; y: number; w: number; h: number };
}

export interface DecodeOptions {
  /** Peaks below this are not objects. */
  minScore?: number;
  /** Most detections kept, best first (the original graph keeps its top 100 peaks). */
  maxDetections?: number;
  /** Two boxes of one label overlapping more than this (intersection over union) are one object. */
  maxOverlap?: number;
}

const DEFAULTS: Required<DecodeOptions> = { minScore: 0.4, maxDetections: 100, maxOverlap: 0.5 };

export interface HeadShape {
  classes: number;
  /** Heat map side, in cells. */
  size: number;
  /** Input pixels per cell. */
  stride: number;
}

/** Intersection over union of two boxes. Pure. */
export function overlap(a: Detection['box'], b: Detection['box']): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.w * a.h + b.w * b.h - inter);
}

/**
 * Detections from the heads: `heatmap` [classes, size, size] and `wh` [4, size, size] (each NCHW without the
 * batch). A cell is a centre where its value is the largest of its 3×3 neighbourhood (the graph's max-pool
 * test); its box runs from centre − (left, top) to centre + (right, bottom) in input pixels, clipped to the
 * picture. Best first; of two same-label boxes overlapping more than maxOverlap, the weaker goes. Pure.
 */
export function decodeDetections(
  heatmap: Float32Array,
  wh: Float32Array,
  head: HeadShape,
  options: DecodeOptions = {},
): Detection[] {
  const o = { ...DEFAULTS, ...options };
  const { classes, size, stride } = head;
  const plane = size * size;
  if (heatmap.length !== classes * plane || wh.length !== 4 * plane) {
    throw new Error(
      `heads of ${heatmap.length} and ${wh.length} values do not fit ${classes} classes on ${size}×${size}`,
    );
  }
  const peaks: { c: number; i: number; v: number }[] = [];
  for (let c = 0; c < classes; c++) {
    const base = c * plane;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const v = heatmap[base + y * size + x]!;
        if (v < o.minScore) continue;
        let peak = true;
        for (let dy = -1; dy <= 1 && peak; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= size) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= size || (dx === 0 && dy === 0)) continue;
            if (heatmap[base + yy * size + xx]! > v) {
              peak = false;
              break;
            }
          }
        }
        if (peak) peaks.push({ c, i: y * size + x, v });
      }
    }
  }
  peaks.sort((a, b) => b.v - a.v || a.c - b.c || a.i - b.i);
  const side = size * stride;
  const kept: Detection[] = [];
  for (const p of peaks) {
    if (kept.length >= o.maxDetections) break;
    const cx = (p.i % size) * stride;
    const cy = Math.floor(p.i / size) * stride;
    const clip = (v: number) => Math.min(side, Math.max(0, v));
    const x0 = clip(cx - wh[p.i]!);
    const y0 = clip(cy - wh[plane + p.i]!);
    const x1 = clip(cx + wh[2 * plane + p.i]!);
    const y1 = clip(cy + wh[3 * plane + p.i]!);
    if (x1 <= x0 || y1 <= y0) continue;
    const box = { x: x0 / side, y: y0 / side, w: (x1 - x0) / side, h: (y1 - y0) / side };
    if (kept.some((k) => k.classId === p.c && overlap(k.box, box) > o.maxOverlap)) continue;
    kept.push({ classId: p.c, label: COCO_LABELS[p.c]?.en ?? `class ${p.c}`, score: p.v, box });
  }
  return kept;
}

/** Where a width × height picture goes in the n × n input, its shape kept and centred. Pure. */
export function letterbox(
  width: number,
  height: number,
  n: number,
): { w: number; h: number; left: number; top: number } {
  const scale = Math.min(n / width, n / height);
  const w = Math.max(1, Math.min(n, Math.round(width * scale)));
  const h = Math.max(1, Math.min(n, Math.round(height * scale)));
  return { w, h, left: Math.floor((n - w) / 2), top: Math.floor((n - h) / 2) };
}

/** A box in fractions of the n × n input as fractions of the picture letterbox() placed there, clipped. Pure. */
export function unletterbox(
  box: Detection['box'],
  fit: { w: number; h: number; left: number; top: number },
  n: number,
): Detection['box'] {
  const x0 = Math.min(1, Math.max(0, (box.x * n - fit.left) / fit.w));
  const y0 = Math.min(1, Math.max(0, (box.y * n - fit.top) / fit.h));
  const x1 = Math.min(1, Math.max(0, ((box.x + box.w) * n - fit.left) / fit.w));
  const y1 = Math.min(1, Math.max(0, ((box.y + box.h) * n - fit.top) / fit.h));
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

export interface ObjectDetector {
  readonly model: { name: string; revision: string };
  readonly provider: string;
  /** Objects in the picture, best first. Throws on bytes sharp cannot decode. */
  detect(image: Buffer, options?: DecodeOptions): Promise<Detection[]>;
}

export async function loadObjectDetector(name: string, opts: { modelsDir: string }): Promise<ObjectDetector> {
  const spec = modelSpec(name);
  if (spec.contract.kind !== 'object-detection') {
    throw new Error(`model ${name} is a ${spec.contract.kind} model, not an object detector`);
  }
  const contract: ObjectDetectionContract = spec.contract;
  if (contract.classes !== COCO_LABELS.length) {
    throw new Error(
      `model ${name} has ${contract.classes} classes; heimdex names COCO's ${COCO_LABELS.length}`,
    );
  }
  const session = await loadSession(`${modelDir(name, opts.modelsDir)}/${contract.file}`);
  const head = {
    classes: contract.classes,
    size: contract.inputSize / contract.stride,
    stride: contract.stride,
  };
  return {
    model: { name: spec.name, revision: spec.revision },
    provider: session.provider,
    async detect(image, options) {
      const n = contract.inputSize;
      const meta = await sharp(image).metadata();
      if (!meta.width || !meta.height) throw new Error('the picture has no pixels');
      const fit = letterbox(meta.width, meta.height, n);
      // Fitted into the square input with its shape kept, the rest black: squashing a 16:9 frame to a square
      // narrows people and cups until the detector misses them (docs/benchmarks.md). Grey pictures become three
      // equal channels.
      const { data, info } = await sharp(image)
        .removeAlpha()
        .toColourspace('srgb')
        .resize(fit.w, fit.h, { fit: 'fill' })
        .extend({
          left: fit.left,
          top: fit.top,
          right: n - fit.w - fit.left,
          bottom: n - fit.h - fit.top,
          background: { r: 0, g: 0, b: 0 },
        })
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 3) throw new Error(`the picture has ${info.channels} channels after conversion`);
      const pixels = new Float32Array(data.length);
      for (let i = 0; i < data.length; i++) pixels[i] = data[i]!;
      const out = await session.run({ [contract.input]: float32(pixels, [1, n, n, 3]) });
      const heatmap = out[contract.heatmap];
      const wh = out[contract.wh];
      if (!heatmap || !wh)
        throw new Error(`model ${name} did not return ${contract.heatmap} and ${contract.wh}`);
      return decodeDetections(heatmap.data, wh.data, head, options)
        .map((d) => ({ ...d, box: unletterbox(d.box, fit, n) }))
        .filter((d) => d.box.w > 0 && d.box.h > 0);
    },
  };
}
