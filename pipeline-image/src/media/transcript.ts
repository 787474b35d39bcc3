// Timed transcript text (pure): SubRip parsing for subtitle tracks, and mapping segments onto scenes by time.
// (Speech recognition's 30 s windows and their seams are merged by @huggingface/transformers: runtime/speech.ts.)

export interface Segment {
  start: number;
  end: number;
  text: string;
  /** Where the text came from: "subtitle:mov_text:0", "asr:whisper-large-v3-turbo"… */
  source: string;
}

const time = (h: string, m: string, s: string, ms: string) =>
  Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(ms.padEnd(3, '0')) / 1000;

/** Removes markup subtitle formats carry into SubRip: <i>, <font …>, ASS override blocks {\an8}, \N breaks. */
export function cleanCueText(text: string): string {
  return text
    .replace(/\{\\[^}]*\}/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/\\[Nn]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .normalize('NFC');
}

/** SubRip (what ffmpeg converts every subtitle codec to) into segments; cues without text are dropped. */
/** SubRip timestamp: HH:MM:SS,mmm. */
function srtTime(t: number): string {
  const ms = Math.round(t * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(Math.floor(ms / 3600000))}:${p(Math.floor(ms / 60000) % 60)}:${p(Math.floor(ms / 1000) % 60)},${p(ms % 1000, 3)}`;
}

/** SubRip text for timed cues: the inverse of parseSrt, for generated media and the bundled sample. */
export function formatSrt(cues: readonly { start: number; end: number; text: string }[]): string {
  return cues.map((c, i) => `${i + 1}\n${srtTime(c.start)} --> ${srtTime(c.end)}\n${c.text}\n`).join('\n');
}

export function parseSrt(text: string, source: string): Segment[] {
  const out: Segment[] = [];
  const blocks = text
    .replace(/\r/g, '')
    .replace(/^\uFEFF/, '')
    .split(/\n\s*\n/);
  for (const block of blocks) {
    const lines = block.split('\n');
    const at = lines.findIndex((l) => l.includes('-->'));
    if (at < 0) continue;
    const m = /(\d+):(\d\d):(\d\d)[,.](\d{1,3})\s*-->\s*(\d+):(\d\d):(\d\d)[,.](\d{1,3})/.exec(lines[at]!);
    if (!m) continue;
    const cue = cleanCueText(lines.slice(at + 1).join('\n'));
    if (!cue) continue;
    out.push({
      start: time(m[1]!, m[2]!, m[3]!, m[4]!),
      end: time(m[5]!, m[6]!, m[7]!, m[8]!),
      text: cue,
      source,
    });
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * Each scene's text: the segments overlapping it, in time order. A segment spanning a cut goes to the
 * scene holding most of it, so a sentence is searchable once, where it is mostly heard.
 */
export function transcriptPerScene(
  scenes: readonly { start: number; end: number }[],
  segments: readonly Segment[],
): string[] {
  const parts: string[][] = scenes.map(() => []);
  for (const seg of [...segments].sort((a, b) => a.start - b.start)) {
    let best = -1;
    let bestOverlap = 0;
    scenes.forEach((s, i) => {
      const overlap = Math.min(s.end, Math.max(seg.end, seg.start + 1e-3)) - Math.max(s.start, seg.start);
      if (overlap > bestOverlap) {
        bestOverlap = overlap;
        best = i;
      }
    });
    if (best >= 0) parts[best]!.push(seg.text);
  }
  return parts.map((p) => p.join(' ').normalize('NFC'));
}
