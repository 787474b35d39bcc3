// Admission control across all ingestions: at most N GPU and M CPU stage Jobs unfinished at once, shared
// fairly between users (the user with fewest running Jobs goes next, then the one served longest ago;
// oldest first within a user).
// In-memory and synchronous, so two reconciles can never both take the last slot.
import type { StageName, StageResource } from '../core/dag.js';
import { STAGE_NAMES } from '../core/dag.js';
import type { StageRequest } from '../core/ingestion/plan.js';

export interface Owner {
  /** Work-queue key of the ingestion (namespace/name). */
  key: string;
  userId: string;
  /** Creation time of the ingestion, ms: older first within a user. */
  createdMs: number;
}

interface Waiting extends Owner {
  requests: readonly StageRequest[];
}

interface Active {
  resource: StageResource;
  userId: string;
}

export interface Limits {
  gpu: number;
  cpu: number;
}

const stageOrder = (s: StageName) => STAGE_NAMES.indexOf(s);

export class Admission {
  private readonly active = new Map<string, Active>();
  private readonly waiting = new Map<string, Waiting>();
  /** When each user was last admitted (a counter): among equals, the user served longest ago goes next. */
  private readonly served = new Map<string, number>();
  private seq = 0;

  /** `limits` undefined: admit everything (Kueue admits instead). */
  constructor(private readonly limits: Limits | undefined) {}

  /** Which of an ingestion's ready stages may start now; the rest wait their turn. */
  grant(owner: Owner, requests: readonly StageRequest[]): Set<StageName> {
    const granted = new Set<StageName>();
    const rest: StageRequest[] = [];
    for (const r of requests) {
      // Already holding a slot (created before, not seen finished yet): asking again costs nothing.
      if (this.active.has(r.job) || !this.limits) {
        granted.add(r.stage);
        if (!this.active.has(r.job)) this.active.set(r.job, { resource: r.resource, userId: owner.userId });
      } else rest.push(r);
    }
    this.waiting.set(owner.key, { ...owner, requests: rest });
    for (const resource of ['gpu', 'cpu'] as const) {
      const winners = this.next(resource);
      for (const w of winners) {
        if (w.owner.key !== owner.key) continue;
        granted.add(w.request.stage);
        this.active.set(w.request.job, { resource, userId: owner.userId });
        this.served.set(owner.userId, ++this.seq);
      }
    }
    const left = rest.filter((r) => !granted.has(r.stage));
    if (left.length > 0) this.waiting.set(owner.key, { ...owner, requests: left });
    else this.waiting.delete(owner.key);
    return granted;
  }

  /** The next requests to admit for a kind of resource, as many as there are free slots, in fair order. */
  next(resource: StageResource): { owner: Owner; request: StageRequest }[] {
    if (!this.limits) return [];
    const used = [...this.active.values()].filter((a) => a.resource === resource);
    let free = this.limits[resource] - used.length;
    if (free <= 0) return [];
    const perUser = new Map<string, { owner: Owner; request: StageRequest }[]>();
    for (const w of this.waiting.values()) {
      for (const request of w.requests) {
        if (request.resource !== resource) continue;
        const list = perUser.get(w.userId) ?? [];
        list.push({ owner: w, request });
        perUser.set(w.userId, list);
      }
    }
    const running = new Map<string, number>();
    for (const a of used) running.set(a.userId, (running.get(a.userId) ?? 0) + 1);
    for (const list of perUser.values()) {
      list.sort(
        (a, b) =>
          a.owner.createdMs - b.owner.createdMs ||
          (a.owner.key < b.owner.key ? -1 : a.owner.key > b.owner.key ? 1 : 0) ||
          stageOrder(a.request.stage) - stageOrder(b.request.stage),
      );
    }
    const picks: { owner: Owner; request: StageRequest }[] = [];
    const served = new Map(this.served);
    let seq = this.seq;
    const lastServed = (user: string) => served.get(user) ?? -1;
    while (free > 0) {
      let best: string | undefined;
      for (const [user, list] of perUser) {
        if (list.length === 0) continue;
        if (best === undefined) {
          best = user;
          continue;
        }
        const a = running.get(user) ?? 0;
        const b = running.get(best) ?? 0;
        const earlier =
          lastServed(user) < lastServed(best) ||
          (lastServed(user) === lastServed(best) &&
            list[0]!.owner.createdMs < perUser.get(best)![0]!.owner.createdMs);
        if (a < b || (a === b && earlier)) best = user;
      }
      if (best === undefined) break;
      picks.push(perUser.get(best)!.shift()!);
      running.set(best, (running.get(best) ?? 0) + 1);
      served.set(best, ++seq);
      free -= 1;
    }
    return picks;
  }

  /** Keys of ingestions that would be admitted now: reconcile them so they take their slots. */
  wakeups(): string[] {
    return [...new Set([...this.next('gpu'), ...this.next('cpu')].map((p) => p.owner.key))];
  }

  /** A Job the cluster shows: unfinished ones hold a slot (also those made by a previous operator). */
  observe(job: string, resource: StageResource, userId: string, finished: boolean): void {
    if (finished) this.active.delete(job);
    else this.active.set(job, { resource, userId });
  }

  release(job: string): void {
    this.active.delete(job);
  }

  /** The ingestion no longer waits (finished, failed or deleted). */
  forget(key: string): void {
    this.waiting.delete(key);
  }

  counts(): { active: Record<StageResource, number>; waiting: number } {
    const active = { gpu: 0, cpu: 0 };
    for (const a of this.active.values()) active[a.resource] += 1;
    let waiting = 0;
    for (const w of this.waiting.values()) waiting += w.requests.length;
    return { active, waiting };
  }
}
