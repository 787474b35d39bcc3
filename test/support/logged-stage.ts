// Runs the real stage program (pipeline-image/src/main.ts) in this process and appends each run's start and end
// to STAGE_RUN_LOG in the fake stage's format (test/support/fake-stage.ts), so the fault suite checks real stages
// by the same invariants as fake ones: what ran, to what end, and never two runs of one stage at once.
import { appendFileSync } from 'node:fs';

const [stage = '', videoId = ''] = process.argv.slice(2);
const log = (event: 'start' | 'end', extra: Record<string, unknown> = {}) => {
  if (process.env.STAGE_RUN_LOG)
    appendFileSync(
      process.env.STAGE_RUN_LOG,
      `${JSON.stringify({ event, stage, videoId, at: Date.now(), ...extra })}\n`,
    );
};

log('start');
// The program exits through process.exit(); a SIGTERM (its pod deleted) ends it as the default action would.
process.on('exit', (code) => log('end', { exit: code }));
process.on('SIGTERM', () => process.exit(143));
await import('../../pipeline-image/src/main.js');
