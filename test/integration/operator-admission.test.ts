// Admission control under load: many ingestions at once never have more GPU Jobs unfinished than the
// limit, all finish, and a user with few uploads is not starved by one with many.
import type { V1Job } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { waitFor } from '../support/kube.js';
import {
  createIngestion,
  ingestion,
  jobsOf,
  readFakeLog,
  TARGET,
  useOperatorTest,
  videoRows,
} from '../support/operator-harness.js';

const env = inject('testbed');
// CI runs a modest load; the scale (200 resources, GPU limit 4) runs with
// HEIMDEX_ADMISSION_SCALE=full (about ten minutes on the 2-core test bed).
const FULL = process.env.HEIMDEX_ADMISSION_SCALE === 'full';
const GPU_LIMIT = FULL ? 4 : 2;
const HEAVY = FULL ? 180 : 14; // uploads of the first user
const LIGHT = FULL ? 20 : 4; // uploads of the second user, made after the first user's

const t = useOperatorTest(env, 'op-admission', {
  operatorEnv: () => ({ MAX_GPU_JOBS: String(GPU_LIMIT), MAX_CPU_JOBS: '3', OPERATOR_CONCURRENCY: '4' }),
});

const finished = (j: V1Job) =>
  j.status?.conditions?.some((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');

describe('admission control', () => {
  it(
    'keeps GPU Jobs within the limit, finishes every ingestion and is fair across users',
    async () => {
      const heavy = await videoRows(t.pool);
      const light = await videoRows(t.pool);
      const owners = new Map<string, 'heavy' | 'light'>();
      const made: string[] = [];
      for (const [who, n, user] of [
        ['heavy', HEAVY, heavy.userId],
        ['light', LIGHT, light.userId],
      ] as const) {
        for (let i = 0; i < n; i++) {
          const v =
            i === 0 ? (who === 'heavy' ? heavy : light) : { ...(await videoRows(t.pool)), userId: user };
          if (i > 0)
            await t.pool.query('update videos set user_id = $1 where video_id = $2', [user, v.videoId]);
          const name = `${who}-${i}`;
          owners.set(v.videoId, who);
          made.push(name);
          await createIngestion(t.c, t.ns, ingestion(name, v.videoId, user, ['probe', 'audio', 'asr']));
        }
      }
      let most = 0;
      let done = false;
      const watch = (async () => {
        while (!done) {
          const jobs = await jobsOf(t.c, t.ns);
          const gpu = jobs.filter(
            (j) => j.metadata?.labels?.['heimdex.io/resource'] === 'gpu' && !finished(j),
          ).length;
          most = Math.max(most, gpu);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      try {
        await waitFor(
          'every ingestion to succeed',
          async () => {
            const list = (await t.c.custom.listNamespacedCustomObject({ ...TARGET, namespace: t.ns })) as {
              items: { status?: { phase?: string } }[];
            };
            const failed = list.items.filter((i) => i.status?.phase === 'Failed');
            if (failed.length > 0) throw new Error(`failed: ${JSON.stringify(failed[0])}`);
            return list.items.filter((i) => i.status?.phase === 'Succeeded').length === made.length;
          },
          { timeoutMs: FULL ? 1_500_000 : 240_000, intervalMs: 500 },
        );
      } finally {
        done = true;
        await watch;
      }
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(GPU_LIMIT);
      // Fairness: the light user's uploads, though made last, do not wait for the heavy user's to finish.
      // Each video counted at its first start: a retried or restarted run says nothing about admission order.
      const asrStarts = readFakeLog(t.fakeLog).filter((l) => l.stage === 'asr' && l.event === 'start');
      const firstStarts = [...new Set(asrStarts.map((l) => l.videoId))];
      const order = firstStarts.map((id) => owners.get(id));
      expect(order).toHaveLength(HEAVY + LIGHT);
      expect(order.lastIndexOf('light')).toBeLessThan(order.lastIndexOf('heavy'));
      expect(order.slice(0, HEAVY).filter((o) => o === 'light').length).toBe(LIGHT);
    },
    FULL ? 1_800_000 : 300_000,
  );
});
