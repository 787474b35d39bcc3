// The embedders on stand-ins laid out as the large profile's real exports (models/tools/make_tiny_exports.py):
// BAAI/bge-m3's sentence-transformers graph and onnx-community's SigLIP 2 towers, external data beside the graphs.
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelMissingError, TINY_MODELS_DIR } from '../manifest.js';
import { l2normalize, loadImageTextEmbedder, loadTextEmbedder } from './embeddings.js';
import { int64, loadSession } from './onnx.js';

const opts = { modelsDir: TINY_MODELS_DIR, batchSize: 4 };
const texts = ['바닷가', 'the scene where we eat on the beach and grill meat all night long', 'hello world'];
const temps: string[] = [];
afterAll(() => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))));

function expectSame(a: readonly Float32Array[], b: readonly Float32Array[]) {
  expect(a).toHaveLength(b.length);
  for (const [i, v] of a.entries()) {
    expect(v).toHaveLength(b[i]!.length);
    for (let j = 0; j < v.length; j++) expect(v[j]).toBeCloseTo(b[i]![j]!, 5);
  }
}

describe('embedding with the real exports’ layouts', () => {
  it('reads BAAI/bge-m3’s sentence_embedding as it is, and pools last_hidden_state to the same vectors', async () => {
    const st = await loadTextEmbedder('tiny-bge-m3-st', opts);
    const hf = await loadTextEmbedder('tiny-bge-m3', opts);
    expect(st.reads).toEqual({ text: { name: 'sentence_embedding', form: 'pooled' } });
    expect(hf.reads).toEqual({ text: { name: 'last_hidden_state', form: 'tokens' } });
    // A batch with padding: the graph's own CLS pooling and the runtime's agree.
    expectSame(await st.embed(texts, 'passage'), await hf.embed(texts, 'passage'));
  });

  it('gives the reference vector: the first token’s token_embeddings row, L2-normalised', async () => {
    const dir = join(TINY_MODELS_DIR, 'tiny-bge-m3-st');
    const tok = new Tokenizer(JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')), {});
    const session = await loadSession(join(dir, 'onnx/model.onnx'));
    const st = await loadTextEmbedder('tiny-bge-m3-st', opts);
    for (const text of texts) {
      const ids = tok.encode(text).ids;
      const out = await session.run(
        {
          input_ids: int64(ids, [1, ids.length]),
          attention_mask: int64(
            ids.map(() => 1),
            [1, ids.length],
          ),
        },
        ['token_embeddings'],
      );
      expect(out.token_embeddings!.dims).toEqual([1, ids.length, 1024]);
      const reference = l2normalize(out.token_embeddings!.data.slice(0, 1024));
      expectSame(await st.embed([text], 'query'), [reference]);
    }
  });

  it('needs the graph’s external-data files beside it, and names the one that is missing', async () => {
    const models = await mkdtemp(join(tmpdir(), 'heimdex-exports-'));
    temps.push(models);
    const dir = join(models, 'tiny-bge-m3-st');
    await cp(join(TINY_MODELS_DIR, 'tiny-bge-m3-st'), dir, { recursive: true });
    await rm(join(dir, 'onnx/Constant_7_attr__value'));
    // onnxruntime itself cannot load the graph without it: the file is part of the model, not an extra.
    await expect(loadSession(join(dir, 'onnx/model.onnx'))).rejects.toThrow();
    const err = await loadTextEmbedder('tiny-bge-m3-st', { modelsDir: models }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelMissingError);
    expect((err as Error).message).toMatch(
      /model tiny-bge-m3-st is missing from .* \(onnx\/Constant_7_attr__value\)/,
    );
  });

  it('reads SigLIP 2’s towers from onnx/, the text tower’s weights external and its mask fed, as tiny-siglip2', async () => {
    const exported = await loadImageTextEmbedder('tiny-siglip2-onnx', opts);
    const plain = await loadImageTextEmbedder('tiny-siglip2', opts);
    expect(exported.reads).toEqual({
      vision: { name: 'pooler_output', form: 'pooled' },
      text: { name: 'pooler_output', form: 'pooled' },
    });
    const images = await Promise.all(
      [
        [200, 20, 20],
        [20, 200, 20],
      ].map(([r, g, b]) =>
        sharp({ create: { width: 40, height: 30, channels: 3, background: { r: r!, g: g!, b: b! } } })
          .png()
          .toBuffer(),
      ),
    );
    expectSame(await exported.embedImages(images), await plain.embedImages(images));
    expectSame(await exported.embedTexts(texts), await plain.embedTexts(texts));
  });
});
