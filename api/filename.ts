// Makes an uploaded file's name safe to store and show: no paths, no control characters, Unicode kept.

const MAX_LENGTH = 200;

/**
 * Keeps the last path segment of what the client sent (a browser may send "C:\\fakepath\\x.mp4"),
 * drops control and bidirectional-override characters (a name must not reorder what a person
 * reads), NFC-normalises (macOS sends decomposed Hangul), and trims dots and spaces at the ends.
 * Returns undefined when nothing usable remains.
 */
export function sanitizeFilename(raw: string): string | undefined {
  const base = raw.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.]+|[\s.]+$/g, '');
  if (cleaned === '' || cleaned === '..') return undefined;
  if (cleaned.length <= MAX_LENGTH) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : '';
  return cleaned.slice(0, MAX_LENGTH - ext.length) + ext;
}

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}
