// Runs the real stage program (pipeline-image/src/main.ts) in this process and appends each run's start and end
// to STAGE_RUN_LOG as the fake stage does (test/support/run-log.ts), so the fault suite checks real stages by the
// same invariants as fake ones: what ran, to what end, and never two runs of one stage at once.
import { runLogger } from './run-log.js';

const [stage = '', videoId = ''] = process.argv.slice(2);
const log = runLogger(process.env.STAGE_RUN_LOG, stage, videoId);

log('start');
// The program exits through process.exit(), also when a SIGTERM stops it (pipeline-image/src/main.ts).
process.on('exit', (code) => log('end', { exit: code }));
await import('../../pipeline-image/src/main.js');
