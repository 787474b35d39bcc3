// The original TensorFlow.js graphs' own outputs on the photos in test/fixtures/photos, the references the converted
// ONNX detectors are checked against (test/real-models/objects.test.ts). Pixels are made exactly as
// models/runtime/object-detection.ts makes them (sharp, fitted into the square input with black around).
// CenterNet (centernet.json): RGB 0–255 NHWC into 512×512, and the graph's own decode (tower_0/detections: its top
// 100 peaks, boxes in input pixels) kept above 0.3 -> tfjs-reference.json.
// NanoDet (nanodet.json): BGR (v − mean) / std NCHW into 416×416; the graph has no decode of its own, so per photo its
// five most confident (stride, cell, class), with the class score (the graph's sigmoid) and the cell's 44 box-side
// logits (4 sides × 11 bins) -> tfjs-reference-nanodet.json.
// TensorFlow.js is not a heimdex dependency: install @tensorflow/tfjs-core, tfjs-converter and tfjs-backend-wasm 4.22.0 in a scratch directory and pass it.
// Usage: node models/tools/tfjs_reference.mjs <scratch>/node_modules <package>/models/centernet.json|nanodet.json > out.json
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import sharp from 'sharp';

/** As letterbox() in models/runtime/object-detection.ts. */
function letterbox(width, height, n) {
  const scale = Math.min(n / width, n / height);
  const w = Math.max(1, Math.min(n, Math.round(width * scale)));
  const h = Math.max(1, Math.min(n, Math.round(height * scale)));
  return { w, h, left: Math.floor((n - w) / 2), top: Math.floor((n - h) / 2) };
}

/** As fittedPixels() in models/runtime/object-detection.ts: RGB bytes, HWC. */
async function fitted(file, n) {
  const meta = await sharp(file).metadata();
  const fit = letterbox(meta.width, meta.height, n);
  const { data } = await sharp(file)
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
  return data;
}

const r = (v, places) => Math.round(v * 10 ** places) / 10 ** places;

const CENTERNET = {
  key: 'detections',
  async run(tf, model, file) {
    const x = tf.tensor4d(Float32Array.from(await fitted(file, 512)), [1, 512, 512, 3]);
    const det = (await model.execute(x, 'tower_0/detections').array())[0];
    return det
      .filter((d) => d[4] >= 0.3)
      .map(([x0, y0, x1, y1, score, cls]) => ({
        classId: cls,
        score: r(score, 3),
        box: [x0, y0, x1, y1].map((v) => r(v, 3)),
      }));
  },
};

const NANODET_MEAN = [103.53, 116.28, 123.675];
const NANODET_STD = [57.375, 57.12, 58.395];
const NANODET = {
  key: 'cells',
  async run(tf, model, file) {
    const n = 416;
    const data = await fitted(file, n);
    const plane = n * n;
    const pixels = new Float32Array(3 * plane);
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < plane; i++)
        pixels[k * plane + i] = (data[3 * i + (2 - k)] - NANODET_MEAN[k]) / NANODET_STD[k];
    }
    // Scores per stride (8, 16, 32), then box sides per stride.
    const levels = [8, 16, 32];
    const outputs = model.execute(tf.tensor4d(pixels, [1, 3, n, n]), [
      'Identity:0',
      'Identity_1:0',
      'Identity_2:0',
      'Identity_3:0',
      'Identity_4:0',
      'Identity_5:0',
    ]);
    const best = [];
    for (const [i, stride] of levels.entries()) {
      const scores = outputs[i].dataSync();
      const sides = outputs[i + 3].dataSync();
      for (let j = 0; j < scores.length; j++) {
        const cell = Math.floor(j / 80);
        best.push({
          stride,
          cell,
          classId: j % 80,
          score: scores[j],
          sides: sides.slice(cell * 44, cell * 44 + 44),
        });
      }
    }
    best.sort((a, b) => b.score - a.score);
    return best
      .slice(0, 5)
      .map((b) => ({ ...b, score: r(b.score, 4), sides: [...b.sides].map((v) => r(v, 3)) }));
  },
};

const [modules, graphFile] = process.argv.slice(2);
const family = basename(graphFile).startsWith('nanodet') ? NANODET : CENTERNET;
const load = createRequire(join(modules, 'reference.js'));
const tf = load('@tensorflow/tfjs-core');
const { loadGraphModel } = load('@tensorflow/tfjs-converter');
load('@tensorflow/tfjs-backend-wasm');
await tf.setBackend('wasm');
await tf.ready();
const json = JSON.parse(readFileSync(graphFile, 'utf8'));
const bin = readFileSync(graphFile.replace(/\.json$/, '.bin'));
const model = await loadGraphModel(
  tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
  }),
);
const dir = new URL('../../test/fixtures/photos/', import.meta.url).pathname;
const out = {};
for (const name of readdirSync(dir)
  .filter((f) => f.endsWith('.jpg'))
  .sort()) {
  out[name] = await family.run(tf, model, join(dir, name));
}
const photos = Object.entries(out).map(
  ([name, list]) =>
    `  ${JSON.stringify(name)}: [\n${list.map((d) => `    ${JSON.stringify(d)}`).join(',\n')}\n  ]`,
);
process.stdout.write(
  `{\n "backend": "${tf.getBackend()}",\n "tfjs": "${tf.version_core}",\n "${family.key}": {\n${photos.join(',\n')}\n }\n}\n`,
);
