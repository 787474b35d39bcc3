// What the text model embeds of a scene's pictures (the embed-screen stage writes them as scene_vectors kind
// 'screen'; search reads them back): the text read on screen as one passage, and each object seen as two, its
// English and its Korean name. Where each passage sits (its idx) says what it is, so search knows a passage's
// language without storing its text twice: idx 0 the screen text, then per object 2k+1 English, 2k+2 Korean.
//
// Raw text, no template: "a sign that reads …" made every query with "sign" in it stand out against every
// sign (docs/benchmarks.md, 2026-12-07); one passage per object name instead of a list, since a scene ranks by
// its best passage and a list dilutes the one object a query asks for.
import type { SceneObject } from './scene-objects.js';

/** The most objects of a scene embedded (most confident first, as the objects stage orders them). */
export const MAX_SCREEN_OBJECTS = 8;

/** idx of the screen-text passage. */
export const SCREEN_TEXT_IDX = 0;

export type ScreenPassageSource = 'screen' | 'objects';

export interface ScreenPassage {
  idx: number;
  text: string;
  source: ScreenPassageSource;
  /** The passage's language where its place fixes it (object names); screen text's is read from its letters. */
  language?: 'en' | 'ko';
}

/**
 * A line as the text model reads it best: a line in capitals (signs, titles: "GRAND OPENING SALE") with each word
 * capitalised instead ("Grand Opening Sale"). The multilingual encoders' tokenisers are case-sensitive and see
 * all-capital words rarely; with e5-small a Korean paraphrase of a sign stood out 2–5 points more against the
 * capitalised form (docs/benchmarks.md, 2026-12-07). Other lines are kept as read.
 */
export function screenLineForEmbedding(line: string): string {
  const letters = line.match(/\p{L}/gu) ?? [];
  const cased = letters.filter((c) => c.toLowerCase() !== c.toUpperCase());
  if (cased.length < 2 || cased.some((c) => c !== c.toUpperCase())) return line;
  return line
    .toLowerCase()
    .replace(/(^|[^\p{L}\p{N}'’])(\p{L})/gu, (_, pre: string, c: string) => pre + c.toUpperCase());
}

/** A scene's passages, in idx order; none when nothing was read or seen. Pure. */
export function screenPassages(
  lines: readonly { text: string }[],
  objects: readonly Pick<SceneObject, 'label' | 'ko'>[],
): ScreenPassage[] {
  const out: ScreenPassage[] = [];
  const text = lines
    .map((l) => screenLineForEmbedding(l.text.normalize('NFC').trim()))
    .filter((t) => t !== '')
    .join('\n');
  if (text !== '') out.push({ idx: SCREEN_TEXT_IDX, text, source: 'screen' });
  for (const [k, o] of objects.slice(0, MAX_SCREEN_OBJECTS).entries()) {
    out.push({ idx: 2 * k + 1, text: o.label, source: 'objects', language: 'en' });
    if (o.ko) out.push({ idx: 2 * k + 2, text: o.ko.normalize('NFC'), source: 'objects', language: 'ko' });
  }
  return out;
}

/** What a stored screen vector at `idx` is of. */
export function screenPassageAt(idx: number): { source: ScreenPassageSource; language?: 'en' | 'ko' } {
  if (idx === SCREEN_TEXT_IDX) return { source: 'screen' };
  return { source: 'objects', language: idx % 2 === 1 ? 'en' : 'ko' };
}
