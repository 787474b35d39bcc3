// Writes what is generated from the TypeBox schemas: the VideoIngestion CRD YAML (core/crd/videoingestion.ts)
// and the generated parts of the chart's values.schema.json (scripts/chart-values-schema.ts); and, from the model
// manifest, the chart's list of unpinned model files (scripts/chart-model-pins.ts). With --check, fails when a
// committed copy is stale.
import { CRD_FILES, staleCrdFiles, writeCrdFiles } from '../core/crd/generate.js';
import { MODEL_PINS_FILE, modelPinsAreStale, writeModelPins } from './chart-model-pins.js';
import { VALUES_SCHEMA_FILE, valuesSchemaIsStale, writeValuesSchema } from './chart-values-schema.js';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--check');
if (unknown.length > 0) {
  console.error(`unknown argument(s) ${unknown.join(' ')}; usage: generate-crd.ts [--check]`);
  process.exit(2);
}

if (args.includes('--check')) {
  const stale = [
    ...staleCrdFiles(),
    ...(valuesSchemaIsStale() ? [VALUES_SCHEMA_FILE] : []),
    ...(modelPinsAreStale() ? [MODEL_PINS_FILE] : []),
  ];
  if (stale.length > 0) {
    console.error(
      `generated files out of date with their schemas: ${stale.join(', ')}\n` +
        'run `npm run crd:generate` and commit the result',
    );
    process.exit(1);
  }
  console.log(`up to date: ${[...CRD_FILES, VALUES_SCHEMA_FILE, MODEL_PINS_FILE].join(', ')}`);
} else {
  console.log(`wrote ${[...writeCrdFiles(), writeValuesSchema(), writeModelPins()].join(', ')}`);
}
