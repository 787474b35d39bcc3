// Two tiers: unit tests sit next to pure code and need nothing running; integration tests live in
// test/integration and talk to the real test bed, which the global setup starts when it is not up.
import { defineConfig } from 'vitest/config';

// CI asks for a JSON report as well, to print the plain "N passed, N failed" line.
const report = process.env.HEIMDEX_TEST_REPORT;
// Every project: a run id and temp root in each worker, what a file started ended after it, and a final
// check that fails the run if a process or temp directory of the run is left (test/run-check.ts).
const hygiene = { globalSetup: ['test/run-check.ts'], setupFiles: ['test/setup.ts'] };

export default defineConfig({
  test: {
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          // Units first: they are quick and tell of a broken build before the test bed starts.
          sequence: { groupOrder: 0 },
          // Some unit files start an embedded PGlite in beforeAll: seconds on a busy 2-core machine.
          hookTimeout: 60_000,
          include: ['{core,api,operator,pipeline-image,models,standalone,testbed,scripts,web}/**/*.test.ts'],
          ...hygiene,
        },
      },
      {
        // Real weights (the small profile): built into HEIMDEX_CACHE_DIR/models on first use (minutes, once) by
        // models:build's code, then reused; needs Python 3.9+ with venv, espeak-ng and ffmpeg. Slow on 2 cores.
        test: {
          name: 'real-models',
          sequence: { groupOrder: 2 },
          include: ['test/real-models/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 1_800_000,
          maxWorkers: 1,
          ...hygiene,
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['test/integration/**/*.test.ts'],
          ...hygiene,
          globalSetup: ['test/global-setup.ts', ...hygiene.globalSetup],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // The test bed is one machine with two cores; integration files share it.
          maxWorkers: 2,
        },
      },
    ],
  },
});
