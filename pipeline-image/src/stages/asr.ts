// asr: the timed transcript. Subtitle tracks (mov_text, SubRip/ASS in MKV, WebVTT) are read as transcript
// with their source recorded; speech recognition (Whisper, models/runtime/speech.ts) adds what was said.

import { mkdir, readFile } from 'node:fs/promises';
import { modelDir } from '../../../models/manifest.js';
import { loadSpeechRecognizer, SAMPLE_RATE } from '../../../models/runtime/speech.js';
import { ARTIFACTS } from '../artifacts.js';
import {
  artifactKey,
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
import { readPcm16Wav } from '../media/wav.js';
import { AUDIO_FILE } from './audio.js';

export interface TranscriptOutput {
  language: string;
  sources: string[];
  segments: Segment[];
  /** Present when speech recognition ran: the model, and whether the language was detected. */
  asr?: { model: string; revision: string; language: string; detected: boolean; segments: number };
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

/** The audio stage's WAV from storage, as samples. */
async function audioSamples(ctx: StageContext): Promise<Float32Array> {
  const key = artifactKey(ctx, 'audio', AUDIO_FILE);
  if (!(await ctx.store.head(ctx.config.S3_BUCKET_ARTIFACTS, key))) {
    throw new InternalError(`audio output ${AUDIO_FILE} is missing (${key}); run the audio stage first`);
  }
  await mkdir(scratchPath(ctx), { recursive: true });
  const file = scratchPath(ctx, AUDIO_FILE);
  await ctx.store.download(ctx.config.S3_BUCKET_ARTIFACTS, key, file);
  let audio: ReturnType<typeof readPcm16Wav>;
  try {
    audio = readPcm16Wav(await readFile(file));
  } catch (error) {
    throw new InternalError(`the audio stage's ${AUDIO_FILE} cannot be read: ${(error as Error).message}`);
  }
  if (audio.sampleRate !== SAMPLE_RATE) {
    throw new InternalError(
      `the audio stage's ${AUDIO_FILE} is ${audio.sampleRate} Hz; speech needs ${SAMPLE_RATE}`,
    );
  }
  return audio.samples;
}

async function speechSegments(
  ctx: StageContext,
  model: string,
): Promise<{ segments: Segment[]; asr: TranscriptOutput['asr'] }> {
  const recognizer = await loadSpeechRecognizer(model, { modelsDir: ctx.config.MODELS_DIR });
  const samples = await audioSamples(ctx);
  ctx.progress(0.3);
  // A language the model does not know (a typo in the resource) is detected rather than failing the video.
  const asked = ctx.video.language;
  const language = recognizer.languages.includes(asked) ? asked : 'auto';
  const t = await recognizer.transcribe(samples, {
    language,
    windowSeconds: ctx.pipeline.ASR_WINDOW_SECONDS,
    overlapSeconds: ctx.pipeline.ASR_OVERLAP_SECONDS,
    onProgress: (share) => ctx.progress(0.3 + 0.65 * share),
  });
  const source = `asr:${recognizer.model.name}`;
  return {
    segments: t.segments.map((s) => ({ ...s, source })),
    asr: {
      model: recognizer.model.name,
      revision: recognizer.model.revision,
      language: t.language,
      detected: language === 'auto',
      segments: t.segments.length,
    },
  };
}

export const asr: StageHandler = async (ctx) => {
  const info = await getJson(ctx, ARTIFACTS.probe);
  // Without an audio stream there is no speech to recognise; subtitle tracks are still read.
  const model = info.audio ? ctx.pipeline.ASR_MODEL : 'none';
  // Fail before any work when the speech model is not there (the message names the fetch command).
  if (model !== 'none') modelDir(model, ctx.config.MODELS_DIR);
  const segments = await subtitleSegments(ctx, info);
  ctx.progress(0.2);
  const speech = model === 'none' ? undefined : await speechSegments(ctx, model);
  const all = [...segments, ...(speech?.segments ?? [])].sort((a, b) => a.start - b.start || a.end - b.end);
  const sources = [...new Set(all.map((s) => s.source))];
  if (all.length === 0 && !speech) {
    // A rerun must not leave an earlier run's transcript for embed-text to find.
    await ctx.store.delete(
      ctx.config.S3_BUCKET_ARTIFACTS,
      artifactKey(ctx, ARTIFACTS.transcript.stage, ARTIFACTS.transcript.name),
    );
    return skipped('no subtitle track and speech recognition is off: no transcript', { segments: 0 });
  }
  const language = speech?.asr?.language ?? ctx.video.language;
  const out: TranscriptOutput = { language, sources, segments: all, ...(speech ? { asr: speech.asr } : {}) };
  await putJson(ctx, ARTIFACTS.transcript, out);
  const from = sources.length > 0 ? sources.join(', ') : `${model} (no speech heard)`;
  return succeeded(`${all.length} transcript segment(s) from ${from}, language ${language}`, {
    segments: all.length,
    source: sources.join(','),
    language,
  });
};
