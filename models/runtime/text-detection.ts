// Text line detection with PaddleOCR's DB detector (PP-OCRv4 det, ONNX): a picture in, axis-aligned line boxes
// with a confidence out. The post-processing (threshold, connected regions, box score, unclip) follows
// PaddleOCR's DBPostProcess with its defaults; it is pure and tested without the model.
import sharp from 'sharp';
import { modelDir, modelSpec, type TextDetectionContract } from '../manifest.js';
import { float32, loadSession } from './onnx.js';

export interface TextBox {
  /** Pixels of the picture given to detect(), top-left origin. */
  x: number;
  y: number;
  w: number;
  h: number;
  /** Mean text probability inside the region (PaddleOCR's box score), 0–1. */
  score: number;
}

export interface DetectOptions {
  /** Pixels above this probability are text (PaddleOCR det_db_thresh). */
  threshold?: number;
  /** Regions whose mean probability is below this are dropped (det_db_box_thresh). */
  boxThreshold?: number;
  /** How far a region grows back out: area × ratio / perimeter pixels (det_db_unclip_ratio). */
  unclipRatio?: number;
  /** Regions with a shorter side than this, in map pixels, are noise (PaddleOCR's min_size 3). */
  minSide?: number;
}

const DEFAULTS: Required<DetectOptions> = { threshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.6, minSide: 3 };

/**
 * Boxes from the detector's probability map (width × height, values 0–1): 8-connected regions above the
 * threshold, scored by their mean probability, grown by the unclip distance, clipped to the map. Pure.
 */
export function boxesFromMap(
  map: Float32Array,
  width: number,
  height: number,
  options: DetectOptions = {},
): TextBox[] {
  const o = { ...DEFAULTS, ...options };
  const label = new Int32Array(width * height);
  const boxes: TextBox[] = [];
  const stack: number[] = [];
  let next = 0;
  for (let start = 0; start < map.length; start++) {
    if (label[start] !== 0 || map[start]! <= o.threshold) continue;
    next++;
    label[start] = next;
    stack.push(start);
    let [x0, y0, x1, y1, sum, n] = [width, height, -1, -1, 0, 0];
    while (stack.length > 0) {
      const p = stack.pop()!;
      const x = p % width;
      const y = (p - x) / width;
      sum += map[p]!;
      n++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const q = yy * width + xx;
          if (label[q] === 0 && map[q]! > o.threshold) {
            label[q] = next;
            stack.push(q);
          }
        }
      }
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    if (Math.min(w, h) < o.minSide) continue;
    const score = sum / n;
    if (score < o.boxThreshold) continue;
    // The detector shrinks each line to its core; grow it back as PaddleOCR's unclip does (a polygon offset by
    // area × ratio / perimeter, which for a rectangle is the same on every side).
    const d = (w * h * o.unclipRatio) / (2 * (w + h));
    const bx0 = Math.max(0, Math.floor(x0 - d));
    const by0 = Math.max(0, Math.floor(y0 - d));
    const bx1 = Math.min(width, Math.ceil(x1 + 1 + d));
    const by1 = Math.min(height, Math.ceil(y1 + 1 + d));
    boxes.push({ x: bx0, y: by0, w: bx1 - bx0, h: by1 - by0, score });
  }
  // Reading order: top to bottom, then left to right within a line's height.
  return boxes.sort((a, b) => (Math.abs(a.y - b.y) < Math.min(a.h, b.h) / 2 ? a.x - b.x : a.y - b.y));
}

/**
 * Boxes of one line joined: the detector often boxes each word of large text apart, and a crop per word loses
 * the spaces and cuts into the neighbour's letters. Two boxes join when they share at least half of the smaller
 * one's height and the gap between them is under the taller one's height; repeated until nothing joins. Pure.
 */
export function joinLines(boxes: readonly TextBox[]): TextBox[] {
  const out = boxes.map((b) => ({ ...b }));
  let joined = true;
  while (joined) {
    joined = false;
    for (let i = 0; i < out.length && !joined; i++) {
      for (let j = i + 1; j < out.length && !joined; j++) {
        const a = out[i]!;
        const b = out[j]!;
        const overlapY = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
        const gapX = Math.max(a.x, b.x) - Math.min(a.x + a.w, b.x + b.w);
        if (overlapY < Math.min(a.h, b.h) / 2 || gapX > Math.max(a.h, b.h)) continue;
        const x = Math.min(a.x, b.x);
        const y = Math.min(a.y, b.y);
        const area = a.w * a.h + b.w * b.h;
        out[i] = {
          x,
          y,
          w: Math.max(a.x + a.w, b.x + b.w) - x,
          h: Math.max(a.y + a.h, b.y + b.h) - y,
          score: (a.score * a.w * a.h + b.score * b.w * b.h) / area,
        };
        out.splice(j, 1);
        joined = true;
      }
    }
  }
  return out.sort((a, b) => (Math.abs(a.y - b.y) < Math.min(a.h, b.h) / 2 ? a.x - b.x : a.y - b.y));
}

/** The detector input size: the longer side at most maxSide, both sides multiples of 32 (the network's stride). */
export function detectorSize(width: number, height: number, maxSide: number): { w: number; h: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const round = (v: number) => Math.max(32, Math.round((v * scale) / 32) * 32);
  return { w: round(width), h: round(height) };
}

export interface TextDetector {
  readonly model: { name: string; revision: string };
  readonly provider: string;
  /** Line boxes in the picture's own pixels. Throws on bytes sharp cannot decode. */
  detect(
    image: Buffer,
    options?: DetectOptions,
  ): Promise<{ width: number; height: number; boxes: TextBox[] }>;
}

export async function loadTextDetector(name: string, opts: { modelsDir: string }): Promise<TextDetector> {
  const spec = modelSpec(name);
  if (spec.contract.kind !== 'text-detection') {
    throw new Error(`model ${name} is a ${spec.contract.kind} model, not a text detector`);
  }
  const contract: TextDetectionContract = spec.contract;
  const dir = modelDir(name, opts.modelsDir);
  const session = await loadSession(`${dir}/${contract.file}`);
  return {
    model: { name: spec.name, revision: spec.revision },
    provider: session.provider,
    async detect(image, options) {
      const meta = await sharp(image).metadata();
      const width = meta.width ?? 0;
      const height = meta.height ?? 0;
      if (width === 0 || height === 0) throw new Error('the picture has no pixels');
      const size = detectorSize(width, height, contract.maxSide);
      const { data } = await sharp(image)
        .removeAlpha()
        .resize(size.w, size.h, { fit: 'fill' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      const plane = size.w * size.h;
      const pixels = new Float32Array(3 * plane);
      // PaddleOCR normalises in OpenCV's BGR channel order with ImageNet's mean and std.
      for (let i = 0; i < plane; i++) {
        for (let c = 0; c < 3; c++) {
          const v = data[i * 3 + (2 - c)]! / 255;
          pixels[c * plane + i] = (v - contract.mean[c]!) / contract.std[c]!;
        }
      }
      const out = await session.run({ [contract.input]: float32(pixels, [1, 3, size.h, size.w]) });
      const map = out[contract.output] ?? Object.values(out)[0]!;
      const sx = width / size.w;
      const sy = height / size.h;
      const boxes = boxesFromMap(map.data, size.w, size.h, options).map((b) => {
        const x = Math.max(0, Math.floor(b.x * sx));
        const y = Math.max(0, Math.floor(b.y * sy));
        return {
          x,
          y,
          w: Math.min(width - x, Math.ceil(b.w * sx)),
          h: Math.min(height - y, Math.ceil(b.h * sy)),
          score: b.score,
        };
      });
      return { width, height, boxes };
    },
  };
}
