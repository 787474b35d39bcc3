import { describe, expect, it } from 'vitest';
import { EXIT_BAD_INPUT, EXIT_INTERNAL, exitCodeOf } from '../../core/stage-contract.js';
import { BadInputError, categorize, InternalError, oneLine } from './errors.js';
import { FfmpegError } from './ffmpeg/run.js';
import { runStage } from './runner.js';

const silent = {
  info() {},
  warn() {},
  error() {},
  child() {
    return silent;
  },
} as never;

describe('stage outcomes and exit codes', () => {
  it.each([
    [new BadInputError('too long'), 'BadInput', EXIT_BAD_INPUT],
    [new InternalError('model missing'), 'Internal', EXIT_INTERNAL],
    [new TypeError('x is undefined'), 'Internal', EXIT_INTERNAL],
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      'Transient',
      1,
    ],
    // ffmpeg that exited with an error fails the same way on the same input; one killed (memory) may not.
    [new FfmpegError('ffmpeg exited with code 1: Invalid data', 1, null, ''), 'Internal', EXIT_INTERNAL],
    [new FfmpegError('could not start ffmpeg: ENOENT', null, null, ''), 'Internal', EXIT_INTERNAL],
    [new FfmpegError('ffmpeg was killed by SIGKILL', null, 'SIGKILL', ''), 'Transient', 1],
    // A full disk is not the video's fault and passes once space is freed: retried, whoever said it.
    [
      new FfmpegError(
        'ffmpeg exited with code 1: Conversion failed!',
        1,
        null,
        '[out#0/wav] Error writing trailer: No space left on device\nConversion failed!',
      ),
      'Transient',
      1,
    ],
    [Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }), 'Transient', 1],
    [Object.assign(new InternalError('quota'), { code: 'EDQUOT' }), 'Internal', EXIT_INTERNAL],
  ] as const)('%s is %s with exit code %i', (err, category, code) => {
    expect(categorize(err)).toBe(category);
    expect(exitCodeOf(categorize(err))).toBe(code);
  });

  it('keeps only the first line of an error for the jobs row', () => {
    expect(oneLine(new Error('first line\n    at stack'))).toBe('first line');
  });

  it('an unknown stage is an internal error that names the stages', async () => {
    const { result, exitCode } = await runStage('transcode', 'v1', {}, { log: silent });
    expect(exitCode).toBe(EXIT_INTERNAL);
    expect(result.message).toMatch(/stage must be one of probe, audio, asr/);
  });

  it('a missing contract variable is an internal error that names it', async () => {
    const { result, exitCode } = await runStage(
      'probe',
      'v1',
      { S3_ENDPOINT: 'http://127.0.0.1:1', S3_ACCESS_KEY: 'k', S3_SECRET_KEY: 's' },
      { log: silent },
    );
    expect(exitCode).toBe(EXIT_INTERNAL);
    expect(result).toMatchObject({ outcome: 'Failed', category: 'Internal' });
    expect(result.message).toMatch(/HEIMDEX_USER_ID is not set/);
  });
});
