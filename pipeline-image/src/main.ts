// The stage program every pipeline Job runs: `main <stage> <videoId>`, everything else from the environment
// (core/stage-contract.ts). Exit 0 with a result file, 42 for bad input, 43 for internal errors, else transient.
import { STAGE_ENV } from '../../core/stage-contract.js';
import { runStage, writeResult } from './runner.js';
import { stopOnSigterm } from './stop.js';

// A deleted pod's SIGTERM ends the run at once (exit 143, transient), unless its work is committed (stop.ts).
stopOnSigterm();

const [stage, videoId] = process.argv.slice(2);
const { result, exitCode } = await runStage(stage, videoId);
try {
  await writeResult(process.env[STAGE_ENV.resultFile], result);
} catch (err) {
  console.error(`could not write the result file: ${(err as Error).message}`);
  // Without its result the runner cannot tell what happened: let it retry.
  if (exitCode === 0) process.exit(1);
}
// Exit explicitly: the S3 client's keep-alive sockets would otherwise hold the process open.
process.exit(exitCode);
