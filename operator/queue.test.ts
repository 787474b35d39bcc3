import { describe, expect, it } from 'vitest';
import { WorkQueue } from './queue.js';

const opts = { concurrency: 2, backoffBaseMs: 5, backoffMaxMs: 40, random: () => 0 };
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('runs a key once however often it was added before a worker took it', async () => {
    const seen: string[] = [];
    const q = new WorkQueue(
      async (k) => {
        seen.push(k);
        return undefined;
      },
      { ...opts, concurrency: 1 },
    );
    q.add('block');
    q.add('a');
    q.add('a');
    q.add('a');
    await q.idle();
    expect(seen).toEqual(['block', 'a']);
  });

  it('never runs one key on two workers, and runs it again when it was added meanwhile', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const q = new WorkQueue(async () => {
      running++;
      runs++;
      most = Math.max(most, running);
      await tick(5);
      running--;
      return undefined;
    }, opts);
    q.add('a');
    await tick(1);
    q.add('a');
    q.add('a');
    await q.idle();
    expect(most).toBe(1);
    expect(runs).toBe(2);
  });

  it('runs at most `concurrency` handlers at once', async () => {
    let running = 0;
    let most = 0;
    const q = new WorkQueue(async () => {
      running++;
      most = Math.max(most, running);
      await tick(2);
      running--;
      return undefined;
    }, opts);
    for (let i = 0; i < 10; i++) q.add(`k${i}`);
    await q.idle();
    expect(most).toBe(2);
  });

  it('retries a failing key with growing delays and reports each failure', async () => {
    const delays: number[] = [];
    let calls = 0;
    const q = new WorkQueue(
      async () => {
        calls++;
        if (calls < 4) throw new Error('boom');
        return undefined;
      },
      opts,
      (_k, _e, ms) => delays.push(ms),
    );
    q.add('a');
    while (calls < 4) await tick(5);
    await q.idle();
    expect(delays).toEqual([5, 10, 20]);
  });

  it('counts the retry its own backoff timer started as a new attempt, even when that timer fires early by the clock', async () => {
    // Timers may fire a little before their deadline by the wall clock (millisecond rounding). After the first
    // failure the clock lags a second behind, so every retry its timer starts looks early: it must still count.
    const delays: number[] = [];
    let calls = 0;
    let lag = 0;
    const q = new WorkQueue(
      async () => {
        calls++;
        lag = calls > 1 ? 1000 : 0;
        if (calls < 4) throw new Error('boom');
        return undefined;
      },
      { ...opts, now: () => Date.now() - lag },
      (_k, _e, ms) => delays.push(ms),
    );
    q.add('a');
    while (calls < 4) await tick(5);
    await q.idle();
    expect(delays).toEqual([5, 10, 20]);
  });

  it('does not grow a key’s backoff when events make it fail again inside its backoff window', async () => {
    const delays: number[] = [];
    let calls = 0;
    const q = new WorkQueue(
      async () => {
        calls++;
        throw new Error('database down');
      },
      { ...opts, backoffBaseMs: 10_000, backoffMaxMs: 300_000 },
      (_k, _e, ms) => delays.push(ms),
    );
    q.add('a');
    // A storm of watch events for the key while it waits out its first backoff.
    for (let i = 0; i < 20; i++) {
      while (q.inFlight > 0) await tick(1);
      q.add('a');
      await tick(1);
    }
    while (q.inFlight > 0) await tick(1);
    await q.stop();
    expect(calls).toBeGreaterThan(5);
    expect(Math.max(...delays)).toBeLessThanOrEqual(10_000);
    expect(q.failuresOf('a')).toBe(1);
  });

  it('requeues a key after the delay the handler asks for', async () => {
    let calls = 0;
    const q = new WorkQueue(async () => {
      calls++;
      return calls === 1 ? { requeueAfterMs: 5 } : undefined;
    }, opts);
    q.add('a');
    while (calls < 2) await tick(2);
    expect(calls).toBe(2);
  });

  it('takes no new work after stop', async () => {
    let calls = 0;
    const q = new WorkQueue(async () => {
      calls++;
      return undefined;
    }, opts);
    await q.stop();
    q.add('a');
    await tick(5);
    expect(calls).toBe(0);
  });
});
