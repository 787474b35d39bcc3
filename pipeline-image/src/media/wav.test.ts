import { describe, expect, it } from 'vitest';
import { readPcm16Wav } from './wav.js';

function wav(
  samples: number[],
  opts: { channels?: number; bits?: number; extraChunk?: boolean } = {},
): Buffer {
  const channels = opts.channels ?? 1;
  const bits = opts.bits ?? 16;
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => {
    data.writeInt16LE(s, 2 * i);
  });
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0, 'ascii');
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(1, 8);
  fmt.writeUInt16LE(channels, 10);
  fmt.writeUInt32LE(16000, 12);
  fmt.writeUInt32LE(16000 * channels * (bits / 8), 16);
  fmt.writeUInt16LE(channels * (bits / 8), 20);
  fmt.writeUInt16LE(bits, 22);
  // An odd-sized LIST chunk before the data: the reader must skip it and its pad byte.
  const list = opts.extraChunk
    ? Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0')])
    : Buffer.alloc(0);
  const dataHeader = Buffer.alloc(8);
  dataHeader.write('data', 0, 'ascii');
  dataHeader.writeUInt32LE(data.length, 4);
  const body = Buffer.concat([Buffer.from('WAVE'), fmt, list, dataHeader, data]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'ascii');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

describe('readPcm16Wav', () => {
  it('reads 16-bit mono samples into [-1, 1), past chunks it does not know', () => {
    for (const extraChunk of [false, true]) {
      const { sampleRate, samples } = readPcm16Wav(wav([0, 16384, -32768, 32767], { extraChunk }));
      expect(sampleRate).toBe(16000);
      expect(Array.from(samples)).toEqual([0, 0.5, -1, 32767 / 32768]);
    }
  });

  it('refuses what is not 16-bit PCM mono, or not a WAV at all, saying why', () => {
    expect(() => readPcm16Wav(wav([0, 0], { channels: 2 }))).toThrow(
      /16-bit, 2 channel\(s\); expected 16-bit PCM mono/,
    );
    expect(() => readPcm16Wav(Buffer.from('ID3 not a wav file at all'))).toThrow(/not a WAV file/);
    expect(() => readPcm16Wav(wav([1]).subarray(0, 36))).toThrow(/no data chunk/);
  });
});
