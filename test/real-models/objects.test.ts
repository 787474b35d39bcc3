// The object detectors with their real weights (centernet-mb3-coco and nanodet-g-coco, built from the npm tarball
// by models:build's code) on real photos: each finds what each shows; CenterNet's detections are TensorFlow.js's
// own for the original graph (test/fixtures/photos/tfjs-reference.json), and NanoDet's heads TensorFlow.js's at
// the cells that matter (tfjs-reference-nanodet.json, both made by models/tools/tfjs_reference.mjs), so the conversions to ONNX changed nothing that matters.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { COCO_LABELS } from '../../models/coco-labels.js';
import { modelDir, modelSpec, OBJECT_DETECTION_MODEL } from '../../models/manifest.js';
import {
  fittedPixels,
  letterbox,
  loadObjectDetector,
  nanoDetPixels,
  type ObjectDetector,
  unletterbox,
} from '../../models/runtime/object-detection.js';
import { float32, loadSession } from '../../models/runtime/onnx.js';
import { tempDir } from '../support/cleanup.js';
import { BUILD_TIMEOUT_MS, ensureRealModels } from '../support/real-models.js';

const PHOTOS = new URL('../fixtures/photos/', import.meta.url).pathname;
const reference = JSON.parse(readFileSync(join(PHOTOS, 'tfjs-reference.json'), 'utf8')) as {
  detections: Record<string, { classId: number; score: number; box: number[] }[]>;
};
const photo = (name: string) => readFileSync(join(PHOTOS, name));
const dir = tempDir('objects-real');

let detector: ObjectDetector;
let modelsDir: string;
beforeAll(async () => {
  modelsDir = await ensureRealModels();
  detector = await loadObjectDetector(OBJECT_DETECTION_MODEL, { modelsDir });
}, BUILD_TIMEOUT_MS);

describe('the object detector on real photos', () => {
  it.each([
    ['coffee.jpg', 'cup'],
    ['astronaut.jpg', 'person'],
    ['horse.jpg', 'horse'],
    ['chelsea.jpg', 'cat'],
    // A grey photo: three equal channels.
    ['camera.jpg', 'person'],
  ])('finds what %s shows (%s), best first', async (name, label) => {
    const found = await detector.detect(photo(name));
    expect(found[0]?.label, JSON.stringify(found)).toBe(label);
    expect(found[0]!.score).toBeGreaterThan(0.4);
    // Most of the picture: each of these photos is framed on its subject.
    expect(found[0]!.box.w * found[0]!.box.h).toBeGreaterThan(0.2);
  });

  it('gives the original TensorFlow.js graph’s detections: same labels, scores within 0.005, boxes within 1%', async () => {
    for (const [name, expected] of Object.entries(reference.detections)) {
      const found = await detector.detect(photo(name), { minScore: 0.3, maxOverlap: 1 });
      expect(
        found.map((d) => d.classId),
        name,
      ).toEqual(expected.map((e) => e.classId));
      const size = await sharp(photo(name)).metadata();
      for (const [i, ref] of expected.entries()) {
        const d = found[i]!;
        expect(Math.abs(d.score - ref.score), `${name} #${i} score`).toBeLessThan(0.005);
        // The graph's box is in pixels of the 512 × 512 input, unclipped; ours is in fractions of the photo.
        const fit = letterbox(size.width!, size.height!, 512);
        const [a, b, c, e4] = ref.box.map((v) => v / 512) as [number, number, number, number];
        const theirs = unletterbox({ x: a, y: b, w: c - a, h: e4 - b }, fit, 512);
        const [x0, y0, x1, y1] = [theirs.x, theirs.y, theirs.x + theirs.w, theirs.y + theirs.h];
        for (const [ours, its] of [
          [d.box.x, x0],
          [d.box.y, y0],
          [d.box.x + d.box.w, x1],
          [d.box.y + d.box.h, y1],
        ] as const) {
          expect(Math.abs(ours - its), `${name} #${i} box`).toBeLessThan(0.01);
        }
      }
    }
  });

  it('finds the cat, which squashed to a square it took for a dog', async () => {
    const found = await detector.detect(photo('chelsea.jpg'));
    expect(found.map((d) => d.label)).toEqual(['cat']);
    expect(COCO_LABELS[reference.detections['chelsea.jpg']![0]!.classId]!.en).toBe('cat');
  });

  it('finds nothing in a photo of none of its objects (a rocket on its pad)', async () => {
    expect(await detector.detect(photo('rocket.jpg'))).toEqual([]);
  });

  it('finds nothing in flat or noisy frames', async () => {
    for (const source of [
      'color=c=gray:s=1280x720',
      'color=c=black:s=640x360',
      'nullsrc=s=640x360,geq=random(1)*255:128:128',
    ]) {
      const file = join(dir, `${source.replace(/[^a-z0-9]/g, '')}.jpg`);
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', source, '-frames:v', '1', file]);
      expect(await detector.detect(readFileSync(file)), source).toEqual([]);
    }
  });

  it('reads a 4K frame as the photo it came from, and a grey one (three equal channels) less surely', async () => {
    const big = join(dir, 'coffee-4k.jpg');
    const grey = join(dir, 'coffee-grey.png');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-i',
      join(PHOTOS, 'coffee.jpg'),
      '-vf',
      'scale=3840:2160',
      big,
    ]);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', join(PHOTOS, 'coffee.jpg'), '-pix_fmt', 'gray', grey]);
    expect((await detector.detect(readFileSync(big)))[0]?.label).toBe('cup');
    expect((await detector.detect(readFileSync(grey)))[0]?.label).toBe('cup');
  });

  it('refuses bytes that are not a picture, with the decoder’s reason', async () => {
    await expect(detector.detect(Buffer.from('not a jpeg'))).rejects.toThrow(
      /unsupported image format|Input buffer/,
    );
  });
});

describe('NanoDet-g (the Apache-2.0 detector) on real photos', () => {
  const NANODET = 'nanodet-g-coco';
  let nanodet: ObjectDetector;
  beforeAll(async () => {
    nanodet = await loadObjectDetector(NANODET, { modelsDir });
  });

  it.each([
    ['astronaut.jpg', 'person'],
    ['horse.jpg', 'horse'],
    ['chelsea.jpg', 'cat'],
    ['camera.jpg', 'person'],
  ])('finds what %s shows (%s), best first, over most of the picture', async (name, label) => {
    const found = await nanodet.detect(photo(name));
    expect(found[0]?.label, JSON.stringify(found)).toBe(label);
    expect(found[0]!.score).toBeGreaterThan(0.5);
    expect(found[0]!.box.w * found[0]!.box.h).toBeGreaterThan(0.2);
  });

  it('finds the cup of coffee less surely than CenterNet: under the table it stands on, above a low floor', async () => {
    const found = await nanodet.detect(photo('coffee.jpg'), { minScore: 0.2 });
    expect(found[0]?.label).toBe('dining table');
    const cup = found.find((d) => d.label === 'cup');
    expect(cup?.score).toBeGreaterThan(0.2);
    expect(cup!.score).toBeLessThan(0.4);
  });

  it('finds nothing in the rocket photo or in flat frames at the default floor', async () => {
    expect(await nanodet.detect(photo('rocket.jpg'))).toEqual([]);
    const file = join(dir, 'grey-nanodet.jpg');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'color=c=gray:s=1280x720',
      '-frames:v',
      '1',
      file,
    ]);
    expect(await nanodet.detect(readFileSync(file))).toEqual([]);
  });

  it('gives the original TensorFlow.js graph’s heads at its most confident cells: scores within 0.001, sides’ logits within 0.01', async () => {
    const ref = JSON.parse(readFileSync(join(PHOTOS, 'tfjs-reference-nanodet.json'), 'utf8')) as {
      cells: Record<
        string,
        { stride: number; cell: number; classId: number; score: number; sides: number[] }[]
      >;
    };
    const spec = modelSpec(NANODET);
    if (spec.contract.kind !== 'object-detection' || spec.contract.family !== 'nanodet')
      throw new Error('not NanoDet');
    const contract = spec.contract;
    const session = await loadSession(join(modelDir(NANODET, modelsDir), contract.file));
    const n = contract.inputSize;
    for (const [name, cells] of Object.entries(ref.cells)) {
      const { rgb } = await fittedPixels(photo(name), n);
      const out = await session.run({
        [contract.input]: float32(nanoDetPixels(rgb, n, contract), [1, 3, n, n]),
      });
      expect(cells.length, name).toBeGreaterThan(0);
      for (const c of cells) {
        const head = contract.heads.find((h) => h.stride === c.stride)!;
        const values = out[head.output]!.data;
        const plane = (n / c.stride) ** 2;
        const score = 1 / (1 + Math.exp(-values[c.classId * plane + c.cell]!));
        expect(Math.abs(score - c.score), `${name} ${c.stride}/${c.cell} score`).toBeLessThan(0.001);
        for (const [k, v] of c.sides.entries()) {
          expect(
            Math.abs(values[(contract.classes + k) * plane + c.cell]! - v),
            `${name} side ${k}`,
          ).toBeLessThan(0.01);
        }
      }
    }
  });
});
