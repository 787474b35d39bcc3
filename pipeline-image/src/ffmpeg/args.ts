// ffmpeg command lines as data: pure functions, table-tested, spawned in one place (ffmpeg/run.ts).
// Every unusual flag says why.

/** Flags every invocation starts with: never read stdin (a Job has none), errors only on stderr,
 * and machine-readable progress on stdout so a stage can report how far it is. */
export function baseArgs(threads = 0, progress = 'pipe:1'): string[] {
  const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-progress', progress, '-nostats', '-y'];
  // 0 lets ffmpeg pick; a Job with a CPU limit wants a number matching it.
  if (threads > 0) args.push('-threads', String(threads));
  return args;
}

/** 16 kHz mono 16-bit PCM WAV, the input Whisper expects, from the first audio stream. */
export function audioArgs(input: string, output: string, threads = 0): string[] {
  return [
    ...baseArgs(threads),
    '-i',
    input,
    '-map',
    '0:a:0',
    // Only the audio: no video decode, no subtitles or data streams copied along.
    '-vn',
    '-sn',
    '-dn',
    '-ac',
    '1',
    '-ar',
    '16000',
    '-c:a',
    'pcm_s16le',
    // Drops the container's metadata (titles, encoder tags): the WAV is then byte-identical across runs.
    '-map_metadata',
    '-1',
    '-fflags',
    '+bitexact',
    '-flags:a',
    '+bitexact',
    '-f',
    'wav',
    output,
  ];
}

/** The input's first video stream only: no audio, subtitle or data streams read into the graph. */
function videoOnly(input: string, threads = 0, progress = 'pipe:1'): string[] {
  return [...baseArgs(threads, progress), '-i', input, '-map', '0:v:0', '-an', '-sn', '-dn'];
}

/** Escapes a value for use inside an ffmpeg filter graph option (`:`, `\`, `'`, `,`, `;`, `[`, `]`). */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\':,;[\]]/g, (c) => `\\${c}`);
}

/**
 * One decode pass for shot detection: every frame squeezed to a small RGB picture (area averaging, so a
 * block is the mean of what it covers and noise and fine motion average out) and streamed raw on stdout;
 * progress moves to fd 3, which streamFfmpeg reads. `select` with an always-true scene condition gives
 * every frame metadata, so `metadata=print` writes each frame's pts_time to ptsFile: frames of a variable
 * frame rate video keep their real times.
 */
export function frameStreamArgs(
  input: string,
  ptsFile: string,
  opts: { width: number; height: number; threads?: number },
): string[] {
  const filter = [
    `scale=${opts.width}:${opts.height}:flags=area`,
    "select='gte(scene\\,0)'",
    `metadata=mode=print:key=lavfi.scene_score:file=${escapeFilterValue(ptsFile)}`,
    'format=rgb24',
  ].join(',');
  return [
    ...videoOnly(input, opts.threads, 'pipe:3'),
    '-vf',
    filter,
    // One raw frame out per decoded frame: no duplicates or drops to fill a constant rate.
    '-fps_mode',
    'passthrough',
    '-f',
    'rawvideo',
    'pipe:1',
  ];
}

export interface KeyframeTarget {
  /** The time the representative frame should be taken at (the first frame at or after it is used). */
  at: number;
  /** Scene end: a frame at or after this belongs to the next scene. */
  end: number;
}

const num = (x: number) => Number(x.toFixed(6)).toString();

/**
 * The select expression that keeps, for each target, the first frame at or after `at` and before
 * `end`; `prev_selected_t` (NaN before the first pick) stops a second frame of the same scene.
 */
export function keyframeSelectExpr(targets: readonly KeyframeTarget[]): string {
  return targets
    .map(
      (t) =>
        `gte(t,${num(t.at)})*lt(t,${num(t.end)})*(isnan(prev_selected_t)+lt(prev_selected_t,${num(t.at)}))`,
    )
    .join('+');
}

/**
 * The filter graph for keyframes: the selection; each picked frame tagged and its pts_time printed to
 * timesFile (so every output image is matched to its target by time, even where a variable frame rate
 * leaves a target without a frame); then a downscale to at most maxSide on the longest side.
 */
export function keyframeFilter(
  targets: readonly KeyframeTarget[],
  maxSide: number,
  timesFile: string,
): string {
  return [
    `select='${keyframeSelectExpr(targets)}'`,
    'metadata=mode=add:key=heimdex.keyframe:value=1',
    `metadata=mode=print:key=heimdex.keyframe:file=${escapeFilterValue(timesFile)}`,
    // Fit inside maxSide × maxSide without ever upscaling a small video.
    `scale='min(${maxSide},iw)':'min(${maxSide},ih)':force_original_aspect_ratio=decrease`,
  ].join(',');
}

/**
 * All keyframes in one decode pass (never one seek per scene). The filter goes through a script file:
 * with hundreds of scenes the select expression outgrows a comfortable command line.
 */
export function keyframeArgs(input: string, filterScript: string, outPattern: string, threads = 0): string[] {
  return [
    ...videoOnly(input, threads),
    '-filter_script:v',
    filterScript,
    // One output image per selected frame, with no duplicated or dropped frames to fill a rate.
    '-fps_mode',
    'passthrough',
    '-q:v',
    '2',
    '-f',
    'image2',
    outPattern,
  ];
}

/** One subtitle stream (mov_text, SubRip, ASS/SSA, WebVTT…) converted to SubRip text, which one parser reads. */
export function subtitleArgs(input: string, subtitleIndex: number, output: string): string[] {
  return [...baseArgs(), '-i', input, '-map', `0:s:${subtitleIndex}`, '-c:s', 'srt', '-f', 'srt', output];
}
