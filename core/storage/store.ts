// The object storage interface every component uses; S3 (MinIO or any S3-compatible store) implements it,
// and standalone mode's local disk store will implement the same one.
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  key: string;
  sizeBytes: number;
  etag?: string;
  contentType?: string;
}

export interface PresignedUrl {
  url: string;
  method: 'PUT' | 'GET';
  expiresIn: number;
  /** Headers the client must send with the request (e.g. Content-Type the signature covers). */
  headers: Record<string, string>;
}

export interface ObjectStore {
  /** Metadata of an object, or undefined when it does not exist. */
  head(bucket: string, key: string): Promise<ObjectInfo | undefined>;
  /** Bytes [start, end] inclusive (fewer when the object is shorter). */
  getRange(bucket: string, key: string, start: number, end: number): Promise<Buffer>;
  getStream(bucket: string, key: string): Promise<Readable>;
  /** Streams to a local file (large media); creates parent directories. */
  download(bucket: string, key: string, file: string): Promise<void>;
  put(bucket: string, key: string, body: Buffer | string, contentType?: string): Promise<void>;
  /** Uploads a local file (multipart for large files). */
  upload(bucket: string, key: string, file: string, contentType?: string): Promise<void>;
  delete(bucket: string, key: string): Promise<void>;
  /** Deletes every object whose key starts with prefix; returns how many. Idempotent. */
  deletePrefix(bucket: string, prefix: string): Promise<number>;
  list(bucket: string, prefix: string): Promise<ObjectInfo[]>;
  /**
   * A URL that takes one PUT of exactly `contentLength` bytes: the length is part of what is signed, so
   * the store refuses a body of any other size (more is never written, fewer never becomes the object).
   */
  presignPut(
    bucket: string,
    key: string,
    opts: { expiresIn: number; contentType?: string; contentLength: number },
  ): Promise<PresignedUrl>;
  presignGet(
    bucket: string,
    key: string,
    opts: { expiresIn: number; filename?: string },
  ): Promise<PresignedUrl>;
  /** Whether the store answers (readiness). Throws with a reason when not. */
  ping(): Promise<void>;
  // Resumable uploads: parts go straight from the client to the store through presigned URLs.
  createMultipart(bucket: string, key: string, contentType?: string): Promise<string>;
  /** A URL for one part of exactly `contentLength` bytes, signed like presignPut's. */
  presignPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    opts: { expiresIn: number; contentLength: number },
  ): Promise<PresignedUrl>;
  listParts(bucket: string, key: string, uploadId: string): Promise<UploadedPart[]>;
  completeMultipart(bucket: string, key: string, uploadId: string, parts: UploadedPart[]): Promise<void>;
  /** Idempotent: aborting an unknown or finished upload is not an error. */
  abortMultipart(bucket: string, key: string, uploadId: string): Promise<void>;
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
  sizeBytes: number;
}

/** Where things live (ARCHITECTURE.md "Data"): one function per kind of key, so nobody builds them by hand. */
export const keys = {
  source: (userId: string, videoId: string) => `uploads/${userId}/${videoId}/source`,
  uploadsPrefix: (userId: string, videoId: string) => `uploads/${userId}/${videoId}/`,
  artifact: (userId: string, videoId: string, stage: string, name: string) =>
    `artifacts/${userId}/${videoId}/${stage}/${name}`,
  artifactsPrefix: (userId: string, videoId: string) => `artifacts/${userId}/${videoId}/`,
  sidecar: (userId: string, videoId: string, name: string) => `sidecars/${userId}/${videoId}/${name}`,
  sidecarsPrefix: (userId: string, videoId: string) => `sidecars/${userId}/${videoId}/`,
};
