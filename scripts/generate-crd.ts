// Writes the VideoIngestion CRD YAML from its schema; with --check, fails when a committed copy is stale.
import { CRD_FILES, staleCrdFiles, writeCrdFiles } from '../core/crd/generate.js';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--check');
if (unknown.length > 0) {
  console.error(`unknown argument(s) ${unknown.join(' ')}; usage: generate-crd.ts [--check]`);
  process.exit(2);
}

if (args.includes('--check')) {
  const stale = staleCrdFiles();
  if (stale.length > 0) {
    console.error(
      `CRD YAML out of date with core/crd/videoingestion.ts: ${stale.join(', ')}\n` +
        'run `npm run crd:generate` and commit the result',
    );
    process.exit(1);
  }
  console.log(`CRD YAML up to date: ${CRD_FILES.join(', ')}`);
} else {
  console.log(`wrote ${writeCrdFiles().join(', ')}`);
}
