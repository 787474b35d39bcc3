import { describe, expect, it } from 'vitest';
import { dropsFailedSource, type FailedSources } from './cleanup.js';

describe("what becomes of a failed video's original (FAILED_SOURCES)", () => {
  it.each([
    ['delete-bad-input', 'BadInput', true],
    ['delete-bad-input', 'Transient', false],
    ['delete-bad-input', 'Internal', false],
    ['delete-bad-input', undefined, false],
    ['keep', 'BadInput', false],
    ['keep', 'Internal', false],
    ['delete', 'BadInput', true],
    ['delete', 'Transient', true],
    ['delete', undefined, true],
  ] as [FailedSources, string | undefined, boolean][])(
    '%s, failed with %s: removed now %s',
    (policy, category, drops) => {
      expect(dropsFailedSource(policy, category)).toBe(drops);
    },
  );
});
