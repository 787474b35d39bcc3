// Lengths read from container headers agree with ffprobe on real files of every container heimdex takes,
// wherever the header sits; files whose header carries no length read as undefined (the probe decides).
import { execFileSync } from 'node:child_process';
import { openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/cleanup.js';
import { containerDuration, containerHeader, type RangeReader } from './container-header.js';

const dir = tempDir('duration');
const ff = (args: string[]) =>
  execFileSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
const source = (seconds: number) => [
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=64x48:rate=10:duration=${seconds}`,
  '-f',
  'lavfi',
  '-i',
  `sine=frequency=440:duration=${seconds}`,
];
const ffprobeDuration = (file: string) =>
  Number(
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file])
      .toString()
      .trim(),
  );
/** Range reads from a file, counted, as storage would serve them. */
function reader(file: string): { read: RangeReader; size: number; reads: number[] } {
  const fd = openSync(file, 'r');
  const size = statSync(file).size;
  const reads: number[] = [];
  return {
    size,
    reads,
    read: async (start, end) => {
      const buf = Buffer.alloc(Math.max(0, Math.min(end, size - 1) - start + 1));
      readSync(fd, buf, 0, buf.length, start);
      reads.push(buf.length);
      return buf;
    },
  };
}

const cases: [string, string[]][] = [
  ['MP4, moov at the end', ['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-f', 'mp4']],
  [
    'MP4, moov first (faststart)',
    ['-c:v', 'libx264', '-preset', 'ultrafast', '-movflags', '+faststart', '-f', 'mp4'],
  ],
  ['MOV', ['-c:v', 'mjpeg', '-c:a', 'pcm_s16le', '-f', 'mov']],
  ['Matroska', ['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-f', 'matroska']],
  ['WebM', ['-c:v', 'libvpx', '-deadline', 'realtime', '-c:a', 'libopus', '-f', 'webm']],
  ['AVI', ['-c:v', 'mjpeg', '-c:a', 'pcm_s16le', '-f', 'avi']],
];

describe('the length a container header carries', () => {
  it.each(cases)('%s: the same length as ffprobe, from a few small reads', async (name, args) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.bin`);
    ff([...source(7.5), ...args, '-shortest', file]);
    const r = reader(file);
    const seconds = await containerDuration(r.read, r.size);
    expect(seconds).toBeCloseTo(ffprobeDuration(file), 1);
    expect(seconds).toBeGreaterThan(7);
    // Never the whole file: a header costs kilobytes whatever the video's size.
    expect(r.reads.reduce((a, b) => a + b, 0)).toBeLessThan(200 * 1024);
  });

  it.each(cases)('%s cut short: the header says so, whatever the cut', async (name, args) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}-whole.bin`);
    ff([...source(4), ...args, '-shortest', file]);
    const whole = readFileSync(file);
    expect((await containerHeader(reader(file).read, whole.length)).truncatedAt).toBeUndefined();
    for (const fraction of [0.3, 0.9]) {
      const cut = join(dir, `${name.replace(/\W+/g, '-')}-cut.bin`);
      writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * fraction)));
      const r = reader(cut);
      const header = await containerHeader(r.read, r.size);
      expect(header.truncatedAt, `${name} at ${fraction}`).toMatchObject({ size: r.size });
      expect(header.truncatedAt!.expected).toBeGreaterThan(r.size);
    }
  });

  it('reads a 64-bit mdat size and a version-1 mvhd', async () => {
    // A minimal ISO-BMFF: ftyp, an mdat with a 64-bit size, then moov with a version-1 mvhd (1000 ticks/s).
    const box = (type: string, body: Buffer) => {
      const h = Buffer.alloc(8);
      h.writeUInt32BE(8 + body.length);
      h.write(type, 4, 'latin1');
      return Buffer.concat([h, body]);
    };
    const mdat = Buffer.alloc(16 + 100);
    mdat.writeUInt32BE(1);
    mdat.write('mdat', 4, 'latin1');
    mdat.writeBigUInt64BE(BigInt(mdat.length), 8);
    const mvhd = Buffer.alloc(4 + 8 + 8 + 4 + 8);
    mvhd[0] = 1;
    mvhd.writeUInt32BE(1000, 20);
    mvhd.writeBigUInt64BE(754_321n, 24);
    const file = Buffer.concat([
      box('ftyp', Buffer.from('isom\0\0\0\0', 'latin1')),
      mdat,
      box('moov', box('mvhd', mvhd)),
    ]);
    const read: RangeReader = async (s, e) => file.subarray(s, e + 1);
    expect(await containerDuration(read, file.length)).toBeCloseTo(754.321, 3);
  });

  it('is undefined where the header carries no length or is not a header at all', async () => {
    const fragmented = join(dir, 'fragmented.mp4');
    ff([
      ...source(3),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-movflags',
      'frag_keyframe+empty_moov',
      fragmented,
    ]);
    // A WebM written to a pipe (as a live recorder does) has no Duration.
    const live = join(dir, 'live.webm');
    writeFileSync(
      live,
      execFileSync('ffmpeg', [
        '-nostdin',
        '-loglevel',
        'error',
        ...source(3),
        '-c:v',
        'libvpx',
        '-deadline',
        'realtime',
        '-an',
        '-f',
        'webm',
        'pipe:1',
      ]),
    );
    const cut = join(dir, 'cut.mp4');
    const whole = join(dir, 'whole.mp4');
    ff([...source(3), '-c:v', 'libx264', '-preset', 'ultrafast', whole]);
    writeFileSync(cut, readFileSync(whole).subarray(0, 2000)); // moov, at the end, never arrived
    const text = join(dir, 'text.mp4');
    writeFileSync(text, 'this is not a video at all, just words '.repeat(100));
    for (const file of [fragmented, live, cut, text]) {
      const r = reader(file);
      expect(await containerDuration(r.read, r.size), file).toBeUndefined();
      if (file !== cut) expect((await containerHeader(r.read, r.size)).truncatedAt, file).toBeUndefined();
    }
  });
});
