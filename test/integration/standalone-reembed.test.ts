// Changing the text model in standalone mode: the indexed videos are re-embedded from the transcripts and shots
// already in storage (embed-text and index run again; probe, audio, asr, shots, keyframes do not), search answers
// throughout, and each video switches to the new model's vectors when its index run ends.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_MODELS_DIR } from '../../models/manifest.js';
import { waitFor } from '../../testbed/proc.js';
import { client, uploadFile } from '../support/api.js';
import { tempDir } from '../support/cleanup.js';
import { cutsVideo } from '../support/media.js';
import { type Standalone, startStandalone } from '../support/standalone.js';

const dir = tempDir('standalone-reembed');
const dataDir = join(dir, 'data');
const REAL_MODELS = join(process.env.HEIMDEX_CACHE_DIR ?? join(homedir(), '.cache', 'heimdex'), 'models');
const E5 = 'multilingual-e5-small';

/** One models directory holding the tiny stand-ins and the real e5 (built by models:build, as the real tier's). */
function modelsDir(): string {
  const d = join(dir, 'models');
  mkdirSync(d);
  for (const m of ['tiny-bge-m3', 'tiny-siglip2']) symlinkSync(join(TINY_MODELS_DIR, m), join(d, m));
  symlinkSync(join(REAL_MODELS, E5), join(d, E5));
  return d;
}

const settings = (textModel: string, models: string) => ({
  MODELS_DIR: models,
  TEXT_MODEL: textModel,
  VISION_MODEL: 'tiny-siglip2',
  ASR_MODEL: 'none', // the subtitles are the transcript: no speech model to wait for
  TMPDIR: join(dir, 'tmp'),
});

/** Every stored artifact of the stages a re-embed must not run, with a hash of its bytes and its mtime. */
function untouchable(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\/(probe|audio|asr|shots|keyframes|ocr|objects)\//.test(p))
        out.set(p, `${createHash('sha256').update(readFileSync(p)).digest('hex')} ${statSync(p).mtimeMs}`);
    }
  };
  walk(join(dataDir, 'storage'));
  return out;
}

let server: Standalone | undefined;
let models: string;
beforeAll(() => {
  mkdirSync(join(dir, 'tmp'));
  models = modelsDir();
});
afterAll(async () => {
  await server?.kill();
});

type Call = ReturnType<typeof client>;

const done = (s: { state: string; stages: { state: string }[] }) =>
  s.state === 'indexed' &&
  s.stages.length > 0 &&
  s.stages.every((x) => ['succeeded', 'skipped'].includes(x.state));
const statusOf = async (call: Call, id: string) => (await call('GET', `/videos/${id}/status`)).json;

describe('a text model change in standalone mode', () => {
  it('re-embeds the indexed videos without re-running asr or shots, search answering throughout, then switches', async () => {
    server = await startStandalone({ dataDir, env: settings('tiny-bge-m3', models) });
    let call = client(server.base, server.token);
    const ids: string[] = [];
    for (const [i, line] of ['우리는 바닷가에서 고기를 구웠다', 'we grilled meat on the beach'].entries()) {
      const clip = cutsVideo(dir, `clip-${i}`, {
        segments: [2, 2],
        subtitles: [
          { start: 0.2, end: 1.8, text: line },
          { start: 2.2, end: 3.8, text: 'coffee with friends downtown' },
        ],
      });
      ids.push(await uploadFile(call, clip.file, { filename: `clip-${i}.mp4`, title: `clip ${i}` }));
    }
    // Indexed, and the runner's status written too (it writes the rows first).
    for (const id of ids)
      await waitFor(`video ${id} to be indexed`, async () => done(await statusOf(call, id)), {
        timeoutMs: 240_000,
        intervalMs: 500,
      });
    const before = await Promise.all(ids.map((id) => statusOf(call, id)));
    for (const s of before) expect(s.reembed).toBeNull();
    const search = async () => (await call('GET', '/search?q=coffee%20downtown')).json;
    const first = await search();
    // The stand-in's text signal is off: the scenes are found by their words.
    expect(first.signals.text).toMatch(/^off/);
    expect(first.items).toHaveLength(2);
    const artifacts = untouchable();
    expect([...artifacts.keys()].some((k) => k.includes('/shots/'))).toBe(true);
    await server.stop();

    server = await startStandalone({ dataDir, env: settings(E5, models) });
    call = client(server.base, server.token);
    // Search keeps answering while the videos are re-embedded, each with what it has.
    const seen = new Set<string>();
    await waitFor(
      'both videos to be re-embedded',
      async () => {
        const found = await search();
        expect(new Set(found.items.map((x: { video_id: string }) => x.video_id))).toEqual(new Set(ids));
        const states = await Promise.all(ids.map((id) => statusOf(call, id)));
        for (const s of states) {
          expect(s.state).toBe('indexed');
          if (s.reembed?.state === 'failed')
            throw new Error(`the re-embed failed: ${JSON.stringify(s)}\n${server!.log().slice(-3000)}`);
          if (s.reembed) seen.add(s.reembed.state);
        }
        return states.every((s) => s.reembed?.state === 'done');
      },
      { timeoutMs: 480_000, intervalMs: 250 },
    );
    expect(seen.has('done')).toBe(true);
    for (const [i, id] of ids.entries()) {
      const after = await statusOf(call, id);
      expect(after.reembed).toMatchObject({
        state: 'done',
        progress: 100,
        text: { from: 'tiny-bge-m3', to: E5 },
        vision: null,
      });
      const stage = (s: typeof after, name: string) =>
        s.stages.find((x: { name: string }) => x.name === name);
      // probe, audio, asr, shots, keyframes, embed-vision and ocr kept their runs; embed-text and index ran again.
      for (const name of ['probe', 'audio', 'asr', 'shots', 'keyframes', 'embed-vision', 'ocr', 'objects'])
        expect(stage(after, name), name).toEqual(stage(before[i], name));
      for (const name of ['embed-text', 'index']) {
        expect(stage(after, name).state).toBe('succeeded');
        expect(Date.parse(stage(after, name).started_at)).toBeGreaterThan(
          Date.parse(stage(before[i], name).finished_at),
        );
      }
    }
    // Not a byte of those stages' outputs was written again.
    expect(untouchable()).toEqual(artifacts);
    // Switched: the text signal is e5's now, and the scenes carry its similarity.
    const last = await search();
    expect(last.signals.text).toBe('on');
    expect(last.items.length).toBeGreaterThan(0);
    expect(last.items[0].scores.text).toBeGreaterThan(0);
    // A restart with the same model starts nothing more.
    await server.stop();
    server = await startStandalone({ dataDir, env: settings(E5, models) });
    call = client(server.base, server.token);
    for (const id of ids) expect((await statusOf(call, id)).reembed.state).toBe('done');
  }, 600_000);
});
