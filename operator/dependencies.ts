// What the operator waits for when a dependency (PostgreSQL, object storage) is unreachable: an outage is a
// transient condition it logs once, shows as heimdex_operator_waiting_for{dependency}, probes every second,
// and ends by looking again at every ingestion that waited, so recovery takes seconds, not a backoff cap.
import type { Logger } from '../core/log.js';
import type { Metrics } from './metrics.js';

export type Dependency = 'postgres' | 'storage';

/** A reconcile step failed because a dependency is unreachable, not because of the ingestion. */
export class DependencyUnavailable extends Error {
  constructor(
    readonly dependency: Dependency,
    cause: unknown,
  ) {
    super(`${dependency} is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'DependencyUnavailable';
  }
}

/**
 * Errors that mean "the server is not there" rather than "the server refused this": connection refused or
 * reset, DNS, timeouts, and PostgreSQL's shutdown and connection-exception classes (SQLSTATE 08, 57P0x).
 */
export function isUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (
        /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/.test(code)
      )
        return true;
      if (/^08|^57P0[1-3]$/.test(code)) return true;
    }
    // Object storage answering that it cannot serve now (a gateway, MinIO starting), or the SDK giving up.
    const http = (e as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
    if (http === 502 || http === 503 || http === 504) return true;
    if ((e as { name?: unknown }).name === 'TimeoutError') return true;
    if (
      typeof message === 'string' &&
      /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
        message,
      )
    )
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Runs `fn`; a failure that means the dependency is unreachable becomes DependencyUnavailable. */
export async function through<T>(dependency: Dependency, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw isUnreachable(err) ? new DependencyUnavailable(dependency, err) : err;
  }
}

/**
 * `obj` with every method going through(dependency): what a cleanup or a FAILED_SOURCES release does with
 * storage or the database becomes a wait for it when it is away, instead of a retry with growing backoff.
 */
export function guarded<T extends object>(dependency: Dependency, obj: T): T {
  return new Proxy(obj, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function'
        ? (...args: unknown[]) => through(dependency, async () => v.apply(target, args))
        : v;
    },
  });
}

interface Waiting {
  since: number;
  keys: Set<string>;
  timer?: NodeJS.Timeout;
}

export class DependencyWaits {
  private readonly waiting = new Map<Dependency, Waiting>();
  private stopped = false;

  constructor(
    private readonly probes: Partial<Record<Dependency, () => Promise<unknown>>>,
    private readonly onBack: (dependency: Dependency, keys: string[]) => void,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly probeEveryMs = 1000,
  ) {}

  /** What the operator waits for now. */
  get current(): Dependency[] {
    return [...this.waiting.keys()];
  }

  /** `key`'s reconcile failed for want of `dependency`: wait for it (once) and look at `key` when it is back. */
  wait(dependency: Dependency, key: string | undefined, err: unknown): void {
    if (this.stopped) return;
    let w = this.waiting.get(dependency);
    if (!w) {
      w = { since: Date.now(), keys: new Set() };
      this.waiting.set(dependency, w);
      this.metrics.waitingFor.set({ dependency }, 1);
      this.log.warn(
        { dependency, err: err instanceof Error ? err.message : String(err) },
        `waiting for ${dependency}: it is unreachable; ingestions resume when it is back`,
      );
      this.schedule(dependency, w);
    }
    if (key) w.keys.add(key);
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.waiting.values()) clearTimeout(w.timer);
  }

  private schedule(dependency: Dependency, w: Waiting): void {
    const probe = this.probes[dependency];
    w.timer = setTimeout(async () => {
      if (this.stopped) return;
      // Without a probe, the next reconcile that gets through is the only sign; assume it is back.
      const ok = probe
        ? await probe().then(
            () => true,
            () => false,
          )
        : true;
      if (this.stopped) return;
      if (!ok) return this.schedule(dependency, w);
      this.waiting.delete(dependency);
      this.metrics.waitingFor.set({ dependency }, 0);
      this.log.info(
        { dependency, waitedSeconds: Math.round((Date.now() - w.since) / 100) / 10, ingestions: w.keys.size },
        `${dependency} is back; resuming`,
      );
      this.onBack(dependency, [...w.keys]);
    }, this.probeEveryMs);
    w.timer.unref();
  }
}
