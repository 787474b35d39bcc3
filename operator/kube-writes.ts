// Every call the operator makes to the Kubernetes API, each counted in heimdex_operator_api_requests_total:
// the list functions behind the informers, Jobs, pods, the status subresource, finalizers and Events.
// Idempotent where Kubernetes lets it be: AlreadyExists and NotFound are outcomes here, not errors.
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Job,
} from '@kubernetes/client-node';
import {
  GROUP,
  PLURAL,
  VERSION,
  type VideoIngestion,
  type VideoIngestionStatus,
} from '../core/crd/videoingestion.js';
import type { PlannedEvent } from '../core/ingestion/outcomes.js';
import type { Logger } from '../core/log.js';
import { isConflict, isNotFound, statusCode } from './errors.js';
import type { Metrics } from './metrics.js';
import { eventName, MANAGED_SELECTOR, MANAGER } from './names.js';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class KubeWrites {
  private readonly custom: CustomObjectsApi;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;

  constructor(
    kc: KubeConfig,
    private readonly namespace: string,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly identity: string,
  ) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.batch = kc.makeApiClient(BatchV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  private count<T>(verb: string, resource: string, p: Promise<T>): Promise<T> {
    this.metrics.apiRequests.inc({ verb, resource });
    return p;
  }

  // ---- the informers' list functions (the watches themselves are not counted) ----
  listIngestions() {
    return this.count(
      'list',
      PLURAL,
      this.custom.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: this.namespace,
        plural: PLURAL,
      }),
    );
  }

  listManagedJobs(labelSelector = MANAGED_SELECTOR) {
    return this.count(
      'list',
      'jobs',
      this.batch.listNamespacedJob({ namespace: this.namespace, labelSelector }),
    );
  }

  listManagedPods(labelSelector = MANAGED_SELECTOR) {
    return this.count(
      'list',
      'pods',
      this.core.listNamespacedPod({ namespace: this.namespace, labelSelector }),
    );
  }

  /** True when created, false when a Job of that name exists already (deterministic names: ours). */
  async createJob(job: V1Job): Promise<boolean> {
    try {
      await this.count(
        'create',
        'jobs',
        this.batch.createNamespacedJob({ namespace: this.namespace, body: job }),
      );
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /** The Job as the API server has it now; undefined when there is none. */
  async readJob(name: string): Promise<V1Job | undefined> {
    try {
      return await this.count(
        'get',
        'jobs',
        this.batch.readNamespacedJob({ namespace: this.namespace, name }),
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async deleteJob(name: string): Promise<void> {
    try {
      await this.count(
        'delete',
        'jobs',
        this.batch.deleteNamespacedJob({
          namespace: this.namespace,
          name,
          propagationPolicy: 'Background',
          gracePeriodSeconds: 0,
        }),
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async deletePod(name: string, gracePeriodSeconds: number): Promise<void> {
    try {
      await this.count(
        'delete',
        'pods',
        this.core.deleteNamespacedPod({ namespace: this.namespace, name, gracePeriodSeconds }),
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Merge-patches the status subresource; returns the new resourceVersion. */
  async writeStatus(vi: VideoIngestion, status: VideoIngestionStatus): Promise<string | undefined> {
    // A merge patch replaces lists whole; fields we no longer set are removed with null.
    const body: Record<string, unknown> = { ...status };
    for (const k of Object.keys(vi.status ?? {})) if (!(k in status)) body[k] = null;
    const updated = (await this.count(
      'patch',
      `${PLURAL}/status`,
      this.custom.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace: this.namespace,
          plural: PLURAL,
          name: vi.metadata.name!,
          body: { status: body },
        },
        MERGE,
      ),
    )) as VideoIngestion;
    return updated.metadata.resourceVersion;
  }

  /** Sets the finalizer list; undefined when the object is gone. */
  async patchFinalizers(vi: VideoIngestion, finalizers: string[]): Promise<VideoIngestion | undefined> {
    try {
      return (await this.count(
        'patch',
        PLURAL,
        this.custom.patchNamespacedCustomObject(
          {
            group: GROUP,
            version: VERSION,
            namespace: this.namespace,
            plural: PLURAL,
            name: vi.metadata.name!,
            // resourceVersion makes this a compare-and-swap: another writer's finalizer is never lost.
            body: { metadata: { finalizers, resourceVersion: vi.metadata.resourceVersion } },
          },
          MERGE,
        ),
      )) as VideoIngestion;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return undefined;
    }
  }

  /** Events named after their occurrence, so recording one twice is a harmless conflict. */
  async recordEvents(vi: VideoIngestion, events: readonly PlannedEvent[]): Promise<void> {
    for (const e of events) {
      const now = new Date();
      try {
        await this.count(
          'create',
          'events',
          this.core.createNamespacedEvent({
            namespace: this.namespace,
            body: {
              metadata: { name: eventName(vi.metadata.name!, e.key), namespace: this.namespace },
              involvedObject: {
                apiVersion: `${GROUP}/${VERSION}`,
                kind: 'VideoIngestion',
                name: vi.metadata.name!,
                namespace: this.namespace,
                uid: vi.metadata.uid!,
              },
              type: e.type,
              reason: e.reason,
              message: e.message.slice(0, 1024),
              firstTimestamp: now,
              lastTimestamp: now,
              count: 1,
              source: { component: MANAGER },
              reportingComponent: `heimdex.io/${MANAGER}`,
              reportingInstance: this.identity,
            },
          }),
        );
      } catch (err) {
        // Same name, same occurrence: already recorded. The API server away (no status code) or failing (5xx)
        // fails the reconcile, before the status that implies the Event is written, so it is retried; a
        // refusal (4xx: the namespace is going away, say) loses the Event, never the reconcile.
        if (isConflict(err)) continue;
        const code = statusCode(err);
        if (code === undefined || code >= 500) throw err;
        this.log.warn({ err: String(err), reason: e.reason }, 'could not record Event');
      }
    }
  }
}
