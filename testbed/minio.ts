// The test bed's S3 store: MinIO (built from the Go module proxy) on 127.0.0.1, buckets created.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort, isAlive, type Started, startDetached, waitFor } from './proc.js';

export const S3_ACCESS_KEY = 'heimdex-testbed';
export const S3_SECRET_KEY = 'heimdex-testbed-secret';
export const S3_REGION = 'us-east-1';
export const BUCKETS = { uploads: 'heimdex-uploads', artifacts: 'heimdex-artifacts' };

/** `port`: where to listen (a restart on the address clients know); a free one when unset. */
export async function startMinio(
  binDir: string,
  dir: string,
  opts: { port?: number } = {},
): Promise<{ process: Started; endpoint: string }> {
  const data = join(dir, 'minio-data');
  mkdirSync(data, { recursive: true });
  const [port, consolePort] = await Promise.all([opts.port ?? freePort(), freePort()]);
  const endpoint = `http://127.0.0.1:${port}`;
  const proc = startDetached(
    'minio',
    join(binDir, 'minio'),
    [
      'server',
      '--quiet',
      '--address',
      `127.0.0.1:${port}`,
      '--console-address',
      `127.0.0.1:${consolePort}`,
      data,
    ],
    join(dir, 'minio.log'),
    {
      env: {
        ...process.env,
        MINIO_ROOT_USER: S3_ACCESS_KEY,
        MINIO_ROOT_PASSWORD: S3_SECRET_KEY,
        MINIO_REGION: S3_REGION,
        MINIO_BROWSER: 'off',
        MINIO_UPDATE: 'off',
        // Keep MinIO from phoning home or probing the network it cannot reach.
        MINIO_CALLHOME_ENABLE: 'off',
      },
      match: data,
    },
  );
  await waitFor('minio to be ready', async () => (await fetch(`${endpoint}/minio/health/ready`)).ok, {
    log: proc.log,
    alive: () => isAlive(proc),
  });
  const s3 = new S3Client({
    endpoint,
    region: S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY },
  });
  for (const bucket of Object.values(BUCKETS)) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((e: { name?: string }) => {
      if (e.name !== 'BucketAlreadyOwnedByYou') throw e;
    });
  }
  s3.destroy();
  return { process: proc, endpoint };
}
