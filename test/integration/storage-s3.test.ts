// The S3 ObjectStore against the test bed's MinIO: what every component relies on.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../core/config.js';
import { createS3Store } from '../../core/storage/s3.js';
import { keys } from '../../core/storage/store.js';
import { tempDir } from '../support/cleanup.js';

const env = inject('testbed');
const config = parseConfig(env as unknown as Record<string, string>);
const store = createS3Store(config);
const bucket = config.S3_BUCKET_ARTIFACTS;
const dir = tempDir('s3');

describe('the S3 object store', () => {
  it('says an object that does not exist is undefined rather than throwing', async () => {
    expect(await store.head(bucket, `nope/${randomUUID()}`)).toBeUndefined();
  });

  it('reads back size, a byte range and the whole object it wrote', async () => {
    const key = `store/${randomUUID()}/blob`;
    const body = randomBytes(1000);
    await store.put(bucket, key, body, 'application/octet-stream');
    expect(await store.head(bucket, key)).toMatchObject({
      key,
      sizeBytes: 1000,
      contentType: 'application/octet-stream',
    });
    expect((await store.getRange(bucket, key, 0, 15)).equals(body.subarray(0, 16))).toBe(true);
    expect((await store.getRange(bucket, key, 990, 2000)).equals(body.subarray(990))).toBe(true);
    const file = join(dir, 'sub', 'down.bin');
    await store.download(bucket, key, file);
    expect(readFileSync(file).equals(body)).toBe(true);
  });

  it('uploads a file and deletes everything under a video prefix, idempotently', async () => {
    const user = randomUUID();
    const video = randomUUID();
    const file = join(dir, 'up.bin');
    writeFileSync(file, randomBytes(4096));
    await store.upload(bucket, keys.artifact(user, video, 'keyframes', 'a.jpg'), file, 'image/jpeg');
    await store.put(bucket, keys.artifact(user, video, 'shots', 'shots.json'), '{}');
    await store.put(bucket, keys.artifact(user, randomUUID(), 'shots', 'other.json'), '{}');
    expect((await store.list(bucket, keys.artifactsPrefix(user, video))).map((o) => o.key).sort()).toEqual([
      keys.artifact(user, video, 'keyframes', 'a.jpg'),
      keys.artifact(user, video, 'shots', 'shots.json'),
    ]);
    expect(await store.deletePrefix(bucket, keys.artifactsPrefix(user, video))).toBe(2);
    expect(await store.deletePrefix(bucket, keys.artifactsPrefix(user, video))).toBe(0);
    expect(await store.list(bucket, `artifacts/${user}/`)).toHaveLength(1);
  });

  it('presigns a PUT that binds the content type and a GET that serves the bytes', async () => {
    const key = keys.source(randomUUID(), randomUUID());
    const put = await store.presignPut(config.S3_BUCKET_UPLOADS, key, {
      expiresIn: 900,
      contentType: 'video/mp4',
      contentLength: 'video-bytes'.length,
    });
    const wrongType = await fetch(put.url, {
      method: 'PUT',
      body: 'x',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(wrongType.status).toBe(403);
    const ok = await fetch(put.url, { method: 'PUT', body: 'video-bytes', headers: put.headers });
    expect(ok.status).toBe(200);
    const get = await store.presignGet(config.S3_BUCKET_UPLOADS, key, {
      expiresIn: 60,
      filename: '바닷가.mp4',
    });
    const res = await fetch(get.url);
    expect(await res.text()).toBe('video-bytes');
    expect(res.headers.get('content-disposition')).toContain(encodeURIComponent('바닷가.mp4'));
  });

  it('presigns a PUT that takes exactly the announced size: MinIO refuses more and fewer bytes', async () => {
    // The length is in the signature (SignedHeaders has content-length), so another size fails it.
    const key = keys.source(randomUUID(), randomUUID());
    const put = await store.presignPut(config.S3_BUCKET_UPLOADS, key, {
      expiresIn: 900,
      contentType: 'video/mp4',
      contentLength: 10,
    });
    expect(new URL(put.url).searchParams.get('X-Amz-SignedHeaders')).toContain('content-length');
    for (const body of ['0123456789x', '01234', randomBytes(1024 * 1024)]) {
      const r = await fetch(put.url, { method: 'PUT', body, headers: put.headers });
      expect(r.status).toBe(403);
      expect(await r.text()).toMatch(/SignatureDoesNotMatch/);
    }
    expect(await store.head(config.S3_BUCKET_UPLOADS, key)).toBeUndefined();
    expect((await fetch(put.url, { method: 'PUT', body: '0123456789', headers: put.headers })).status).toBe(
      200,
    );
    expect((await store.head(config.S3_BUCKET_UPLOADS, key))?.sizeBytes).toBe(10);
  });

  it('presigns multipart part URLs that each take exactly their planned size', async () => {
    const MiB = 1024 * 1024;
    const key = keys.source(randomUUID(), randomUUID());
    const id = await store.createMultipart(config.S3_BUCKET_UPLOADS, key, 'video/mp4');
    try {
      const first = await store.presignPart(config.S3_BUCKET_UPLOADS, key, id, 1, {
        expiresIn: 900,
        contentLength: 5 * MiB,
      });
      const last = await store.presignPart(config.S3_BUCKET_UPLOADS, key, id, 2, {
        expiresIn: 900,
        contentLength: 100,
      });
      expect((await fetch(first.url, { method: 'PUT', body: randomBytes(5 * MiB + 1) })).status).toBe(403);
      expect((await fetch(first.url, { method: 'PUT', body: randomBytes(5 * MiB - 1) })).status).toBe(403);
      expect((await fetch(last.url, { method: 'PUT', body: randomBytes(101) })).status).toBe(403);
      expect(await store.listParts(config.S3_BUCKET_UPLOADS, key, id)).toEqual([]);
      expect((await fetch(first.url, { method: 'PUT', body: randomBytes(5 * MiB) })).status).toBe(200);
      expect((await fetch(last.url, { method: 'PUT', body: randomBytes(100) })).status).toBe(200);
      const parts = await store.listParts(config.S3_BUCKET_UPLOADS, key, id);
      expect(parts.map((p) => p.sizeBytes)).toEqual([5 * MiB, 100]);
      await store.completeMultipart(config.S3_BUCKET_UPLOADS, key, id, parts);
      expect((await store.head(config.S3_BUCKET_UPLOADS, key))?.sizeBytes).toBe(5 * MiB + 100);
    } finally {
      await store.abortMultipart(config.S3_BUCKET_UPLOADS, key, id);
      await store.delete(config.S3_BUCKET_UPLOADS, key);
    }
  });

  it('stops serving a presigned GET once it expired', async () => {
    const key = `store/${randomUUID()}/expiring`;
    await store.put(bucket, key, 'soon gone');
    const get = await store.presignGet(bucket, key, { expiresIn: 1 });
    expect((await fetch(get.url, { headers: { range: 'bytes=0-3' } })).status).toBe(206);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await fetch(get.url)).status).toBe(403);
  });

  it('answers ping when the store is reachable and throws when it is not', async () => {
    await store.ping();
    const down = createS3Store(
      parseConfig({ ...(env as unknown as Record<string, string>), S3_ENDPOINT: 'http://127.0.0.1:9' }),
    );
    await expect(down.ping()).rejects.toThrow();
  });
});
