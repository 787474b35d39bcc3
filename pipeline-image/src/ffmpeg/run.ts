// The one place ffmpeg is spawned: arguments come from ffmpeg/args.ts, progress from `-progress pipe:1`.
import { spawn } from 'node:child_process';

export class FfmpegError extends Error {
  override readonly name = 'FfmpegError';
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

export interface RunOptions {
  /** Called with the media time reached, in seconds, as ffmpeg reports progress. */
  onProgress?: (seconds: number) => void;
  binary?: string;
}

/** Runs ffmpeg to completion; rejects with FfmpegError naming ffmpeg's last error line. */
export function runFfmpeg(args: readonly string[], opts: RunOptions = {}): Promise<void> {
  return spawnFfmpeg(args, opts, 'stdout');
}

/**
 * Runs ffmpeg with its output on stdout (args must write to `pipe:1` and send progress to `pipe:3`, as
 * frameStreamArgs does): each chunk goes to onData as it comes, so frames are never held all at once.
 */
export function streamFfmpeg(
  args: readonly string[],
  onData: (chunk: Buffer) => void,
  opts: RunOptions = {},
): Promise<void> {
  return spawnFfmpeg(args, opts, 'fd3', onData);
}

function spawnFfmpeg(
  args: readonly string[],
  opts: RunOptions,
  progressOn: 'stdout' | 'fd3',
  onData?: (chunk: Buffer) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.binary ?? 'ffmpeg', args, {
      stdio: progressOn === 'stdout' ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    let pending = '';
    let failed: Error | undefined;
    const progress = (progressOn === 'stdout' ? child.stdout : child.stdio[3]) as NodeJS.ReadableStream;
    progress.setEncoding('utf8');
    progress.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^out_time_us=(\d+)/.exec(line);
        if (m && opts.onProgress) opts.onProgress(Number(m[1]) / 1e6);
      }
    });
    if (onData)
      child.stdout!.on('data', (chunk: Buffer) => {
        if (failed) return;
        try {
          onData(chunk);
        } catch (err) {
          // The consumer cannot go on: stop ffmpeg rather than decode the rest for nothing.
          failed = err as Error;
          child.kill('SIGTERM');
        }
      });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      // Keeps the tail only: a damaged file can make ffmpeg print an error per frame.
      stderr = (stderr + chunk).slice(-8192);
    });
    child.on('error', (err) =>
      reject(new FfmpegError(`could not start ffmpeg: ${err.message}`, null, null, '')),
    );
    child.on('close', (code, signal) => {
      if (failed) return reject(failed);
      if (code === 0) return resolve();
      const last = stderr.trim().split('\n').at(-1) ?? '';
      const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
      reject(new FfmpegError(`ffmpeg ${why}${last ? `: ${last}` : ''}`, code, signal, stderr));
    });
  });
}
