import { describe, expect, it } from 'vitest';
import { dropsFailedSource, type FailedRun, type FailedSources } from './cleanup.js';

describe("what becomes of a failed video's original (FAILED_SOURCES)", () => {
  it.each([
    ['delete-bad-input', 'bad-input', true],
    ['delete-bad-input', 'failed', false],
    ['delete-bad-input', undefined, false],
    ['keep', 'bad-input', false],
    ['keep', 'failed', false],
    ['delete', 'bad-input', true],
    ['delete', 'failed', true],
    // Not this video's failure (a refused duplicate, a video with no row): never, whatever the policy.
    ['delete', undefined, false],
  ] as [FailedSources, FailedRun | undefined, boolean][])(
    '%s, the run %s: removed now %s',
    (policy, verdict, drops) => {
      expect(dropsFailedSource(policy, verdict)).toBe(drops);
    },
  );
});
