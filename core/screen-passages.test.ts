import { describe, expect, it } from 'vitest';
import {
  MAX_SCREEN_OBJECTS,
  screenLineForEmbedding,
  screenPassageAt,
  screenPassages,
} from './screen-passages.js';

describe('what the text model embeds of a scene’s pictures', () => {
  it('the screen text is one passage at idx 0 (capitals written as words), each object its English and its Korean name after it', () => {
    const passages = screenPassages(
      [{ text: 'GRAND OPENING' }, { text: ' SALE ' }, { text: '' }],
      [
        { label: 'cup', ko: '컵' },
        { label: 'person', ko: '사람' },
      ],
    );
    expect(passages.map(({ idx, text, source }) => ({ idx, text, source }))).toEqual([
      { idx: 0, text: 'Grand Opening\nSale', source: 'screen' },
      { idx: 1, text: 'cup', source: 'objects' },
      { idx: 2, text: '컵', source: 'objects' },
      { idx: 3, text: 'person', source: 'objects' },
      { idx: 4, text: '사람', source: 'objects' },
    ]);
    // Search reads a stored vector's source and language back from its place alone.
    for (const p of passages)
      expect(screenPassageAt(p.idx)).toEqual({ source: p.source, language: p.language });
  });

  it('nothing read and nothing seen is no passage; objects without screen text start at idx 1', () => {
    expect(screenPassages([], [])).toEqual([]);
    expect(screenPassages([{ text: '  ' }], [{ label: 'car', ko: '자동차' }]).map((p) => p.idx)).toEqual([
      1, 2,
    ]);
  });

  it('embeds at most the most confident objects', () => {
    const many = Array.from({ length: 20 }, (_, i) => ({ label: `thing${i}`, ko: `것${i}` }));
    expect(screenPassages([], many)).toHaveLength(2 * MAX_SCREEN_OBJECTS);
  });

  it('writes a line in capitals with capitalised words, and leaves mixed case, Hangul and short lines as read', () => {
    expect(screenLineForEmbedding('GRAND OPENING SALE')).toBe('Grand Opening Sale');
    expect(screenLineForEmbedding('NIGHT-CITY 2')).toBe('Night-City 2');
    expect(screenLineForEmbedding('오늘만 SALE')).toBe('오늘만 Sale');
    expect(screenLineForEmbedding("McDONALD'S")).toBe("McDONALD'S");
    expect(screenLineForEmbedding('메뉴판')).toBe('메뉴판');
    expect(screenLineForEmbedding('A')).toBe('A');
  });
});
