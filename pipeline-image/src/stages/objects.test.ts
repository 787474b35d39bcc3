import { describe, expect, it } from 'vitest';
import type { Detection } from '../../../models/runtime/object-detection.js';
import { mergeObjects, objectWords } from './objects.js';

const det = (classId: number, label: string, score: number, w = 0.5, h = 0.5): Detection => ({
  classId,
  label,
  score,
  box: { x: 0.1, y: 0.1, w, h },
});

describe("a scene's objects from its frames", () => {
  it('keeps one entry per label with its best confidence, largest share of the frame, count and times', () => {
    const merged = mergeObjects([
      { at: 1, detections: [det(41, 'cup', 0.45, 0.2, 0.2), det(0, 'person', 0.7)] },
      { at: 5, detections: [det(41, 'cup', 0.6, 0.5, 0.4), det(41, 'cup', 0.42, 0.1, 0.1)] },
      { at: 9, detections: [] },
    ]);
    expect(merged).toEqual([
      {
        label: 'person',
        ko: '사람',
        confidence: 0.7,
        area: 0.25,
        count: 1,
        seenAt: [1],
        box: { x: 0.1, y: 0.1, w: 0.5, h: 0.5 },
      },
      {
        label: 'cup',
        ko: '컵',
        confidence: 0.6,
        area: 0.2,
        count: 2,
        seenAt: [1, 5],
        box: { x: 0.1, y: 0.1, w: 0.5, h: 0.4 },
      },
    ]);
  });

  it('is empty when no frame held anything, or no frame was read', () => {
    expect(mergeObjects([{ at: 0, detections: [] }])).toEqual([]);
    expect(mergeObjects([])).toEqual([]);
  });

  it('is searched by each label’s English and Korean names and its other names, a label a line', () => {
    expect(objectWords([{ label: 'car' }, { label: 'cup' }])).toBe('car 자동차 차 승용차\ncup 컵 mug 잔');
    expect(objectWords([])).toBe('');
  });
});
