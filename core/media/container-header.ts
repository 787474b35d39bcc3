// What a container header says before any decoding, with a few small range reads: the video's length
// (MP4/MOV `moov/mvhd`, Matroska/WebM `Segment/Info/Duration`, AVI the video stream's `strh`: the same
// numbers ffprobe reports), and whether the file ends before its own structure says it does (a top-level
// box, the Segment or the RIFF chunk running past the last byte: a cut-short upload). So a video over the
// limit, or one cut short, is refused before anything is created for it. What a header does not tell (a
// fragmented MP4, a WebM from MediaRecorder with no Duration, an unknown layout) is left undefined: the
// probe stage decides then.

/** Reads bytes [start, end] inclusive (fewer at the end of the object). */
export type RangeReader = (start: number, end: number) => Promise<Buffer>;

/** How far a header is searched: top-level boxes walked, bytes of one header read. */
const MAX_BOXES = 64;
const HEADER_WINDOW = 64 * 1024;

export interface ContainerHeader {
  /** The length the header gives, seconds. */
  durationSeconds?: number;
  /** Set when the file is shorter than its structure says: its size, and the bytes it should have at least. */
  truncatedAt?: { size: number; expected: number };
}

export async function containerHeader(read: RangeReader, size: number): Promise<ContainerHeader> {
  if (size <= 0) return {};
  const head = await read(0, Math.min(size, HEADER_WINDOW) - 1);
  try {
    const riff = head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF';
    if (riff && head.toString('latin1', 8, 12) === 'AVI ') {
      const expected = head.readUInt32LE(4) + 8;
      return {
        durationSeconds: aviDuration(head),
        ...(expected > size && { truncatedAt: { size, expected } }),
      };
    }
    if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) return await matroskaHeader(read, size);
    if (head.length >= 8) return await mp4Header(read, size);
  } catch (e) {
    // A header that ends early or points outside the file: not ours to judge here.
    if (e instanceof RangeError) return {};
    throw e;
  }
  return {};
}

export async function containerDuration(read: RangeReader, size: number): Promise<number | undefined> {
  return (await containerHeader(read, size)).durationSeconds;
}

const positive = (x: number) => (Number.isFinite(x) && x > 0 ? x : undefined);

// ISO-BMFF (MP4, MOV): top-level boxes are walked by their sizes (the moov box is often after mdat, at
// the end), mvhd's timescale and duration are read inside moov, and a box ending past the file's last
// byte means the file was cut short.
/** Boxes an ISO-BMFF file starts with: anything else is not one (a text file's first word is no box). */
const FIRST_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'uuid', 'styp']);

async function mp4Header(read: RangeReader, size: number): Promise<ContainerHeader> {
  if (!FIRST_BOXES.has((await read(4, 7)).toString('latin1'))) return {};
  let offset = 0;
  let durationSeconds: number | undefined;
  for (let i = 0; i < MAX_BOXES && offset + 8 <= size; i++) {
    const h = await read(offset, Math.min(size, offset + 16) - 1);
    let boxSize = h.readUInt32BE(0);
    const type = h.toString('latin1', 4, 8);
    if (!/^[\x20-\x7e]{4}$/.test(type)) break;
    let headerLength = 8;
    if (boxSize === 1) {
      boxSize = Number(h.readBigUInt64BE(8));
      headerLength = 16;
    } else if (boxSize === 0) boxSize = size - offset;
    if (boxSize < headerLength) break;
    if (offset + boxSize > size)
      return { durationSeconds, truncatedAt: { size, expected: offset + boxSize } };
    if (type === 'moov') {
      const end = Math.min(offset + boxSize, offset + headerLength + HEADER_WINDOW);
      durationSeconds = mvhdDuration(await read(offset + headerLength, end - 1));
    }
    offset += boxSize;
  }
  return { durationSeconds };
}

function mvhdDuration(moov: Buffer): number | undefined {
  for (let p = 0; p + 8 <= moov.length; ) {
    const boxSize = moov.readUInt32BE(p);
    if (moov.toString('latin1', p + 4, p + 8) === 'mvhd') {
      const version = moov[p + 8];
      if (version === 1) {
        const timescale = moov.readUInt32BE(p + 28);
        const duration = moov.readBigUInt64BE(p + 32);
        if (duration === 0xffffffffffffffffn || timescale === 0) return undefined;
        return positive(Number(duration) / timescale);
      }
      const timescale = moov.readUInt32BE(p + 20);
      const duration = moov.readUInt32BE(p + 24);
      if (duration === 0xffffffff || timescale === 0) return undefined;
      return positive(duration / timescale);
    }
    if (boxSize < 8) return undefined;
    p += boxSize;
  }
  return undefined;
}

// Matroska/WebM: EBML elements; Segment's Info holds TimestampScale (ns per tick, default 1 ms) and
// Duration (a float, in ticks). A Cluster before Info means the header carries no length.
const EBML = { header: 0x1a45dfa3, segment: 0x18538067, info: 0x1549a966, cluster: 0x1f43b675 };
const INFO = { scale: 0x2ad7b1, duration: 0x4489 };

/** An EBML variable-length integer at p: its value (marker kept for IDs), its length, and whether it is "unknown". */
function vint(
  buf: Buffer,
  p: number,
  keepMarker: boolean,
): { value: number; length: number; unknown: boolean } {
  const first = buf[p];
  if (first === undefined || first === 0) throw new RangeError('not an EBML integer');
  const length = Math.clz32(first) - 23;
  if (p + length > buf.length) throw new RangeError('EBML integer past the end');
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const b = buf[p + i] as number;
    value = value * 256 + b;
    allOnes &&= b === 0xff;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

async function matroskaHeader(read: RangeReader, size: number): Promise<ContainerHeader> {
  const element = async (offset: number) => {
    const h = await read(offset, Math.min(size, offset + 12) - 1);
    const id = vint(h, 0, true);
    const len = vint(h, id.length, false);
    return {
      id: id.value,
      dataStart: offset + id.length + len.length,
      size: len.unknown ? undefined : len.value,
    };
  };
  let offset = 0;
  let segmentEnd = size;
  let truncatedAt: ContainerHeader['truncatedAt'];
  for (let i = 0; i < MAX_BOXES && offset < segmentEnd; i++) {
    const e = await element(offset);
    if (e.id === EBML.segment) {
      // Into the segment: its children follow its header. A segment longer than the file: cut short.
      if (e.size !== undefined && e.dataStart + e.size > size)
        truncatedAt = { size, expected: e.dataStart + e.size };
      if (e.size !== undefined) segmentEnd = Math.min(size, e.dataStart + e.size);
      offset = e.dataStart;
      continue;
    }
    if (e.id === EBML.cluster || e.size === undefined) break;
    if (e.id === EBML.info) {
      const body = await read(e.dataStart, Math.min(e.dataStart + e.size, e.dataStart + HEADER_WINDOW) - 1);
      return { durationSeconds: infoDuration(body), ...(truncatedAt && { truncatedAt }) };
    }
    offset = e.dataStart + e.size;
  }
  return truncatedAt ? { truncatedAt } : {};
}

function infoDuration(info: Buffer): number | undefined {
  let scale = 1_000_000;
  let ticks: number | undefined;
  for (let p = 0; p < info.length; ) {
    const id = vint(info, p, true);
    const len = vint(info, p + id.length, false);
    const start = p + id.length + len.length;
    if (start + len.value > info.length) break;
    if (id.value === INFO.scale) scale = info.readUIntBE(start, Math.min(6, len.value) || 1);
    if (id.value === INFO.duration)
      ticks =
        len.value === 4 ? info.readFloatBE(start) : len.value === 8 ? info.readDoubleBE(start) : undefined;
    p = start + len.value;
  }
  return ticks === undefined ? undefined : positive((ticks * scale) / 1e9);
}

// AVI: RIFF 'AVI ' > LIST 'hdrl' > LIST 'strl' > 'strh' of the video stream ('vids'): length × scale / rate.
function aviDuration(head: Buffer): number | undefined {
  const chunks = function* (start: number, end: number) {
    for (let p = start; p + 8 <= Math.min(end, head.length); ) {
      const id = head.toString('latin1', p, p + 4);
      const len = head.readUInt32LE(p + 4);
      yield { id, data: p + 8, len };
      p += 8 + len + (len % 2);
    }
  };
  for (const c of chunks(12, head.length)) {
    if (c.id !== 'LIST' || head.toString('latin1', c.data, c.data + 4) !== 'hdrl') continue;
    for (const s of chunks(c.data + 4, c.data + c.len)) {
      if (s.id !== 'LIST' || head.toString('latin1', s.data, s.data + 4) !== 'strl') continue;
      for (const h of chunks(s.data + 4, s.data + s.len)) {
        if (h.id !== 'strh' || head.toString('latin1', h.data, h.data + 4) !== 'vids') continue;
        const scale = head.readUInt32LE(h.data + 20);
        const rate = head.readUInt32LE(h.data + 24);
        const length = head.readUInt32LE(h.data + 32);
        return rate === 0 ? undefined : positive((length * scale) / rate);
      }
    }
    return undefined;
  }
  return undefined;
}
