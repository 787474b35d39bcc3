import { describe, expect, it } from 'vitest';
import { committing, stopOnSigterm } from './stop.js';

describe('the stage program on SIGTERM', () => {
  it('exits at once (143) until its work is committed, and finishes after', () => {
    const exits: number[] = [];
    const before = process.listeners('SIGTERM');
    stopOnSigterm((code) => exits.push(code));
    const handler = process.listeners('SIGTERM').find((l) => !before.includes(l))!;
    try {
      handler('SIGTERM');
      expect(exits).toEqual([143]);
      committing();
      handler('SIGTERM');
      expect(exits).toEqual([143]);
    } finally {
      process.off('SIGTERM', handler);
    }
  });
});
