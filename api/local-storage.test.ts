// Standalone mode's signed storage URLs, served by express against a LocalStore in a temp directory.
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore, signature } from '../core/storage/local.js';
import { tempDir } from '../test/support/cleanup.js';
import { filesUnder as files } from '../test/support/disk.js';
import { cutPut, rawPut } from '../test/support/raw-http.js';
import { problemOf } from './errors.js';
import { localStorageRouter } from './local-storage.js';

const root = tempDir('local-store');
const bucket = 'heimdex-uploads';
let base: string;
let store: LocalStore;
let close: () => void;

beforeAll(async () => {
  const app = express();
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  store = new LocalStore({ root, secret: 'test-secret', publicUrl: base });
  app.use(localStorageRouter(store, 'test-secret'));
  app.use(((err, _req, res, _next) =>
    res
      .status(err.status ?? 500)
      .type('application/problem+json')
      .json(problemOf(err))) as express.ErrorRequestHandler);
  close = () => server.close();
});
afterAll(() => close());

const under = (prefix: string) => files(join(root, bucket, prefix));

describe('signed local storage URLs', () => {
  it('take a PUT of the signed content type and size and serve the bytes back, with range requests', async () => {
    const put = await store.presignPut(bucket, 'uploads/u/v/source', {
      expiresIn: 60,
      contentType: 'video/mp4',
      contentLength: 10,
    });
    expect(
      (await fetch(put.url, { method: 'PUT', body: 'x', headers: { 'content-type': 'text/plain' } })).status,
    ).toBe(403);
    expect((await fetch(put.url, { method: 'PUT', body: '0123456789', headers: put.headers })).status).toBe(
      200,
    );
    expect(await store.head(bucket, 'uploads/u/v/source')).toMatchObject({
      sizeBytes: 10,
      contentType: 'video/mp4',
    });
    const get = await store.presignGet(bucket, 'uploads/u/v/source', { expiresIn: 60 });
    const range = await fetch(get.url, { headers: { range: 'bytes=2-4' } });
    expect(range.status).toBe(206);
    expect(await range.text()).toBe('234');
  });

  it('refuse a URL for another object, with a changed signature, or after it expired', async () => {
    await store.put(bucket, 'uploads/u/w/source', 'secret bytes');
    const get = await store.presignGet(bucket, 'uploads/u/v/source', { expiresIn: 1 });
    expect((await fetch(get.url.replace('/v/source', '/w/source'))).status).toBe(403);
    expect((await fetch(get.url.replace(/sig=[^&]+/, 'sig=forged'))).status).toBe(403);
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await fetch(get.url);
    expect(expired.status).toBe(403);
    expect(((await expired.json()) as { detail: string }).detail).toMatch(/expired/);
  });

  it('never resolve a key outside its bucket', () => {
    expect(() => store.path(bucket, '../../etc/passwd')).toThrow(/invalid object key/);
    expect(() => store.path('../x', 'a')).toThrow(/invalid bucket/);
  });

  it('assemble a multipart upload from parts sent in any order', async () => {
    const id = await store.createMultipart(bucket, 'uploads/u/m/source');
    for (const n of [2, 1]) {
      const p = await store.presignPart(bucket, 'uploads/u/m/source', id, n, {
        expiresIn: 60,
        contentLength: 6,
      });
      expect((await fetch(p.url, { method: 'PUT', body: n === 1 ? 'first-' : 'second' })).status).toBe(200);
    }
    const parts = await store.listParts(bucket, 'uploads/u/m/source', id);
    expect(parts.map((p) => p.partNumber)).toEqual([1, 2]);
    await store.completeMultipart(bucket, 'uploads/u/m/source', id, parts);
    expect((await store.getRange(bucket, 'uploads/u/m/source', 0, 100)).toString()).toBe('first-second');
  });
});

describe('a signed PUT stores exactly the announced size or nothing', () => {
  const signedFor = (key: string, contentLength: number) =>
    store.presignPut(bucket, key, { expiresIn: 60, contentType: 'video/mp4', contentLength });

  it('refuses a body announced larger than signed with a 413 problem before reading it', async () => {
    // The report: a URL for 10 bytes wrote 1.2 GB. A client announcing 1.2 GB gets its answer at once.
    const put = await signedFor('uploads/u/big/source', 10);
    const r = await rawPut(put.url, Buffer.alloc(64 * 1024), {
      'content-type': 'video/mp4',
      'content-length': 1_200_000_000,
    });
    expect(r).toMatchObject({ status: 413, json: { code: 'payload_too_large' } });
    expect(r.json.detail).toMatch(/exactly 10 bytes.*nothing was stored/);
    expect(under('uploads/u/big')).toEqual([]);
    const small = await fetch(put.url, { method: 'PUT', body: '01234567890', headers: put.headers });
    expect(small.status).toBe(413);
    expect(small.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(under('uploads/u/big')).toEqual([]);
  });

  it('stops reading a chunked body at the first byte beyond the signed size and keeps nothing', async () => {
    const put = await signedFor('uploads/u/chunked/source', 10);
    const r = await rawPut(put.url, Buffer.alloc(32 * 1024 * 1024, 1), {
      'content-type': 'video/mp4',
      'transfer-encoding': 'chunked',
    });
    expect(r).toMatchObject({ status: 413, json: { code: 'payload_too_large' } });
    expect(under('uploads/u/chunked')).toEqual([]);
    // An earlier good object under the same key survives a refused overwrite.
    expect((await fetch(put.url, { method: 'PUT', body: '0123456789', headers: put.headers })).status).toBe(
      200,
    );
    await rawPut(put.url, Buffer.alloc(1024 * 1024), {
      'content-type': 'video/mp4',
      'transfer-encoding': 'chunked',
    });
    expect((await store.getRange(bucket, 'uploads/u/chunked/source', 0, 100)).toString()).toBe('0123456789');
  });

  it('refuses fewer bytes than signed, announced or sent, and keeps nothing', async () => {
    const put = await signedFor('uploads/u/short/source', 10);
    const announced = await fetch(put.url, { method: 'PUT', body: '01234', headers: put.headers });
    expect(announced.status).toBe(422);
    expect(((await announced.json()) as { code: string }).code).toBe('upload_size_mismatch');
    const chunked = await rawPut(put.url, Buffer.from('01234'), {
      'content-type': 'video/mp4',
      'transfer-encoding': 'chunked',
    });
    expect(chunked).toMatchObject({ status: 422, json: { code: 'upload_size_mismatch' } });
    expect(chunked.json.detail).toMatch(/the body had 5/);
    expect(under('uploads/u/short')).toEqual([]);
  });

  it('keeps nothing of a body whose client went away half-way', async () => {
    const put = await signedFor('uploads/u/cut/source', 1024 * 1024);
    await cutPut(put.url, { 'content-type': 'video/mp4', 'content-length': 1024 * 1024 }, 300 * 1024);
    // The server notices the closed connection and removes its partial write.
    await expect.poll(() => under('uploads/u/cut'), { timeout: 5000 }).toEqual([]);
  });

  it('refuses a URL whose size was changed or left out', async () => {
    const put = await signedFor('uploads/u/forged/source', 10);
    const forged = put.url.replace('len=10', 'len=1000');
    expect(
      (await fetch(forged, { method: 'PUT', body: 'x'.repeat(1000), headers: put.headers })).status,
    ).toBe(403);
    // A URL signed the way they were before sizes were signed (no len): refused, whatever it carries.
    const expires = Math.floor(Date.now() / 1000) + 60;
    const sig = signature('test-secret', 'PUT', bucket, 'uploads/u/forged/source', expires, 'video/mp4');
    const unsized = `${base}/storage/${bucket}/uploads/u/forged/source?expires=${expires}&sig=${sig}&ct=video%2Fmp4`;
    const r = await fetch(unsized, { method: 'PUT', body: 'x', headers: put.headers });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { detail: string }).detail).toMatch(/carries no size/);
    expect(under('uploads/u/forged')).toEqual([]);
  });

  it('bounds each multipart part by the size its URL was signed for', async () => {
    const key = 'uploads/u/parts/source';
    const id = await store.createMultipart(bucket, key);
    const part = await store.presignPart(bucket, key, id, 1, { expiresIn: 60, contentLength: 8 });
    expect((await fetch(part.url, { method: 'PUT', body: '012345678' })).status).toBe(413);
    const chunked = await rawPut(part.url, Buffer.alloc(4 * 1024 * 1024), { 'transfer-encoding': 'chunked' });
    expect(chunked.status).toBe(413);
    expect((await fetch(part.url, { method: 'PUT', body: '0123' })).status).toBe(422);
    expect(under('uploads/u/parts')).toEqual([]);
    expect((await fetch(part.url, { method: 'PUT', body: '01234567' })).status).toBe(200);
    expect(await store.listParts(bucket, key, id)).toEqual([{ partNumber: 1, etag: '1', sizeBytes: 8 }]);
    // Another part number needs its own URL: the signature covers the part.
    expect(
      (await fetch(part.url.replace('part=1', 'part=2'), { method: 'PUT', body: '01234567' })).status,
    ).toBe(403);
    await store.abortMultipart(bucket, key, id);
    expect(under('uploads/u/parts')).toEqual([]);
  });
});
