// The chart's copy of what models/manifest.ts says about pinning: each model the fetch Job can download, with its
// files that have no pinned SHA-256. templates/models.yaml reads it (.Files.Get) to refuse rendering a fetch Job
// that would refuse those files, naming them and models.allowUnpinned. `npm run crd:generate` writes it;
// `npm run crd:check` fails when the committed file differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isFetched, MODELS, unpinnedFiles } from '../models/manifest.js';
import { REPO_ROOT } from '../testbed/paths.js';

export const MODEL_PINS_FILE = 'charts/heimdex/files/model-pins.yaml';

/** The file's text: `<model>: [<unpinned path>…]` for every fetched model, in the manifest's order. */
export function modelPinsYaml(): string {
  const lines = [
    '# Generated from models/manifest.ts by npm run crd:generate; do not edit.',
    '# Every model the fetch Job can download, with its files that have no pinned SHA-256 (models:fetch refuses',
    '# them unless --allow-unpinned; templates/models.yaml refuses to render the Job unless models.allowUnpinned).',
  ];
  for (const spec of MODELS.filter(isFetched)) {
    const paths = unpinnedFiles(spec).map((f) => f.slice(spec.name.length + 1));
    lines.push(paths.length === 0 ? `${spec.name}: []` : `${spec.name}:`);
    for (const p of paths) lines.push(`  - ${JSON.stringify(p)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function modelPinsAreStale(root = REPO_ROOT): boolean {
  try {
    return readFileSync(join(root, MODEL_PINS_FILE), 'utf8') !== modelPinsYaml();
  } catch {
    return true;
  }
}

export function writeModelPins(root = REPO_ROOT): string {
  writeFileSync(join(root, MODEL_PINS_FILE), modelPinsYaml());
  return MODEL_PINS_FILE;
}
