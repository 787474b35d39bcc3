// ObjectStore on any S3-compatible service (MinIO, AWS S3, R2…): path-style, SigV4 presigned URLs.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { type Config, requireS3 } from '../config.js';
import type { ObjectInfo, ObjectStore, PresignedUrl, UploadedPart } from './store.js';

export function createS3Client(config: Config): S3Client {
  const s3 = requireS3(config);
  return new S3Client({
    endpoint: s3.S3_ENDPOINT,
    region: config.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.S3_ACCESS_KEY, secretAccessKey: s3.S3_SECRET_KEY },
    // Since 3.729 the SDK adds CRC32 checksums by default, which presigned PUTs from plain HTTP
    // clients cannot carry and some S3-compatible servers reject (aws/aws-sdk-js-v3#6810).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 4,
  });
}

/**
 * Headers a presigned PUT binds. Content-Length is what keeps a client from storing more (or less) than
 * the upload announced: the store computes the signature over the length the request really has, so any
 * other size is a 403 before a byte is kept. (SigV4 signs every header the request carries; naming it
 * here keeps it signed should the presigner ever move it to the unsigned set, as it does Content-Type.)
 */
const signed = (contentType?: string) =>
  new Set(contentType ? ['content-length', 'content-type'] : ['content-length']);

const notFound = (e: unknown) => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NotFound' || err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404;
};

export function createS3Store(config: Config, client: S3Client = createS3Client(config)): ObjectStore {
  return {
    async head(bucket, key) {
      try {
        const r = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { key, sizeBytes: r.ContentLength ?? 0, etag: r.ETag, contentType: r.ContentType };
      } catch (e) {
        if (notFound(e)) return undefined;
        throw e;
      }
    },
    async getRange(bucket, key, start, end) {
      const r = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end}` }),
      );
      return Buffer.from(await r.Body!.transformToByteArray());
    },
    async getStream(bucket, key) {
      const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return r.Body as Readable;
    },
    async download(bucket, key, file) {
      await mkdir(dirname(file), { recursive: true });
      const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      await pipeline(r.Body as Readable, createWriteStream(file));
    },
    async put(bucket, key, body, contentType) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
      );
    },
    async upload(bucket, key, file, contentType) {
      const { size } = await stat(file);
      // Multipart above 16 MiB keeps memory flat and lets a failed part be retried alone.
      const upload = new Upload({
        client,
        params: {
          Bucket: bucket,
          Key: key,
          Body: createReadStream(file),
          ContentType: contentType,
          ContentLength: size,
        },
        partSize: 16 * 1024 * 1024,
        queueSize: 2,
      });
      await upload.done();
    },
    async delete(bucket, key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async deletePrefix(bucket, prefix) {
      let deleted = 0;
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        const objects = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
        if (objects.length > 0) {
          const r = await client.send(
            new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
          );
          if (r.Errors?.length)
            throw new Error(
              `could not delete ${r.Errors.length} object(s) under ${prefix}: ${r.Errors[0]?.Message}`,
            );
          deleted += objects.length;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return deleted;
    },
    async list(bucket, prefix) {
      const out: ObjectInfo[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) out.push({ key: o.Key!, sizeBytes: o.Size ?? 0, etag: o.ETag });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out;
    },
    async presignPut(bucket, key, { expiresIn, contentType, contentLength }): Promise<PresignedUrl> {
      const cmd = new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        ContentType: contentType,
        ContentLength: contentLength,
      });
      const url = await getSignedUrl(client, cmd, { expiresIn, signableHeaders: signed(contentType) });
      return { url, method: 'PUT', expiresIn, headers: contentType ? { 'Content-Type': contentType } : {} };
    },
    async presignGet(bucket, key, { expiresIn, filename }): Promise<PresignedUrl> {
      const disposition = filename ? `inline; filename*=UTF-8''${encodeURIComponent(filename)}` : undefined;
      const cmd = new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: disposition });
      return { url: await getSignedUrl(client, cmd, { expiresIn }), method: 'GET', expiresIn, headers: {} };
    },
    async ping() {
      await client.send(new ListBucketsCommand({}));
    },
    async createMultipart(bucket, key, contentType) {
      const r = await client.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }),
      );
      return r.UploadId!;
    },
    async presignPart(bucket, key, uploadId, partNumber, { expiresIn, contentLength }) {
      const cmd = new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        ContentLength: contentLength,
      });
      const url = await getSignedUrl(client, cmd, { expiresIn, signableHeaders: signed() });
      return { url, method: 'PUT', expiresIn, headers: {} };
    },
    async listParts(bucket, key, uploadId) {
      const parts: UploadedPart[] = [];
      let marker: string | undefined;
      do {
        const page = await client.send(
          new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }),
        );
        for (const p of page.Parts ?? [])
          parts.push({ partNumber: p.PartNumber!, etag: p.ETag!, sizeBytes: p.Size ?? 0 });
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker);
      return parts.sort((a, b) => a.partNumber - b.partNumber);
    },
    async completeMultipart(bucket, key, uploadId, parts) {
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
      );
    },
    async abortMultipart(bucket, key, uploadId) {
      try {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      } catch (e) {
        if (!notFound(e) && (e as { name?: string }).name !== 'NoSuchUpload') throw e;
      }
    },
  };
}
