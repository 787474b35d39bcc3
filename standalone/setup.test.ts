import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STAGE_NAMES } from '../core/dag.js';
import { createLogger } from '../core/log.js';
import { PROFILES, TINY_MODELS_DIR, whyMissing } from '../models/manifest.js';
import {
  checkDiskSpace,
  chooseModels,
  ensureFfmpeg,
  fetchOnFirstUse,
  firstStartModels,
  ocrRecognizerOf,
  stageModels,
  stageProcessEnv,
} from './setup.js';

/** A logger whose warnings are kept for the test to read instead of printed. */
function capturingLog() {
  const lines: string[] = [];
  const log = createLogger('test', 'silent');
  log.warn = ((obj: unknown, msg?: string) => {
    lines.push(String(msg ?? obj));
  }) as typeof log.warn;
  return { log, lines };
}

describe('standalone start-up checks', () => {
  it('use the system ffmpeg when it runs', () => {
    expect(ensureFfmpeg({ ...process.env })).toBe('system');
  });

  it('fall back to the static ffmpeg and ffprobe from npm, first on PATH, when the system has none', () => {
    const env: NodeJS.ProcessEnv = { PATH: '/nonexistent' };
    expect(ensureFfmpeg(env)).toBe('npm');
    expect(env.PATH).toMatch(/@ffmpeg-installer.*@ffprobe-installer.*\/nonexistent$/);
  });

  it('choose the tiny models, and say so, when the real ones are not in MODELS_DIR', () => {
    const { log, lines } = capturingLog();
    const choice = chooseModels({ MODELS_DIR: '/nonexistent' }, log);
    expect(choice).toMatchObject({
      tiny: true,
      visionModel: 'tiny-siglip2',
      textModel: 'tiny-bge-m3',
      asrModel: 'none',
    });
    expect(lines.join('\n')).toMatch(/TINY TEST MODELS.*meaningless/);
  });

  it('turn speech recognition off, and say how to get the model, when the real models are there but Whisper is not', () => {
    const { log, lines } = capturingLog();
    const models = {
      MODELS_DIR: TINY_MODELS_DIR,
      HEIMDEX_PROFILE: 'large',
      VISION_MODEL: 'tiny-siglip2',
      TEXT_MODEL: 'tiny-bge-m3',
    };
    expect(chooseModels(models, log)).toMatchObject({ tiny: false, asrModel: 'none' });
    expect(lines.join('\n')).toMatch(
      /speech model whisper-large-v3-turbo not found.*models:fetch -- whisper-large-v3-turbo/,
    );
    lines.length = 0;
    expect(chooseModels({ ...models, HEIMDEX_PROFILE: 'small', ASR_MODEL: undefined }, log)).toMatchObject({
      asrModel: 'none',
    });
    expect(lines.join('\n')).toMatch(/speech model whisper-base not found.*npm run models:build/);
    lines.length = 0;
    expect(chooseModels({ ...models, ASR_MODEL: 'tiny-whisper' }, log)).toMatchObject({
      asrModel: 'tiny-whisper',
    });
    // The picture model is a stand-in: said every time, since its signal is noise.
    expect(lines).toEqual([expect.stringMatching(/tiny-siglip2 is a random-weight stand-in/)]);
  });

  it('pick the small profile unless HEIMDEX_PROFILE says large, and refuse an unknown profile', () => {
    const { log, lines } = capturingLog();
    const choice = chooseModels({ MODELS_DIR: '/nonexistent' }, log);
    expect(choice.tiny).toBe(true);
    expect(lines.join('\n')).toMatch(/TINY TEST MODELS.*npm run models:build/);
    lines.length = 0;
    chooseModels({ MODELS_DIR: '/nonexistent', HEIMDEX_PROFILE: 'large' }, log);
    expect(lines.join('\n')).toMatch(/models:fetch -- siglip2-so400m-patch14-384 bge-m3/);
    expect(() => chooseModels({ MODELS_DIR: '/x', HEIMDEX_PROFILE: 'medium' }, log)).toThrow(
      /HEIMDEX_PROFILE: unknown profile "medium"; known: large, small/,
    );
  });

  it('warn when the data directory has less free space than needed', () => {
    const warned: string[] = [];
    const log = { warn: (m: string) => warned.push(m) } as unknown as Parameters<typeof checkDiskSpace>[1];
    const free = checkDiskSpace('/', log, Number.MAX_SAFE_INTEGER);
    expect(free).toBeGreaterThan(0);
    expect(warned[0]).toMatch(/GiB free on the disk of \/: uploads and processing may fail/);
    warned.length = 0;
    checkDiskSpace('/', log, 1);
    expect(warned).toEqual([]);
  });
});

describe('models on first start', () => {
  /** A stand-in for the model hub on 127.0.0.1: every file of every model is a few bytes. */
  async function mirror() {
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-length': 4 }).end(req.method === 'HEAD' ? undefined : 'onnx');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, paths, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  it('are each fetched from their hub (here a mirror of both), a model whose files differ from their pins left out and named', async () => {
    const hub = await mirror();
    const dir = mkdtempSync(join(tmpdir(), 'heimdex-models-'));
    try {
      const { log, lines } = capturingLog();
      const files: string[] = [];
      const env = {
        MODELS_DIR: dir,
        HF_ENDPOINT: hub.url,
        MODELSCOPE_ENDPOINT: hub.url,
        HEIMDEX_PROFILE: 'large',
      };
      const fetched = await fetchOnFirstUse(env, log, {
        onProgress: (p) => p.state === 'done' && files.push(`${p.model}/${p.file}`),
      });
      // The mirror's four-byte files pass only where nothing is pinned (the picture model, fetched trusting the hub);
      // every other model is tried at its pinned revision, refused, and named with the command that gets it.
      expect(fetched).toEqual(['siglip2-so400m-patch14-384']);
      expect(files).toContain('siglip2-so400m-patch14-384/onnx/vision_model.onnx');
      expect(whyMissing('siglip2-so400m-patch14-384', dir)).toBeUndefined();
      const bge = PROFILES.large.text;
      expect(hub.paths).toContain(
        'GET /BAAI/bge-m3/resolve/5617a9f61b028005a4858fdac845db406aefb181/onnx/model.onnx',
      );
      // The line recogniser the large profile's ocr stage reads with, from ModelScope (here the same mirror).
      expect(hub.paths).toContain(
        'GET /models/RapidAI/RapidOCR/resolve/v3.10.0/onnx/PP-OCRv5/rec/korean_PP-OCRv5_rec_mobile.onnx',
      );
      const said = lines.join('\n');
      expect(said).toMatch(
        /fetching model bge-m3 failed: bge-m3\/onnx\/model.onnx: \S+ has 4 bytes, the manifest pins 724923/,
      );
      expect(said).toMatch(/fetching model ppocr-v5-korean-rec failed: .*checksum/);
      expect(said).toContain(
        `models ${bge}, whisper-large-v3-turbo, ppocr-v5-korean-rec could not be fetched (run the server again to resume)`,
      );
      expect(said).toContain(
        `\`MODELS_DIR=${dir} npm run models:fetch -- ${bge} whisper-large-v3-turbo ppocr-v5-korean-rec --allow-unpinned\``,
      );
      // Without the text model, the tiny ones, loudly.
      expect(chooseModels(env, log)).toMatchObject({ tiny: true });
      hub.paths.length = 0;
      expect(await fetchOnFirstUse(env, log)).toEqual([]);
      expect(hub.paths.some((p) => p.includes('siglip2'))).toBe(false);
    } finally {
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('offline: say that the hub cannot be reached and how to bring models in, and go on without them', async () => {
    const hub = await mirror();
    await hub.close(); // nothing listens there any more: connection refused, as offline
    const { log, lines } = capturingLog();
    const large = {
      MODELS_DIR: '/nonexistent',
      HF_ENDPOINT: hub.url,
      MODELSCOPE_ENDPOINT: hub.url,
      HEIMDEX_PROFILE: 'large',
    };
    expect(await fetchOnFirstUse(large, log)).toEqual([]);
    expect(lines.join('\n')).toMatch(
      /models siglip2-so400m-patch14-384, bge-m3, whisper-large-v3-turbo, ppocr-v5-korean-rec are not in \/nonexistent and .* cannot be reached .*`MODELS_DIR=\/nonexistent npm run models:fetch -- siglip2-so400m-patch14-384 bge-m3 whisper-large-v3-turbo ppocr-v5-korean-rec --allow-unpinned`.*set MODELS_DIR to it/,
    );
  });

  it('one hub that does not answer leaves out only its models: the others are fetched', async () => {
    const hub = await mirror();
    const gone = await mirror();
    await gone.close();
    const dir = mkdtempSync(join(tmpdir(), 'heimdex-models-'));
    try {
      const { log, lines } = capturingLog();
      const env = {
        MODELS_DIR: dir,
        HF_ENDPOINT: hub.url,
        MODELSCOPE_ENDPOINT: gone.url,
        HEIMDEX_PROFILE: 'large',
      };
      expect(await fetchOnFirstUse(env, log, { probeTimeoutMs: 1000 })).toEqual([
        'siglip2-so400m-patch14-384',
      ]);
      expect(lines.join('\n')).toMatch(
        new RegExp(`models ppocr-v5-korean-rec are not in ${dir} and ${gone.url} cannot be reached`),
      );
    } finally {
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('are not looked for when HEIMDEX_MODELS_FETCH=never, nor when the configured ones are there', async () => {
    const hub = await mirror();
    try {
      const { log, lines } = capturingLog();
      const never = {
        MODELS_DIR: '/nonexistent',
        HF_ENDPOINT: hub.url,
        HEIMDEX_MODELS_FETCH: 'never',
        HEIMDEX_PROFILE: 'large',
      };
      expect(await fetchOnFirstUse(never, log)).toEqual([]);
      // Not fetched, but named: the voice activity model and the ocr and objects stages' are built, in every profile.
      expect(lines).toEqual([
        expect.stringMatching(
          /models silero-vad, ppocr-v4-det, centernet-mb3-coco are not in \/nonexistent: .*npm run models:build -- silero-vad ppocr-v4-det centernet-mb3-coco/,
        ),
      ]);
      lines.length = 0;
      const tiny = {
        MODELS_DIR: TINY_MODELS_DIR,
        HF_ENDPOINT: hub.url,
        VISION_MODEL: 'tiny-siglip2',
        TEXT_MODEL: 'tiny-bge-m3',
        ASR_MODEL: 'none',
        stageSettings: { OCR_MODEL: 'none', OBJECTS_MODEL: 'none' },
      };
      expect(await fetchOnFirstUse(tiny, log)).toEqual([]);
      expect(hub.paths).toEqual([]);
      expect(lines).toEqual([]);
    } finally {
      await hub.close();
    }
  });
});

describe('the small profile’s models on first start', () => {
  it('are not fetched (they are built from registry packages): the start says how to build them', async () => {
    const { log, lines } = capturingLog();
    // An endpoint nothing answers on: the small profile must not even try it.
    const env = { MODELS_DIR: '/nonexistent', HF_ENDPOINT: 'http://127.0.0.1:9' };
    expect(await fetchOnFirstUse(env, log, { probeTimeoutMs: 100 })).toEqual([]);
    expect(lines).toEqual([
      expect.stringMatching(
        /models tiny-siglip2, multilingual-e5-small, whisper-base, silero-vad, ppocr-v4-det, centernet-mb3-coco, ppocr-v5-mobile-rec are not in \/nonexistent: .*MODELS_DIR=\/nonexistent npm run models:build -- tiny-siglip2 .* ppocr-v5-mobile-rec/,
      ),
    ]);
    // Without speech recognition there is no voice activity to detect.
    lines.length = 0;
    await fetchOnFirstUse({ ...env, ASR_MODEL: 'none' }, log, { probeTimeoutMs: 100 });
    expect(lines.join('\n')).not.toMatch(/silero-vad/);
  });

  it('name every model the DAG’s one-model stages run, unless their setting names another or none', () => {
    expect(stageModels({})).toEqual(
      STAGE_NAMES.flatMap((s) =>
        s === 'ocr' ? ['ppocr-v4-det'] : s === 'objects' ? ['centernet-mb3-coco'] : [],
      ),
    );
    expect(stageModels({ OCR_MODEL: 'none' })).toEqual(['centernet-mb3-coco']);
    expect(stageModels({ OCR_MODEL: 'none', OBJECTS_MODEL: 'none' })).toEqual([]);
  });
});

describe('the models standalone looks for on first start', () => {
  it('are every model the profile names, the voice activity model and the one-model stages’ ones', () => {
    for (const profile of Object.keys(PROFILES) as (keyof typeof PROFILES)[]) {
      const names = firstStartModels({ MODELS_DIR: '/m', HEIMDEX_PROFILE: profile });
      expect(names, profile).toEqual(expect.arrayContaining(Object.values(PROFILES[profile])));
      expect(names).toEqual(expect.arrayContaining(['silero-vad', 'ppocr-v4-det', 'centernet-mb3-coco']));
    }
    expect(firstStartModels({ MODELS_DIR: '/m', HEIMDEX_PROFILE: 'large' })).toContain('ppocr-v5-korean-rec');
    expect(firstStartModels({ MODELS_DIR: '/m' })).toContain('ppocr-v5-mobile-rec');
  });

  it('leave out what a setting turns off: the recogniser with the ocr stage or on its own, VAD with speech', () => {
    const off = (stageSettings: Record<string, string>) =>
      firstStartModels({ MODELS_DIR: '/m', HEIMDEX_PROFILE: 'large', stageSettings });
    expect(off({ OCR_MODEL: 'none' })).not.toContain('ppocr-v5-korean-rec');
    expect(off({ OCR_RECOGNIZER_MODEL: 'none' })).not.toContain('ppocr-v5-korean-rec');
    expect(off({ OCR_RECOGNIZER_MODEL: 'ppocr-v5-mobile-rec' })).toContain('ppocr-v5-mobile-rec');
    expect(firstStartModels({ MODELS_DIR: '/m', ASR_MODEL: 'none' })).not.toContain('silero-vad');
  });
});

describe('the ocr stage’s line recogniser in standalone mode', () => {
  it('is the profile’s (small: without Hangul, large: the Korean one) unless OCR_RECOGNIZER_MODEL names another', () => {
    expect(ocrRecognizerOf({ MODELS_DIR: '/m' })).toBe('ppocr-v5-mobile-rec');
    expect(ocrRecognizerOf({ MODELS_DIR: '/m', HEIMDEX_PROFILE: 'large' })).toBe('ppocr-v5-korean-rec');
    expect(ocrRecognizerOf({ MODELS_DIR: '/m', stageSettings: { OCR_RECOGNIZER_MODEL: 'none' } })).toBe(
      'none',
    );
  });
});

describe('what a standalone stage process is given', () => {
  it('gets the settings a stage Job gets and the system’s, not the rest of the server’s environment', () => {
    const env = stageProcessEnv(
      {
        PATH: '/usr/bin',
        HOME: '/home/me',
        LANG: 'C.UTF-8',
        DATABASE_URL: 'postgres://ignored',
        S3_ENDPOINT: 'http://127.0.0.1:9000',
        SHOT_THRESHOLD: '0.4',
        EMBED_BATCH_SIZE: '8',
        HEIMDEX_LOG_FORMAT: 'json',
        AUTH_JWT_SECRET: 'the API’s token secret, never a stage’s',
        AWS_PROFILE: 'someone-else',
        GITHUB_TOKEN: 'x',
      },
      { DATABASE_URL: 'postgres://embedded', MODELS_DIR: '/models' },
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/me',
      LANG: 'C.UTF-8',
      DATABASE_URL: 'postgres://embedded',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      SHOT_THRESHOLD: '0.4',
      EMBED_BATCH_SIZE: '8',
      HEIMDEX_LOG_FORMAT: 'json',
      MODELS_DIR: '/models',
    });
  });
});
