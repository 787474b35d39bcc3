// Setup file of both projects, run in each worker before each test file: the run's mark and temp root
// (test/run-check.ts) go into the environment, and what the file's tests started is ended after them.
import { afterAll, inject } from 'vitest';
import { RUN_MARK } from '../testbed/leftovers.js';
import { cleanUp } from './support/cleanup.js';

const run = inject('run');
process.env[RUN_MARK] = run.id;
process.env.TMPDIR = run.tmp;

// Registered before the file's own hooks, so it runs after them (after-hooks run in reverse order).
afterAll(cleanUp);
