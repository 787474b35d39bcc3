// Labels and names the operator puts on what it creates (Job names: core/ingestion/names.ts).
import { createHash } from 'node:crypto';

export const MANAGER = 'heimdex-operator';
export const APP = 'heimdex';

export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
  ingestion: 'heimdex.io/ingestion',
  videoId: 'heimdex.io/video-id',
  userId: 'heimdex.io/user-id',
  stage: 'heimdex.io/stage',
  resource: 'heimdex.io/resource',
  kueueQueue: 'kueue.x-k8s.io/queue-name',
} as const;

/** Selects every Job (and pod) this operator manages. */
export const MANAGED_SELECTOR = `${LABELS.managedBy}=${MANAGER}`;

/** An Event name that is the same every time the same thing is reported, so a retry is a no-op (409). */
export function eventName(ingestionName: string, key: string): string {
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return `${ingestionName.slice(0, 200)}.${hash}`;
}
