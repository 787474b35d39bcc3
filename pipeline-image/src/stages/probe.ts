// probe: what the upload is, and whether heimdex can index it (a playable video, not empty, not too long).
import { open } from 'node:fs/promises';
import { containerHeader } from '../../../core/media/container-header.js';
import { ARTIFACTS } from '../artifacts.js';
import { putJson, type StageHandler, sourceFile, succeeded } from '../context.js';
import { BadInputError } from '../errors.js';
import { ffprobe, judgeProbe, ProbeFailed, REASONS } from '../media/probe.js';

export const probe: StageHandler = async (ctx) => {
  const head = await ctx.store.head(ctx.video.sourceBucket, ctx.video.sourceKey);
  if (!head) throw new BadInputError(REASONS.missing);
  if (head.sizeBytes === 0) throw new BadInputError(REASONS.empty);
  const file = await sourceFile(ctx);
  // A file cut short says so in its header (a box or segment running past the end): the owner can fix
  // that by uploading again, and no later stage trips over the missing bytes.
  if (await cutShort(file, head.sizeBytes)) throw new BadInputError(REASONS.incomplete);
  let data: Awaited<ReturnType<typeof ffprobe>>;
  try {
    data = await ffprobe(file);
  } catch (err) {
    if (err instanceof ProbeFailed) {
      // An MP4 whose index never arrived: what an upload cut short at the end leaves.
      if (/moov atom not found/.test(err.message)) throw new BadInputError(REASONS.incomplete);
      // The owner reads this: ffprobe names our scratch path, which says nothing to them and differs by executor.
      const why = err.message.split(`${file}: `).join('');
      throw new BadInputError(REASONS.unplayable(why));
    }
    throw err;
  }
  const verdict = judgeProbe(data, {
    maxSeconds: ctx.config.MAX_VIDEO_SECONDS,
    maxPixels: ctx.config.MAX_VIDEO_PIXELS,
    sizeBytes: head.sizeBytes,
  });
  if (!verdict.ok) throw new BadInputError(verdict.reason);
  const info = verdict.info;
  await putJson(ctx, ARTIFACTS.probe, info);
  return succeeded(
    `${info.video.displayWidth}×${info.video.displayHeight} ${info.video.codec}, ${info.durationSeconds.toFixed(1)} s` +
      `${info.audio ? ', with sound' : ', no sound'}${info.subtitles.length ? `, ${info.subtitles.length} subtitle track(s)` : ''}`,
    {
      durationSeconds: info.durationSeconds,
      hasAudio: info.audio !== undefined,
      hasSubtitles: info.subtitles.length > 0,
      width: info.video.displayWidth,
      height: info.video.displayHeight,
      fps: info.video.fps,
      rotation: info.video.rotation,
      variableFrameRate: info.video.variableFrameRate,
      container: info.container,
    },
  );
};

/** Whether the local copy ends before its container header says it does. */
async function cutShort(file: string, size: number): Promise<boolean> {
  const fd = await open(file, 'r');
  try {
    const read = async (start: number, end: number) => {
      const buf = Buffer.alloc(Math.max(0, Math.min(end, size - 1) - start + 1));
      await fd.read(buf, 0, buf.length, start);
      return buf;
    };
    return (await containerHeader(read, size)).truncatedAt !== undefined;
  } finally {
    await fd.close();
  }
}
