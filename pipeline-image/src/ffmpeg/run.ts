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
  return new Promise((resolve, reject) => {
    const child = spawn(opts.binary ?? 'ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^out_time_us=(\d+)/.exec(line);
        if (m && opts.onProgress) opts.onProgress(Number(m[1]) / 1e6);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      // Keeps the tail only: a damaged file can make ffmpeg print an error per frame.
      stderr = (stderr + chunk).slice(-8192);
    });
    child.on('error', (err) =>
      reject(new FfmpegError(`could not start ffmpeg: ${err.message}`, null, null, '')),
    );
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const last = stderr.trim().split('\n').at(-1) ?? '';
      const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
      reject(new FfmpegError(`ffmpeg ${why}${last ? `: ${last}` : ''}`, code, signal, stderr));
    });
  });
}
