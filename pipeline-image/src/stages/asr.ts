// asr: the timed transcript. Subtitle tracks (mov_text, SubRip/ASS in MKV, WebVTT) are read as transcript
// with their source recorded; speech recognition (Whisper through the ONNX adapter) adds what was said.
import { mkdir, readFile } from 'node:fs/promises';
import { modelDir } from '../../../models/manifest.js';
import {
  getJson,
  putJson,
  type StageContext,
  type StageHandler,
  scratchPath,
  skipped,
  sourceFile,
  succeeded,
} from '../context.js';
import { InternalError } from '../errors.js';
import { subtitleArgs } from '../ffmpeg/args.js';
import { runFfmpeg } from '../ffmpeg/run.js';
import type { ProbeInfo, SubtitleTrack } from '../media/probe.js';
import { parseSrt, type Segment } from '../media/transcript.js';

export interface TranscriptOutput {
  language: string;
  sources: string[];
  segments: Segment[];
}

const ISO2_TO_3: Record<string, string> = { ko: 'kor', en: 'eng', ja: 'jpn', zh: 'zho' };

/** The track in the video's language, else the first one: several tracks are usually translations. */
export function pickSubtitleTrack(
  tracks: readonly SubtitleTrack[],
  language: string,
): SubtitleTrack | undefined {
  const wanted = [language, ISO2_TO_3[language]].filter(Boolean);
  return tracks.find((t) => t.language && wanted.includes(t.language)) ?? tracks[0];
}

async function subtitleSegments(ctx: StageContext, info: ProbeInfo): Promise<Segment[]> {
  const track = pickSubtitleTrack(info.subtitles, ctx.video.language);
  if (!track) return [];
  const input = await sourceFile(ctx);
  await mkdir(scratchPath(ctx), { recursive: true });
  const out = scratchPath(ctx, `subtitles-${track.index}.srt`);
  await runFfmpeg(subtitleArgs(input, track.index, out));
  return parseSrt(await readFile(out, 'utf8'), `subtitle:${track.codec}:${track.index}`);
}

export const asr: StageHandler = async (ctx) => {
  const info = await getJson<ProbeInfo>(ctx, 'probe', 'probe.json');
  // Without an audio stream there is no speech to recognise; subtitle tracks are still read.
  const model = info.audio ? ctx.pipeline.ASR_MODEL : 'none';
  // Fail before any work when the speech model is not there (the message names the fetch command).
  if (model !== 'none') modelDir(model, ctx.config.MODELS_DIR);
  const segments = await subtitleSegments(ctx, info);
  ctx.progress(0.2);
  if (model !== 'none') {
    // The Whisper decoder loop (log-Mel features, greedy decoding with timestamp tokens per window of
    // media/transcript.ts planWindows, mergeWindows at the seams) is not written yet.
    throw new InternalError(
      `speech recognition with ${model} is not implemented yet; set ASR_MODEL=none to index subtitles only`,
    );
  }
  const sources = [...new Set(segments.map((s) => s.source))];
  if (segments.length === 0) {
    return skipped('no subtitle track and speech recognition is off: no transcript', { segments: 0 });
  }
  const out: TranscriptOutput = { language: ctx.video.language, sources, segments };
  await putJson(ctx, 'asr', 'transcript.json', out);
  return succeeded(`${segments.length} transcript segment(s) from ${sources.join(', ')}`, {
    segments: segments.length,
    source: sources.join(','),
  });
};
