// ObjectStore on local disk for standalone mode. Presigned URLs point at the API itself
// (/storage/<bucket>/<key>), carry an expiry and an HMAC over what they allow, and are checked there.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import {
  appendFile,
  copyFile,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { exactLength } from './exact-length.js';
import type { ObjectInfo, ObjectStore, PresignedUrl, UploadedPart } from './store.js';

export interface LocalStoreOptions {
  /** Directory holding one folder per bucket. */
  root: string;
  /** HMAC key for presigned URLs; the API that serves them must use the same one. */
  secret: string;
  /** Base URL of the API serving /storage (e.g. http://127.0.0.1:8080). */
  publicUrl: string;
}

const META = '.heimdex-meta.json';
const PARTS = '.heimdex-multipart';
const PARTIAL = '.partial';

/** Streams body into tmp, then renames it to file; on any failure tmp is removed and the error rethrown. */
async function writeBounded(body: Readable, tmp: string, file: string, exactBytes?: number): Promise<void> {
  try {
    if (exactBytes === undefined) await pipeline(body, createWriteStream(tmp));
    else await pipeline(body, exactLength(exactBytes), createWriteStream(tmp));
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * What a signature covers: the method, the object, the expiry and, for PUT, the content type, the part
 * and the exact length of the body (so a URL for a 10-byte upload cannot store 1 GB).
 */
export function signature(
  secret: string,
  method: string,
  bucket: string,
  key: string,
  expires: number,
  contentType = '',
  part = '',
  length = '',
): string {
  return createHmac('sha256', secret)
    .update([method, bucket, key, expires, contentType, part, length].join('\n'))
    .digest('base64url');
}

export function verifySignature(
  secret: string,
  given: string,
  ...args: Parameters<typeof signature> extends [string, ...infer R] ? R : never
): boolean {
  const want = Buffer.from(signature(secret, ...args));
  const got = Buffer.from(given);
  return want.length === got.length && timingSafeEqual(want, got);
}

export class LocalStore implements ObjectStore {
  constructor(private readonly opts: LocalStoreOptions) {}

  /** The file behind an object; refuses keys that would escape the bucket (../, absolute paths). */
  path(bucket: string, key: string): string {
    if (!/^[a-z0-9][a-z0-9.-]{1,62}$/.test(bucket)) throw new Error(`invalid bucket name ${bucket}`);
    const base = resolve(this.opts.root, bucket);
    const file = resolve(base, key);
    if (!file.startsWith(base + sep) || key.includes('\0') || key.endsWith(META) || key.includes(PARTS)) {
      throw new Error(`invalid object key ${key}`);
    }
    return file;
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    try {
      const s = await stat(this.path(bucket, key));
      if (!s.isFile()) return undefined;
      const meta = await this.meta(bucket, key);
      return {
        key,
        sizeBytes: s.size,
        etag: `"${s.mtimeMs.toString(16)}-${s.size.toString(16)}"`,
        contentType: meta.contentType,
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  private async meta(bucket: string, key: string): Promise<{ contentType?: string }> {
    try {
      return JSON.parse(await readFile(`${this.path(bucket, key)}${META}`, 'utf8'));
    } catch {
      return {};
    }
  }

  async getRange(bucket: string, key: string, start: number, end: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of createReadStream(this.path(bucket, key), { start, end })) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  async getStream(bucket: string, key: string): Promise<Readable> {
    await stat(this.path(bucket, key));
    return createReadStream(this.path(bucket, key));
  }

  async download(bucket: string, key: string, file: string): Promise<void> {
    await mkdir(dirname(file), { recursive: true });
    await copyFile(this.path(bucket, key), file);
  }

  /**
   * Writes to a temporary name and renames: readers never see half an object. With `exactBytes`, a body
   * of any other length fails with BodyLengthError (reading stops at the first byte too many) and leaves
   * nothing on disk.
   */
  async writeStream(
    bucket: string,
    key: string,
    body: Readable,
    contentType?: string,
    exactBytes?: number,
  ): Promise<number> {
    const file = this.path(bucket, key);
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID()}${PARTIAL}`;
    await writeBounded(body, tmp, file, exactBytes);
    await writeFile(`${file}${META}`, JSON.stringify({ contentType }));
    return (await stat(file)).size;
  }

  async put(bucket: string, key: string, body: Buffer | string, contentType?: string): Promise<void> {
    const { Readable } = await import('node:stream');
    await this.writeStream(bucket, key, Readable.from([Buffer.from(body)]), contentType);
  }

  async upload(bucket: string, key: string, file: string, contentType?: string): Promise<void> {
    await this.writeStream(bucket, key, createReadStream(file), contentType);
  }

  async delete(bucket: string, key: string): Promise<void> {
    const file = this.path(bucket, key);
    await rm(file, { force: true });
    await rm(`${file}${META}`, { force: true });
  }

  async deletePrefix(bucket: string, prefix: string): Promise<number> {
    const objects = await this.list(bucket, prefix);
    for (const o of objects) await this.delete(bucket, o.key);
    return objects.length;
  }

  async list(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    const base = resolve(this.opts.root, bucket);
    const out: ObjectInfo[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) {
          if (e.name !== PARTS) await walk(full);
        } else if (!e.name.endsWith(META) && !e.name.endsWith(PARTIAL)) {
          const key = relative(base, full).split(sep).join('/');
          if (key.startsWith(prefix)) out.push({ key, sizeBytes: (await stat(full)).size });
        }
      }
    };
    await walk(base);
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  private url(
    method: 'PUT' | 'GET',
    bucket: string,
    key: string,
    expiresIn: number,
    extra: {
      contentType?: string;
      part?: string;
      upload?: string;
      filename?: string;
      length?: number;
    } = {},
  ): string {
    const expires = Math.floor(Date.now() / 1000) + expiresIn;
    const part = extra.part ? `${extra.upload}:${extra.part}` : '';
    const length = extra.length === undefined ? '' : String(extra.length);
    const sig = signature(
      this.opts.secret,
      method,
      bucket,
      key,
      expires,
      extra.contentType ?? '',
      part,
      length,
    );
    const q = new URLSearchParams({ expires: String(expires), sig });
    if (extra.contentType) q.set('ct', extra.contentType);
    if (length) q.set('len', length);
    if (extra.part) {
      q.set('upload', extra.upload!);
      q.set('part', extra.part);
    }
    if (extra.filename) q.set('filename', extra.filename);
    const path = key.split('/').map(encodeURIComponent).join('/');
    return `${this.opts.publicUrl}/storage/${bucket}/${path}?${q}`;
  }

  async presignPut(
    bucket: string,
    key: string,
    {
      expiresIn,
      contentType,
      contentLength,
    }: { expiresIn: number; contentType?: string; contentLength: number },
  ): Promise<PresignedUrl> {
    return {
      url: this.url('PUT', bucket, key, expiresIn, { contentType, length: contentLength }),
      method: 'PUT',
      expiresIn,
      headers: contentType ? { 'Content-Type': contentType } : {},
    };
  }

  async presignGet(
    bucket: string,
    key: string,
    { expiresIn, filename }: { expiresIn: number; filename?: string },
  ): Promise<PresignedUrl> {
    return {
      url: this.url('GET', bucket, key, expiresIn, { filename }),
      method: 'GET',
      expiresIn,
      headers: {},
    };
  }

  /**
   * Removes what interrupted writes left (`*.partial`: a server killed mid-upload). Only safe while
   * nothing writes, so standalone calls it at start, before it listens or starts a stage.
   */
  async removePartialWrites(): Promise<number> {
    let removed = 0;
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (e.name.endsWith(PARTIAL)) {
          await rm(full, { force: true });
          removed++;
        }
      }
    };
    await walk(this.opts.root);
    return removed;
  }

  async ping(): Promise<void> {
    await mkdir(this.opts.root, { recursive: true });
    await appendFile(join(this.opts.root, '.ping'), '');
  }

  private partsDir(bucket: string, key: string, uploadId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(uploadId)) throw new Error('invalid upload id');
    return join(dirname(this.path(bucket, key)), PARTS, uploadId);
  }

  async createMultipart(bucket: string, key: string): Promise<string> {
    const id = randomUUID();
    await mkdir(this.partsDir(bucket, key, id), { recursive: true });
    return id;
  }

  async presignPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    { expiresIn, contentLength }: { expiresIn: number; contentLength: number },
  ): Promise<PresignedUrl> {
    return {
      url: this.url('PUT', bucket, key, expiresIn, {
        part: String(partNumber),
        upload: uploadId,
        length: contentLength,
      }),
      method: 'PUT',
      expiresIn,
      headers: {},
    };
  }

  async writePart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable,
    exactBytes?: number,
  ): Promise<void> {
    const dir = this.partsDir(bucket, key, uploadId);
    await stat(dir); // an aborted or finished upload takes no parts
    const tmp = join(dir, `${partNumber}.${randomUUID()}${PARTIAL}`);
    await writeBounded(body, tmp, join(dir, String(partNumber)), exactBytes);
  }

  async listParts(bucket: string, key: string, uploadId: string): Promise<UploadedPart[]> {
    const dir = this.partsDir(bucket, key, uploadId);
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^\d+$/.test(n));
    const parts = await Promise.all(
      names.map(async (n) => ({
        partNumber: Number(n),
        etag: n,
        sizeBytes: (await stat(join(dir, n))).size,
      })),
    );
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async completeMultipart(
    bucket: string,
    key: string,
    uploadId: string,
    parts: UploadedPart[],
  ): Promise<void> {
    const dir = this.partsDir(bucket, key, uploadId);
    const { Readable } = await import('node:stream');
    const sources = parts.map((p) => join(dir, String(p.partNumber)));
    async function* concat() {
      for (const s of sources) for await (const c of createReadStream(s)) yield c as Buffer;
    }
    await this.writeStream(bucket, key, Readable.from(concat()));
    await rm(dir, { recursive: true, force: true });
  }

  async abortMultipart(bucket: string, key: string, uploadId: string): Promise<void> {
    await rm(this.partsDir(bucket, key, uploadId), { recursive: true, force: true });
  }
}
