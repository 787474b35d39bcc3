// The original TensorFlow.js graph's own detections on the photos in test/fixtures/photos, the reference the
// converted ONNX detector is checked against (test/real-models/objects.test.ts). Pixels are made exactly as
// models/runtime/object-detection.ts makes them (sharp, fitted into 512×512 with black around, RGB 0–255), and
// the graph's own decode (tower_0/detections: its top 100 peaks, boxes in input pixels) is kept above 0.3.
// TensorFlow.js is not a heimdex dependency: install @tensorflow/tfjs-core, tfjs-converter and tfjs-backend-wasm 4.22.0 in a scratch directory and pass it.
// Usage: node models/tools/tfjs_reference.mjs <scratch>/node_modules <package>/models/centernet.json > out.json
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import sharp from 'sharp';

/** As letterbox() in models/runtime/object-detection.ts. */
function letterbox(width, height, n) {
  const scale = Math.min(n / width, n / height);
  const w = Math.max(1, Math.min(n, Math.round(width * scale)));
  const h = Math.max(1, Math.min(n, Math.round(height * scale)));
  return { w, h, left: Math.floor((n - w) / 2), top: Math.floor((n - h) / 2) };
}

const [modules, graphFile] = process.argv.slice(2);
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
  const meta = await sharp(join(dir, name)).metadata();
  const fit = letterbox(meta.width, meta.height, 512);
  const { data } = await sharp(join(dir, name))
    .removeAlpha()
    .toColourspace('srgb')
    .resize(fit.w, fit.h, { fit: 'fill' })
    .extend({
      left: fit.left,
      top: fit.top,
      right: 512 - fit.w - fit.left,
      bottom: 512 - fit.h - fit.top,
      background: { r: 0, g: 0, b: 0 },
    })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const x = tf.tensor4d(Float32Array.from(data), [1, 512, 512, 3]);
  const det = (await model.execute(x, 'tower_0/detections').array())[0];
  const r = (v) => Math.round(v * 1000) / 1000;
  out[name] = det
    .filter((d) => d[4] >= 0.3)
    .map(([x0, y0, x1, y1, score, cls]) => ({ classId: cls, score: r(score), box: [x0, y0, x1, y1].map(r) }));
}
const photos = Object.entries(out).map(
  ([name, list]) =>
    `  ${JSON.stringify(name)}: [\n${list.map((d) => `    ${JSON.stringify(d)}`).join(',\n')}\n  ]`,
);
process.stdout.write(
  `{\n "backend": "${tf.getBackend()}",\n "tfjs": "${tf.version_core}",\n "detections": {\n${photos.join(',\n')}\n }\n}\n`,
);
