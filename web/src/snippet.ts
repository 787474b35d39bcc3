// The API's snippet is HTML-escaped text with <mark> around matches; it is split into text pieces
// here rather than set as HTML, so nothing in a transcript can ever run as markup.

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function unescapeHtml(s: string): string {
  return s.replace(/&(#\d+|#x[0-9a-f]+|\w+);/gi, (whole, code: string) => {
    if (code[0] === '#') {
      const n =
        code[1] === 'x' || code[1] === 'X' ? Number.parseInt(code.slice(2), 16) : Number(code.slice(1));
      return Number.isFinite(n) ? String.fromCodePoint(n) : whole;
    }
    return NAMED[code.toLowerCase()] ?? whole;
  });
}

/** "a <mark>b</mark> c" → [{ text: 'a ', marked: false }, { text: 'b', marked: true }, { text: ' c', marked: false }]. */
export function snippetParts(snippet: string): { text: string; marked: boolean }[] {
  return snippet
    .split(/(<mark>.*?<\/mark>)/s)
    .filter(Boolean)
    .map((piece) => {
      const m = /^<mark>(.*)<\/mark>$/s.exec(piece);
      return { text: unescapeHtml(m ? m[1]! : piece), marked: Boolean(m) };
    });
}
