// Calibrates search on the labelled evaluation set (scripts/eval/search-set.ts) and writes models/calibration.ts.
// Every (query, scene) pair is relevant or not by the labels (near-miss and negative queries make only irrelevant
// pairs; queries about the picture are left out: neither words nor transcripts can answer them). For the text
// model, each query is embedded as a query and each scene's subtitle line as a passage (what the pipeline's
// embed-text stage stores with ASR_MODEL=none); for the lexical signal, each pair is scored by lexicalScore(),
// the SQL's arithmetic in TypeScript.
//   floor:     the cosine that best separates the two, by F0.5 (precision weighs twice recall: a wrong hit costs a
//              person more than a missed one, which another signal may still find);
//   relevance: a logistic fit (Platt scaling) of P(relevant | score) over the pairs at or above the floor, so a
//              score maps to the share of such pairs that were right answers.
// Usage: npx tsx scripts/calibrate-search.ts [model] [--write] (default multilingual-e5-small; MODELS_DIR as for
// search, default ~/.cache/heimdex/models). Prints the distributions and the figures; --write updates the file.
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { lexicalScore, normalizeForMatch } from '../api/search/text.js';
import { modelSpec } from '../models/manifest.js';
import { loadTextEmbedder } from '../models/runtime/embeddings.js';
import { QUERIES, VIDEOS } from './eval/search-set.js';

const model = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'multilingual-e5-small';
const write = process.argv.includes('--write');
const modelsDir = process.env.MODELS_DIR ?? join(homedir(), '.cache', 'heimdex', 'models');
if (modelSpec(model).tiny)
  throw new Error(`${model} is a random-weight stand-in: there is nothing to calibrate`);

const embedder = await loadTextEmbedder(model, { modelsDir });
const scenes = VIDEOS.flatMap((v) => v.scenes.map((s, i) => ({ ref: `${v.key}/${i}`, text: s.subtitle })));
const passages = await embedder.embed(
  scenes.map((s) => s.text),
  'passage',
);
const queries = await embedder.embed(
  QUERIES.map((q) => q.q),
  'query',
);
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const answerable = QUERIES.map((q, i) => ({ q, i })).filter(({ q }) => q.kind !== 'visual');
const pairs = answerable.flatMap(({ q, i }) =>
  scenes.map((s, j) => ({
    cos: dot(queries[i]!, passages[j]!),
    lexical: lexicalScore(normalizeForMatch(q.q.normalize('NFC')), s.text),
    relevant: q.relevant.includes(s.ref),
  })),
);
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const quantile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))]!;

/** The threshold with the best F0.5 over the midpoints between observed scores. */
function bestFloor(xs: { score: number; relevant: boolean }[]) {
  const positives = xs.filter((x) => x.relevant).length;
  const at = (t: number) => {
    const tp = xs.filter((x) => x.relevant && x.score >= t).length;
    const fp = xs.filter((x) => !x.relevant && x.score >= t).length;
    const precision = tp + fp ? tp / (tp + fp) : 1;
    const recall = tp / positives;
    const f05 = precision + recall ? (1.25 * precision * recall) / (0.25 * precision + recall) : 0;
    return { t, precision, recall, f05, fp };
  };
  const sorted = [...new Set(xs.map((x) => x.score))].sort((a, b) => a - b);
  return sorted
    .slice(1)
    .map((c, i) => at((c + sorted[i]!) / 2))
    .reduce((a, b) => (b.f05 > a.f05 ? b : a));
}

/** Logistic regression of relevance on the score by Newton's method (two parameters, no regularisation but a cap). */
function platt(xs: { score: number; relevant: boolean }[]): { a: number; b: number } {
  let a = 0;
  let b = 0;
  for (let it = 0; it < 100; it++) {
    let [ga, gb, haa, hab, hbb] = [0, 0, 0, 0, 0];
    for (const x of xs) {
      const p = 1 / (1 + Math.exp(-(a * x.score + b)));
      const e = p - (x.relevant ? 1 : 0);
      const w = Math.max(p * (1 - p), 1e-9);
      ga += e * x.score;
      gb += e;
      haa += w * x.score * x.score;
      hab += w * x.score;
      hbb += w;
    }
    // A small ridge keeps a perfectly separable set from running off to infinity.
    haa += 1e-3;
    hbb += 1e-3;
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  return { a: Math.max(-200, Math.min(200, a)), b: Math.max(-200, Math.min(200, b)) };
}
const sigmoid = (c: { a: number; b: number }, x: number) => 1 / (1 + Math.exp(-(c.a * x + c.b)));

const text = pairs.map((p) => ({ score: p.cos, relevant: p.relevant }));
const floor = bestFloor(text);
const textFit = platt(text);
const lex = pairs.filter((p) => p.lexical > 0).map((p) => ({ score: p.lexical, relevant: p.relevant }));
const lexFit = platt(lex);
const pos = text.filter((x) => x.relevant).map((x) => x.score);
const neg = text.filter((x) => !x.relevant).map((x) => x.score);
console.log(
  `${model}: ${answerable.length} queries (the picture queries left out) × ${scenes.length} scenes = ${pairs.length} pairs, ${pos.length} relevant`,
);
for (const [name, xs] of [
  ['relevant', pos],
  ['other', neg],
] as const)
  console.log(
    `  ${name.padEnd(9)} cosine min ${r3(Math.min(...xs))} p10 ${r3(quantile(xs, 0.1))} median ${r3(quantile(xs, 0.5))} p90 ${r3(quantile(xs, 0.9))} max ${r3(Math.max(...xs))}`,
  );
console.log(
  `  floor ${r3(floor.t)}: precision ${r3(floor.precision)}, recall ${r3(floor.recall)}, F0.5 ${r3(floor.f05)} (${floor.fp} irrelevant pairs at or above)`,
);
console.log(
  `  relevance = 1/(1+exp(-(${r3(textFit.a)}·cos + ${r3(textFit.b)}))): ${[floor.t, 0.85, 0.9, 0.95].map((c) => `${r3(c)} → ${r3(sigmoid(textFit, c))}`).join(', ')}`,
);
console.log(
  `lexical: ${lex.length} pairs with a match, ${lex.filter((x) => x.relevant).length} relevant; relevance = 1/(1+exp(-(${r3(lexFit.a)}·score + ${r3(lexFit.b)}))): ${[0.25, 0.5, 0.75, 1].map((c) => `${c} → ${r3(sigmoid(lexFit, c))}`).join(', ')}`,
);

if (write) {
  const file = new URL('../models/calibration.ts', import.meta.url);
  const src = readFileSync(file, 'utf8');
  const basis = `${answerable.length} queries × ${scenes.length} scenes of scripts/eval/search-set.ts (${new Date().toISOString().slice(0, 10)})`;
  const entry = `  '${model}': {
    floor: ${r3(floor.t)},
    relevance: { a: ${r3(textFit.a)}, b: ${r3(textFit.b)} },
    basis: '${basis}: precision ${r3(floor.precision)}, recall ${r3(floor.recall)} at the floor',
  },`;
  const re = new RegExp(`  '${model}': \\{[\\s\\S]*?\\n  \\},`);
  let next = re.test(src)
    ? src.replace(re, entry)
    : src.replace('  /* calibrated */', `  /* calibrated */\n${entry}`);
  next = next.replace(
    /export const LEXICAL_CALIBRATION[\s\S]*?\n\};/,
    `export const LEXICAL_CALIBRATION: LexicalCalibration = {
  relevance: { a: ${r3(lexFit.a)}, b: ${r3(lexFit.b)} },
  basis: '${basis}: ${lex.length} pairs with a match',
};`,
  );
  writeFileSync(file, next);
  console.log(`wrote ${model} and the lexical fit to models/calibration.ts`);
}
