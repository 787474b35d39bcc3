// Vitest global setup for integration tests: uses the running test bed, or starts one and stops it after.
import type { TestProject } from 'vitest/node';
import { down, isUp, type TestbedEnv, up } from '../testbed/testbed.js';

declare module 'vitest' {
  export interface ProvidedContext {
    testbed: TestbedEnv;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wasUp = isUp();
  const env = await up();
  project.provide('testbed', env);
  return async () => {
    // A test bed someone started by hand is theirs to stop.
    if (!wasUp && !process.env.HEIMDEX_TESTBED_KEEP) await down();
  };
}
