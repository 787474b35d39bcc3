// Calibrates search on the labelled evaluation set (scripts/eval/search-set.ts) and writes models/calibration.ts.
// Every (query, scene) pair is relevant or not by the labels (near-miss and negative queries make only irrelevant
// pairs; queries about the picture are left out: neither words nor transcripts can answer them). For the text
// model, each query is embedded as a query and each scene's subtitle line as a passage (what the pipeline's
// embed-text stage stores with ASR_MODEL=none), and each pair is read on its criterion: the raw cosine, or its
// standout above the query's and the scene's background (api/search/relevance.ts, the default); for the lexical
// signal, each pair is scored by lexicalScore(), the SQL's arithmetic in TypeScript.
//   floor:     the value that best separates the two, by F0.5 (precision weighs twice recall: a wrong hit costs a
//              person more than a missed one, which another signal may still find);
//   relevance: a logistic fit (Platt scaling) of P(relevant | value) over all pairs, so a value maps to the share
//              of such pairs that were right answers.
// Held out: the queries are split into FOLDS parts (by query, never by pair: a query's pairs are all fitted or all
// held out; each kind spread over the folds); each part is measured with the floor and fit of the others, and
// the figures are printed beside the in-sample ones (fit and measured on every query).
// --screen calibrates the model's screen vectors instead (embed-screen: each scene's drawn text as its passage), with
// each floor raised above every pair of a near-miss or negative query in its pairing; --write then writes
// SCREEN_CALIBRATION.
// Usage: npx tsx scripts/calibrate-search.ts [model] [--criterion cosine|standout] [--one-floor] [--screen] [--write] (default
// multilingual-e5-small, standout; MODELS_DIR as for search, default ~/.cache/heimdex/models). Prints the
// distributions and the figures; --write updates the file with the fit on every query.
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Criterion } from '../models/calibration.js';
import { modelSpec } from '../models/manifest.js';
import { loadTextEmbedder } from '../models/runtime/embeddings.js';
import {
  criterionValue,
  type Fit,
  FOLDS,
  fitOn as fitWith,
  folds as foldsOf,
  labelledPairs,
  type Pair,
  partOf,
  platt,
  sigmoid,
} from './eval/calibration-fit.js';
import { EMPTY_KINDS, QUERIES, VIDEOS } from './eval/search-set.js';

const args = process.argv.slice(2);
const model =
  args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--criterion') ?? 'multilingual-e5-small';
const write = args.includes('--write');
const criterion = (
  args.includes('--criterion') ? args[args.indexOf('--criterion') + 1] : 'standout'
) as Criterion;
if (args.includes('--criterion') && !['cosine', 'standout'].includes(criterion))
  throw new Error('--criterion: cosine or standout');
/** Floors by language pairing: one for a query and scene in the same language, one across (--one-floor: one). */
const byLanguage = !args.includes('--one-floor');
const modelsDir = process.env.MODELS_DIR ?? join(homedir(), '.cache', 'heimdex', 'models');
if (modelSpec(model).tiny)
  throw new Error(`${model} is a random-weight stand-in: there is nothing to calibrate`);

const embedder = await loadTextEmbedder(model, { modelsDir });
/** --screen: the calibration of the model's screen vectors (each scene's drawn text as the passage). */
const screen = args.includes('--screen');
const pairs = await labelledPairs(embedder, screen ? 'screen' : 'transcript');
const answerable = [...new Set(pairs.map((p) => p.query))];
const scenes = VIDEOS.flatMap((v) => v.scenes);
// Folds over every query (the picture ones too), as eval-search.ts --held-out splits them.
const fold = foldsOf(QUERIES);
const value = (p: Pair) => criterionValue(criterion, p);
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const quantile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))]!;

/** What fits do on pairs, each pair judged by its own fit (held out: its fold's): per pair, and per query. */
function measure(ps: Pair[], fitFor: (p: Pair) => Fit) {
  const judged = ps.map((p) => {
    const part = partOf(fitFor(p), p);
    return { p, kept: value(p) >= part.floor, relevance: sigmoid(part.fit, value(p)) };
  });
  const tp = judged.filter((j) => j.kept && j.p.relevant).length;
  const fp = judged.filter((j) => j.kept && !j.p.relevant).length;
  const positives = ps.filter((p) => p.relevant).length;
  const precision = tp + fp ? tp / (tp + fp) : 1;
  const recall = positives ? tp / positives : 1;
  const f05 = precision + recall ? (1.25 * precision * recall) / (0.25 * precision + recall) : 0;
  const c = { found: 0, answerable: 0, xlFound: 0, xl: 0, empty: 0, emptyKinds: 0 };
  for (const q of new Set(ps.map((p) => p.query))) {
    const kept = judged.filter((j) => j.p.query === q && j.kept);
    if (EMPTY_KINDS.includes(q.kind)) {
      c.emptyKinds++;
      if (kept.length === 0) c.empty++;
      continue;
    }
    c.answerable++;
    const found = kept.some((j) => j.p.relevant);
    if (found) c.found++;
    if (q.kind === 'cross-lingual') {
      c.xl++;
      if (found) c.xlFound++;
    }
  }
  const kept = judged.filter((j) => j.kept);
  const brier =
    kept.reduce((s, j) => s + (j.relevance - (j.p.relevant ? 1 : 0)) ** 2, 0) / Math.max(1, kept.length);
  return { precision, recall, f05, fp, ...c, brier };
}
const print = (name: string, m: ReturnType<typeof measure>) =>
  console.log(
    `  ${name.padEnd(10)} precision ${m.precision.toFixed(3)}  recall ${m.recall.toFixed(3)}  F0.5 ${m.f05.toFixed(3)}  queries with a right answer kept ${m.found}/${m.answerable} (cross-language ${m.xlFound}/${m.xl})  near-miss+negative empty ${m.empty}/${m.emptyKinds}  Brier ${m.brier.toFixed(3)}`,
  );

/**
 * Screen vectors embed a few words (a sign, a label), and a few words match many queries loosely ("FAMILY DINNER"
 * stands out for "a wedding dinner at a hotel"): their floors are raised, where needed, just above every pair of a
 * query whose answer is nothing, so that such a query still gets nothing from them.
 */
const raised = (f: Fit, ps: Pair[]): Fit => {
  if (!screen) return f;
  const above = (cross: boolean, part: Fit['same']) => {
    const worst = Math.max(
      ...ps.filter((p) => EMPTY_KINDS.includes(p.query.kind) && p.crossLanguage === cross).map(value),
    );
    return worst >= part.floor ? { ...part, floor: Math.ceil((worst + 0.05) * 100) / 100 } : part;
  };
  return { ...f, same: above(false, f.same), ...(f.cross && { cross: above(true, f.cross) }) };
};
const fitOn = (ps: Pair[]) => raised(fitWith(ps, criterion, byLanguage), ps);
const all = fitOn(pairs);
const pos = pairs.filter((p) => p.relevant);
const neg = pairs.filter((p) => !p.relevant);
const unanswered = neg.filter((p) => EMPTY_KINDS.includes(p.query.kind));
console.log(
  `${model}, criterion ${criterion}${byLanguage ? ', floors by language pairing' : ''}: ${answerable.length} queries (the picture queries left out) × ${scenes.length} scenes = ${pairs.length} pairs, ${pos.length} relevant`,
);
for (const [name, xs] of [
  ['relevant, same language', pos.filter((p) => !p.crossLanguage)],
  ['relevant, cross-language', pos.filter((p) => p.crossLanguage)],
  ['other, same language', neg.filter((p) => !p.crossLanguage)],
  ['other, cross-language', neg.filter((p) => p.crossLanguage)],
  ['of near-miss/negative', unanswered],
] as const) {
  const v = xs.map(value);
  console.log(
    `  ${name.padEnd(26)} min ${r3(Math.min(...v))} p10 ${r3(quantile(v, 0.1))} median ${r3(quantile(v, 0.5))} p90 ${r3(quantile(v, 0.9))} max ${r3(Math.max(...v))}`,
  );
}
for (const [name, part] of [
  ['floor', all.same],
  ['cross-language floor', all.cross],
] as const) {
  if (!part) continue;
  const shown = [part.floor, part.floor + 2, part.floor + 4].map(
    (c) => `${r3(c)} → ${r3(sigmoid(part.fit, c))}`,
  );
  console.log(
    `  ${name} ${r3(part.floor)}; relevance = 1/(1+exp(-(${r3(part.fit.a)}·x + ${r3(part.fit.b)}))): ${shown.join(', ')}`,
  );
}
for (const p of unanswered.filter((p) => value(p) >= partOf(all, p).floor))
  console.log(
    `    above the floor for a query whose answer is nothing: ${JSON.stringify(p.query.q)} (${r3(value(p))})`,
  );

console.log(`\nIn-sample vs held out (${FOLDS} folds by query):`);
const inSample = measure(pairs, () => all);
print('in-sample', inSample);
const folds = Array.from({ length: FOLDS }, (_, k) => fitOn(pairs.filter((p) => fold.get(p.query) !== k)));
print(
  'held out',
  measure(pairs, (p) => folds[fold.get(p.query)!]!),
);
console.log(
  `  the folds' floors: ${folds
    .map((f) =>
      [f.same, f.cross]
        .filter(Boolean)
        .map((x) => r3(x!.floor))
        .join('/'),
    )
    .join(', ')}`,
);

const lex = pairs.filter((p) => p.lexical > 0).map((p) => ({ score: p.lexical, relevant: p.relevant }));
const lexFit = platt(lex);
console.log(
  `\nlexical: ${lex.length} pairs with a match, ${lex.filter((x) => x.relevant).length} relevant; relevance = 1/(1+exp(-(${r3(lexFit.a)}·score + ${r3(lexFit.b)}))): ${[0.25, 0.5, 0.75, 1].map((c) => `${c} → ${r3(sigmoid(lexFit, c))}`).join(', ')}`,
);

if (write) {
  const file = new URL('../models/calibration.ts', import.meta.url);
  const src = readFileSync(file, 'utf8');
  const basis = `${answerable.length} queries × ${scenes.length} scenes${screen ? ' (their drawn text)' : ''} of scripts/eval/search-set.ts (${new Date().toISOString().slice(0, 10)})`;
  const cross = all.cross
    ? `\n    crossLanguage: { floor: ${r3(all.cross.floor)}, relevance: { a: ${r3(all.cross.fit.a)}, b: ${r3(all.cross.fit.b)} } },`
    : '';
  const entry = `  '${model}': {
    criterion: '${criterion}',
    floor: ${r3(all.same.floor)},
    relevance: { a: ${r3(all.same.fit.a)}, b: ${r3(all.same.fit.b)} },${cross}
    basis:
      '${basis}: in-sample precision ${r3(inSample.precision)}, recall ${r3(inSample.recall)} at the floor',
  },`;
  const re = new RegExp(`  '${model}': \\{[\\s\\S]*?\\n  \\},`);
  const into = (block: RegExp, text: string) =>
    text.replace(block, (b) =>
      re.test(b) ? b.replace(re, entry) : b.replace('  /* calibrated */', `  /* calibrated */\n${entry}`),
    );
  let next: string;
  if (screen) {
    next = into(/export const SCREEN_CALIBRATION[\s\S]*?\n\};/, src);
  } else {
    next = into(/export const VECTOR_CALIBRATION[\s\S]*?\n\};/, src);
    next = next.replace(
      /export const LEXICAL_CALIBRATION[\s\S]*?\n\};/,
      `export const LEXICAL_CALIBRATION: LexicalCalibration = {
  relevance: { a: ${r3(lexFit.a)}, b: ${r3(lexFit.b)} },
  basis: '${basis}: ${lex.length} pairs with a match',
};`,
    );
  }
  writeFileSync(file, next);
  console.log(
    screen
      ? `wrote ${model}'s screen calibration to models/calibration.ts`
      : `wrote ${model} and the lexical fit to models/calibration.ts`,
  );
}
