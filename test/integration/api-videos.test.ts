// Reading and deleting videos, and the API's operational endpoints (OpenAPI, metrics, readiness, limits).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GROUP, PLURAL, VERSION } from '../../core/crd/videoingestion.js';
import { client, sampleVideo, startApi, token } from '../support/api.js';
import { type Clients, clients, createNamespace, deleteNamespace, waitFor } from '../support/kube.js';

const env = inject('testbed');
let api: Awaited<ReturnType<typeof startApi>>;
let k: Clients;
let ns: string;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  k = clients(env.KUBECONFIG);
  ns = await createNamespace(k, 'api-videos');
  api = await startApi(env, ns);
  call = client(api.url, await token(`lister-${randomUUID()}`));
});
afterAll(async () => {
  await api?.close();
  await deleteNamespace(k, ns);
});

async function uploaded(title: string) {
  const started = await call('POST', '/videos/upload/init', {
    filename: `${title}.mp4`,
    mime_type: 'video/mp4',
    size_bytes: sampleVideo().length,
    title,
  });
  await fetch(started.json.upload_url, {
    method: 'PUT',
    body: sampleVideo(),
    headers: started.json.upload_headers,
  });
  await call('POST', '/videos/upload/complete', { video_id: started.json.video_id });
  return started.json.video_id as string;
}

describe('listing videos', () => {
  it('pages through them newest first with a cursor, and filters by state', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (
          await call('POST', '/videos/upload/init', {
            filename: `v${i}.mp4`,
            mime_type: 'video/mp4',
            size_bytes: 10,
            title: `v${i}`,
          })
        ).json.video_id,
      );
    }
    const processing = await uploaded('processed');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call('GET', `/videos?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.items.map((v: { video_id: string }) => v.video_id));
      cursor = page.json.next_cursor;
    } while (cursor);
    expect(seen).toEqual([processing, ...ids.reverse()]);
    const validating = await call('GET', '/videos?state=validating');
    expect(validating.json.items.map((v: { video_id: string }) => v.video_id)).toEqual([processing]);
    expect(validating.json.items[0]).toMatchObject({
      title: 'processed',
      filename: 'processed.mp4',
      size_bytes: sampleVideo().length,
      error: null,
    });
  });

  it('explains a bad limit, state or cursor with 400', async () => {
    expect(await call('GET', '/videos?limit=1000')).toMatchObject({
      status: 400,
      json: { errors: [{ field: 'query.limit' }] },
    });
    expect(await call('GET', '/videos?state=cooking')).toMatchObject({
      status: 400,
      json: { errors: [{ field: 'query.state' }] },
    });
    expect(await call('GET', '/videos?cursor=forged')).toMatchObject({
      status: 400,
      json: { code: 'validation_failed' },
    });
  });
});

describe('deleting a video', () => {
  it('marks it deleted, deletes its VideoIngestion, and is idempotent', async () => {
    const id = await uploaded('to-delete');
    const target = { group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: `video-${id}` };
    await k.custom.getNamespacedCustomObject(target);
    expect((await call('DELETE', `/videos/${id}`)).status).toBe(204);
    expect((await call('GET', `/videos/${id}`)).json.state).toBe('deleted');
    await waitFor('the VideoIngestion to be gone', async () => {
      try {
        await k.custom.getNamespacedCustomObject(target);
        return false;
      } catch (e) {
        return (e as { code?: number }).code === 404;
      }
    });
    expect((await call('DELETE', `/videos/${id}`)).status).toBe(204);
    expect(
      (await call('GET', '/videos')).json.items.map((v: { video_id: string }) => v.video_id),
    ).not.toContain(id);
  });

  it('removes the original itself when the video never reached processing', async () => {
    const started = await call('POST', '/videos/upload/init', {
      filename: 'x.mp4',
      mime_type: 'video/mp4',
      size_bytes: sampleVideo().length,
    });
    await fetch(started.json.upload_url, {
      method: 'PUT',
      body: sampleVideo(),
      headers: started.json.upload_headers,
    });
    const { rows } = await api.db.query('SELECT storage_key FROM videos WHERE video_id = $1', [
      started.json.video_id,
    ]);
    expect(await api.store.head(env.S3_BUCKET_UPLOADS, rows[0].storage_key)).toBeDefined();
    expect((await call('DELETE', `/videos/${started.json.video_id}`)).status).toBe(204);
    expect(await api.store.head(env.S3_BUCKET_UPLOADS, rows[0].storage_key)).toBeUndefined();
  });
});

describe('operational endpoints', () => {
  it('publishes an OpenAPI document built from the validating schemas', async () => {
    const r = await client(api.url)('GET', '/openapi.json');
    expect(r.json.openapi).toBe('3.1.0');
    expect(Object.keys(r.json.paths)).toEqual(
      expect.arrayContaining([
        '/videos/upload/init',
        '/videos/upload/complete',
        '/videos/upload/multipart/init',
        '/videos/{id}/upload/parts',
        '/videos',
        '/videos/{id}',
        '/videos/{id}/status',
      ]),
    );
    const init = r.json.paths['/videos/upload/init'].post;
    expect(init.requestBody.content['application/json'].schema.required).toEqual([
      'filename',
      'mime_type',
      'size_bytes',
    ]);
    expect(init.responses['415'].content['application/problem+json']).toBeDefined();
    expect(r.json.paths['/videos'].get.parameters.map((p: { name: string }) => p.name)).toEqual([
      'state',
      'limit',
      'cursor',
    ]);
  });

  it('answers healthz, readyz with each dependency, and Prometheus metrics on their own port only', async () => {
    const anon = client(api.url);
    expect(await anon('GET', '/healthz')).toMatchObject({ status: 200, json: { status: 'ok' } });
    expect(await anon('GET', '/readyz')).toMatchObject({
      status: 200,
      json: { status: 'ready', checks: [{ name: 'postgres', ok: true }] },
    });
    await call('GET', '/videos');
    expect(await anon('GET', '/metrics')).toMatchObject({ status: 404, json: { code: 'not_found' } });
    const metrics = await fetch(api.metricsUrl).then((r) => r.text());
    expect(metrics).toMatch(/heimdex_http_requests_total\{method="GET",route="\/videos",status="200"\} \d+/);
  });

  it('echoes a sane request id and makes one otherwise, in headers and problem bodies', async () => {
    const mine = await call('GET', '/videos/not-a-uuid', undefined, { 'x-request-id': 'trace-123' });
    expect(mine.headers.get('x-request-id')).toBe('trace-123');
    expect(mine.json.request_id).toBe('trace-123');
    const made = await call('GET', '/nowhere', undefined, { 'x-request-id': 'bad id with spaces' });
    expect(made).toMatchObject({ status: 404, json: { code: 'not_found' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('limits each user separately and answers 429 with a problem body', async () => {
    const limited = await startApi(env, ns, {}, 3);
    try {
      const a = client(limited.url, await token(`rl-a-${randomUUID()}`));
      const b = client(limited.url, await token(`rl-b-${randomUUID()}`));
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await a('GET', '/videos')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const last = await a('GET', '/videos');
      expect(last.json.code).toBe('rate_limited');
      expect(last.headers.get('ratelimit')).toBeTruthy();
      expect((await b('GET', '/videos')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
