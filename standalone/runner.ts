// Standalone mode's executor of the shared plan (core/ingestion/plan.ts): the same decisions, status,
// rows and cleanup as the operator, with local processes (local-jobs.ts) in place of Jobs and the
// local_ingestions table in place of VideoIngestion resources, so it resumes after a restart.

import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import {
  API_VERSION,
  KIND,
  type VideoIngestion,
  type VideoIngestionStatus,
} from '../core/crd/videoingestion.js';
import { STAGE_NAMES } from '../core/dag.js';
import { cleanupIngestion, type FailedSources, releaseFailedSource } from '../core/ingestion/cleanup.js';
import { type DeadlineSettings, stageDeadlineSeconds } from '../core/ingestion/deadline.js';
import { FINALIZER } from '../core/ingestion/names.js';
import { type Admit, plan } from '../core/ingestion/plan.js';
import { type WantedModels, wantedModels } from '../core/ingestion/reembed.js';
import { IngestionRows } from '../core/ingestion/rows.js';
import {
  type IngestionRequest,
  type IngestionSubmitter,
  ingestionName,
  ingestionSpec,
} from '../core/ingestion/submitter.js';
import type { Logger } from '../core/log.js';
import type { ObjectStore } from '../core/storage/store.js';
import { LocalJobs } from './local-jobs.js';

export interface RunnerOptions {
  db: pg.Pool;
  store: ObjectStore;
  log: Logger;
  /** argv that runs the stage program; `<stage> <videoId>` are appended. */
  command: string[];
  /** Environment every stage process gets (database, storage, models…). */
  env: Record<string, string>;
  workDir: string;
  uploadsBucket: string;
  artifactsBucket: string;
  /** FAILED_SOURCES (core/config.ts); keep when unset. */
  failedSources?: FailedSources;
  /** STAGE_RERUN_WINDOW_SECONDS (core/config.ts): how long transient failures are run again. */
  rerunWindowSeconds?: number;
  /** Stage processes at once, and GPU-class stages at once (models are memory-hungry). */
  maxParallel: number;
  maxGpuParallel: number;
  /** Attempts for a stage that failed transiently. */
  maxAttempts: number;
  /** Delay before the first retry; it doubles with each one. */
  retryBaseMs?: number;
  /** Each stage run's time budget (the operator's STAGE_DEADLINE_* settings, the same defaults). */
  deadline: DeadlineSettings;
  tickMs?: number;
}

interface IngestionRow {
  video_id: string;
  request: IngestionRequest;
  status: VideoIngestionStatus;
  created_at: Date;
}

const FINAL = new Set(['Succeeded', 'Failed']);

export class LocalRunner implements IngestionSubmitter {
  private readonly jobs: LocalJobs;
  private readonly rows: IngestionRows;
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private again = false;
  private stopped = false;
  /** Videos being removed: a tick that read them before must not start their stages again. */
  private readonly removing = new Set<string>();

  /** The models the stage processes embed with (their TEXT_MODEL / VISION_MODEL): a change re-embeds. */
  private readonly models?: WantedModels;

  constructor(private readonly o: RunnerOptions) {
    this.rows = new IngestionRows(o.db);
    if (o.env.TEXT_MODEL && o.env.VISION_MODEL)
      this.models = { text: o.env.TEXT_MODEL, vision: o.env.VISION_MODEL };
    this.jobs = new LocalJobs({
      command: o.command,
      env: o.env,
      workDir: o.workDir,
      maxAttempts: o.maxAttempts,
      retryBaseMs: o.retryBaseMs ?? 1000,
      log: o.log,
      onChange: () => void this.tick(),
    });
  }

  /** Resumes what a previous run left unfinished (its processes died with it), then polls. */
  async start(): Promise<void> {
    await this.removeStaleScratch();
    await this.reindexWhatChanged();
    this.timer = setInterval(() => void this.tick(), this.o.tickMs ?? 1000);
    await this.tick();
  }

  /**
   * The models and the stage DAG are fixed at start: the succeeded ingestions whose vectors are of other models, or
   * that lack a stage this version has (an upgrade that added one), are planned once and start a round that runs
   * only what changed (the plan decides, core/ingestion/reembed.ts); the ticks carry it on.
   */
  private async reindexWhatChanged(): Promise<void> {
    const models = this.models;
    const { rows } = await this.o.db.query<IngestionRow>(
      `SELECT video_id, request, status, created_at FROM local_ingestions
        WHERE phase = 'Succeeded'
          AND (($1::text IS NOT NULL AND (status->'vectorModels' IS NULL
                 OR status->'vectorModels'->>'text' IS DISTINCT FROM $1
                 OR status->'vectorModels'->>'vision' IS DISTINCT FROM $2))
               OR EXISTS (SELECT 1 FROM unnest($3::text[]) AS n(name)
                           WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(status->'stages') AS s
                                              WHERE s->>'name' = n.name)))
        ORDER BY created_at`,
      [models?.text ?? null, models?.vision ?? null, STAGE_NAMES],
    );
    for (const row of rows) await this.reconcile(row);
    const started = rows.length;
    if (started > 0)
      this.o.log.info(
        { videos: started, models: this.models },
        'checked indexed videos against the models and the stages',
      );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.jobs.stop();
  }

  async submit(req: IngestionRequest): Promise<string> {
    await this.o.db.query(
      `INSERT INTO local_ingestions (video_id, request) VALUES ($1, $2) ON CONFLICT (video_id) DO NOTHING`,
      [req.videoId, req],
    );
    void this.tick();
    return ingestionName(req.videoId);
  }

  /** The finalizer's work: stop the stages, then clean up what the ingestion produced. */
  async remove(videoId: string): Promise<void> {
    this.removing.add(videoId);
    try {
      await this.removeNow(videoId);
    } finally {
      this.removing.delete(videoId);
    }
  }

  private async removeNow(videoId: string): Promise<void> {
    await this.jobs.forget(videoId);
    const { rows } = await this.o.db.query<{ request: IngestionRequest }>(
      'SELECT request FROM local_ingestions WHERE video_id = $1',
      [videoId],
    );
    const req = rows[0]?.request;
    if (!req) return;
    await cleanupIngestion(
      {
        rows: this.rows,
        store: this.o.store,
        buckets: { uploads: this.o.uploadsBucket, artifacts: this.o.artifactsBucket },
      },
      req,
    );
    await this.o.db.query('DELETE FROM local_ingestions WHERE video_id = $1', [videoId]);
  }

  async status(videoId: string): Promise<VideoIngestionStatus | undefined> {
    const { rows } = await this.o.db.query<{ status: VideoIngestionStatus }>(
      'SELECT status FROM local_ingestions WHERE video_id = $1',
      [videoId],
    );
    return rows[0]?.status;
  }

  async ping(): Promise<void> {
    await this.o.db.query('SELECT 1 FROM local_ingestions LIMIT 1');
  }

  /** Level-based: whatever happened, plan each unfinished ingestion from its status and its runs. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true; // something changed while we looked: look once more when done
      return;
    }
    this.ticking = true;
    try {
      do {
        this.again = false;
        const { rows } = await this.o.db.query<IngestionRow>(
          `SELECT video_id, request, status, created_at FROM local_ingestions
            WHERE phase IN ('Pending', 'Running') ORDER BY created_at`,
        );
        for (const row of rows) await this.reconcile(row);
      } while (this.again && !this.stopped);
    } catch (error) {
      this.o.log.error({ err: error }, 'runner tick failed');
    } finally {
      this.ticking = false;
    }
  }

  private async reconcile(row: IngestionRow): Promise<void> {
    if (this.removing.has(row.video_id)) return;
    const vi = asIngestion(row);
    // A video deleted (or never made) while its ingestion waits has nothing to ingest: plan() refuses it.
    const state = await this.rows.videoState(row.video_id);
    const videoMissing = state === undefined || state === 'deleted';
    const models = this.models && wantedModels(vi.spec, this.models);
    const p = plan(
      {
        ingestion: vi,
        jobs: this.jobs.observe(row.video_id),
        ...(videoMissing ? { videoMissing } : {}),
        ...(models ? { models } : {}),
      },
      new Date(),
      this.admit,
      this.o.rerunWindowSeconds !== undefined ? { transientWindowMs: this.o.rerunWindowSeconds * 1000 } : {},
    );
    if (p.kind !== 'reconcile') return;
    for (const name of p.stop) void this.jobs.delete(name);
    for (const stage of p.create) {
      const name = p.status.stages!.find((s) => s.name === stage)!.job!;
      this.jobs.create(
        vi.spec,
        stage,
        name,
        stageDeadlineSeconds(stage, p.status.durationSeconds, this.o.deadline),
      );
    }
    if (!p.statusChanged) return;
    // FAILED_SOURCES on the transition to Failed, before the status is written, as the operator does.
    if (p.releaseSource)
      await releaseFailedSource(
        {
          store: this.o.store,
          buckets: { uploads: this.o.uploadsBucket, artifacts: this.o.artifactsBucket },
        },
        row.request,
        p.releaseSource,
        this.o.failedSources ?? 'keep',
      );
    // Rows first, as the operator does: if they fail, the status is not written either and the next tick does both.
    await this.rows.sync(row.video_id, p.db);
    await this.o.db.query(
      `UPDATE local_ingestions SET status = $2, phase = $3, updated_at = now() WHERE video_id = $1`,
      [row.video_id, p.status, p.status.phase ?? 'Pending'],
    );
    for (const e of p.events) {
      const fields = { videoId: row.video_id, reason: e.reason };
      if (e.type === 'Warning') this.o.log.warn(fields, e.message);
      else this.o.log.info(fields, e.message);
    }
    if (FINAL.has(p.status.phase ?? '')) await this.jobs.forget(row.video_id);
  }

  /** Admission within the local limits: stage processes at once, and GPU-class ones at once. */
  private readonly admit: Admit = (requests) => {
    const busy = this.jobs.active();
    const granted = new Set<(typeof requests)[number]['stage']>();
    for (const r of requests) {
      if (busy.cpu + busy.gpu >= this.o.maxParallel) break;
      if (r.resource === 'gpu' && busy.gpu >= this.o.maxGpuParallel) continue;
      busy[r.resource]++;
      granted.add(r.stage);
    }
    return granted;
  };

  /** Scratch space of ingestions that are over or gone (a crash, or a stop mid-stage, leaves it behind). */
  private async removeStaleScratch(): Promise<void> {
    let entries: string[];
    try {
      entries = readdirSync(this.o.workDir);
    } catch {
      return; // nothing yet
    }
    const { rows } = await this.o.db.query<{ video_id: string }>(
      `SELECT video_id FROM local_ingestions WHERE phase IN ('Pending', 'Running')`,
    );
    const active = new Set(rows.map((r) => r.video_id));
    for (const name of entries) {
      if (!active.has(name)) rmSync(join(this.o.workDir, name), { recursive: true, force: true });
    }
  }
}

/** A local ingestion as the VideoIngestion the plan reads: always ours (finalizer set), generation 1. */
function asIngestion(row: IngestionRow): VideoIngestion {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: {
      name: ingestionName(row.video_id),
      uid: row.video_id,
      generation: 1,
      creationTimestamp: row.created_at.toISOString(),
      finalizers: [FINALIZER],
    },
    spec: ingestionSpec(row.request),
    status: row.status,
  };
}
