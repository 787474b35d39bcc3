// The embedding API the pipeline (embed-vision, embed-text) and search (query embedding) share:
// images and texts in, L2-normalized vectors out, batched, tokenized with @huggingface/tokenizers.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import sharp from 'sharp';
import { type ImageTextContract, modelDir, modelSpec, type TextContract } from '../manifest.js';
import { float32, int64, loadSession } from './onnx.js';

export interface ModelInfo {
  name: string;
  revision: string;
  dims: number;
}

/** SigLIP-style: pictures and texts in one space (the text tower embeds search queries for pictures). */
export interface ImageTextEmbedder {
  model: ModelInfo;
  /** Encoded images (JPEG, PNG, WebP…), any size. */
  embedImages(images: readonly Buffer[]): Promise<Float32Array[]>;
  embedTexts(texts: readonly string[]): Promise<Float32Array[]>;
}

/** Dense text embeddings (transcripts, and search queries against them): BGE-M3, e5, … as the manifest says. */
export interface TextEmbedder {
  model: ModelInfo;
  /**
   * `query` for searches, `passage` for what is searched (transcripts): models trained with prefixes (e5's
   * `query: ` / `passage: `) get theirs; others embed both alike.
   */
  embed(texts: readonly string[], as: 'query' | 'passage'): Promise<Float32Array[]>;
}

export interface LoadOptions {
  modelsDir: string;
  batchSize?: number;
}

export function l2normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm === 0) return v;
  for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

async function inBatches<T, R>(
  items: readonly T[],
  size: number,
  fn: (batch: T[]) => Promise<R[]>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await fn(items.slice(i, i + size))));
  return out;
}

async function loadTokenizer(file: string): Promise<Tokenizer> {
  const json = JSON.parse(await readFile(file, 'utf8'));
  return new Tokenizer(json, {});
}

const padId = (tok: Tokenizer) => tok.token_to_id('<pad>') ?? 0;

/** Splits rows of a [B, D] output into normalized vectors. */
function rows(data: Float32Array, batch: number, dims: number): Float32Array[] {
  return Array.from({ length: batch }, (_, b) => l2normalize(data.slice(b * dims, (b + 1) * dims)));
}

/**
 * One image as a CHW float tensor, normalized: squashed to size × size (SigLIP's processor), or its shorter edge
 * resized to size and the centre cropped (CLIP's).
 */
export async function imageToChw(
  image: Buffer,
  c: Pick<ImageTextContract, 'imageSize' | 'mean' | 'std' | 'family'>,
): Promise<Float32Array> {
  const size = c.imageSize;
  const fit = c.family === 'clip' ? 'cover' : 'fill';
  const raw = await sharp(image)
    .rotate()
    .removeAlpha()
    .resize(size, size, { fit, position: 'centre' })
    .raw()
    .toBuffer();
  const out = new Float32Array(3 * size * size);
  const plane = size * size;
  for (let i = 0; i < plane; i++) {
    for (let ch = 0; ch < 3; ch++) out[ch * plane + i] = (raw[i * 3 + ch]! / 255 - c.mean[ch]!) / c.std[ch]!;
  }
  return out;
}

export async function loadImageTextEmbedder(name: string, opts: LoadOptions): Promise<ImageTextEmbedder> {
  const spec = modelSpec(name);
  if (spec.contract.kind !== 'image-text') throw new Error(`model ${name} is not an image-text model`);
  const c = spec.contract;
  const dir = modelDir(name, opts.modelsDir);
  const [vision, text, tokenizer] = await Promise.all([
    loadSession(join(dir, c.vision.file)),
    loadSession(join(dir, c.text.file)),
    loadTokenizer(join(dir, c.tokenizer)),
  ]);
  const batchSize = opts.batchSize ?? 16;
  const pad = padId(tokenizer);
  return {
    model: { name: spec.name, revision: spec.revision, dims: spec.dims },
    embedImages: (images) =>
      inBatches(images, batchSize, async (batch) => {
        const pixels = await Promise.all(batch.map((img) => imageToChw(img, c)));
        const per = 3 * c.imageSize * c.imageSize;
        const data = new Float32Array(batch.length * per);
        for (const [i, p] of pixels.entries()) data.set(p, i * per);
        const out = await vision.run(
          { [c.vision.input]: float32(data, [batch.length, 3, c.imageSize, c.imageSize]) },
          [c.vision.output],
        );
        return rows(out[c.vision.output]!.data, batch.length, spec.dims);
      }),
    embedTexts: (texts) =>
      inBatches(texts, batchSize, async (batch) => {
        const ids = batch.flatMap((t) => fixedLength(tokenizer, prepare(t, c.lowercase), c.textLength, pad));
        const out = await text.run({ [c.text.input]: int64(ids, [batch.length, c.textLength]) }, [
          c.text.output,
        ]);
        return rows(out[c.text.output]!.data, batch.length, spec.dims);
      }),
  };
}

const prepare = (text: string, lowercase: boolean) => {
  const nfc = text.normalize('NFC').trim();
  return lowercase ? nfc.toLowerCase() : nfc;
};

/** Token ids truncated and padded to exactly `length` (SigLIP pads to max_length). */
export function fixedLength(tok: Tokenizer, text: string, length: number, pad: number): number[] {
  const ids = tok.encode(text).ids.slice(0, length);
  return [...ids, ...new Array<number>(length - ids.length).fill(pad)];
}

/**
 * One normalized vector per sequence from last_hidden_state [B, len, dims]: the first token's (`cls`) or the
 * mean over the sequence's own tokens (`mean`, padding excluded).
 */
export function pool(
  hidden: Float32Array,
  encoded: readonly (readonly number[])[],
  len: number,
  dims: number,
  pooling: TextContract['pooling'],
): Float32Array[] {
  return encoded.map((e, b) => {
    const base = b * len * dims;
    if (pooling === 'cls') return l2normalize(hidden.slice(base, base + dims));
    const sum = new Float32Array(dims);
    for (let t = 0; t < e.length; t++) {
      for (let i = 0; i < dims; i++) sum[i]! += hidden[base + t * dims + i]!;
    }
    return l2normalize(sum);
  });
}

export async function loadTextEmbedder(name: string, opts: LoadOptions): Promise<TextEmbedder> {
  const spec = modelSpec(name);
  if (spec.contract.kind !== 'text') throw new Error(`model ${name} is not a text model`);
  const c: TextContract = spec.contract;
  const dir = modelDir(name, opts.modelsDir);
  const [session, tokenizer] = await Promise.all([
    loadSession(join(dir, c.file)),
    loadTokenizer(join(dir, c.tokenizer)),
  ]);
  const batchSize = opts.batchSize ?? 16;
  const pad = padId(tokenizer);
  return {
    model: { name: spec.name, revision: spec.revision, dims: spec.dims },
    embed: (texts, as) =>
      inBatches(texts, batchSize, async (batch) => {
        const prefix = c.prefixes?.[as] ?? '';
        const encoded = batch.map((t) => {
          const ids = tokenizer.encode(prefix + prepare(t, false)).ids;
          // Truncation keeps the closing token, which the model saw at the end of every training text.
          return ids.length <= c.maxTokens ? ids : [...ids.slice(0, c.maxTokens - 1), ids[ids.length - 1]!];
        });
        // Padded to the longest in the batch; the mask keeps padding out of the result.
        const len = Math.max(...encoded.map((e) => e.length));
        const ids = encoded.flatMap((e) => [...e, ...new Array<number>(len - e.length).fill(pad)]);
        const mask = encoded.flatMap((e) => [
          ...new Array<number>(e.length).fill(1),
          ...new Array<number>(len - e.length).fill(0),
        ]);
        const out = await session.run(
          { input_ids: int64(ids, [batch.length, len]), attention_mask: int64(mask, [batch.length, len]) },
          [c.output],
        );
        return pool(out[c.output]!.data, encoded, len, spec.dims, c.pooling);
      }),
  };
}
