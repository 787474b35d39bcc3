import { describe, expect, it } from 'vitest';
import { seenText, snippetOf } from './snippet.js';

const cup = { label: 'cup', ko: '컵', confidence: 0.6, area: 0.2, count: 1, seenAt: [1] };
const table = { label: 'dining table', ko: '식탁', confidence: 0.4, area: 0.6, count: 1, seenAt: [1] };

describe('what a search hit says was seen', () => {
  it('names each object in English and Korean, adding the other name a query matched it by', () => {
    expect(seenText([cup, table], [])).toBe('cup (컵) · dining table (식탁)');
    expect(seenText([cup, table], ['mug'])).toBe('cup (컵, mug) · dining table (식탁)');
  });

  it('says "Seen:" with the matched name marked when only the objects match', () => {
    const scene = { transcript: '오늘 날씨가 좋네요', screen_text: 'OPEN', vision_tags: [cup, table] };
    expect(snippetOf(scene, ['컵'])).toEqual({
      snippet: 'Seen: cup (<mark>컵</mark>) · dining table (식탁)',
      snippet_source: 'objects',
    });
    expect(snippetOf(scene, ['mug']).snippet).toBe('Seen: cup (컵, <mark>mug</mark>) · dining table (식탁)');
  });

  it('prefers what was said, then what was shown, when those match too', () => {
    const scene = { transcript: 'a cup of coffee', screen_text: 'CUP SALE', vision_tags: [cup] };
    expect(snippetOf(scene, ['cup']).snippet_source).toBe('transcript');
    expect(snippetOf({ ...scene, transcript: 'hello' }, ['cup']).snippet_source).toBe('screen');
  });

  it('falls back to the objects for a scene with neither words nor text on screen', () => {
    expect(snippetOf({ transcript: '', screen_text: '', vision_tags: [table] }, [])).toEqual({
      snippet: 'Seen: dining table (식탁)',
      snippet_source: 'objects',
    });
    expect(snippetOf({ transcript: '', screen_text: '', vision_tags: null }, [])).toEqual({
      snippet: '',
      snippet_source: 'transcript',
    });
  });

  it('a scene found by the meaning of what was shown or seen says so, though it has words too', () => {
    const scene = {
      transcript: '오늘 날씨가 좋네요',
      screen_text: 'GRAND OPENING\nSALE',
      vision_tags: [cup],
    };
    expect(snippetOf(scene, [], 'screen')).toEqual({
      snippet: 'On screen: GRAND OPENING · SALE',
      snippet_source: 'screen',
    });
    expect(snippetOf(scene, [], 'objects')).toEqual({ snippet: 'Seen: cup (컵)', snippet_source: 'objects' });
    expect(snippetOf(scene, [], 'transcript').snippet_source).toBe('transcript');
    // A word matched still wins: the <mark> shows why.
    expect(snippetOf(scene, ['날씨'], 'screen').snippet_source).toBe('transcript');
  });
});
