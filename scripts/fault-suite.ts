// The fault suite at scale (not a test): ingestions through two operator replicas while faults of every
// kind are injected at random moments, then the invariants. Prints, per kind of fault, what was injected,
// how often and how long recovery took, and whether each invariant held (test/support/fault-suite.ts).
// Needs the test bed: npm run testbed -- up, to itself: the api-restart kind restarts its kube-apiserver, which
// fails whatever else uses it meanwhile (leave it out with --kinds when tests run beside it). Usage:
//   npm run faults -- [--concurrent 6] [--rounds 3] [--down-seconds 10] [--seed 19] [--kinds a,b] [--stages real]
// `--stages real` runs the real pipeline (tiny models, a 4 s generated clip) instead of the fake stage program.
// When an invariant fails (or the run does) the logs are kept in a new directory under --keep-logs DIR (default
// .testbed/fault-runs): every replica's log, the stage runs, the faults with their times, Events, pod output.

import { join } from 'node:path';
import { cleanUp } from '../test/support/cleanup.js';
import { FAULT_KINDS, type FaultKind, formatReport, runFaultSuite } from '../test/support/fault-suite.js';
import { STATE_DIR } from '../testbed/paths.js';
import { isUp, readState } from '../testbed/testbed.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}

async function main() {
  const state = readState();
  if (!isUp(state)) throw new Error('the test bed is not up: npm run testbed -- up');
  const kinds = arg('kinds', FAULT_KINDS.join(',')).split(',') as FaultKind[];
  const unknown = kinds.filter((k) => !FAULT_KINDS.includes(k));
  if (unknown.length)
    throw new Error(`unknown fault kinds: ${unknown.join(', ')} (known: ${FAULT_KINDS.join(', ')})`);
  const stages = arg('stages', 'fake');
  if (stages !== 'fake' && stages !== 'real') throw new Error(`--stages is fake or real, not ${stages}`);
  // Ctrl-C ends the run at the next step, and what it started is stopped and removed.
  const stop = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
  const report = await runFaultSuite(state.env, {
    signal: stop.signal,
    concurrent: Number(arg('concurrent', '6')),
    rounds: Number(arg('rounds', '3')),
    downMs: Number(arg('down-seconds', '10')) * 1000,
    seed: Number(arg('seed', '19')),
    kinds,
    stages,
    keepLogsIn: arg('keep-logs', join(STATE_DIR, 'fault-runs')),
    say: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${formatReport(report)}\n`);
  if (report.invariants.some((i) => !i.held)) process.exitCode = 1;
}

// The harness's temp directories (each operator replica's log, the suite's own) are removed by cleanUp(), which a
// test file's afterAll calls; a script must call it itself, or every replica restart leaves a directory behind.
main()
  .catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
