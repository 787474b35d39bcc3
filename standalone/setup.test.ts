import { describe, expect, it } from 'vitest';
import { createLogger } from '../core/log.js';
import { TINY_MODELS_DIR } from '../models/manifest.js';
import { checkDiskSpace, chooseModels, ensureFfmpeg } from './setup.js';

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
    const models = { MODELS_DIR: TINY_MODELS_DIR, VISION_MODEL: 'tiny-siglip2', TEXT_MODEL: 'tiny-bge-m3' };
    expect(chooseModels(models, log)).toMatchObject({ tiny: false, asrModel: 'none' });
    expect(lines.join('\n')).toMatch(
      /speech model whisper-large-v3-turbo not found.*models:fetch -- whisper-large-v3-turbo/,
    );
    lines.length = 0;
    expect(chooseModels({ ...models, ASR_MODEL: 'tiny-whisper' }, log)).toMatchObject({
      asrModel: 'tiny-whisper',
    });
    expect(lines).toEqual([]);
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
