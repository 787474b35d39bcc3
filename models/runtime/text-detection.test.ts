// The detector's post-processing without the model: probability maps with known regions in, boxes out.
import { describe, expect, it } from 'vitest';
import { boxesFromMap, detectorSize, joinLines } from './text-detection.js';

function map(width: number, height: number, rects: [number, number, number, number, number][]): Float32Array {
  const m = new Float32Array(width * height);
  for (const [x, y, w, h, p] of rects)
    for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) m[yy * width + xx] = p;
  return m;
}

describe('text detection post-processing', () => {
  it('boxes each confident region, grown back by the unclip distance and clipped to the map', () => {
    const boxes = boxesFromMap(
      map(100, 50, [
        [10, 10, 40, 10, 0.9],
        [0, 40, 20, 10, 0.95],
      ]),
      100,
      50,
    );
    expect(boxes).toHaveLength(2);
    // 40×10 region: d = 400 × 1.6 / 100 = 6.4 px on each side.
    expect(boxes[0]).toMatchObject({ x: 3, y: 3, w: 54, h: 24 });
    expect(boxes[0]!.score).toBeCloseTo(0.9, 5);
    expect(boxes[1]).toMatchObject({ x: 0, y: 34, h: 16 });
  });

  it('drops faint regions, specks and an empty map', () => {
    expect(boxesFromMap(map(60, 30, [[5, 5, 30, 8, 0.4]]), 60, 30)).toEqual([]);
    expect(boxesFromMap(map(60, 30, [[5, 5, 2, 2, 0.99]]), 60, 30)).toEqual([]);
    expect(boxesFromMap(new Float32Array(60 * 30), 60, 30)).toEqual([]);
  });

  it('joins the word boxes of one line and keeps lines apart', () => {
    const words = [
      { x: 0, y: 0, w: 50, h: 20, score: 0.9 },
      { x: 60, y: 2, w: 40, h: 20, score: 0.8 },
      { x: 0, y: 60, w: 50, h: 20, score: 0.9 },
      { x: 300, y: 0, w: 40, h: 20, score: 0.9 },
    ];
    const lines = joinLines(words);
    expect(lines.map(({ x, y, w, h }) => [x, y, w, h])).toEqual([
      [0, 0, 100, 22],
      [300, 0, 40, 20],
      [0, 60, 50, 20],
    ]);
  });

  it('sizes the input to multiples of 32 within the longest side, never upscaling', () => {
    expect(detectorSize(1280, 720, 960)).toEqual({ w: 960, h: 544 });
    expect(detectorSize(640, 360, 960)).toEqual({ w: 640, h: 352 });
    expect(detectorSize(10, 10, 960)).toEqual({ w: 32, h: 32 });
  });
});
