// Object detection, measured: the labels found on the real photos of test/fixtures/photos (each framed 16:9 at
// 768×432 as the keyframes stage stores frames, and as the photo itself) against what each shows, per confidence
// floor, and seconds per frame (sharp decode + letterbox + onnxruntime + decode) on this machine, for each object
// detector named (default: every one in the manifest), one after the other on the same pictures.
// Usage: MODELS_DIR=… npx tsx scripts/bench-objects.ts [model…] (the models from
// `npm run models:build -- centernet-mb3-coco nanodet-g-coco`).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODELS } from '../models/manifest.js';
import { loadObjectDetector } from '../models/runtime/object-detection.js';
import { PHOTOS_DIR } from '../test/support/photo-media.js';

/** What each photo shows: labels that must be found, and labels that are not wrong (the coffee's table). */
const TRUTH: Record<string, { shows: string[]; alsoRight?: string[] }> = {
  'coffee.jpg': { shows: ['cup'], alsoRight: ['spoon', 'dining table', 'bowl'] },
  'astronaut.jpg': { shows: ['person'] },
  'horse.jpg': { shows: ['horse'] },
  'chelsea.jpg': { shows: ['cat'] },
  'camera.jpg': { shows: ['person'] },
  // None of COCO's objects: anything found is wrong.
  'rocket.jpg': { shows: [] },
};

const modelsDir = process.env.MODELS_DIR || join(process.env.HOME ?? '', '.cache/heimdex/models');
const named = process.argv.slice(2);
const models = named.length
  ? named
  : MODELS.filter((m) => m.contract.kind === 'object-detection').map((m) => m.name);
const dir = mkdtempSync(join(tmpdir(), 'bench-objects-'));

const pictures: { name: string; kind: string; bytes: Buffer }[] = [];
for (const name of Object.keys(TRUTH)) {
  pictures.push({ name, kind: 'photo', bytes: readFileSync(join(PHOTOS_DIR, name)) });
  const framed = join(dir, `${name}.jpg`);
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-i',
    join(PHOTOS_DIR, name),
    '-vf',
    'scale=768:432:force_original_aspect_ratio=decrease,pad=768:432:(ow-iw)/2:(oh-ih)/2',
    framed,
  ]);
  pictures.push({ name, kind: '768x432 frame', bytes: readFileSync(framed) });
}

for (const model of models) {
  console.log(`\n### ${model}\n`);
  const started = performance.now();
  const detector = await loadObjectDetector(model, { modelsDir });
  console.log(`model load: ${((performance.now() - started) / 1000).toFixed(2)} s (${detector.provider})`);
  // Warm-up, then each picture several times for the time per frame.
  await detector.detect(pictures[0]!.bytes);
  const ROUNDS = 5;
  const times: number[] = [];
  const found = new Map<string, { label: string; score: number }[]>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const p of pictures) {
      const t = performance.now();
      const d = await detector.detect(p.bytes, { minScore: 0.2 });
      times.push(performance.now() - t);
      found.set(`${p.name} ${p.kind}`, d);
    }
  }
  times.sort((a, b) => a - b);
  const pct = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  console.log(
    `seconds per frame over ${times.length} runs: p50 ${(pct(0.5) / 1000).toFixed(3)}, p90 ${(pct(0.9) / 1000).toFixed(3)} ` +
      `(load average ${loadavg()[0]!.toFixed(1)}, ${process.env.HEIMDEX_ORT_PROVIDERS ?? 'default providers'})`,
  );

  console.log('\n| picture | labels found (≥ 0.2) |\n|---|---|');
  for (const [key, d] of found) {
    console.log(`| ${key} | ${d.map((x) => `${x.label} ${x.score.toFixed(2)}`).join(', ') || '—'} |`);
  }

  console.log('\n| floor | precision | recall | false labels |\n|---|---|---|---|');
  for (const floor of [0.3, 0.4, 0.5]) {
    let right = 0;
    let predicted = 0;
    let hit = 0;
    let wanted = 0;
    const wrong: string[] = [];
    for (const [key, d] of found) {
      const truth = TRUTH[key.split(' ')[0]!]!;
      const labels = [...new Set(d.filter((x) => x.score >= floor).map((x) => x.label))];
      predicted += labels.length;
      for (const l of labels) {
        if (truth.shows.includes(l) || truth.alsoRight?.includes(l)) right++;
        else wrong.push(`${l} in ${key}`);
      }
      wanted += truth.shows.length;
      hit += truth.shows.filter((l) => labels.includes(l)).length;
    }
    console.log(
      `| ${floor} | ${(right / Math.max(1, predicted)).toFixed(2)} | ${(hit / wanted).toFixed(2)} | ${wrong.join('; ') || '—'} |`,
    );
  }
}
rmSync(dir, { recursive: true, force: true });
