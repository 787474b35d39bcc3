import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { backoffDelay, categorize, OperatorError } from './errors.js';

const api = (code: number) => new ApiException(code, 'x', {}, {});

describe('error policy', () => {
  it.each([
    [api(500), 'Transient'],
    [api(409), 'Transient'],
    [api(429), 'Transient'],
    [api(403), 'Internal'],
    [api(422), 'Internal'],
    [new Error('ECONNREFUSED'), 'Transient'],
    [new OperatorError('BadInput', 'x'), 'BadInput'],
  ] as const)('classifies %s as %s', (err, category) => {
    expect(categorize(err)).toBe(category);
  });

  it('backs off exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffDelay(n, 100, 1000, () => 0))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
    expect(backoffDelay(1, 100, 1000, () => 1)).toBe(120);
  });
});
