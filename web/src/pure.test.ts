// The app's pure logic: formatting, snippet splitting, the checks before an upload, which parts to send,
// and the language chosen from the browser's.
import { describe, expect, it } from 'vitest';
import { checkBasics, mimeOf } from './checks.js';
import { bytes, clock, rate } from './format.js';
import { pickLanguage, translate } from './i18n.js';
import { snippetParts } from './snippet.js';
import { missingParts, partRange } from './upload.js';

const limits = { max_bytes: 1024 ** 3, mime_types: ['video/mp4', 'video/quicktime', 'video/x-matroska'] };

describe('formatting', () => {
  it('shows times as a clock and sizes in binary units', () => {
    expect(clock(0)).toBe('0:00');
    expect(clock(75.9)).toBe('1:15');
    expect(clock(3725)).toBe('1:02:05');
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1536)).toBe('1.5 KiB');
    expect(bytes(1024 ** 3)).toBe('1 GiB');
  });

  it('measures speed over the last seconds and the time left from it', () => {
    const r = rate(
      [
        { at: 0, sent: 0 },
        { at: 1000, sent: 1_000_000 },
        { at: 2000, sent: 2_000_000 },
      ],
      10_000_000,
    );
    expect(r.bytesPerSecond).toBe(1_000_000);
    expect(r.secondsLeft).toBe(8);
    expect(rate([{ at: 0, sent: 0 }], 10).secondsLeft).toBeNull();
  });
});

describe('snippets', () => {
  it('marks the matched words and unescapes the rest as text, never as markup', () => {
    expect(snippetParts('우리는 <mark>바닷가</mark>에서 &#60;b&#62; &amp; <mark>고기</mark>')).toEqual([
      { text: '우리는 ', marked: false },
      { text: '바닷가', marked: true },
      { text: '에서 <b> & ', marked: false },
      { text: '고기', marked: true },
    ]);
  });
});

describe('checks before an upload', () => {
  it('takes the type from the extension when the browser gives none', () => {
    expect(mimeOf({ name: 'trip.MKV', type: '' }, limits.mime_types)).toBe('video/x-matroska');
    expect(mimeOf({ name: 'clip.mov', type: 'video/quicktime' }, limits.mime_types)).toBe('video/quicktime');
  });

  it('refuses what the API would refuse, saying why', () => {
    expect(checkBasics({ name: 'notes.txt', type: 'text/plain', size: 10 }, limits, bytes)).toEqual({
      key: 'check.type',
      vars: { type: 'text/plain' },
    });
    expect(checkBasics({ name: 'big.mp4', type: 'video/mp4', size: 2 * 1024 ** 3 }, limits, bytes)).toEqual({
      key: 'check.size',
      vars: { size: '2 GiB', max: '1 GiB' },
    });
    expect(checkBasics({ name: 'empty.mp4', type: 'video/mp4', size: 0 }, limits, bytes)?.key).toBe(
      'check.empty',
    );
    expect(checkBasics({ name: 'ok.mp4', type: 'video/mp4', size: 10 }, limits, bytes)).toBeNull();
  });
});

describe('resumable parts', () => {
  it('sends only the parts the store does not have, each its own byte range', () => {
    expect(missingParts(5, [2, 4])).toEqual([1, 3, 5]);
    expect(missingParts(2, [1, 2])).toEqual([]);
    expect(partRange(1, 100, 250)).toEqual([0, 100]);
    expect(partRange(3, 100, 250)).toEqual([200, 250]);
  });
});

describe('language', () => {
  it("follows the browser's first language we speak, English otherwise", () => {
    expect(pickLanguage(['ko-KR', 'en-US'])).toBe('ko');
    expect(pickLanguage(['fr-FR', 'en-GB'])).toBe('en');
    expect(pickLanguage(['de'])).toBe('en');
    expect(translate('ko', 'search.none', { q: '바닷가' })).toBe('“바닷가”에 맞는 장면이 없습니다.');
    expect(translate('en', 'search.results', { n: 1 })).toBe('1 scene');
    expect(translate('en', 'search.results', { n: 2 })).toBe('2 scenes');
    expect(translate('en', 'search.results', { n: 0 })).toBe('0 scenes');
    expect(translate('ko', 'search.results', { n: 1 })).toBe('장면 1개');
  });
});
