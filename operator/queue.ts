// A keyed work queue (client-go's workqueue in miniature): one entry per key however often it is added,
// never two workers on one key, bounded concurrency, delayed re-adds, and per-key exponential backoff.
import { backoffDelay } from './errors.js';

export interface QueueOptions {
  concurrency: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  random?: () => number;
  /** The wall clock the backoff windows are measured with (tests lag it to act out a timer that fires early). */
  now?: () => number;
}

/** What a handler wants next for its key: nothing, a look again after a delay, or a retry with backoff. */
export type Outcome = { requeueAfterMs?: number } | undefined;

export class WorkQueue {
  private readonly queued = new Set<string>(); // insertion-ordered, deduplicated
  private readonly running = new Set<string>();
  /** Added again while running: run once more when the current run ends. */
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  /** Consecutive failures per key, and when its current backoff window ends. */
  /** `due` is set when the backoff timer itself fires: timers may fire a little before `until` by the wall clock. */
  private readonly failures = new Map<string, { n: number; until: number; due?: boolean }>();
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: (key: string) => Promise<Outcome>,
    private readonly opts: QueueOptions,
    private readonly onError: (key: string, err: unknown, retryInMs: number) => void = () => {},
  ) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.queued.add(key);
    this.pump();
  }

  /** Adds the key after `ms`; an earlier pending delay for the key wins (it will be looked at anyway). */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.now() + ms;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      const f = this.failures.get(key);
      if (f && at >= f.until) f.due = true;
      this.add(key);
    }, ms);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Consecutive failures of a key (0 when its last run succeeded). */
  failuresOf(key: string): number {
    return this.failures.get(key)?.n ?? 0;
  }

  /** Forgets a key's failure count (it succeeded, its object is gone, or what it waited for is back). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  get depth(): number {
    return this.queued.size;
  }

  get inFlight(): number {
    return this.running.size;
  }

  /** Resolves once nothing is queued or running (delayed keys do not count). For tests and shutdown. */
  idle(): Promise<void> {
    if (this.queued.size === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work and waits for running handlers to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queued.clear();
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    await this.idle();
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.opts.concurrency && this.queued.size > 0) {
      const key = this.queued.values().next().value as string;
      this.queued.delete(key);
      this.running.add(key);
      void this.work(key);
    }
    if (this.queued.size === 0 && this.running.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async work(key: string): Promise<void> {
    try {
      const outcome = await this.handler(key);
      this.failures.delete(key);
      if (outcome?.requeueAfterMs !== undefined) this.addAfter(key, outcome.requeueAfterMs);
    } catch (err) {
      // A run that an event started inside the backoff window failed again: the window stands, it does not
      // grow. Otherwise a watch-event storm during an outage drove every key to the cap in seconds.
      const now = this.now();
      const prev = this.failures.get(key);
      let delay: number;
      if (prev && !prev.due && now < prev.until) delay = prev.until - now;
      else {
        const n = (prev?.n ?? 0) + 1;
        delay = backoffDelay(n, this.opts.backoffBaseMs, this.opts.backoffMaxMs, this.opts.random);
        this.failures.set(key, { n, until: now + delay });
      }
      this.onError(key, err, delay);
      this.addAfter(key, delay);
    } finally {
      this.running.delete(key);
      if (this.dirty.delete(key)) this.queued.add(key);
      this.pump();
    }
  }
}
