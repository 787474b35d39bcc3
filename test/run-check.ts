// Vitest global setup of both projects: gives the run an id and a temp root (test/setup.ts puts them
// in every worker's environment as HEIMDEX_TEST_RUN and TMPDIR, so children inherit them), and at the
// end fails the run if a process carrying that id or a heimdex-* directory in that root is left.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { checkLeftovers } from '../testbed/leftovers.js';

export interface TestRun {
  id: string;
  tmp: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    run: TestRun;
  }
}

export default function setup(project: TestProject): () => Promise<void> {
  const run = { id: randomUUID(), tmp: mkdtempSync(join(tmpdir(), 'heimdex-run-')) };
  project.provide('run', run);
  return async () => {
    const left = await checkLeftovers(run.id, run.tmp);
    if (left) {
      // Vitest prints an error thrown here but does not fail the run for it; the stack would only
      // point at this file.
      process.exitCode = 1;
      throw Object.assign(new Error(left), { stack: left });
    }
  };
}
