import { describe, expect, it } from 'vitest';
import { COCO_LABELS } from '../coco-labels.js';
import { decodeDetections, letterbox, overlap, unletterbox } from './object-detection.js';

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
