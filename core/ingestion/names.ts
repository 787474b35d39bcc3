// Names the shared plan gives what it starts: deterministic, so a restarted executor finds (and never
// duplicates) the stage runs it made before.
import { createHash } from 'node:crypto';
import type { StageName } from '../dag.js';

/** Marks an ingestion whose outputs must be cleaned up before it may go (a Kubernetes finalizer). */
export const FINALIZER = 'heimdex.io/cleanup';

const MAX_NAME = 63;

/**
 * `<ingestion>-<stage>-<hash of uid>`, at most 63 characters (a Job name is also a label value).
 * The uid part keeps a re-created resource of the same name from adopting the old one's Jobs; a re-embed round's
 * run is `<ingestion>-<stage>-r<round>-<hash>`, so it never meets the first run's finished Job.
 */
export function stageJobName(ingestionName: string, uid: string, stage: StageName, round?: number): string {
  const hash = createHash('sha256').update(uid).digest('hex').slice(0, 8);
  const suffix = `-${stage}${round ? `-r${round}` : ''}-${hash}`;
  const head = ingestionName
    .slice(0, MAX_NAME - suffix.length)
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+$/, '');
  return `${head || 'vi'}${suffix}`;
}
