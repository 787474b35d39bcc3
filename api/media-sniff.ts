// Recognises video containers from their first bytes, so a renamed text file is not taken for a video.

export type Container = 'mp4' | 'mov' | 'avi' | 'matroska' | 'webm';

/** How many leading bytes sniffContainer needs to decide. */
export const SNIFF_BYTES = 4096;

const ascii = (buf: Buffer, start: number, end: number) => buf.subarray(start, end).toString('latin1');

export function sniffContainer(head: Buffer): Container | undefined {
  if (head.length >= 12 && ascii(head, 4, 8) === 'ftyp') {
    // QuickTime files say 'qt  ' as their major brand; everything else ISO-BMFF we treat as MP4.
    return ascii(head, 8, 12) === 'qt  ' ? 'mov' : 'mp4';
  }
  // Old QuickTime files start with other top-level atoms.
  if (head.length >= 8 && ['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'].includes(ascii(head, 4, 8))) {
    const size = head.readUInt32BE(0);
    if (size === 0 || size === 1 || size >= 8) return 'mov';
  }
  if (head.length >= 12 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'AVI ') return 'avi';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) {
    // The EBML header names the DocType; WebM is a Matroska profile.
    const header = ascii(head, 0, Math.min(head.length, 64));
    return header.includes('webm') ? 'webm' : 'matroska';
  }
  return undefined;
}

/** Containers acceptable for each declared MIME type (MP4 and MOV share ISO-BMFF and are often mislabelled). */
export const CONTAINERS_FOR_MIME: Record<string, Container[]> = {
  'video/mp4': ['mp4', 'mov'],
  'video/quicktime': ['mov', 'mp4'],
  'video/x-msvideo': ['avi'],
  'video/x-matroska': ['matroska', 'webm'],
  'video/webm': ['webm', 'matroska'],
};
