// The rows both executors write, on a real PostgreSQL: what a run of stages without `index` leaves the video.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedPostgres } from '../db/embedded.js';
import { aUser, aVideo, startMigratedDatabase } from '../db/testing.js';
import { type DbRows, NOT_INDEXED } from './outcomes.js';
import { IngestionRows } from './rows.js';

let db: EmbeddedPostgres;
let pool: pg.Pool;
let rows: IngestionRows;

beforeAll(async () => {
  db = await startMigratedDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  rows = new IngestionRows(pool);
}, 60_000);
afterAll(async () => {
  await pool?.end();
  await db?.close();
});

const video = (state: DbRows['video']['state'], errorText: string | null = null): DbRows => ({
  video: { state, errorText, errorCategory: errorText ? 'BadInput' : null, durationSeconds: null },
  jobs: [],
});

async function videoIn(state: string, errorText: string | null = null) {
  const userId = await aUser(pool);
  return aVideo(pool, userId, { state, error_text: errorText });
}
const read = async (id: string) =>
  (await pool.query('select state, error_text, error_category from videos where video_id = $1', [id]))
    .rows[0];

describe('a run of stages without index', () => {
  it('leaves an indexed video indexed, with no error, while it runs and once it has ended', async () => {
    const id = await videoIn('indexed');
    await rows.sync(id, video(null));
    expect(await read(id)).toEqual({ state: 'indexed', error_text: null, error_category: null });
    await rows.sync(id, video('settle', NOT_INDEXED));
    expect(await read(id)).toEqual({ state: 'indexed', error_text: null, error_category: null });
  });

  it('settles a video it would leave unfinished as failed, saying why', async () => {
    const id = await videoIn('processing');
    await rows.sync(id, video('settle', NOT_INDEXED));
    expect(await read(id)).toEqual({ state: 'failed', error_text: NOT_INDEXED, error_category: 'BadInput' });
  });

  it('keeps a failed video’s own error', async () => {
    const id = await videoIn('failed', 'not a playable video');
    await rows.sync(id, video('settle', NOT_INDEXED));
    expect(await read(id)).toMatchObject({ state: 'failed', error_text: 'not a playable video' });
  });

  it('writes a full run’s state and error as before', async () => {
    const id = await videoIn('validating');
    await rows.sync(id, video('processing'));
    expect((await read(id)).state).toBe('processing');
    await rows.sync(id, video('failed', 'bad'));
    expect(await read(id)).toEqual({ state: 'failed', error_text: 'bad', error_category: 'BadInput' });
    await rows.sync(id, video('indexed'));
    expect(await read(id)).toEqual({ state: 'indexed', error_text: null, error_category: null });
  });
});
