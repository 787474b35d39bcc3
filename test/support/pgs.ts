// A PGS (Blu-ray, hdmv_pgs_subtitle) subtitle stream written by hand: ffmpeg cannot encode bitmap subtitles from
// text, and tests need a real bitmap track. Each cue is one display set that shows a small white box (its
// object, run-length encoded) and one that clears it, in the segment layout ffmpeg's sup demuxer reads.

const segment = (type: number, pts: number, data: Buffer) => {
  const head = Buffer.alloc(13);
  head.write('PG', 0, 'latin1');
  head.writeUInt32BE(Math.round(pts * 90_000), 2); // PTS, 90 kHz
  head.writeUInt32BE(0, 6); // DTS
  head.writeUInt8(type, 10);
  head.writeUInt16BE(data.length, 11);
  return Buffer.concat([head, data]);
};
const u16 = (...v: number[]) => Buffer.concat(v.map((x) => Buffer.from([x >> 8, x & 0xff])));

/** Presentation composition: the screen size, then the objects shown (none clears the screen). */
function composition(width: number, height: number, n: number, shown: boolean): Buffer {
  return Buffer.concat([
    u16(width, height),
    Buffer.from([0x10]), // frame rate
    u16(n),
    Buffer.from([shown ? 0x80 : 0x00, 0x00, 0x00, shown ? 1 : 0]), // epoch start or normal; palette; objects
    shown ? Buffer.concat([u16(0), Buffer.from([0, 0x00]), u16(16, 16)]) : Buffer.alloc(0),
  ]);
}

export function pgsSubtitles(cues: { start: number; end: number }[], width: number, height: number): Buffer {
  const [w, h] = [8, 2];
  const window = Buffer.concat([Buffer.from([1, 0]), u16(16, 16, w, h)]);
  const palette = Buffer.from([0, 0, 1, 235, 128, 128, 255]); // id 0, version 0; entry 1: white, opaque
  // Each line: a run of w pixels of colour 1, then end of line.
  const line = Buffer.from([0x00, 0x80 | w, 0x01, 0x00, 0x00]);
  const rle = Buffer.concat(Array.from({ length: h }, () => line));
  const object = Buffer.concat([u16(0), Buffer.from([0, 0xc0])]);
  const len = rle.length + 4;
  const ods = Buffer.concat([
    object,
    Buffer.from([len >> 16, (len >> 8) & 0xff, len & 0xff]),
    u16(w, h),
    rle,
  ]);
  const parts: Buffer[] = [];
  cues.forEach((c, i) => {
    parts.push(
      segment(0x16, c.start, composition(width, height, 2 * i, true)),
      segment(0x17, c.start, window),
      segment(0x14, c.start, palette),
      segment(0x15, c.start, ods),
      segment(0x80, c.start, Buffer.alloc(0)),
      segment(0x16, c.end, composition(width, height, 2 * i + 1, false)),
      segment(0x17, c.end, window),
      segment(0x80, c.end, Buffer.alloc(0)),
    );
  });
  return Buffer.concat(parts);
}
