import { describe, expect, it } from 'vitest';
import { cleanCueText, formatSrt, parseSrt, type Segment, transcriptPerScene } from './transcript.js';

const seg = (start: number, end: number, text: string, source = 'test'): Segment => ({
  start,
  end,
  text,
  source,
});

describe('timed transcript', () => {
  it('reads SubRip cues with their times, joining lines and dropping markup', () => {
    const srt =
      '1\r\n00:00:00,500 --> 00:00:02,000\r\n<i>안녕하세요</i>\r\n{\\an8}반갑습니다\r\n\r\n2\n00:01:02.250 --> 00:01:03,000\nbye\n';
    expect(parseSrt(srt, 'subtitle:mov_text:0')).toEqual([
      seg(0.5, 2, '안녕하세요 반갑습니다', 'subtitle:mov_text:0'),
      seg(62.25, 63, 'bye', 'subtitle:mov_text:0'),
    ]);
  });

  it.each([
    ['<font color="red">red</font> text', 'red text'],
    ['line one\\Nline two', 'line one line two'],
    ['{\\pos(10,10)}   ', ''],
    ['바닷가'.normalize('NFD'), '바닷가'.normalize('NFC')],
  ])('cleans the cue %j to %j', (raw, clean) => expect(cleanCueText(raw)).toBe(clean));

  it('gives each scene the text heard during it, a segment across a cut going where most of it is', () => {
    const scenes = [
      { start: 0, end: 2 },
      { start: 2, end: 5 },
      { start: 5, end: 9 },
    ];
    const segments = [seg(0.2, 1, 'one'), seg(1.8, 3.5, 'two'), seg(2.5, 3, 'three'), seg(4.5, 8, 'four')];
    expect(transcriptPerScene(scenes, segments)).toEqual(['one', 'two three', 'four']);
  });

  it('a zero-length cue still lands in its scene', () => {
    expect(
      transcriptPerScene(
        [
          { start: 0, end: 2 },
          { start: 2, end: 4 },
        ],
        [seg(3, 3, 'x')],
      ),
    ).toEqual(['', 'x']);
  });
});

describe('formatSrt', () => {
  it('writes cues that parseSrt reads back, past the first minute too', () => {
    const cues = [
      { start: 0.2, end: 2.8, text: '우리는 바닷가에서 고기를 구웠다' },
      { start: 61.5, end: 3725.25, text: 'a long one' },
    ];
    expect(formatSrt(cues)).toContain('01:02:05,250');
    expect(parseSrt(formatSrt(cues), 's').map((s) => [s.start, s.end, s.text])).toEqual(
      cues.map((c) => [c.start, c.end, c.text]),
    );
  });
});
