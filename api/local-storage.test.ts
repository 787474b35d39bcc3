// Standalone mode's signed storage URLs, served by express against a LocalStore in a temp directory.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../core/storage/local.js';
import { problemOf } from './errors.js';
import { localStorageRouter } from './local-storage.js';

const root = mkdtempSync(join(tmpdir(), 'heimdex-local-store-'));
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
    res.status(err.status ?? 500).json(problemOf(err))) as express.ErrorRequestHandler);
  close = () => server.close();
});
afterAll(() => {
  close();
  rmSync(root, { recursive: true, force: true });
});

describe('signed local storage URLs', () => {
  it('take a PUT of the signed content type and serve the bytes back, with range requests', async () => {
    const put = await store.presignPut('heimdex-uploads', 'uploads/u/v/source', {
      expiresIn: 60,
      contentType: 'video/mp4',
    });
    expect(
      (await fetch(put.url, { method: 'PUT', body: 'x', headers: { 'content-type': 'text/plain' } })).status,
    ).toBe(403);
    expect((await fetch(put.url, { method: 'PUT', body: '0123456789', headers: put.headers })).status).toBe(
      200,
    );
    expect(await store.head('heimdex-uploads', 'uploads/u/v/source')).toMatchObject({
      sizeBytes: 10,
      contentType: 'video/mp4',
    });
    const get = await store.presignGet('heimdex-uploads', 'uploads/u/v/source', { expiresIn: 60 });
    const range = await fetch(get.url, { headers: { range: 'bytes=2-4' } });
    expect(range.status).toBe(206);
    expect(await range.text()).toBe('234');
  });

  it('refuse a URL for another object, with a changed signature, or after it expired', async () => {
    await store.put('heimdex-uploads', 'uploads/u/w/source', 'secret bytes');
    const get = await store.presignGet('heimdex-uploads', 'uploads/u/v/source', { expiresIn: 1 });
    expect((await fetch(get.url.replace('/v/source', '/w/source'))).status).toBe(403);
    expect((await fetch(get.url.replace(/sig=[^&]+/, 'sig=forged'))).status).toBe(403);
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await fetch(get.url);
    expect(expired.status).toBe(403);
    expect(((await expired.json()) as { detail: string }).detail).toMatch(/expired/);
  });

  it('never resolve a key outside its bucket', () => {
    expect(() => store.path('heimdex-uploads', '../../etc/passwd')).toThrow(/invalid object key/);
    expect(() => store.path('../x', 'a')).toThrow(/invalid bucket/);
  });

  it('assemble a multipart upload from parts sent in any order', async () => {
    const id = await store.createMultipart('heimdex-uploads', 'uploads/u/m/source');
    for (const n of [2, 1]) {
      const p = await store.presignPart('heimdex-uploads', 'uploads/u/m/source', id, n, 60);
      expect((await fetch(p.url, { method: 'PUT', body: n === 1 ? 'first-' : 'second' })).status).toBe(200);
    }
    const parts = await store.listParts('heimdex-uploads', 'uploads/u/m/source', id);
    expect(parts.map((p) => p.partNumber)).toEqual([1, 2]);
    await store.completeMultipart('heimdex-uploads', 'uploads/u/m/source', id, parts);
    expect((await store.getRange('heimdex-uploads', 'uploads/u/m/source', 0, 100)).toString()).toBe(
      'first-second',
    );
  });
});
