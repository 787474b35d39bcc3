import { describe, expect, it } from 'vitest';
import { DependencyUnavailable, guarded, isUnreachable } from './dependencies.js';

describe('what counts as a dependency away', () => {
  it.each([
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['PostgreSQL shutting down', Object.assign(new Error('terminating connection'), { code: '57P01' })],
    [
      'storage answering 503',
      Object.assign(new Error('Service Unavailable'), { $metadata: { httpStatusCode: 503 } }),
    ],
    ['the SDK timing out', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    [
      'a cause of one of these',
      new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }),
    ],
  ])('%s', (_what, err) => expect(isUnreachable(err)).toBe(true));

  it.each([
    ['access denied', Object.assign(new Error('Access Denied'), { $metadata: { httpStatusCode: 403 } })],
    ['a constraint violated', Object.assign(new Error('duplicate key'), { code: '23505' })],
  ])('not %s', (_what, err) => expect(isUnreachable(err)).toBe(false));
});

describe('guarded', () => {
  class Store {
    constructor(private readonly fail: unknown) {}
    async put(): Promise<string> {
      if (this.fail) throw this.fail;
      return 'stored';
    }
  }

  it('turns an unreachable store into a wait for it, and keeps the object’s own this', async () => {
    expect(await guarded('storage', new Store(undefined)).put()).toBe('stored');
    const away = guarded('storage', new Store(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })));
    const err = await away.put().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyUnavailable);
    expect((err as DependencyUnavailable).dependency).toBe('storage');
  });

  it('lets any other failure through as it is', async () => {
    const denied = new Error('Access Denied');
    await expect(guarded('storage', new Store(denied)).put()).rejects.toBe(denied);
  });
});
