import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileUrl } from './fetch.js';
import { MODELS, modelDir, modelSpec, TINY_MODELS_DIR } from './manifest.js';

describe('the model manifest', () => {
  it('gives the database’s vector sizes: 1152 for pictures, 1024 for text', () => {
    expect(modelSpec('siglip2-so400m-patch14-384').dims).toBe(1152);
    expect(modelSpec('bge-m3').dims).toBe(1024);
  });

  it('has a tiny stand-in with the same contract kind for each model, and the same dimensions for embeddings', () => {
    const tinies = MODELS.filter((m) => m.tiny);
    expect(tinies.map((t) => t.tiny!.standsFor).sort()).toEqual(
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

  it('fetches files from the pinned revision of the source repository', () => {
    const spec = modelSpec('bge-m3');
    expect(fileUrl(spec, spec.files[0]!)).toBe(
      `https://huggingface.co/BAAI/bge-m3/resolve/${spec.revision}/onnx/model.onnx`,
    );
  });
});
