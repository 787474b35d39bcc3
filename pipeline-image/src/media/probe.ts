// What a video is (container, streams, duration, frame rate, rotation), read with ffprobe through
// fluent-ffmpeg, and the pure rules that accept it or reject it with a reason a person understands.
import ffmpeg, { type FfprobeData, type FfprobeStream } from 'fluent-ffmpeg';
import { formatDuration } from '../../../core/media/format-duration.js';

export interface SubtitleTrack {
  /** Index among the file's subtitle streams (`-map 0:s:N`). */
  index: number;
  codec: string;
  language?: string;
}

export interface ProbeInfo {
  container: string;
  durationSeconds: number;
  sizeBytes: number;
  video: {
    codec: string;
    width: number;
    height: number;
    /** Width and height as shown, after rotation. */
    displayWidth: number;
    displayHeight: number;
    fps: number;
    variableFrameRate: boolean;
    /** Clockwise degrees the player turns the picture: 0, 90, 180 or 270. */
    rotation: number;
  };
  audio?: { codec: string; sampleRate: number; channels: number };
  subtitles: SubtitleTrack[];
  /** Container title and other text tags, NFC-normalized. */
  tags: Record<string, string>;
}

/** Reasons the probe stage gives in its own words, beside judgeProbe's. */
export const REASONS = {
  missing: 'the uploaded file is not in storage; upload it again',
  empty: 'the file is empty (0 bytes); upload the video file itself',
  incomplete: 'the upload looks incomplete — upload it again',
  unplayable: (why: string) =>
    `the file is not a playable video (ffprobe: ${why}); upload a video in MP4, MOV, AVI, MKV or WebM`,
};

export type ProbeVerdict = { ok: true; info: ProbeInfo } | { ok: false; reason: string };

/** "30000/1001" → 29.97; undefined for "0/0", "N/A" and the like. */
export function parseRate(rate: string | undefined): number | undefined {
  if (!rate) return undefined;
  const [n, d] = rate.split('/').map(Number);
  const value = d === undefined ? n : (n ?? Number.NaN) / d;
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

function finite(x: unknown): number | undefined {
  const n = typeof x === 'number' ? x : typeof x === 'string' ? Number(x) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** Rotation from the `rotate` tag (older muxers) or the display matrix side data (newer ones). */
export function rotationOf(stream: FfprobeStream): number {
  const fromTag = finite(stream.tags?.rotate);
  const sideData = (stream.side_data_list as { rotation?: unknown }[] | undefined)?.find(
    (s) => s.rotation !== undefined,
  );
  // The display matrix says counter-clockwise (-90 for a phone held upright); the tag says clockwise.
  const degrees = fromTag ?? (sideData ? -(finite(sideData.rotation) ?? 0) : (finite(stream.rotation) ?? 0));
  return (((Math.round(degrees / 90) * 90) % 360) + 360) % 360;
}

const nfcTags = (tags: Record<string, unknown> | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.entries(tags ?? {})
      .filter(([, v]) => typeof v === 'string' || typeof v === 'number')
      .map(([k, v]) => [k.toLowerCase(), String(v).normalize('NFC')]),
  );

export interface ProbeLimits {
  maxSeconds: number;
  /** Width × height of one frame (MAX_VIDEO_PIXELS): larger frames fail to decode or exhaust memory. */
  maxPixels: number;
  sizeBytes: number;
}

const megapixels = (n: number) =>
  n >= 100_000 ? `${(n / 1e6).toFixed(1).replace(/\.0$/, '')} megapixels` : `${n} pixels`;

/**
 * Accepts a probed file or says, for a person, why it is not a video heimdex can index and what to do
 * (every reason carries its action: the API shows it as it is).
 */
export function judgeProbe(data: FfprobeData, opts: ProbeLimits): ProbeVerdict {
  if (opts.sizeBytes === 0) return { ok: false, reason: REASONS.empty };
  const streams = data.streams ?? [];
  // A cover picture in an audio file is a "video" stream with the attached_pic disposition.
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (!video) {
    return {
      ok: false,
      reason: audio
        ? 'the file has sound but no picture (audio only); upload a video'
        : 'the file has no video stream; upload a video file',
    };
  }
  const duration = finite(data.format?.duration) ?? finite(video.duration);
  if (duration === undefined || duration <= 0) {
    return {
      ok: false,
      reason: 'the video has no readable length; the file may be cut short or damaged — upload it again',
    };
  }
  if (duration > opts.maxSeconds) {
    return {
      ok: false,
      reason: `the video is ${formatDuration(duration)} long; the longest accepted is ${formatDuration(opts.maxSeconds)} — trim it and upload it again`,
    };
  }
  const width = finite(video.width) ?? 0;
  const height = finite(video.height) ?? 0;
  if (width <= 0 || height <= 0)
    return {
      ok: false,
      reason: 'the video stream has no picture size; the file may be damaged — export it again and upload it',
    };
  if (width * height > opts.maxPixels)
    return {
      ok: false,
      reason: `the picture is ${width}×${height} (${megapixels(width * height)}); the largest accepted is ${megapixels(opts.maxPixels)} — scale it down (to 3840×2160, for example) and upload it again`,
    };
  const avg = parseRate(video.avg_frame_rate);
  const real = parseRate(video.r_frame_rate);
  const fps = avg ?? real ?? 25;
  const rotation = rotationOf(video);
  const turned = rotation === 90 || rotation === 270;
  return {
    ok: true,
    info: {
      container: String(data.format?.format_name ?? 'unknown'),
      durationSeconds: duration,
      sizeBytes: opts.sizeBytes,
      video: {
        codec: video.codec_name ?? 'unknown',
        width,
        height,
        displayWidth: turned ? height : width,
        displayHeight: turned ? width : height,
        fps: Number(fps.toFixed(3)),
        // r_frame_rate is the base rate; an average well off it means frames come at varying intervals.
        variableFrameRate: avg !== undefined && real !== undefined && Math.abs(avg - real) / real > 0.01,
        rotation,
      },
      ...(audio && {
        audio: {
          codec: audio.codec_name ?? 'unknown',
          sampleRate: finite(audio.sample_rate) ?? 0,
          channels: finite(audio.channels) ?? 0,
        },
      }),
      subtitles: streams
        .filter((s) => s.codec_type === 'subtitle')
        .map((s, index) => ({
          index,
          codec: s.codec_name ?? 'unknown',
          ...(typeof s.tags?.language === 'string' && { language: s.tags.language }),
        })),
      tags: nfcTags(data.format?.tags as Record<string, unknown> | undefined),
    },
  };
}

export class ProbeFailed extends Error {
  override readonly name = 'ProbeFailed';
}

/** ffprobe through fluent-ffmpeg; a file ffprobe cannot open rejects with ProbeFailed (ffprobe's own words). */
export function ffprobe(file: string): Promise<FfprobeData> {
  return new Promise((resolve, reject) => {
    ffmpeg.ffprobe(file, (err: Error | null, data: FfprobeData) => {
      if (!err) return resolve(data);
      // fluent-ffmpeg puts ffprobe's stderr in the message; its last line is the reason.
      const lines = err.message
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      const notStarted = /spawn|ENOENT/.test(err.message);
      if (notStarted) return reject(err);
      reject(new ProbeFailed(lines.at(-1) ?? err.message));
    });
  });
}
