// Standalone mode's runner: the stage DAG of core/dag.ts run as local processes instead of Jobs, with the
// same jobs/videos rows, retries and error categories as the operator, and recovery after a restart.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import type { IngestionRequest, IngestionSubmitter } from '../api/ingestion.js';
import type { VideoIngestionStatus } from '../core/crd/videoingestion.js';
import {
  progressOf,
  propagateSkips,
  readyStages,
  STAGES,
  type StageName,
  type StageState,
  stage,
} from '../core/dag.js';
import type { Logger } from '../core/log.js';
import { decodeResult, EXIT_BAD_INPUT, EXIT_INTERNAL, STAGE_ENV } from '../core/stage-contract.js';
import { keys, type ObjectStore } from '../core/storage/store.js';

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
  /** Stage processes at once, and GPU-class stages at once (models are memory-hungry). */
  maxParallel: number;
  maxGpuParallel: number;
  /** Attempts for a stage that failed transiently. */
  maxAttempts: number;
  tickMs?: number;
}

type JobState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';
const TO_STAGE: Record<JobState, StageState> = {
  pending: 'Pending',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  skipped: 'Skipped',
};

export class LocalRunner implements IngestionSubmitter {
  private readonly running = new Map<
    string,
    { child: ChildProcess; videoId: string; stage: StageName; gpu: boolean }
  >();
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private stopped = false;

  constructor(private readonly o: RunnerOptions) {}

  /** Resumes what a previous run left unfinished (its processes died with it), then polls. */
  async start(): Promise<void> {
    const { rowCount } = await this.o.db.query(
      `UPDATE jobs SET state = 'pending' WHERE state = 'running' AND video_id IN (SELECT video_id FROM local_ingestions WHERE phase IN ('Pending', 'Running'))`,
    );
    if (rowCount) this.o.log.info({ stages: rowCount }, 'resuming stages interrupted by the last shutdown');
    this.timer = setInterval(() => void this.tick(), this.o.tickMs ?? 1000);
    await this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const r of this.running.values()) r.child.kill('SIGTERM');
  }

  async submit(req: IngestionRequest): Promise<string> {
    await this.o.db.query(
      `INSERT INTO local_ingestions (video_id, request) VALUES ($1, $2) ON CONFLICT (video_id) DO NOTHING`,
      [req.videoId, req],
    );
    void this.tick();
    return `local-${req.videoId}`;
  }

  async remove(videoId: string): Promise<void> {
    for (const [key, r] of this.running)
      if (r.videoId === videoId) {
        r.child.kill('SIGKILL');
        this.running.delete(key);
      }
    const { rows } = await this.o.db.query<{ user_id: string; state: string; storage_key: string }>(
      'SELECT user_id, state, storage_key FROM videos WHERE video_id = $1',
      [videoId],
    );
    const v = rows[0];
    if (!v) return;
    await this.o.store.deletePrefix(this.o.artifactsBucket, keys.artifactsPrefix(v.user_id, videoId));
    await this.o.store.deletePrefix(this.o.artifactsBucket, keys.sidecarsPrefix(v.user_id, videoId));
    await this.o.db.query('DELETE FROM local_ingestions WHERE video_id = $1', [videoId]);
    await this.o.db.query('DELETE FROM jobs WHERE video_id = $1', [videoId]);
    if (v.state === 'deleted') {
      await this.o.db.query('DELETE FROM scenes WHERE video_id = $1', [videoId]);
      await this.o.store.delete(this.o.uploadsBucket, v.storage_key);
    }
  }

  async status(videoId: string): Promise<VideoIngestionStatus | undefined> {
    const { rows } = await this.o.db.query<{ phase: string }>(
      'SELECT phase FROM local_ingestions WHERE video_id = $1',
      [videoId],
    );
    if (!rows[0]) return undefined;
    const states = await this.states(videoId);
    return {
      phase: rows[0].phase as VideoIngestionStatus['phase'],
      progress: progressOf(states),
      stages: Object.entries(states).map(([name, state]) => ({ name: name as StageName, state: state! })),
    };
  }

  async ping(): Promise<void> {
    await this.o.db.query('SELECT 1 FROM local_ingestions LIMIT 1');
  }

  private async states(videoId: string): Promise<Partial<Record<StageName, StageState>>> {
    const { rows } = await this.o.db.query<{ stage: StageName; state: JobState }>(
      'SELECT stage, state FROM jobs WHERE video_id = $1',
      [videoId],
    );
    const states: Partial<Record<StageName, StageState>> = Object.fromEntries(
      STAGES.map((s) => [s.name, 'Pending' as StageState]),
    );
    for (const r of rows) if (r.stage in states) states[r.stage] = TO_STAGE[r.state];
    return states;
  }

  /** Level-based: whatever happened, look at the rows and start what is ready, within the limits. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const { rows } = await this.o.db.query<{ video_id: string; request: IngestionRequest; phase: string }>(
        `SELECT video_id, request, phase FROM local_ingestions WHERE phase IN ('Pending', 'Running') ORDER BY created_at`,
      );
      for (const ing of rows) {
        const observed = await this.states(ing.video_id);
        const states = propagateSkips(observed);
        for (const [name, st] of Object.entries(states)) {
          if (st === 'Skipped' && observed[name as StageName] !== 'Skipped') {
            await this.row(ing.video_id, name, 'skipped', {
              finished: true,
              error: 'a stage it needs was skipped',
            });
          }
        }
        const all = Object.values(states);
        if (all.some((s) => s === 'Failed')) {
          await this.finish(ing.video_id, 'Failed');
          continue;
        }
        if (all.every((s) => s === 'Succeeded' || s === 'Skipped')) {
          await this.finish(ing.video_id, 'Succeeded');
          continue;
        }
        if (ing.phase === 'Pending') {
          await this.o.db.query(
            `UPDATE local_ingestions SET phase = 'Running', updated_at = now() WHERE video_id = $1`,
            [ing.video_id],
          );
          await this.o.db.query(
            `UPDATE videos SET state = 'processing' WHERE video_id = $1 AND state = 'validating'`,
            [ing.video_id],
          );
        }
        for (const name of readyStages(states)) {
          const gpu = stage(name).resource === 'gpu';
          const gpuBusy = [...this.running.values()].filter((r) => r.gpu).length;
          if (this.running.size >= this.o.maxParallel || (gpu && gpuBusy >= this.o.maxGpuParallel)) return;
          if (this.running.has(`${ing.video_id}/${name}`)) continue;
          await this.launch(ing.request, name, gpu);
        }
      }
    } catch (error) {
      this.o.log.error({ err: error }, 'runner tick failed');
    } finally {
      this.ticking = false;
    }
  }

  private async launch(req: IngestionRequest, name: StageName, gpu: boolean): Promise<void> {
    const dir = join(this.o.workDir, req.videoId, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const resultFile = join(dir, 'result.json');
    await this.row(req.videoId, name, 'running', { started: true });
    const child = spawn(this.o.command[0]!, [...this.o.command.slice(1), name, req.videoId], {
      env: {
        ...this.o.env,
        [STAGE_ENV.videoId]: req.videoId,
        [STAGE_ENV.userId]: req.userId,
        [STAGE_ENV.sourceBucket]: req.bucket,
        [STAGE_ENV.sourceKey]: req.key,
        [STAGE_ENV.mimeType]: req.mimeType,
        [STAGE_ENV.language]: req.language,
        [STAGE_ENV.resultFile]: resultFile,
        [STAGE_ENV.scratchDir]: dir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const keep = (d: Buffer) => {
      tail = (tail + d.toString()).slice(-2000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const key = `${req.videoId}/${name}`;
    this.running.set(key, { child, videoId: req.videoId, stage: name, gpu });
    this.o.log.info({ videoId: req.videoId, stage: name }, 'stage started');
    child.on('close', (code, signal) => {
      if (this.running.get(key)?.child !== child) return; // removed meanwhile
      this.running.delete(key);
      void this.settle(req.videoId, name, code ?? (signal ? 128 : 1), resultFile, tail).then(() =>
        this.tick(),
      );
    });
  }

  private async settle(
    videoId: string,
    name: StageName,
    code: number,
    resultFile: string,
    tail: string,
  ): Promise<void> {
    if (this.stopped) return; // a shutdown is not a failure: the stage resumes on the next start
    let text: string | undefined;
    try {
      text = readFileSync(resultFile, 'utf8');
    } catch {
      // no result written
    }
    const result = decodeResult(text);
    if (code === 0) {
      await this.row(videoId, name, result?.outcome === 'Skipped' ? 'skipped' : 'succeeded', {
        finished: true,
        error: result?.message,
      });
      this.o.log.info({ videoId, stage: name, outcome: result?.outcome ?? 'Succeeded' }, 'stage finished');
      return;
    }
    const category = code === EXIT_BAD_INPUT ? 'BadInput' : code === EXIT_INTERNAL ? 'Internal' : 'Transient';
    const message = result?.message ?? (tail.trim().split('\n').at(-1) || `exit code ${code}`);
    const { rows } = await this.o.db.query<{ attempts: number }>(
      'SELECT attempts FROM jobs WHERE video_id = $1 AND stage = $2',
      [videoId, name],
    );
    if (category === 'Transient' && (rows[0]?.attempts ?? 0) < this.o.maxAttempts) {
      this.o.log.warn({ videoId, stage: name, code, message }, 'stage failed transiently; retrying');
      await this.row(videoId, name, 'pending', { error: message });
      return;
    }
    this.o.log.warn({ videoId, stage: name, code, category, message }, 'stage failed');
    await this.row(videoId, name, 'failed', { finished: true, error: message });
    await this.o.db.query(
      `UPDATE videos SET state = 'failed', error_text = $2, error_category = $3 WHERE video_id = $1 AND state IN ('validating', 'processing')`,
      [videoId, `${name}: ${message}`, category],
    );
  }

  private async finish(videoId: string, phase: 'Succeeded' | 'Failed'): Promise<void> {
    await this.o.db.query(`UPDATE local_ingestions SET phase = $2, updated_at = now() WHERE video_id = $1`, [
      videoId,
      phase,
    ]);
    this.o.log.info({ videoId, phase }, 'ingestion finished');
  }

  private async row(
    videoId: string,
    name: string,
    state: JobState,
    o: { started?: boolean; finished?: boolean; error?: string } = {},
  ): Promise<void> {
    await this.o.db.query(
      `INSERT INTO jobs (video_id, stage, state, progress, attempts, started_at, finished_at, error_text)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 THEN now() END, CASE WHEN $7 THEN now() END, $8)
       ON CONFLICT (video_id, stage) DO UPDATE SET
         state = EXCLUDED.state,
         progress = EXCLUDED.progress,
         attempts = jobs.attempts + EXCLUDED.attempts,
         started_at = COALESCE(EXCLUDED.started_at, jobs.started_at),
         finished_at = EXCLUDED.finished_at,
         error_text = COALESCE(EXCLUDED.error_text, CASE WHEN EXCLUDED.state = 'succeeded' THEN NULL ELSE jobs.error_text END)`,
      [
        videoId,
        name,
        state,
        state === 'succeeded' || state === 'skipped' ? 100 : 0,
        o.started ? 1 : 0,
        !!o.started,
        !!o.finished,
        o.error ?? null,
      ],
    );
  }
}
