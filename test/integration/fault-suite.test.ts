// The fault suite at CI size: every kind of fault once, a few ingestions of a small generated video through the
// real pipeline (tiny models), short outages; every invariant must hold. The figures come from the script at scale
// (npm run faults), not from here. A real kube-apiserver restart (api-restart) is left to the script: integration
// files run in parallel against the one test bed's API server (vitest.config.ts, maxWorkers 2), and restarting it
// would fail the others; api-cut stands in for it here.
import { describe, expect, inject, it } from 'vitest';
import { FAULT_KINDS, formatReport, runFaultSuite } from '../support/fault-suite.js';

const env = inject('testbed');

describe('the fault suite', () => {
  it('keeps every invariant through one fault of each kind, the real pipeline running the stages', async () => {
    const kinds = FAULT_KINDS.filter((k) => k !== 'api-restart');
    const report = await runFaultSuite(env, {
      concurrent: 3,
      rounds: 1,
      downMs: 6000,
      seed: 7,
      stages: 'real',
      kinds,
    });
    console.log(formatReport(report));
    expect(report.kinds.map((k) => k.kind)).toEqual(kinds);
    for (const k of report.kinds) expect(k.injected, k.kind).toBe(1);
    for (const i of report.invariants) expect(i.held, `${i.name}: ${i.detail}`).toBe(true);
  }, 900_000);
});
