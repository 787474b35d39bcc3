// Uploading a video through the REST API: single PUT, resumable parts, and every way an upload can be wrong.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { API_VERSION, GROUP, PLURAL, VERSION } from '../../core/crd/videoingestion.js';
import { keys } from '../../core/storage/store.js';
import { client, sampleVideo, startApi, token } from '../support/api.js';
import { tempDir } from '../support/cleanup.js';
import { type Clients, clients, createNamespace, deleteNamespace } from '../support/kube.js';
import { cutsVideo, longVideo, truncatedMp4 } from '../support/media.js';

const env = inject('testbed');
let api: Awaited<ReturnType<typeof startApi>>;
let k: Clients;
let ns: string;
let call: ReturnType<typeof client>;
let userId: string;
const subject = `user-${randomUUID()}`;

beforeAll(async () => {
  k = clients(env.KUBECONFIG);
  ns = await createNamespace(k, 'api-uploads');
  api = await startApi(env, ns);
  call = client(api.url, await token(subject, { email: `${subject}@example.com`, email_verified: true }));
});
afterAll(async () => {
  await api?.close();
  await deleteNamespace(k, ns);
});

const init = (over: Record<string, unknown> = {}) =>
  call('POST', '/videos/upload/init', {
    filename: '바닷가 여행.mp4',
    mime_type: 'video/mp4',
    size_bytes: sampleVideo().length,
    title: '바닷가',
    ...over,
  });
const put = (
  url: string,
  body: Buffer | string,
  headers: Record<string, string> = { 'Content-Type': 'video/mp4' },
) => fetch(url, { method: 'PUT', body, headers });
/** A second API instance with other settings, called as the same user, closed afterwards. */
async function withApi<T>(
  settings: Parameters<typeof startApi>[2],
  use: (c: ReturnType<typeof client>, other: Awaited<ReturnType<typeof startApi>>) => Promise<T>,
): Promise<T> {
  const other = await startApi(env, ns, settings);
  try {
    return await use(
      client(other.url, await token(subject, { email: `${subject}@example.com`, email_verified: true })),
      other,
    );
  } finally {
    await other.close();
  }
}
const row = async (videoId: string) =>
  (await api.db.query('SELECT * FROM videos WHERE video_id = $1', [videoId])).rows[0];
const resource = (videoId: string) =>
  k.custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: ns,
    plural: PLURAL,
    name: `video-${videoId}`,
  });

describe('a single-PUT upload', () => {
  it('goes from init through the presigned PUT to complete, creating the VideoIngestion', async () => {
    const started = await init({ language: 'en' });
    expect(started.status).toBe(201);
    expect(started.json).toMatchObject({ upload_method: 'PUT', expires_in: 900 });
    const videoId = started.json.video_id;
    const before = await row(videoId);
    userId = before.user_id;
    expect(before).toMatchObject({
      state: 'uploading',
      filename: '바닷가 여행.mp4',
      title: '바닷가',
      storage_key: keys.source(userId, videoId),
    });

    expect((await put(started.json.upload_url, sampleVideo(), started.json.upload_headers)).status).toBe(200);
    const done = await call('POST', '/videos/upload/complete', { video_id: videoId });
    expect(done).toMatchObject({ status: 200, json: { video_id: videoId, state: 'validating' } });
    expect((await row(videoId)).state).toBe('validating');

    const vi = await resource(videoId);
    expect(vi.apiVersion).toBe(API_VERSION);
    expect(vi.metadata.labels).toMatchObject({
      'heimdex.io/video-id': videoId,
      'heimdex.io/user-id': userId,
    });
    expect(vi.spec).toEqual({
      videoId,
      userId,
      language: 'en',
      source: {
        bucket: env.S3_BUCKET_UPLOADS,
        key: keys.source(userId, videoId),
        sizeBytes: sampleVideo().length,
        mimeType: 'video/mp4',
      },
    });

    const status = await call('GET', `/videos/${videoId}/status`);
    expect(status).toMatchObject({
      status: 200,
      json: { video_id: videoId, state: 'validating', error: null },
    });
    expect(status.json.progress).toBeGreaterThanOrEqual(0);
  });

  it('treats a second complete for the same video as a no-op', async () => {
    const started = await init();
    await put(started.json.upload_url, sampleVideo());
    const first = await call('POST', '/videos/upload/complete', { video_id: started.json.video_id });
    const second = await call('POST', '/videos/upload/complete', { video_id: started.json.video_id });
    expect(second).toMatchObject({ status: 200, json: first.json });
    const list = await k.custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: PLURAL,
      labelSelector: `heimdex.io/video-id=${started.json.video_id}`,
    });
    expect(list.items).toHaveLength(1);
  });
});

describe('bad uploads get a clear error and leave nothing half-written', () => {
  it('refuses a MIME type that is not a supported video with 415', async () => {
    const r = await init({ mime_type: 'application/pdf', filename: 'x.pdf' });
    expect(r).toMatchObject({ status: 415, json: { code: 'unsupported_media_type' } });
    expect(r.json.detail).toMatch(/MP4, MOV, AVI, MKV or WebM/);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('refuses a file above the size limit with 413 naming the limit', async () => {
    const r = await init({ size_bytes: 60 * 1024 * 1024 });
    expect(r).toMatchObject({ status: 413, json: { code: 'payload_too_large' } });
    expect(r.json.detail).toContain(String(50 * 1024 * 1024));
  });

  it('refuses malformed requests with 400 and the field at fault', async () => {
    expect(await init({ size_bytes: -1 })).toMatchObject({
      status: 400,
      json: { code: 'validation_failed', errors: [{ field: 'body.size_bytes' }] },
    });
    expect(await init({ filename: '../..' })).toMatchObject({
      status: 400,
      json: { code: 'validation_failed' },
    });
    expect(await call('POST', '/videos/upload/init', '{not json')).toMatchObject({
      status: 400,
      json: { code: 'bad_request' },
    });
    expect(await call('POST', '/videos/upload/complete', { video_id: 'nope' })).toMatchObject({
      status: 400,
      json: { errors: [{ field: 'body.video_id' }] },
    });
  });

  it('fails a video whose file never arrived, with the reason, and creates no resource', async () => {
    const started = await init();
    const r = await call('POST', '/videos/upload/complete', { video_id: started.json.video_id });
    expect(r).toMatchObject({ status: 409, json: { code: 'upload_incomplete' } });
    expect(await row(started.json.video_id)).toMatchObject({ state: 'failed', error_category: 'BadInput' });
    await expect(resource(started.json.video_id)).rejects.toMatchObject({ code: 404 });
    const again = await call('POST', '/videos/upload/complete', { video_id: started.json.video_id });
    expect(again).toMatchObject({ status: 409, json: { code: 'invalid_state' } });
  });

  it('fails a video whose file of another size never landed: the PUT is refused, complete finds nothing', async () => {
    const started = await init({ size_bytes: sampleVideo().length + 10 });
    expect((await put(started.json.upload_url, sampleVideo())).status).toBe(403);
    const r = await call('POST', '/videos/upload/complete', { video_id: started.json.video_id });
    expect(r).toMatchObject({ status: 409, json: { code: 'upload_incomplete' } });
    const v = await row(started.json.video_id);
    expect(v).toMatchObject({ state: 'failed' });
    expect(v.error_text).toMatch(/No file arrived at the upload URL/);
    expect(await api.store.head(env.S3_BUCKET_UPLOADS, v.storage_key)).toBeUndefined();
  });

  it('fails a text file renamed to .mp4: the first bytes are checked, not the name', async () => {
    const text = Buffer.from('this is a plain text file pretending to be a video '.repeat(20));
    const started = await init({ size_bytes: text.length, filename: 'holiday.mp4' });
    await put(started.json.upload_url, text);
    const r = await call('POST', '/videos/upload/complete', { video_id: started.json.video_id });
    expect(r).toMatchObject({ status: 422, json: { code: 'not_a_video' } });
    const status = await call('GET', `/videos/${started.json.video_id}/status`);
    expect(status.json).toMatchObject({ state: 'failed', error: { category: 'BadInput' } });
    expect(status.json.error.message).toMatch(/does not start like a video/);
  });

  it('takes exactly the announced size at the upload URL: storage refuses more and fewer bytes', async () => {
    // The size is in the URL's signature: the report's 10-byte upload that stored 1.2 GB cannot happen.
    const started = await init();
    const url = started.json.upload_url;
    const more = Buffer.concat([sampleVideo(), Buffer.alloc(1024 * 1024)]);
    expect((await put(url, more, started.json.upload_headers)).status).toBe(403);
    expect((await put(url, sampleVideo().subarray(1), started.json.upload_headers)).status).toBe(403);
    const key = (await row(started.json.video_id)).storage_key;
    expect(await api.store.head(env.S3_BUCKET_UPLOADS, key)).toBeUndefined();
    expect((await put(url, sampleVideo(), started.json.upload_headers)).status).toBe(200);
  });

  it('refuses at complete a video longer than MAX_VIDEO_SECONDS, from its header, before creating anything', async () => {
    await withApi({ maxVideoSeconds: 4 }, async (c) => {
      const bytes = readFileSync(longVideo(tempDir('api-uploads'), 7));
      const started = await c('POST', '/videos/upload/init', {
        filename: 'long.mp4',
        mime_type: 'video/mp4',
        size_bytes: bytes.length,
      });
      expect((await put(started.json.upload_url, bytes, started.json.upload_headers)).status).toBe(200);
      const r = await c('POST', '/videos/upload/complete', { video_id: started.json.video_id });
      expect(r).toMatchObject({ status: 422, json: { code: 'video_too_long' } });
      expect(r.json.detail).toBe(
        'The video is 7 s long; the longest accepted is 4 s. Trim it and upload it again.',
      );
      const v = await row(started.json.video_id);
      expect(v).toMatchObject({ state: 'failed', error_category: 'BadInput' });
      await expect(resource(started.json.video_id)).rejects.toMatchObject({ code: 404 });
      expect(await api.store.head(env.S3_BUCKET_UPLOADS, v.storage_key)).toBeUndefined();
      // The same file under the limit goes through.
      const ok = await init({ size_bytes: bytes.length });
      await put(ok.json.upload_url, bytes, ok.json.upload_headers);
      expect(await call('POST', '/videos/upload/complete', { video_id: ok.json.video_id })).toMatchObject({
        status: 200,
      });
    });
  });

  it('fails at complete a file cut short, saying the upload looks incomplete, before creating anything', async () => {
    const dir = tempDir('api-uploads');
    const bytes = readFileSync(truncatedMp4(dir, cutsVideo(dir, 'to-cut', { segments: [2] })));
    const started = await init({ size_bytes: bytes.length });
    expect((await put(started.json.upload_url, bytes, started.json.upload_headers)).status).toBe(200);
    const r = await call('POST', '/videos/upload/complete', { video_id: started.json.video_id });
    expect(r).toMatchObject({ status: 422, json: { code: 'video_truncated' } });
    expect(r.json.detail).toMatch(/^The upload looks incomplete — the file ends after \d+ bytes/);
    await expect(resource(started.json.video_id)).rejects.toMatchObject({ code: 404 });
    const status = await call('GET', `/videos/${started.json.video_id}/status`);
    expect(status.json.error).toEqual({ category: 'BadInput', message: r.json.detail });
  });

  it('rejects a PUT with another content type than the one the URL was signed for', async () => {
    const started = await init();
    expect((await put(started.json.upload_url, sampleVideo(), { 'Content-Type': 'text/html' })).status).toBe(
      403,
    );
  });
});

describe('a resumable upload in parts', () => {
  const MiB = 1024 * 1024;
  // 11 MiB of a real video's bytes repeated: the container signature is at the start, as in a real file.
  const big = Buffer.concat([sampleVideo(), Buffer.alloc(11 * MiB - sampleVideo().length, 7)]);

  it('accepts parts in any order, re-issues an expired part URL, and completes only when all parts are there', async () => {
    const started = await call('POST', '/videos/upload/multipart/init', {
      filename: 'big.mp4',
      mime_type: 'video/mp4',
      size_bytes: big.length,
      part_size: 5 * MiB,
    });
    expect(started).toMatchObject({
      status: 201,
      json: { part_size: 5 * MiB, part_count: 3, last_part_size: MiB },
    });
    const id = started.json.video_id;
    const part = (n: number) => big.subarray((n - 1) * 5 * MiB, Math.min(n * 5 * MiB, big.length));
    const urls = await call('POST', `/videos/${id}/upload/parts`, { part_numbers: [3, 1] });
    expect(
      urls.json.parts.map((p: { part_number: number; size_bytes: number }) => [p.part_number, p.size_bytes]),
    ).toEqual([
      [1, 5 * MiB],
      [3, MiB],
    ]);
    // Each part URL takes its planned size and no other: a part cannot carry more than the plan.
    expect((await put(urls.json.parts[1].url, part(2), {})).status).toBe(403);
    expect((await put(urls.json.parts[0].url, Buffer.concat([part(1), Buffer.alloc(1)]), {})).status).toBe(
      403,
    );
    expect((await put(urls.json.parts[1].url, part(3), {})).status).toBe(200);
    expect((await put(urls.json.parts[0].url, part(1), {})).status).toBe(200);

    const early = await call('POST', '/videos/upload/complete', { video_id: id });
    expect(early).toMatchObject({ status: 409, json: { code: 'upload_incomplete' } });
    expect(early.json.detail).toMatch(/part 2/);
    expect((await row(id)).state).toBe('uploading');

    // A second API instance whose URLs live one second issues the URL that goes stale.
    await withApi({ uploadUrlSeconds: 1 }, async (c) => {
      const stale = await c('POST', `/videos/${id}/upload/parts`, { part_numbers: [2] });
      await new Promise((r) => setTimeout(r, 2100));
      expect((await put(stale.json.parts[0].url, part(2), {})).status).toBe(403);
    });
    const fresh = await call('POST', `/videos/${id}/upload/parts`, { part_numbers: [2] });
    expect(fresh.json.uploaded).toEqual([1, 3]);
    expect((await put(fresh.json.parts[0].url, part(2), {})).status).toBe(200);

    expect(await call('POST', '/videos/upload/complete', { video_id: id })).toMatchObject({
      status: 200,
      json: { state: 'validating' },
    });
    expect((await api.store.head(env.S3_BUCKET_UPLOADS, (await row(id)).storage_key))?.sizeBytes).toBe(
      big.length,
    );
    await resource(id);
  });

  it('can be aborted, after which it takes no more parts', async () => {
    const started = await call('POST', '/videos/upload/multipart/init', {
      filename: 'big.mp4',
      mime_type: 'video/mp4',
      size_bytes: big.length,
    });
    const id = started.json.video_id;
    expect((await call('DELETE', `/videos/${id}/upload`)).status).toBe(204);
    expect((await row(id)).state).toBe('deleted');
    expect(await call('POST', `/videos/${id}/upload/parts`, { part_numbers: [1] })).toMatchObject({
      status: 409,
      json: { code: 'invalid_state' },
    });
  });

  it('refuses part numbers beyond the announced part count', async () => {
    const started = await call('POST', '/videos/upload/multipart/init', {
      filename: 'big.mp4',
      mime_type: 'video/mp4',
      size_bytes: big.length,
    });
    const r = await call('POST', `/videos/${started.json.video_id}/upload/parts`, { part_numbers: [1, 9] });
    expect(r).toMatchObject({ status: 400, json: { code: 'validation_failed' } });
  });
});

describe('abandoned uploads', () => {
  it('are cleaned up after their TTL: parts aborted, video failed with a reason', async () => {
    await withApi({ uploadTtlSeconds: 1 }, async (c, other) => {
      const started = await c('POST', '/videos/upload/multipart/init', {
        filename: 'gone.mp4',
        mime_type: 'video/mp4',
        size_bytes: 6 * 1024 * 1024,
      });
      const id = started.json.video_id;
      const { sweepAbandonedUploads } = await import('../../api/uploads-service.js');
      const swept = await sweepAbandonedUploads(other.deps, new Date(Date.now() + 5000));
      expect(swept).toBeGreaterThanOrEqual(1);
      expect(await row(id)).toMatchObject({
        state: 'failed',
        error_text: 'The upload was not completed in time and was abandoned; upload the video again.',
      });
      expect((await api.db.query('SELECT 1 FROM uploads WHERE video_id = $1', [id])).rowCount).toBe(0);
    });
  });
});
