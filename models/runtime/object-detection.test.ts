import { describe, expect, it } from 'vitest';
import { COCO_LABELS } from '../coco-labels.js';
import {
  decodeDetections,
  decodeGfl,
  letterbox,
  nanoDetPixels,
  overlap,
  unletterbox,
} from './object-detection.js';

const head = { classes: 3, size: 8, stride: 4 };
const plane = head.size * head.size;

/** Empty heads with the given peaks: class, cell x, y, value, and the box sides (left, top, right, bottom). */
function heads(
  peaks: { c: number; x: number; y: number; v: number; sides: [number, number, number, number] }[],
) {
  const heatmap = new Float32Array(head.classes * plane);
  const wh = new Float32Array(4 * plane);
  for (const p of peaks) {
    const i = p.y * head.size + p.x;
    heatmap[p.c * plane + i] = p.v;
    for (let k = 0; k < 4; k++) wh[k * plane + i] = p.sides[k]!;
  }
  return { heatmap, wh };
}

describe('decoding CenterNet heads', () => {
  it('turns a peak into its label, score and box as fractions of the picture', () => {
    const { heatmap, wh } = heads([{ c: 2, x: 4, y: 2, v: 0.8, sides: [4, 2, 8, 6] }]);
    const [d, ...rest] = decodeDetections(heatmap, wh, head);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ classId: 2, label: COCO_LABELS[2]!.en, score: expect.closeTo(0.8, 5) });
    // Centre at (16, 8) input pixels of 32: from (12, 6) to (24, 14).
    expect(d!.box.x).toBeCloseTo(12 / 32, 6);
    expect(d!.box.y).toBeCloseTo(6 / 32, 6);
    expect(d!.box.w).toBeCloseTo(12 / 32, 6);
    expect(d!.box.h).toBeCloseTo(8 / 32, 6);
  });

  it('keeps only peaks: a cell below a neighbour of its class is not a centre', () => {
    const { heatmap, wh } = heads([
      { c: 0, x: 3, y: 3, v: 0.9, sides: [4, 4, 4, 4] },
      { c: 0, x: 4, y: 3, v: 0.7, sides: [4, 4, 4, 4] },
      // Another class beside it is its own peak.
      { c: 1, x: 4, y: 3, v: 0.6, sides: [4, 4, 4, 4] },
    ]);
    expect(decodeDetections(heatmap, wh, head).map((d) => [d.classId, d.score.toFixed(1)])).toEqual([
      [0, '0.9'],
      [1, '0.6'],
    ]);
  });

  it('drops peaks under the least score, and keeps at most the asked number, best first', () => {
    const { heatmap, wh } = heads([
      { c: 0, x: 1, y: 1, v: 0.5, sides: [2, 2, 2, 2] },
      { c: 1, x: 5, y: 5, v: 0.9, sides: [2, 2, 2, 2] },
      { c: 2, x: 1, y: 6, v: 0.3, sides: [2, 2, 2, 2] },
    ]);
    expect(decodeDetections(heatmap, wh, head, { minScore: 0.4 }).map((d) => d.classId)).toEqual([1, 0]);
    expect(
      decodeDetections(heatmap, wh, head, { minScore: 0.1, maxDetections: 1 }).map((d) => d.classId),
    ).toEqual([1]);
  });

  it('keeps one of two same-label boxes that mostly overlap, and both when the labels differ', () => {
    const { heatmap, wh } = heads([
      { c: 0, x: 3, y: 3, v: 0.9, sides: [16, 16, 16, 16] },
      { c: 0, x: 5, y: 3, v: 0.8, sides: [16, 16, 16, 16] },
      { c: 1, x: 5, y: 3, v: 0.7, sides: [16, 16, 16, 16] },
    ]);
    const found = decodeDetections(heatmap, wh, head);
    expect(found.map((d) => d.classId)).toEqual([0, 1]);
    // Apart enough, both stay.
    expect(decodeDetections(heatmap, wh, head, { maxOverlap: 0.9 }).map((d) => d.classId)).toEqual([0, 0, 1]);
  });

  it('clips boxes to the picture and drops one that has no area left', () => {
    const { heatmap, wh } = heads([
      { c: 0, x: 0, y: 0, v: 0.9, sides: [50, 50, 4, 4] },
      { c: 1, x: 7, y: 7, v: 0.8, sides: [0, 0, 0, 0] },
    ]);
    const found = decodeDetections(heatmap, wh, head);
    expect(found).toHaveLength(1);
    expect(found[0]!.box).toEqual({ x: 0, y: 0, w: 4 / 32, h: 4 / 32 });
  });

  it('finds nothing in an empty heat map', () => {
    const { heatmap, wh } = heads([]);
    expect(decodeDetections(heatmap, wh, head, { minScore: 0 })).toEqual([]);
  });

  it('refuses heads whose size does not fit the contract, naming both', () => {
    expect(() => decodeDetections(new Float32Array(10), new Float32Array(4 * plane), head)).toThrow(
      /heads of 10 and 256 values do not fit 3 classes on 8×8/,
    );
  });
});

// NanoDet's heads: 3 classes, regMax 3 (4 bins a side), two strides on a 32-pixel input (4×4 and 2×2 cells).
const gfl = { classes: 3, regMax: 3, inputSize: 32, strides: [8, 16] };
const channels = gfl.classes + 4 * (gfl.regMax + 1);
const logit = (p: number) => Math.log(p / (1 - p));

/** Empty GFL heads (every class very unlikely) with the given cells: head, class, cell x, y, score, and each side's distance in strides as one certain bin. */
function gflHeads(
  cells: {
    level: number;
    c: number;
    x: number;
    y: number;
    p: number;
    sides: [number, number, number, number];
  }[],
) {
  const heads = gfl.strides.map((stride) => {
    const n = gfl.inputSize / stride;
    return new Float32Array(channels * n * n).fill(-20);
  });
  for (const cell of cells) {
    const n = gfl.inputSize / gfl.strides[cell.level]!;
    const plane = n * n;
    const i = cell.y * n + cell.x;
    const head = heads[cell.level]!;
    head[cell.c * plane + i] = logit(cell.p);
    // One bin far above the others: a softmax of ~1 there.
    for (let k = 0; k < 4; k++) head[(gfl.classes + k * (gfl.regMax + 1) + cell.sides[k]!) * plane + i] = 30;
  }
  return heads;
}

describe('decoding NanoDet (GFL) heads', () => {
  it('turns a confident cell into its label, score and box: centre at the cell’s middle, sides in strides', () => {
    const [d, ...rest] = decodeGfl(
      gflHeads([{ level: 0, c: 1, x: 1, y: 2, p: 0.8, sides: [1, 1, 2, 0] }]),
      gfl,
    );
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ classId: 1, label: COCO_LABELS[1]!.en, score: expect.closeTo(0.8, 5) });
    // Centre (12, 20) of 32: from (4, 12) to (28, 20).
    expect(d!.box.x).toBeCloseTo(4 / 32, 5);
    expect(d!.box.y).toBeCloseTo(12 / 32, 5);
    expect(d!.box.w).toBeCloseTo(24 / 32, 5);
    expect(d!.box.h).toBeCloseTo(8 / 32, 5);
  });

  it('takes each side as the expectation of its distribution, not its likeliest bin', () => {
    const heads = gflHeads([{ level: 1, c: 0, x: 0, y: 0, p: 0.9, sides: [0, 0, 1, 1] }]);
    // The right side: bins 1 and 2 equally likely, so 1.5 strides (24 px) from the centre at (8, 8).
    const plane = 4;
    const right = (gfl.classes + 2 * (gfl.regMax + 1)) * plane;
    heads[1]![right + 1 * plane] = 30;
    heads[1]![right + 2 * plane] = 30;
    const [d] = decodeGfl(heads, gfl);
    expect(d!.box.x).toBeCloseTo(8 / 32, 5);
    expect(d!.box.w).toBeCloseTo(Math.min(32, 8 + 24) / 32 - 8 / 32, 5);
    expect(d!.box.h).toBeCloseTo(16 / 32, 5);
  });

  it('keeps every class of a cell over the floor, best first across strides, and at most the asked number', () => {
    const heads = gflHeads([
      { level: 0, c: 0, x: 0, y: 0, p: 0.5, sides: [0, 0, 1, 1] },
      { level: 1, c: 2, x: 1, y: 1, p: 0.9, sides: [1, 1, 1, 1] },
      { level: 0, c: 1, x: 3, y: 3, p: 0.3, sides: [1, 1, 0, 0] },
    ]);
    expect(decodeGfl(heads, gfl, { minScore: 0.4 }).map((d) => d.classId)).toEqual([2, 0]);
    expect(decodeGfl(heads, gfl, { minScore: 0.2 }).map((d) => d.classId)).toEqual([2, 0, 1]);
    expect(decodeGfl(heads, gfl, { minScore: 0.2, maxDetections: 1 }).map((d) => d.classId)).toEqual([2]);
  });

  it('keeps one of two same-label boxes that mostly overlap (neighbouring cells, or two strides), and both labels', () => {
    const heads = gflHeads([
      // (4, 4)–(32, 32), clipped.
      { level: 0, c: 0, x: 2, y: 2, p: 0.9, sides: [2, 2, 2, 2] },
      // The same box from the next cell.
      { level: 0, c: 0, x: 3, y: 2, p: 0.8, sides: [3, 2, 1, 2] },
      // (8, 8)–(32, 32) at the coarser stride: overlap 0.73.
      { level: 1, c: 0, x: 1, y: 1, p: 0.7, sides: [1, 1, 1, 1] },
      { level: 0, c: 1, x: 3, y: 2, p: 0.6, sides: [3, 2, 1, 2] },
    ]);
    expect(decodeGfl(heads, gfl).map((d) => [d.classId, d.score.toFixed(1)])).toEqual([
      [0, '0.9'],
      [1, '0.6'],
    ]);
  });

  it('finds nothing in heads with no likely class, and refuses heads that do not fit, naming the shape', () => {
    expect(decodeGfl(gflHeads([]), gfl, { minScore: 0.01 })).toEqual([]);
    expect(() => decodeGfl([new Float32Array(10), new Float32Array(4 * channels)], gfl)).toThrow(
      /a head of 10 values does not fit 3 classes and 4 bins on 4×4/,
    );
    expect(() => decodeGfl([new Float32Array(16 * channels)], gfl)).toThrow(/1 heads for 2 strides/);
  });
});

describe('NanoDet pixels', () => {
  it('are NCHW, normalised per channel, in BGR order when the contract says so', () => {
    // One pixel, RGB (10, 20, 30).
    const rgb = new Uint8Array([10, 20, 30]);
    const bgr = nanoDetPixels(rgb, 1, { channels: 'bgr', mean: [1, 2, 3], std: [1, 2, 3] });
    expect([...bgr].map((v) => v.toFixed(4))).toEqual(
      [30 - 1, (20 - 2) / 2, (10 - 3) / 3].map((v) => v.toFixed(4)),
    );
    const rgbOut = nanoDetPixels(rgb, 1, { channels: 'rgb', mean: [0, 0, 0], std: [10, 10, 10] });
    expect([...rgbOut]).toEqual([1, 2, 3]);
    // Planes: all of the first channel, then the second, then the third.
    const four = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect([...nanoDetPixels(four, 2, { channels: 'rgb', mean: [0, 0, 0], std: [1, 1, 1] })]).toEqual([
      1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12,
    ]);
  });
});

describe('fitting a frame into the square input', () => {
  it('keeps the frame’s shape, centred, and maps a box back onto the frame', () => {
    const fit = letterbox(1280, 720, 512);
    expect(fit).toEqual({ w: 512, h: 288, left: 0, top: 112 });
    // The band the frame fills, in input fractions, is the whole frame.
    expect(unletterbox({ x: 0, y: 112 / 512, w: 1, h: 288 / 512 }, fit, 512)).toEqual({
      x: 0,
      y: 0,
      w: 1,
      h: 1,
    });
    const tall = letterbox(300, 600, 512);
    expect(tall).toEqual({ w: 256, h: 512, left: 128, top: 0 });
    const box = unletterbox({ x: 0.25, y: 0.5, w: 0.25, h: 0.25 }, tall, 512);
    expect(box).toEqual({ x: 0, y: 0.5, w: 0.5, h: 0.25 });
  });

  it('clips a box that reaches into the black bands', () => {
    const fit = letterbox(1280, 720, 512);
    const box = unletterbox({ x: 0.5, y: 0, w: 0.25, h: 0.5 }, fit, 512);
    expect(box.y).toBe(0);
    expect(box.h).toBeCloseTo((256 - 112) / 288, 6);
  });
});

describe('box overlap', () => {
  it('is 1 for the same box, 0 for boxes apart, and the shared share otherwise', () => {
    const a = { x: 0, y: 0, w: 0.5, h: 0.5 };
    expect(overlap(a, a)).toBe(1);
    expect(overlap(a, { x: 0.6, y: 0.6, w: 0.2, h: 0.2 })).toBe(0);
    expect(overlap(a, { x: 0.25, y: 0, w: 0.5, h: 0.5 })).toBeCloseTo(1 / 3, 6);
  });
});

describe('the COCO label table', () => {
  it('names 80 labels, each with a Korean name, and no search word twice', () => {
    expect(COCO_LABELS).toHaveLength(80);
    const words = COCO_LABELS.flatMap((l) => [l.en, l.ko, ...(l.also ?? [])].map((w) => w.toLowerCase()));
    for (const l of COCO_LABELS) expect(l.ko, l.en).toMatch(/\p{Script=Hangul}/u);
    expect(words.filter((w, i) => words.indexOf(w) !== i)).toEqual([]);
  });
});
