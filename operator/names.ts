// Names, labels and annotations the operator puts on what it creates: deterministic, so a restarted
// operator finds (and never duplicates) the Jobs it made before.
import { createHash } from 'node:crypto';
import type { StageName } from '../core/dag.js';

export const FINALIZER = 'heimdex.io/cleanup';
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

const MAX_NAME = 63;

/**
 * `<ingestion>-<stage>-<hash of uid>`, at most 63 characters (the Job name is also a label value).
 * The uid part keeps a re-created resource of the same name from adopting the old one's Jobs.
 */
export function stageJobName(ingestionName: string, uid: string, stage: StageName): string {
  const hash = createHash('sha256').update(uid).digest('hex').slice(0, 8);
  const suffix = `-${stage}-${hash}`;
  const head = ingestionName
    .slice(0, MAX_NAME - suffix.length)
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+$/, '');
  return `${head || 'vi'}${suffix}`;
}

/** An Event name that is the same every time the same thing is reported, so a retry is a no-op (409). */
export function eventName(ingestionName: string, key: string): string {
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return `${ingestionName.slice(0, 200)}.${hash}`;
}
