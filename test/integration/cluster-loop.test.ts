// The cluster loop as README documents it, tried as a new contributor would: the settings `npm run testbed --
// up` prints, `npm run operator` and `npm run api` started with exactly those (and PATH/HOME), a video uploaded
// through that API with the printed HEIMDEX_TOKEN, ingested end to end by stage Jobs the test node agent runs,
// and found by a search for what its subtitles say.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../../testbed/paths.js';
import { freePort } from '../../testbed/proc.js';
import { formatEnv } from '../../testbed/testbed.js';
import { type ApiProcess, client, spawnApi, uploadFile } from '../support/api.js';
import { spawnTracked, tempDir } from '../support/cleanup.js';
import { waitFor } from '../support/kube.js';
import { cutsVideo } from '../support/media.js';

const env = inject('testbed');
const dir = tempDir('cluster-loop');
let printed: Record<string, string>;
let api: ApiProcess;
let operator: ReturnType<typeof spawnTracked>;
let operatorLog = '';

/** What a person's shell holds after `set -a; eval "$(npm run -s testbed -- up)"; set +a`. */
function shell(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...printed };
}

beforeAll(async () => {
  printed = Object.fromEntries(
    (await formatEnv(env))
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  // Host processes share ports: the operator's metrics and probes go where nothing else listens.
  const metrics = await freePort();
  operator = spawnTracked(process.execPath, ['--import', 'tsx', 'operator/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...shell(), METRICS_PORT: String(metrics) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  operator.stdout!.on('data', (d) => (operatorLog += d));
  operator.stderr!.on('data', (d) => (operatorLog += d));
  api = await spawnApi({ ...shell(), METRICS_PORT: '0' });
}, 120_000);

afterAll(async () => {
  for (const proc of [operator, api?.proc]) {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) continue;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }
});

describe('the documented cluster loop', () => {
  it('ingests an upload end to end through stage Jobs, and the scene is found', async () => {
    expect(printed).toMatchObject({ STAGE_CONFIGMAP: expect.any(String), HEIMDEX_TOKEN: expect.any(String) });
    expect(operatorLog).not.toMatch(/STAGE_CONFIGMAP and STAGE_SECRET are unset/);
    const call = client(api.base, printed.HEIMDEX_TOKEN);
    const video = cutsVideo(dir, 'loop', {
      segments: [3, 3],
      subtitles: [
        { start: 0.2, end: 2.8, text: '우리는 바닷가에서 고기를 구웠다' },
        { start: 3.2, end: 5.8, text: 'a lighthouse on the northern cliff' },
      ],
    });
    const videoId = await uploadFile(call, video.file, { filename: 'loop.mp4' });

    let status: { state: string; error?: unknown } | undefined;
    await waitFor(
      'the video to be processed by stage Jobs',
      async () => {
        status = (await call('GET', `/videos/${videoId}/status`)).json;
        return status?.state === 'indexed' || status?.state === 'failed';
      },
      { timeoutMs: 240_000, intervalMs: 1000 },
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\noperator:\n${operatorLog.slice(-3000)}`);
    });
    expect(status, `operator:\n${operatorLog.slice(-3000)}`).toMatchObject({ state: 'indexed' });

    const found = await call('GET', `/search?q=${encodeURIComponent('lighthouse')}`);
    expect(found.status).toBe(200);
    const hit = found.json.items.find((r: { video_id: string }) => r.video_id === videoId);
    expect(hit, JSON.stringify(found.json)).toBeDefined();
    // The second scene, where the lighthouse is said.
    expect(hit.start_s).toBeGreaterThanOrEqual(2.5);
  }, 300_000);
});
