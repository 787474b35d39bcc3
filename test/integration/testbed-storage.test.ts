// Smoke tests of the test bed's S3 store: presigned URLs really are verified, plain HTTP clients can use them.

import { randomBytes, randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, describe, expect, inject, it } from 'vitest';

const env = inject('testbed');
const s3 = new S3Client({
  endpoint: env.S3_ENDPOINT,
  region: env.S3_REGION,
  forcePathStyle: true,
  credentials: { accessKeyId: env.S3_ACCESS_KEY, secretAccessKey: env.S3_SECRET_KEY },
});
afterAll(() => s3.destroy());

describe('the test bed object storage', () => {
  it('accepts a presigned PUT from a plain HTTP client and serves it back through a presigned GET', async () => {
    const key = `uploads/smoke/${randomUUID()}/source`;
    const body = randomBytes(64 * 1024);
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: env.S3_BUCKET_UPLOADS, Key: key }), {
      expiresIn: 900,
    });
    const put = await fetch(putUrl, { method: 'PUT', body });
    expect(put.status).toBe(200);
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: env.S3_BUCKET_UPLOADS, Key: key }), {
      expiresIn: 60,
    });
    const get = await fetch(getUrl);
    expect(get.status).toBe(200);
    expect(Buffer.from(await get.arrayBuffer()).equals(body)).toBe(true);
  });

  it('rejects a presigned URL whose signature was tampered with', async () => {
    const key = `uploads/smoke/${randomUUID()}/source`;
    const url = new URL(
      await getSignedUrl(s3, new PutObjectCommand({ Bucket: env.S3_BUCKET_UPLOADS, Key: key }), {
        expiresIn: 900,
      }),
    );
    const sig = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', `${sig[0] === 'a' ? 'b' : 'a'}${sig.slice(1)}`);
    const put = await fetch(url, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(403);
  });

  it('rejects a presigned URL used for another object than it was signed for', async () => {
    const url = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: env.S3_BUCKET_UPLOADS, Key: 'uploads/a/b/source' }),
      {
        expiresIn: 60,
      },
    );
    const res = await fetch(url.replace('/uploads/a/b/source', '/uploads/a/c/source'));
    expect(res.status).toBe(403);
  });

  it('has both buckets heimdex writes to', async () => {
    for (const bucket of [env.S3_BUCKET_UPLOADS, env.S3_BUCKET_ARTIFACTS]) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'smoke/probe', Body: 'ok' }));
    }
  });
});
