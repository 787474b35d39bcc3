// Standalone mode, as a newcomer runs it: one process, no external services (embedded Postgres, local
// disk storage, stages as local processes), a real video in, search out, surviving restarts and kills.
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../testbed/paths.js';
import { freePort, waitFor } from '../../testbed/proc.js';
import { client } from '../support/api.js';
import { spawnTracked, tempDir } from '../support/cleanup.js';
import { cutsVideo } from '../support/media.js';

const dir = tempDir('standalone');
const dataDir = join(dir, 'data');
const serverTmp = join(dir, 'tmp');
mkdirSync(serverTmp);
let port: number;
let server: ChildProcess | undefined;
let log = '';

const running = (s: ChildProcess | undefined): s is ChildProcess =>
  s !== undefined && s.exitCode === null && s.signalCode === null;

/**
 * Starts the server as `npm start` does, with none of the test bed's settings in its environment. One at
 * a time: a second one on the same port would fail to listen while the first answered its readiness
 * checks, and the first would be left running.
 */
async function start(
  o: { sample?: boolean; data?: string; host?: string } = {},
): Promise<ReturnType<typeof client>> {
  if (running(server)) throw new Error(`a standalone server (pid ${server.pid}) is running: stop it first`);
  const data = o.data ?? dataDir;
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'LANG']) if (process.env[k]) env[k] = process.env[k]!;
  server = spawnTracked(process.execPath, ['--import', 'tsx', 'standalone/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...env,
      // Its temp dir inside the test's: a killed server cannot remove the embedded Postgres's socket
      // directory (heimdex-pg-*), which would otherwise be left in the run's temp root.
      TMPDIR: serverTmp,
      HEIMDEX_DATA_DIR: data,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      ...(o.host ? { HOST: o.host } : {}),
      LOG_LEVEL: 'info',
      HEIMDEX_SAMPLE: o.sample ? 'on' : 'off',
      // The model hub is "offline": a port on this machine nothing listens on (tests never leave 127.0.0.1).
      HF_ENDPOINT: `http://127.0.0.1:${closedPort}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (d) => (log += d));
  server.stderr!.on('data', (d) => (log += d));
  const s = server;
  const base = `http://${o.host ?? '127.0.0.1'}:${port}`;
  await waitFor('the standalone server to be ready', async () => (await fetch(`${base}/readyz`)).ok, {
    timeoutMs: 90_000,
    alive: () => running(s),
  }).catch((e) => {
    throw new Error(`${e.message}\n${log.slice(-3000)}`);
  });
  return client(base, readFileSync(join(data, 'local-token'), 'utf8'));
}

/** Signals the server's whole process group (a kill takes the stage processes with it, as a crash would). */
async function stop(signal: NodeJS.Signals): Promise<void> {
  const s = server;
  if (!running(s)) return;
  const exited = new Promise((r) => s.once('exit', r));
  process.kill(-s.pid!, signal);
  await exited;
}

async function upload(call: ReturnType<typeof client>, file: string, title: string): Promise<string> {
  const bytes = readFileSync(file);
  const init = await call('POST', '/videos/upload/init', {
    filename: `${title}.mp4`,
    mime_type: 'video/mp4',
    size_bytes: bytes.length,
    title,
  });
  expect(init.status).toBe(201);
  expect(init.json.upload_url).toContain(`http://127.0.0.1:${port}/storage/`);
  expect(
    (await fetch(init.json.upload_url, { method: 'PUT', body: bytes, headers: init.json.upload_headers }))
      .status,
  ).toBe(200);
  expect(await call('POST', '/videos/upload/complete', { video_id: init.json.video_id })).toMatchObject({
    status: 200,
  });
  return init.json.video_id;
}

async function indexed(call: ReturnType<typeof client>, videoId: string): Promise<void> {
  await waitFor(
    `video ${videoId} to be indexed`,
    async () => {
      const s = await call('GET', `/videos/${videoId}/status`);
      if (s.json.state === 'failed')
        throw new Error(`ingestion failed: ${JSON.stringify(s.json)}\n${log.slice(-3000)}`);
      return s.json.state === 'indexed';
    },
    { timeoutMs: 240_000, intervalMs: 500 },
  );
}

const beach = () =>
  cutsVideo(dir, 'beach', {
    segments: [3, 3, 3],
    subtitles: [
      { start: 0.2, end: 2.8, text: '우리는 바닷가에서 고기를 구웠다' },
      { start: 3.2, end: 5.8, text: 'the red car near the station' },
      { start: 6.2, end: 8.8, text: 'coffee with friends downtown' },
    ],
  });

let closedPort: number;
let metricsPort: number;
beforeAll(async () => {
  port = await freePort();
  closedPort = await freePort();
  metricsPort = await freePort();
});

/** Whether something answers on `host`; 127.0.0.2 is this machine too, but a server bound to 127.0.0.1 refuses it. */
const answers = (url: string) =>
  fetch(url).then(
    (r) => r.status,
    (e: Error & { cause?: { code?: string } }) => e.cause?.code ?? e.message,
  );
afterAll(async () => {
  await stop('SIGKILL');
});

describe('standalone mode', () => {
  let videoId: string;

  it('ingests a video uploaded through the REST API and finds the right scene', async () => {
    const call = await start();
    expect(log).toMatch(/TINY TEST MODELS/);
    // It listens on loopback only, and /metrics is on its own port, not the API's.
    expect(log).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(only this machine can reach it/);
    expect(await answers(`http://127.0.0.2:${port}/healthz`)).toBe('ECONNREFUSED');
    expect((await call('GET', '/metrics')).status).toBe(404);
    expect(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).toMatch(
      /heimdex_http_requests_total/,
    );
    expect(await answers(`http://127.0.0.2:${metricsPort}/metrics`)).toBe('ECONNREFUSED');
    expect(log).toMatch(/npm run models:build/);
    videoId = await upload(call, beach().file, '바닷가 여행');
    await indexed(call, videoId);
    const status = await call('GET', `/videos/${videoId}/status`);
    expect(status.json.progress).toBe(100);
    expect(status.json.stages.map((s: { name: string }) => s.name)).toContain('index');

    const hits = await call('GET', `/search?q=${encodeURIComponent('바닷가 고기')}`);
    expect(hits.status).toBe(200);
    expect(hits.json.items[0]).toMatchObject({ video_id: videoId });
    expect(hits.json.items[0].start_s).toBeLessThan(3);
    expect(hits.json.items[0].snippet).toContain('<mark>바닷가</mark>');

    const preview = await call('GET', `/scenes/${hits.json.items[0].scene_id}/preview`);
    const media = await fetch(preview.json.url, { headers: { range: 'bytes=0-15' } });
    expect(media.status).toBe(206);
    const tampered = preview.json.url.replace(/sig=[^&]+/, 'sig=AAAA');
    expect((await fetch(tampered)).status).toBe(403);
  });

  it('still finds it after a restart, listening where HOST says', async () => {
    await stop('SIGTERM');
    // Another loopback address, so the test stays on this machine; api/listen.test.ts has the warning
    // a non-loopback HOST gets.
    const call = await start({ host: '127.0.0.2' });
    expect(log).toMatch(/listening on http:\/\/127\.0\.0\.2:\d+/);
    expect(await answers(`http://127.0.0.1:${port}/healthz`)).toBe('ECONNREFUSED');
    const hits = await call('GET', `/search?q=${encodeURIComponent('red car station')}`);
    expect(hits.json.items[0]).toMatchObject({ video_id: videoId });
    expect(hits.json.items[0].start_s).toBeGreaterThanOrEqual(2.5);
  });

  it('resumes an ingestion that was killed half-way once it starts again', async () => {
    await stop('SIGTERM');
    const call = await start();
    const second = cutsVideo(dir, 'second', {
      segments: [2, 2],
      subtitles: [{ start: 0.2, end: 1.8, text: 'sunrise over the harbour' }],
    });
    const id = await upload(call, second.file, 'harbour');
    await waitFor(
      'a stage of the second video to finish',
      async () => {
        const s = await call('GET', `/videos/${id}/status`);
        return (
          s.json.stages.some((st: { state: string }) => st.state === 'succeeded') &&
          s.json.state !== 'indexed'
        );
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    await stop('SIGKILL');
    const again = await start();
    await indexed(again, id);
    const hits = await again('GET', `/search?q=${encodeURIComponent('harbour sunrise')}`);
    expect(hits.json.items[0]).toMatchObject({ video_id: id });
  });

  it('ingests the bundled sample on a first start, and the CLI searches it and prints timestamps and a link', async () => {
    await stop('SIGTERM');
    port = await freePort();
    const fresh = join(dir, 'fresh');
    const call = await start({ sample: true, data: fresh });
    await waitFor('the sample to be searchable', () => log.includes('the sample video is searchable'), {
      timeoutMs: 240_000,
      intervalMs: 500,
    });
    expect((await call('GET', '/videos')).json.items.map((v: { title: string }) => v.title)).toEqual([
      'heimdex sample',
    ]);
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'standalone/cli.ts', ...args], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, HEIMDEX_URL: `http://127.0.0.1:${port}`, HEIMDEX_DATA_DIR: fresh },
        encoding: 'utf8',
      });
    const found = cli('search', 'red', 'car', '--limit', '1');
    expect(found.status).toBe(0);
    expect(found.stdout).toMatch(
      /^1\. heimdex sample {2}0:04–0:08 {2}(strong|good|weak) match \(relevance [01]\.\d\d\)/,
    );
    expect(found.stdout).toMatch(/#t=4,8/);
    // A query about nothing in the library: no scenes, said plainly, with what to try.
    const none = cli('search', 'zebra');
    expect(none.status).toBe(0);
    expect(none.stdout).toMatch(/^no scenes found\nhint: No scene has these words/);
    const bad = cli('upload', join(dir, 'notes.txt'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/no such file|unsupported file type/);
  }, 300_000);
});
