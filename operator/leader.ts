// Leader election with a coordination.k8s.io Lease (client-go's leaderelection, reduced): only the holder
// acts; it renews every renewSeconds; others take over once the record has not changed for leaseSeconds
// as measured by their own clock (so clock skew between nodes does not matter).
import { CoordinationV1Api, type KubeConfig, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import type { Logger } from '../core/log.js';
import { isConflict, isNotFound } from './errors.js';

export interface LeaderOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseSeconds: number;
  renewSeconds: number;
  /** Retry interval of a follower. */
  retrySeconds?: number;
  onRequest?: (verb: string) => void;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private observed: { key: string; at: number } | undefined;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;

  constructor(
    kc: KubeConfig,
    private readonly opts: LeaderOptions,
    private readonly log: Logger,
  ) {
    this.api = kc.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Tries until it leads, then calls onStart; calls onLost (once) if it ever stops leading. */
  run(onStart: () => void, onLost: () => void): void {
    const tick = async () => {
      if (this.stopped) return;
      let ok = false;
      try {
        ok = await withDeadline(this.tryAcquireOrRenew(), this.attemptMs());
      } catch (err) {
        this.log.warn({ err }, 'lease request failed');
      }
      if (this.stopped) return;
      if (ok) {
        this.lastRenew = Date.now();
        if (!this.leading) {
          this.leading = true;
          this.log.info({ identity: this.opts.identity }, 'became the leader');
          onStart();
        }
      } else if (this.leading && Date.now() - this.lastRenew >= (this.opts.leaseSeconds * 1000 * 2) / 3) {
        // Could not renew in time: another replica may take over soon; stop acting before it does.
        this.leading = false;
        this.log.error('lost the lease');
        onLost();
        return;
      }
      const every = this.leading
        ? this.opts.renewSeconds
        : (this.opts.retrySeconds ?? Math.max(1, this.opts.renewSeconds / 2));
      this.timer = setTimeout(tick, every * 1000);
    };
    void tick();
  }

  /**
   * How long one attempt may take. A leader's must end by the time it has to stop acting (2/3 of the lease
   * after its last renewal), or a renewal that hangs would keep it acting after another replica took over; a
   * follower's, within a lease.
   */
  private attemptMs(): number {
    const lease = this.opts.leaseSeconds * 1000;
    if (!this.leading) return lease;
    return Math.max(1, this.lastRenew + (lease * 2) / 3 - Date.now());
  }

  /** Stops trying; a leader gives the lease up so a follower takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.read();
      if (lease?.spec?.holderIdentity !== this.opts.identity) return;
      this.opts.onRequest?.('update');
      await this.api.replaceNamespacedLease({
        namespace: this.opts.namespace,
        name: this.opts.name,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } },
      });
    } catch (err) {
      this.log.warn({ err }, 'could not release the lease');
    }
  }

  private async read(): Promise<V1Lease | undefined> {
    this.opts.onRequest?.('get');
    try {
      return await this.api.readNamespacedLease({ namespace: this.opts.namespace, name: this.opts.name });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new V1MicroTime();
    const { namespace, name, identity, leaseSeconds } = this.opts;
    const lease = await this.read();
    if (!lease) {
      try {
        this.opts.onRequest?.('create');
        await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: leaseSeconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      } catch (err) {
        if (isConflict(err)) return false;
        throw err;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const key = `${holder}/${spec.renewTime ? new Date(spec.renewTime).getTime() : 0}/${lease.metadata?.resourceVersion}`;
    if (this.observed?.key !== key) this.observed = { key, at: Date.now() };
    const duration = (spec.leaseDurationSeconds ?? leaseSeconds) * 1000;
    const expired = holder === '' || Date.now() - this.observed.at > duration;
    if (holder !== identity && !expired) return false;
    try {
      this.opts.onRequest?.('update');
      await this.api.replaceNamespacedLease({
        namespace,
        name,
        body: {
          ...lease, // resourceVersion included: a concurrent change makes this a 409, not a double leader
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: leaseSeconds,
            acquireTime: holder === identity && spec.acquireTime ? spec.acquireTime : now,
            renewTime: now,
            leaseTransitions: (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1),
          },
        },
      });
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }
}

/** The attempt's outcome, or an error once `ms` have passed (the request itself ends on its own timeout). */
function withDeadline<T>(attempt: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the API server within ${ms} ms`)), ms);
  });
  attempt.catch(() => {}); // a late failure, after the deadline, is not unhandled
  return Promise.race([attempt, deadline]).finally(() => clearTimeout(timer));
}
