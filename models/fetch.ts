// `npm run models:fetch -- <name…>`: downloads a model set into MODELS_DIR with progress, resume (HTTP Range
// onto a .part file) and SHA-256 verification against the manifest. Unpinned files (sha256 null) are
// refused unless --allow-unpinned, which prints their hashes for pinning in models/manifest.ts.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MODELS, type ModelFile, type ModelSpec, modelSpec } from './manifest.js';

export function fileUrl(spec: ModelSpec, file: ModelFile): string {
  return `${spec.source}/resolve/${spec.revision}/${file.path}`;
}

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function fetchFile(
  spec: ModelSpec,
  file: ModelFile,
  dir: string,
  allowUnpinned: boolean,
): Promise<void> {
  const target = join(dir, file.path);
  if (existsSync(target) && (file.sha256 === null || (await sha256Of(target)) === file.sha256)) {
    console.error(`${spec.name}/${file.path}: present`);
    return;
  }
  if (file.sha256 === null && !allowUnpinned) {
    throw new Error(
      `${spec.name}/${file.path} has no pinned checksum; pass --allow-unpinned to fetch and print it`,
    );
  }
  await mkdir(dirname(target), { recursive: true });
  const part = `${target}.part`;
  const have = existsSync(part) ? (await stat(part)).size : 0;
  const res = await fetch(fileUrl(spec, file), { headers: have > 0 ? { Range: `bytes=${have}-` } : {} });
  if (!res.ok || !res.body) throw new Error(`${fileUrl(spec, file)}: HTTP ${res.status}`);
  const resumed = res.status === 206;
  const total = Number(res.headers.get('content-length') ?? 0) + (resumed ? have : 0);
  let done = resumed ? have : 0;
  let lastPrint = 0;
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
  body.on('data', (chunk: Buffer) => {
    done += chunk.length;
    if (Date.now() - lastPrint > 1000) {
      lastPrint = Date.now();
      const pct = total > 0 ? ` ${((100 * done) / total).toFixed(1)}%` : '';
      console.error(`${spec.name}/${file.path}: ${(done / 2 ** 20).toFixed(1)} MiB${pct}`);
    }
  });
  await pipeline(body, createWriteStream(part, { flags: resumed ? 'a' : 'w' }));
  const digest = await sha256Of(part);
  if (file.sha256 !== null && digest !== file.sha256) {
    await rename(part, `${part}.bad`);
    throw new Error(
      `${spec.name}/${file.path}: checksum ${digest} differs from the manifest's ${file.sha256}`,
    );
  }
  await rename(part, target);
  console.error(`${spec.name}/${file.path}: ok sha256=${digest}`);
}

export async function fetchModels(names: string[], modelsDir: string, allowUnpinned = false): Promise<void> {
  for (const name of names) {
    const spec = modelSpec(name);
    if (spec.tiny) throw new Error(`${name} is a tiny test model: make it with npm run models:make-tiny`);
    for (const file of spec.files) await fetchFile(spec, file, join(modelsDir, name), allowUnpinned);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const names = args.filter((a) => !a.startsWith('--'));
  if (names.length === 0) {
    console.error(
      `usage: npm run models:fetch -- [--allow-unpinned] <model…>; models: ${MODELS.filter((m) => !m.tiny)
        .map((m) => m.name)
        .join(', ')}`,
    );
    process.exit(2);
  }
  const modelsDir = process.env.MODELS_DIR || './models/cache';
  fetchModels(names, modelsDir, args.includes('--allow-unpinned')).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
