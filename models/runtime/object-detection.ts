// Object detection over COCO's 80 labels (ONNX), one runtime for two model families: a picture in, labelled boxes
// with a confidence out. CenterNet's decode (a class's centre is a heat map peak no neighbour exceeds, its box
// the predicted distances to the four sides) follows the original graph's own decode; NanoDet's (GFL: each cell
// of each stride a candidate per class, its sides the expectation of a distribution over strides) follows
// NanoDet's own. Both end in the same per-label overlap suppression; both are pure and tested without the model.
import sharp from 'sharp';
import { COCO_LABELS } from '../coco-labels.js';
import { type CenterNetContract, modelDir, modelSpec, type NanoDetContract } from '../manifest.js';
import { float32, loadSession, type Tensor } from './onnx.js';

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
  const found: Detection[] = [];
  for (const p of peaks) {
    const cx = (p.i % size) * stride;
    const cy = Math.floor(p.i / size) * stride;
    const box = sidesBox(
      cx,
      cy,
      [wh[p.i]!, wh[plane + p.i]!, wh[2 * plane + p.i]!, wh[3 * plane + p.i]!],
      side,
    );
    if (box) found.push(detection(p.c, p.v, box));
  }
  return suppress(found, o);
}

/** The box from a centre and its distances to the left, top, right and bottom sides, clipped to the side × side input, as fractions of it; undefined when nothing is left. */
function sidesBox(
  cx: number,
  cy: number,
  [left, top, right, bottom]: readonly [number, number, number, number],
  side: number,
): Detection['box'] | undefined {
  const clip = (v: number) => Math.min(side, Math.max(0, v));
  const x0 = clip(cx - left);
  const y0 = clip(cy - top);
  const x1 = clip(cx + right);
  const y1 = clip(cy + bottom);
  if (x1 <= x0 || y1 <= y0) return undefined;
  return { x: x0 / side, y: y0 / side, w: (x1 - x0) / side, h: (y1 - y0) / side };
}

function detection(classId: number, score: number, box: Detection['box']): Detection {
  return { classId, label: COCO_LABELS[classId]?.en ?? `class ${classId}`, score, box };
}

/**
 * Candidates in the order given (best first), at most maxDetections, of two same-label boxes overlapping more
 * than maxOverlap the later dropped. Pure.
 */
function suppress(candidates: readonly Detection[], o: Required<DecodeOptions>): Detection[] {
  const kept: Detection[] = [];
  for (const d of candidates) {
    if (kept.length >= o.maxDetections) break;
    if (kept.some((k) => k.classId === d.classId && overlap(k.box, d.box) > o.maxOverlap)) continue;
    kept.push(d);
  }
  return kept;
}

export interface GflShape {
  classes: number;
  /** Each side's distribution covers 0…regMax strides. */
  regMax: number;
  /** The input's side in pixels. */
  inputSize: number;
  /** One per head, in the order of the heads passed: its stride (the cells are inputSize/stride a side). */
  strides: readonly number[];
}

/**
 * Detections from NanoDet's GFL heads, each [classes + 4 × (regMax + 1), n, n] (NCHW without the batch, n =
 * inputSize/stride): the class logits (sigmoid), then the left, top, right and bottom sides' distributions
 * (softmax over 0…regMax; the side is the expectation, in strides). A cell's centre is (x + 0.5, y + 0.5) strides,
 * as NanoDet's own (legacy) head places it. Every class of every cell at or over minScore is a candidate; best
 * first (ties by class, then stride, then cell), then the per-label overlap suppression. Pure.
 */
export function decodeGfl(
  heads: readonly Float32Array[],
  shape: GflShape,
  options: DecodeOptions = {},
): Detection[] {
  const o = { ...DEFAULTS, ...options };
  const { classes, regMax, inputSize, strides } = shape;
  const bins = regMax + 1;
  if (heads.length !== strides.length) {
    throw new Error(`${heads.length} heads for ${strides.length} strides`);
  }
  // Below this logit, sigmoid is below minScore: most of the values never need exp().
  const floor = Math.log(o.minScore / (1 - o.minScore));
  const candidates: (Detection & { level: number; cell: number })[] = [];
  const side = new Float64Array(bins);
  for (const [level, head] of heads.entries()) {
    const stride = strides[level]!;
    const n = Math.round(inputSize / stride);
    const plane = n * n;
    if (head.length !== (classes + 4 * bins) * plane) {
      throw new Error(
        `a head of ${head.length} values does not fit ${classes} classes and ${bins} bins on ${n}×${n}`,
      );
    }
    for (let i = 0; i < plane; i++) {
      let box: Detection['box'] | undefined | null = null;
      for (let c = 0; c < classes; c++) {
        const logit = head[c * plane + i]!;
        if (!(logit >= floor)) continue;
        const score = 1 / (1 + Math.exp(-logit));
        if (score < o.minScore) continue;
        if (box === null) {
          const d: [number, number, number, number] = [0, 0, 0, 0];
          for (let k = 0; k < 4; k++) {
            let max = -Infinity;
            for (let j = 0; j < bins; j++) {
              side[j] = head[(classes + k * bins + j) * plane + i]!;
              if (side[j]! > max) max = side[j]!;
            }
            let sum = 0;
            let mean = 0;
            for (let j = 0; j < bins; j++) {
              const e = Math.exp(side[j]! - max);
              sum += e;
              mean += e * j;
            }
            d[k] = (mean / sum) * stride;
          }
          box = sidesBox(((i % n) + 0.5) * stride, (Math.floor(i / n) + 0.5) * stride, d, inputSize);
        }
        if (box) candidates.push({ ...detection(c, score, box), level, cell: i });
      }
    }
  }
  candidates.sort(
    (a, b) => b.score - a.score || a.classId - b.classId || a.level - b.level || a.cell - b.cell,
  );
  return suppress(
    candidates.map(({ level: _level, cell: _cell, ...d }) => d),
    o,
  );
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

/** The picture fitted into n × n (shape kept, black around) as RGB bytes (HWC), and where it went. */
export async function fittedPixels(
  image: Buffer,
  n: number,
): Promise<{ rgb: Buffer; fit: ReturnType<typeof letterbox> }> {
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
  return { rgb: data, fit };
}

/**
 * RGB bytes (HWC) as the NCHW floats NanoDet takes: each channel (v − mean) / std, in the contract's channel
 * order. Pure.
 */
export function nanoDetPixels(
  rgb: Uint8Array,
  n: number,
  c: Pick<NanoDetContract, 'channels' | 'mean' | 'std'>,
): Float32Array {
  const plane = n * n;
  const out = new Float32Array(3 * plane);
  for (let k = 0; k < 3; k++) {
    const from = c.channels === 'bgr' ? 2 - k : k;
    const mean = c.mean[k]!;
    const std = c.std[k]!;
    for (let i = 0; i < plane; i++) out[k * plane + i] = (rgb[3 * i + from]! - mean) / std;
  }
  return out;
}

/** One family's input tensor and decode, from the session's outputs to detections in fractions of the input. */
interface Family {
  feeds(rgb: Uint8Array): Record<string, Tensor>;
  decode(out: Record<string, { data: Float32Array }>, options?: DecodeOptions): Detection[];
}

function centerNet(name: string, contract: CenterNetContract): Family {
  const n = contract.inputSize;
  const head = { classes: contract.classes, size: n / contract.stride, stride: contract.stride };
  return {
    feeds(rgb) {
      const pixels = new Float32Array(rgb.length);
      for (let i = 0; i < rgb.length; i++) pixels[i] = rgb[i]!;
      return { [contract.input]: float32(pixels, [1, n, n, 3]) };
    },
    decode(out, options) {
      const heatmap = out[contract.heatmap];
      const wh = out[contract.wh];
      if (!heatmap || !wh)
        throw new Error(`model ${name} did not return ${contract.heatmap} and ${contract.wh}`);
      return decodeDetections(heatmap.data, wh.data, head, options);
    },
  };
}

function nanoDet(name: string, contract: NanoDetContract): Family {
  const n = contract.inputSize;
  const shape = {
    classes: contract.classes,
    regMax: contract.regMax,
    inputSize: n,
    strides: contract.heads.map((h) => h.stride),
  };
  return {
    feeds: (rgb) => ({ [contract.input]: float32(nanoDetPixels(rgb, n, contract), [1, 3, n, n]) }),
    decode(out, options) {
      const heads = contract.heads.map((h) => {
        const t = out[h.output];
        if (!t) throw new Error(`model ${name} did not return ${h.output}`);
        return t.data;
      });
      return decodeGfl(heads, shape, options);
    },
  };
}

export async function loadObjectDetector(name: string, opts: { modelsDir: string }): Promise<ObjectDetector> {
  const spec = modelSpec(name);
  if (spec.contract.kind !== 'object-detection') {
    throw new Error(`model ${name} is a ${spec.contract.kind} model, not an object detector`);
  }
  const contract = spec.contract;
  if (contract.classes !== COCO_LABELS.length) {
    throw new Error(
      `model ${name} has ${contract.classes} classes; heimdex names COCO's ${COCO_LABELS.length}`,
    );
  }
  const session = await loadSession(`${modelDir(name, opts.modelsDir)}/${contract.file}`);
  const family = contract.family === 'nanodet' ? nanoDet(name, contract) : centerNet(name, contract);
  const n = contract.inputSize;
  return {
    model: { name: spec.name, revision: spec.revision },
    provider: session.provider,
    async detect(image, options) {
      const { rgb, fit } = await fittedPixels(image, n);
      const out = await session.run(family.feeds(rgb));
      return family
        .decode(out, options)
        .map((d) => ({ ...d, box: unletterbox(d.box, fit, n) }))
        .filter((d) => d.box.w > 0 && d.box.h > 0);
    },
  };
}
