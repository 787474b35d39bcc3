// Which subtitle track asr reads: a text one, in the video's language when there is one; bitmap tracks (PGS,
// VobSub, DVB, XSUB) are pictures ffmpeg cannot turn into text, so they are skipped with a note.
import { describe, expect, it } from 'vitest';
import type { SubtitleTrack } from '../media/probe.js';
import { pickSubtitleTrack, skippedTrackNotes } from './asr.js';

const track = (index: number, codec: string, language?: string): SubtitleTrack => ({
  index,
  codec,
  ...(language ? { language } : {}),
});

describe('subtitle tracks', () => {
  it('reads the text track in the video’s language, else the first text track', () => {
    const tracks = [track(0, 'subrip', 'eng'), track(1, 'ass', 'kor')];
    expect(pickSubtitleTrack(tracks, 'ko')?.index).toBe(1);
    expect(pickSubtitleTrack(tracks, 'ja')?.index).toBe(0);
    expect(pickSubtitleTrack([], 'ko')).toBeUndefined();
  });

  it('never picks a bitmap track, even in the video’s language, and says which it skipped', () => {
    const tracks = [
      track(0, 'hdmv_pgs_subtitle', 'kor'),
      track(1, 'dvd_subtitle'),
      track(2, 'dvb_subtitle', 'eng'),
      track(3, 'mov_text', 'eng'),
    ];
    expect(pickSubtitleTrack(tracks, 'ko')?.index).toBe(3);
    expect(pickSubtitleTrack(tracks.slice(0, 3), 'ko')).toBeUndefined();
    expect(skippedTrackNotes(tracks)).toEqual([
      'subtitle track(s) 0 (hdmv_pgs_subtitle, kor), 1 (dvd_subtitle), 2 (dvb_subtitle, eng) are pictures, not text: ' +
        'skipped (on-screen text is not read yet)',
    ]);
    expect(skippedTrackNotes([track(0, 'webvtt')])).toEqual([]);
  });
});
