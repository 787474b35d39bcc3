// Reading the audio stage's WAV (16-bit PCM, mono) back as samples in [-1, 1) for speech recognition.
// Walks the RIFF chunks instead of assuming a 44-byte header: other writers put LIST or fact chunks first.

export interface PcmAudio {
  sampleRate: number;
  samples: Float32Array;
}

export function readPcm16Wav(buf: Buffer): PcmAudio {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a WAV file (no RIFF/WAVE header)');
  }
  let format: { tag: number; channels: number; rate: number; bits: number } | undefined;
  for (let at = 12; at + 8 <= buf.length; ) {
    const id = buf.toString('ascii', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      format = {
        tag: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format) throw new Error('WAV data chunk before its fmt chunk');
      if (format.tag !== 1 || format.bits !== 16 || format.channels !== 1) {
        throw new Error(
          `WAV is format ${format.tag}, ${format.bits}-bit, ${format.channels} channel(s); expected 16-bit PCM mono`,
        );
      }
      // A writer that could not seek back leaves the size at 0 or 0xFFFFFFFF: the data runs to the end.
      const end = size === 0 || size === 0xffffffff ? buf.length : Math.min(body + size, buf.length);
      const count = Math.floor((end - body) / 2);
      const samples = new Float32Array(count);
      for (let i = 0; i < count; i++) samples[i] = buf.readInt16LE(body + 2 * i) / 32768;
      return { sampleRate: format.rate, samples };
    }
    at = body + size + (size % 2); // chunks are padded to an even length
  }
  throw new Error('WAV has no data chunk');
}
