// Standalone's disk after uploads that go wrong (refused at the storage door, cut off, cancelled, failed
// at complete, deleted, interrupted by a crash, refused by the CLI before sending): the uploads bucket
// holds the bytes of the one video kept, and nothing else.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../testbed/paths.js';
import { client } from '../support/api.js';
import { tempDir } from '../support/cleanup.js';
import { filesUnder } from '../support/disk.js';
import { cutsVideo, longVideo, textFileNamedMp4, truncatedMp4 } from '../support/media.js';
import { cutPut, rawPut } from '../support/raw-http.js';
import { type Standalone, startStandalone } from '../support/standalone.js';

const dir = tempDir('standalone-uploads');
const dataDir = join(dir, 'data');
const uploads = join(dataDir, 'storage', 'heimdex-uploads');
const MiB = 1024 * 1024;
const env = { MAX_VIDEO_SECONDS: '5' };
let server: Standalone;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  server = await startStandalone({ dataDir, env });
  call = client(server.base, server.token);
}, 180_000);
afterAll(async () => {
  await server?.kill();
});

const good = () => readFileSync(cutsVideo(dir, 'good', { segments: [2], speech: null }).file);
const init = async (size: number, path = '/videos/upload/init') => {
  const r = await call('POST', path, { filename: 'clip.mp4', mime_type: 'video/mp4', size_bytes: size });
  expect(r.status).toBe(201);
  return r.json;
};
const put = (url: string, body: Buffer) =>
  fetch(url, { method: 'PUT', body, headers: { 'Content-Type': 'video/mp4' } });
const complete = (videoId: string) => call('POST', '/videos/upload/complete', { video_id: videoId });
/** Files in the uploads bucket other than the objects' small metadata files. */
const stored = () => filesUnder(uploads).filter((f) => !f.name.endsWith('.heimdex-meta.json'));

describe('standalone storage after uploads that went wrong', () => {
  it('keeps nothing of bodies refused at the storage door, cut off, or cancelled', async () => {
    const bytes = good();
    const over = await init(bytes.length);
    // Announced as 1.2 GB, or sent chunked past the size: refused, nothing written.
    const big = await rawPut(over.upload_url, Buffer.alloc(64 * 1024), {
      'content-type': 'video/mp4',
      'content-length': 1_200_000_000,
    });
    expect(big.status).toBe(413);
    const chunked = await rawPut(over.upload_url, Buffer.alloc(16 * MiB), {
      'content-type': 'video/mp4',
      'transfer-encoding': 'chunked',
    });
    expect(chunked.status).toBe(413);
    expect((await put(over.upload_url, bytes.subarray(0, 100))).status).toBe(422);
    await cutPut(over.upload_url, { 'content-type': 'video/mp4', 'content-length': bytes.length }, 1000);
    // Multipart: a part arrives, then the upload is cancelled; its parts go with it.
    const parts = await init(11 * MiB, '/videos/upload/multipart/init');
    const urls = await call('POST', `/videos/${parts.video_id}/upload/parts`, { part_numbers: [1] });
    expect(
      (
        await fetch(urls.json.parts[0].url, {
          method: 'PUT',
          body: Buffer.alloc(urls.json.parts[0].size_bytes),
        })
      ).status,
    ).toBe(200);
    expect(filesUnder(uploads).some((f) => f.size === urls.json.parts[0].size_bytes)).toBe(true);
    expect((await call('DELETE', `/videos/${parts.video_id}/upload`)).status).toBe(204);
    // A whole file uploaded, then the video deleted before complete.
    const deleted = await init(bytes.length);
    expect((await put(deleted.upload_url, bytes)).status).toBe(200);
    expect((await call('DELETE', `/videos/${deleted.video_id}`)).status).toBe(204);
    await expect.poll(() => stored(), { timeout: 5000 }).toEqual([]);
  });

  it('removes what failed at complete: not a video, too long, cut short', async () => {
    const clip = cutsVideo(dir, 'to-cut', { segments: [2], speech: null });
    for (const [file, code] of [
      [textFileNamedMp4(dir), 'not_a_video'],
      [longVideo(dir, 8), 'video_too_long'],
      [truncatedMp4(dir, clip), 'video_truncated'],
    ] as const) {
      const bytes = readFileSync(file);
      const started = await init(bytes.length);
      expect((await put(started.upload_url, bytes)).status).toBe(200);
      expect((await complete(started.video_id)).json.code).toBe(code);
    }
    expect(stored()).toEqual([]);
  });

  it('lets the CLI refuse a video over the limit before it sends a byte', async () => {
    const before = (await call('GET', '/videos?limit=100')).json.items.length;
    const cli = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'standalone/cli.ts', 'upload', longVideo(dir, 8), '--no-wait'],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, HEIMDEX_URL: server.base, HEIMDEX_DATA_DIR: dataDir },
        encoding: 'utf8',
      },
    );
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/long\.mp4 is 8 s long; this server takes videos of at most 5 s\. Trim it/);
    expect((await call('GET', '/videos?limit=100')).json.items.length).toBe(before);
    expect(stored()).toEqual([]);
  });

  it('drops a write a crash interrupted at the next start, and keeps exactly the video that is kept', async () => {
    const bytes = good();
    const interrupted = await init(8 * MiB);
    const sending = cutPut(
      interrupted.upload_url,
      { 'content-type': 'video/mp4', 'content-length': 8 * MiB },
      MiB,
    );
    await expect
      .poll(() => filesUnder(uploads).some((f) => f.name.endsWith('.partial')), { timeout: 5000 })
      .toBe(true);
    await server.kill();
    await sending;
    server = await startStandalone({ dataDir, env });
    call = client(server.base, server.token);
    expect(filesUnder(uploads).filter((f) => f.name.endsWith('.partial'))).toEqual([]);

    const kept = await init(bytes.length);
    expect((await put(kept.upload_url, bytes)).status).toBe(200);
    expect((await complete(kept.video_id)).status).toBe(200);
    const left = stored();
    expect(left.map((f) => f.size)).toEqual([bytes.length]);
    expect(left[0]!.name).toContain(kept.video_id);
  }, 240_000);
});
