// What the upload endpoints decide: checks on what is announced and what arrived, state moves, hand-off
// to ingestion, and cleanup of uploads that were abandoned.
import { randomUUID } from 'node:crypto';
import { VIDEO_MIME_TYPES } from '../core/crd/videoingestion.js';
import { containerHeader } from '../core/media/container-header.js';
import { keys } from '../core/storage/store.js';
import { ApiError } from './errors.js';
import { sanitizeFilename } from './filename.js';
import { SNIFF_BYTES, sniffContainer } from './media-sniff.js';
import * as videos from './repositories/videos.js';
import { uploadMessages as say } from './upload-messages.js';
import { partBytes, planParts } from './upload-plan.js';
import { notFound, type VideoDeps } from './videos-service.js';

interface InitInput {
  filename: string;
  mime_type: string;
  size_bytes: number;
  title?: string;
  description?: string;
  language?: string;
}

function checkUpload(deps: VideoDeps, input: InitInput): { filename: string; mime: string } {
  const mime = input.mime_type.trim().toLowerCase();
  if (!(VIDEO_MIME_TYPES as readonly string[]).includes(mime)) {
    throw new ApiError('unsupported_media_type', say.unsupportedType(input.mime_type, VIDEO_MIME_TYPES));
  }
  if (input.size_bytes > deps.settings.maxVideoBytes) {
    throw new ApiError('payload_too_large', say.tooLarge(input.size_bytes, deps.settings.maxVideoBytes));
  }
  const filename = sanitizeFilename(input.filename);
  if (!filename)
    throw new ApiError('validation_failed', say.noUsableName(), [
      { field: 'body.filename', message: 'no usable characters' },
    ]);
  return { filename, mime };
}

function newVideo(userId: string, input: InitInput, filename: string, mime: string) {
  const videoId = randomUUID();
  return {
    video_id: videoId,
    user_id: userId,
    title: (input.title ?? filename).normalize('NFC').trim() || filename,
    description: input.description?.normalize('NFC') ?? null,
    filename,
    storage_key: keys.source(userId, videoId),
    mime_type: mime,
    size_bytes: input.size_bytes,
  };
}

export async function initUpload(deps: VideoDeps, userId: string, input: InitInput) {
  const { filename, mime } = checkUpload(deps, input);
  const v = newVideo(userId, input, filename, mime);
  const put = await deps.store.presignPut(deps.settings.uploadsBucket, v.storage_key, {
    expiresIn: deps.settings.uploadUrlSeconds,
    contentType: mime,
    contentLength: input.size_bytes,
  });
  await videos.insertVideoWithUpload(deps.db, v, {
    multipart_id: null,
    part_size: null,
    part_count: null,
    language: input.language ?? null,
    expires_at: new Date(Date.now() + deps.settings.uploadTtlSeconds * 1000),
  });
  return {
    video_id: v.video_id,
    upload_url: put.url,
    upload_method: 'PUT' as const,
    upload_headers: put.headers,
    expires_in: put.expiresIn,
  };
}

export async function initMultipart(
  deps: VideoDeps,
  userId: string,
  input: InitInput & { part_size?: number },
) {
  const { filename, mime } = checkUpload(deps, input);
  const { partSize, partCount, lastPartSize } = planParts(input.size_bytes, input.part_size);
  const v = newVideo(userId, input, filename, mime);
  const uploadId = await deps.store.createMultipart(deps.settings.uploadsBucket, v.storage_key, mime);
  const expiresAt = new Date(Date.now() + deps.settings.uploadTtlSeconds * 1000);
  try {
    await videos.insertVideoWithUpload(deps.db, v, {
      multipart_id: uploadId,
      part_size: partSize,
      part_count: partCount,
      language: input.language ?? null,
      expires_at: expiresAt,
    });
  } catch (error) {
    await deps.store.abortMultipart(deps.settings.uploadsBucket, v.storage_key, uploadId).catch(() => {});
    throw error;
  }
  return {
    video_id: v.video_id,
    part_size: partSize,
    part_count: partCount,
    last_part_size: lastPartSize,
    expires_at: expiresAt.toISOString(),
  };
}

async function multipartOf(deps: VideoDeps, userId: string, videoId: string) {
  const video = await videos.findVideo(deps.db, userId, videoId);
  if (!video) throw notFound();
  const upload = await videos.findUpload(deps.db, videoId);
  if (video.state !== 'uploading' || !upload?.multipart_id) {
    throw new ApiError('invalid_state', say.noResumable(video.state));
  }
  return { video, upload, multipartId: upload.multipart_id };
}

/** Presigned part URLs; asking again for the same parts gives fresh URLs (for ones that expired). */
export async function partUrls(deps: VideoDeps, userId: string, videoId: string, partNumbers: number[]) {
  const { video, upload, multipartId } = await multipartOf(deps, userId, videoId);
  const beyond = partNumbers.filter((n) => n > (upload.part_count ?? 0));
  if (beyond.length) {
    throw new ApiError('validation_failed', say.partOutsidePlan(upload.part_count ?? 0, beyond[0]!));
  }
  const expiresIn = deps.settings.uploadUrlSeconds;
  const plan = {
    sizeBytes: Number(video.size_bytes),
    partSize: Number(upload.part_size),
    partCount: upload.part_count ?? 0,
  };
  const parts = await Promise.all(
    [...new Set(partNumbers)]
      .sort((a, b) => a - b)
      .map(async (n) => {
        const size = partBytes(plan, n);
        const { url } = await deps.store.presignPart(
          deps.settings.uploadsBucket,
          video.storage_key,
          multipartId,
          n,
          { expiresIn, contentLength: size },
        );
        return { part_number: n, url, size_bytes: size };
      }),
  );
  const uploaded = (
    await deps.store.listParts(deps.settings.uploadsBucket, video.storage_key, multipartId)
  ).map((p) => p.partNumber);
  return { video_id: videoId, expires_in: expiresIn, parts, uploaded };
}

export async function abortUpload(deps: VideoDeps, userId: string, videoId: string): Promise<void> {
  const { video, multipartId } = await multipartOf(deps, userId, videoId);
  await deps.store.abortMultipart(deps.settings.uploadsBucket, video.storage_key, multipartId);
  await videos.transition(deps.db, userId, videoId, ['uploading'], 'deleted', {
    text: 'upload aborted by the client',
    category: 'BadInput',
  });
  await videos.deleteUpload(deps.db, videoId);
}

/**
 * Checks the upload really arrived and looks like a video, then hands it to ingestion. A second call
 * for a video already past uploading is a no-op answering the current state; a call that finds the
 * ingestion not yet created (an earlier attempt failed half-way) creates it.
 */
export async function completeUpload(deps: VideoDeps, userId: string, videoId: string) {
  const video = await videos.findVideo(deps.db, userId, videoId);
  if (!video) throw notFound();
  if (video.state === 'failed' || video.state === 'deleted') {
    throw new ApiError('invalid_state', say.ended(video.state, video.error_text));
  }
  if (video.state !== 'uploading') {
    if (video.state === 'validating') {
      await submit(deps, video, (await videos.findUpload(deps.db, videoId))?.language);
      await videos.deleteUpload(deps.db, videoId);
    }
    return { video_id: videoId, state: video.state };
  }
  const bucket = deps.settings.uploadsBucket;
  const upload = await videos.findUpload(deps.db, videoId);
  if (upload?.multipart_id) {
    const parts = await deps.store.listParts(bucket, video.storage_key, upload.multipart_id);
    const missing = Array.from({ length: upload.part_count ?? 0 }, (_, i) => i + 1).filter(
      (n) => !parts.some((p) => p.partNumber === n),
    );
    if (missing.length > 0) {
      // Not a lie, just unfinished: the client can upload the rest and call complete again.
      throw new ApiError(
        'upload_incomplete',
        say.partsMissing(missing.length, upload.part_count ?? 0, missing[0]!),
      );
    }
    await deps.store.completeMultipart(bucket, video.storage_key, upload.multipart_id, parts);
  }
  const declared = Number(video.size_bytes);
  const head = await deps.store.head(bucket, video.storage_key);
  if (!head) {
    await fail(deps, video, 'upload_incomplete', say.noFile());
  } else if (head.sizeBytes !== declared) {
    await fail(deps, video, 'upload_size_mismatch', say.sizeMismatch(head.sizeBytes, declared));
  } else if (!sniffContainer(await deps.store.getRange(bucket, video.storage_key, 0, SNIFF_BYTES - 1))) {
    await fail(deps, video, 'not_a_video', say.notAVideo());
  } else {
    // What the container header says, from a few range reads; what it does not say, the probe decides.
    const header = await containerHeader(
      (start, end) => deps.store.getRange(bucket, video.storage_key, start, end),
      head.sizeBytes,
    );
    const seconds = header.durationSeconds;
    const max = deps.settings.maxVideoSeconds;
    if (header.truncatedAt) {
      const { size, expected } = header.truncatedAt;
      await fail(deps, video, 'video_truncated', say.truncated(size, expected));
    } else if (seconds !== undefined && seconds > max) {
      await fail(deps, video, 'video_too_long', say.tooLong(seconds, max));
    }
  }
  const moved = await videos.transition(deps.db, userId, videoId, ['uploading'], 'validating');
  if (!moved) return completeUpload(deps, userId, videoId); // a concurrent complete won the race
  // The upload row (with the requested language) stays until ingestion has the video.
  await submit(deps, moved, upload?.language);
  await videos.deleteUpload(deps.db, videoId);
  return { video_id: videoId, state: 'validating' as const };
}

async function submit(deps: VideoDeps, video: videos.VideoRow, language?: string | null): Promise<void> {
  try {
    await deps.submitter.submit({
      videoId: video.video_id,
      userId: video.user_id,
      bucket: deps.settings.uploadsBucket,
      key: video.storage_key,
      sizeBytes: Number(video.size_bytes),
      mimeType: video.mime_type ?? 'video/mp4',
      language: language ?? deps.settings.defaultLanguage,
    });
  } catch (error) {
    deps.log.error({ err: error, videoId: video.video_id }, 'could not hand the video to ingestion');
    throw new ApiError('dependency_unavailable', say.notStarted());
  }
}

/** Marks the video failed with the reason, removes the bad object, and answers the client with the same reason. */
async function fail(
  deps: VideoDeps,
  video: videos.VideoRow,
  code: 'upload_incomplete' | 'upload_size_mismatch' | 'not_a_video' | 'video_too_long' | 'video_truncated',
  reason: string,
): Promise<never> {
  await videos.transition(deps.db, video.user_id, video.video_id, ['uploading'], 'failed', {
    text: reason,
    category: 'BadInput',
  });
  await videos.deleteUpload(deps.db, video.video_id);
  await deps.store.delete(deps.settings.uploadsBucket, video.storage_key).catch(() => {});
  throw new ApiError(code, reason);
}

export async function sweepAbandonedUploads(deps: VideoDeps, now = new Date()): Promise<number> {
  let total = 0;
  // In batches, so a backlog (a server that was down for a day) is cleared without one huge query.
  for (;;) {
    const expired = await videos.expiredUploads(deps.db, now, 100);
    for (const u of expired) {
      if (u.multipart_id)
        await deps.store.abortMultipart(deps.settings.uploadsBucket, u.storage_key, u.multipart_id);
      await deps.store.delete(deps.settings.uploadsBucket, u.storage_key).catch(() => {});
      await videos.transition(deps.db, u.user_id, u.video_id, ['uploading'], 'failed', {
        text: say.abandoned(),
        category: 'BadInput',
      });
      await videos.deleteUpload(deps.db, u.video_id);
    }
    total += expired.length;
    if (expired.length < 100) break;
  }
  if (total) deps.log.info({ count: total }, 'abandoned uploads cleaned up');
  return total;
}
