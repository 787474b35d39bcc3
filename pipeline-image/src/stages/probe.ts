// probe: what the upload is, and whether heimdex can index it (a playable video, not empty, not too long).
import { ARTIFACTS } from '../artifacts.js';
import { putJson, type StageHandler, sourceFile, succeeded } from '../context.js';
import { BadInputError } from '../errors.js';
import { ffprobe, judgeProbe, ProbeFailed } from '../media/probe.js';

export const probe: StageHandler = async (ctx) => {
  const head = await ctx.store.head(ctx.video.sourceBucket, ctx.video.sourceKey);
  if (!head) throw new BadInputError('the uploaded file is not in storage; upload it again');
  if (head.sizeBytes === 0) throw new BadInputError('the file is empty (0 bytes)');
  const file = await sourceFile(ctx);
  let data: Awaited<ReturnType<typeof ffprobe>>;
  try {
    data = await ffprobe(file);
  } catch (err) {
    if (err instanceof ProbeFailed) {
      // The owner reads this: ffprobe names our scratch path, which says nothing to them and differs by executor.
      const why = err.message.split(`${file}: `).join('');
      throw new BadInputError(`the file is not a playable video (ffprobe: ${why})`);
    }
    throw err;
  }
  const verdict = judgeProbe(data, { maxSeconds: ctx.config.MAX_VIDEO_SECONDS, sizeBytes: head.sizeBytes });
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
