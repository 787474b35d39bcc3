// The videos.state and jobs rows that follow an ingestion's stages, written idempotently (a repeated write
// changes nothing) by both executors, and the rows removed on cleanup.
import type pg from 'pg';
import type { DbRows } from './outcomes.js';

type Queryable = Pick<pg.Pool, 'query'>;

export class IngestionRows {
  constructor(private readonly sql: Queryable) {}

  /**
   * Brings the video's state and its jobs rows in line with the status, in one statement: a reader never sees
   * the video final while a stage row still says running (two statements let the status endpoint catch the
   * gap between them). A deleted video stays deleted; rows of a video that does not exist are not written.
   */
  async sync(videoId: string, rows: DbRows): Promise<void> {
    const col = <K extends keyof DbRows['jobs'][number]>(k: K) => rows.jobs.map((j) => j[k]);
    await this.sql.query(
      `with stage_rows as (
         insert into jobs (video_id, stage, state, attempts, progress, started_at, finished_at, error_text)
         select $1, j.stage, j.state, j.attempts, j.progress, j.started_at, j.finished_at, j.error_text
           from unnest($6::text[], $7::text[], $8::int[], $9::real[], $10::timestamptz[], $11::timestamptz[], $12::text[])
                as j(stage, state, attempts, progress, started_at, finished_at, error_text)
          where exists (select 1 from videos where video_id = $1)
         on conflict (video_id, stage) do update set
           state = excluded.state, attempts = excluded.attempts, progress = excluded.progress,
           started_at = excluded.started_at, finished_at = excluded.finished_at, error_text = excluded.error_text
         where (jobs.state, jobs.attempts, jobs.progress, jobs.started_at, jobs.finished_at, jobs.error_text)
           is distinct from
           (excluded.state, excluded.attempts, excluded.progress, excluded.started_at, excluded.finished_at, excluded.error_text)
         returning 1
       )
       , next as (
         -- $2 null: a run without index leaves state and error alone; 'settle': it has ended, and a video it
         -- leaves unfinished (validating, processing) becomes failed with $3/$4 (outcomes.ts VideoState).
         select v.video_id,
                case when $2::text is null then v.state
                     when $2 = 'settle' then (case when v.state in ('validating', 'processing') then 'failed' else v.state end)
                     else $2 end as state,
                case when $2::text is null or ($2 = 'settle' and v.state not in ('validating', 'processing'))
                     then false else true end as takes_error,
                coalesce($5, v.duration_s) as duration_s
           from videos v where v.video_id = $1 and v.state <> 'deleted'
       )
       update videos set state = next.state,
              error_text = case when next.takes_error then $3 else videos.error_text end,
              error_category = case when next.takes_error then $4 else videos.error_category end,
              duration_s = next.duration_s
         from next
        where videos.video_id = next.video_id
          and (videos.state, videos.error_text, videos.error_category, videos.duration_s)
              is distinct from (next.state,
                                case when next.takes_error then $3 else videos.error_text end,
                                case when next.takes_error then $4 else videos.error_category end,
                                next.duration_s)`,
      [
        videoId,
        rows.video.state,
        rows.video.errorText,
        rows.video.errorCategory,
        rows.video.durationSeconds,
        col('stage'),
        col('state'),
        col('attempts'),
        col('progress'),
        col('startedAt'),
        col('finishedAt'),
        col('errorText'),
      ],
    );
  }

  /** Resolves when the database answers (an executor's probe while it waits out an outage). */
  async ping(): Promise<void> {
    await this.sql.query('select 1');
  }

  /** The video's state, or undefined when its row is gone. */
  async videoState(videoId: string): Promise<string | undefined> {
    const { rows } = await this.sql.query<{ state: string }>('select state from videos where video_id = $1', [
      videoId,
    ]);
    return rows[0]?.state;
  }

  /**
   * Cleanup after the resource is deleted. The jobs rows go; a video whose ingestion never finished is
   * marked failed ("cancelled"); a deleted video also loses its scenes.
   */
  async cleanup(videoId: string, videoDeleted: boolean): Promise<void> {
    await this.sql.query('delete from jobs where video_id = $1', [videoId]);
    if (videoDeleted) {
      await this.sql.query('delete from scenes where video_id = $1', [videoId]);
      return;
    }
    await this.sql.query(
      `update videos set state = 'failed', error_text = 'the ingestion was cancelled'
        where video_id = $1 and state in ('validating', 'processing')`,
      [videoId],
    );
  }
}
