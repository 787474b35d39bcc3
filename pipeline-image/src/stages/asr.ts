// asr: the timed transcript. Subtitle tracks (mov_text, SubRip/ASS in MKV, WebVTT) are read as transcript
// with their source recorded; speech recognition (Whisper, models/runtime/speech.ts) adds what was said.

import { mkdir, readFile } from 'node:fs/promises';
import { ModelMissingError, modelDir } from '../../../models/manifest.js';
import { loadSpeechRecognizer, SAMPLE_RATE } from '../../../models/runtime/speech.js';
import { loadVoiceDetector, type Region } from '../../../models/runtime/vad.js';
import { ARTIFACTS, type TranscriptOutput } from '../artifacts.js';
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
import { InternalError, oneLine } from '../errors.js';
import { subtitleArgs } from '../ffmpeg/args.js';
import { FfmpegError, runFfmpeg } from '../ffmpeg/run.js';
import type { ProbeInfo, SubtitleTrack } from '../media/probe.js';
import { parseSrt, type Segment } from '../media/transcript.js';
import { readPcm16Wav } from '../media/wav.js';
import { AUDIO_FILE } from './audio.js';

const ISO2_TO_3: Record<string, string> = { ko: 'kor', en: 'eng', ja: 'jpn', zh: 'zho' };

/**
 * Subtitle codecs that are pictures, not text (Blu-ray PGS, DVD VobSub, DVB, DivX XSUB): ffmpeg cannot turn them
 * into SubRip, and reading them needs OCR (the on-screen-text stage's work, once there is one).
 */
export const BITMAP_SUBTITLE_CODECS: ReadonlySet<string> = new Set([
  'hdmv_pgs_subtitle',
  'dvd_subtitle',
  'dvb_subtitle',
  'xsub',
]);

/** The text track in the video's language, else the first text one: several tracks are usually translations. */
export function pickSubtitleTrack(
  tracks: readonly SubtitleTrack[],
  language: string,
): SubtitleTrack | undefined {
  const text = tracks.filter((t) => !BITMAP_SUBTITLE_CODECS.has(t.codec));
  const wanted = [language, ISO2_TO_3[language]].filter(Boolean);
  return text.find((t) => t.language && wanted.includes(t.language)) ?? text[0];
}

/** What a person should know about the tracks that are not read: bitmap ones are skipped, not failed on. */
export function skippedTrackNotes(tracks: readonly SubtitleTrack[]): string[] {
  const bitmap = tracks.filter((t) => BITMAP_SUBTITLE_CODECS.has(t.codec));
  if (bitmap.length === 0) return [];
  const which = bitmap.map((t) => `${t.index} (${t.codec}${t.language ? `, ${t.language}` : ''})`).join(', ');
  return [`subtitle track(s) ${which} are pictures, not text: skipped (on-screen text is not read yet)`];
}

async function subtitleSegments(ctx: StageContext, info: ProbeInfo, notes: string[]): Promise<Segment[]> {
  notes.push(...skippedTrackNotes(info.subtitles));
  const track = pickSubtitleTrack(info.subtitles, ctx.video.language);
  if (!track) return [];
  const input = await sourceFile(ctx);
  await mkdir(scratchPath(ctx), { recursive: true });
  const out = scratchPath(ctx, `subtitles-${track.index}.srt`);
  try {
    await runFfmpeg(subtitleArgs(input, track.index, out));
  } catch (error) {
    // The same track fails the same way every time: it is skipped, and the speech still read.
    if (!(error instanceof FfmpegError) || error.signal) throw error;
    notes.push(`subtitle track ${track.index} (${track.codec}) could not be read: ${oneLine(error)}`);
    return [];
  }
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

/** The speech regions voice activity detection finds, or undefined (with a note) when it is off or missing. */
async function speechRegions(
  ctx: StageContext,
  samples: Float32Array,
  notes: string[],
): Promise<{ vad: string; regions?: Region[] }> {
  const model = ctx.pipeline.ASR_VAD_MODEL;
  if (model === 'none') return { vad: 'none' };
  let detector: Awaited<ReturnType<typeof loadVoiceDetector>>;
  try {
    detector = await loadVoiceDetector(model, { modelsDir: ctx.config.MODELS_DIR });
  } catch (error) {
    if (!(error instanceof ModelMissingError)) throw error;
    // Without it Whisper decodes the whole audio, guarded by its own no-speech probability: worse, not broken.
    notes.push(`voice activity detection off: ${oneLine((error as Error).message)}`);
    return { vad: 'none' };
  }
  return { vad: model, regions: await detector.regions(samples) };
}

async function speechSegments(
  ctx: StageContext,
  model: string,
): Promise<{ segments: Segment[]; asr: NonNullable<TranscriptOutput['asr']> }> {
  const recognizer = await loadSpeechRecognizer(model, { modelsDir: ctx.config.MODELS_DIR });
  const samples = await audioSamples(ctx);
  const notes: string[] = [];
  const { vad, regions } = await speechRegions(ctx, samples, notes);
  ctx.progress(0.3);
  const allowed = ctx.pipeline.ASR_LANGUAGES.split(',');
  const unknown = allowed.filter((l) => !recognizer.languages.includes(l));
  if (unknown.length > 0)
    throw new InternalError(`ASR_LANGUAGES names languages ${model} does not know: ${unknown.join(', ')}`);
  // A language the model does not know (a typo in the resource) is detected rather than failing the video.
  const asked = ctx.video.language;
  const language = recognizer.languages.includes(asked) ? asked : 'auto';
  if (asked !== 'auto' && language === 'auto')
    notes.push(`${model} does not know the language "${asked}": detected among ${allowed.join(', ')}`);
  const t = await recognizer.transcribe(samples, {
    language,
    languages: allowed,
    beamSize: ctx.pipeline.ASR_BEAM_SIZE,
    bestOf: ctx.pipeline.ASR_BEST_OF,
    maxTokensPerWindow: ctx.pipeline.ASR_MAX_TOKENS_PER_WINDOW,
    ...(regions ? { speech: regions } : {}),
    onProgress: (share) => ctx.progress(0.3 + 0.65 * share),
  });
  const source = `asr:${recognizer.model.name}`;
  return {
    segments: t.segments.map((s) => ({ ...s, source })),
    asr: {
      model: recognizer.model.name,
      revision: recognizer.model.revision,
      language: t.language,
      detected: t.detected,
      ...(t.languageProbability !== undefined ? { languageProbability: t.languageProbability } : {}),
      segments: t.segments.length,
      vad,
      beamSize: ctx.pipeline.ASR_BEAM_SIZE,
      stats: t.stats,
      notes: [...notes, ...t.notes],
    },
  };
}

export const asr: StageHandler = async (ctx) => {
  const info = await getJson(ctx, ARTIFACTS.probe);
  // Without an audio stream there is no speech to recognise; subtitle tracks are still read.
  const model = info.audio ? ctx.pipeline.ASR_MODEL : 'none';
  // Fail before any work when the speech model is not there (the message names the fetch command).
  if (model !== 'none') modelDir(model, ctx.config.MODELS_DIR);
  const trackNotes: string[] = [];
  const segments = await subtitleSegments(ctx, info, trackNotes);
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
    const why = trackNotes.length > 0 ? `; ${trackNotes.join('; ')}` : '';
    return skipped(`no subtitle track read and speech recognition is off: no transcript${why}`, {
      segments: 0,
    });
  }
  const language = speech?.asr?.language ?? ctx.video.language;
  const out: TranscriptOutput = {
    language,
    sources,
    segments: all,
    ...(trackNotes.length > 0 ? { notes: trackNotes } : {}),
    ...(speech ? { asr: speech.asr } : {}),
  };
  await putJson(ctx, ARTIFACTS.transcript, out);
  const from = sources.length > 0 ? sources.join(', ') : `${model} (no speech heard)`;
  const a = speech?.asr;
  const heard = a?.detected
    ? `, language ${language} (detected${a.languageProbability !== undefined ? `, p=${a.languageProbability.toFixed(2)}` : ''})`
    : `, language ${language}`;
  const allNotes = [...trackNotes, ...(a?.notes ?? [])];
  const notes = allNotes.length > 0 ? `; ${allNotes.join('; ')}` : '';
  return succeeded(`${all.length} transcript segment(s) from ${from}${heard}${notes}`, {
    segments: all.length,
    source: sources.join(','),
    language,
    ...(a?.languageProbability !== undefined ? { languageProbability: a.languageProbability } : {}),
    ...(a ? { windows: a.stats.windows, silentWindows: a.stats.silent, loopWindows: a.stats.loops } : {}),
  });
};
