// The embedding API the pipeline (embed-vision, embed-text) and search (query embedding) share:
// images and texts in, L2-normalized vectors out, batched, tokenized with @huggingface/tokenizers.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import sharp from 'sharp';
import { type ImageTextContract, modelDir, modelSpec, type TextContract } from '../manifest.js';
import {
  type ChosenOutput,
  checkInputs,
  chooseTextOutput,
  chooseTowerOutput,
  ModelContractError,
} from './embedding-outputs.js';
import { float32, int64, loadSession, type Output, type Tensor } from './onnx.js';

export interface ModelInfo {
  name: string;
  revision: string;
  dims: number;
}

/** Which graph outputs an embedder reads (chosen from what the loaded files declare), for logs and tests. */
export type ReadsOutputs = Readonly<Record<string, ChosenOutput>>;

/** SigLIP-style: pictures and texts in one space (the text tower embeds search queries for pictures). */
export interface ImageTextEmbedder {
  model: ModelInfo;
  /** `vision` and `text`: the output each tower's graph is read from. */
  reads: ReadsOutputs;
  /** Encoded images (JPEG, PNG, WebP…), any size. */
  embedImages(images: readonly Buffer[]): Promise<Float32Array[]>;
  embedTexts(texts: readonly string[]): Promise<Float32Array[]>;
}

/** Dense text embeddings (transcripts, and search queries against them): BGE-M3, e5, … as the manifest says. */
export interface TextEmbedder {
  model: ModelInfo;
  /** `text`: the output read, and whether it comes pooled or is pooled here. */
  reads: ReadsOutputs;
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
 * The chosen output of a run, checked to be what was chosen: [batch, dims] (pooled) or [batch, tokens, dims] (per
 * token); a graph that declared no shape, or a wrong one, fails here rather than giving vectors cut from the wrong
 * numbers.
 */
function readOutput(
  model: string,
  out: Record<string, Output>,
  chosen: ChosenOutput,
  batch: number,
  dims: number,
  tokens?: number,
): Float32Array {
  const t = out[chosen.name];
  const want = chosen.form === 'pooled' ? [batch, dims] : [batch, tokens, dims];
  if (!t || t.dims.length !== want.length || t.dims.some((d, i) => d !== want[i])) {
    throw new ModelContractError(
      `model ${model} returned ${chosen.name} as [${t?.dims.join(', ') ?? 'nothing'}], expected [${want.join(', ')}]`,
    );
  }
  return t.data;
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
  const visionOut = chooseTowerOutput(name, c.vision.file, vision.outputs, c.vision.outputs, spec.dims);
  const textOut = chooseTowerOutput(name, c.text.file, text.outputs, c.text.outputs, spec.dims);
  checkInputs(name, c.vision.file, vision.inputs, [c.vision.input], [c.vision.input]);
  // SigLIP 2's Gemma tokenizer returns a mask and some exports declare it; the tower gets what the tokenizer gives.
  const textInputs = checkInputs(
    name,
    c.text.file,
    text.inputs,
    [c.text.input],
    [c.text.input, 'attention_mask'],
  );
  return {
    model: { name: spec.name, revision: spec.revision, dims: spec.dims },
    reads: { vision: visionOut, text: textOut },
    embedImages: (images) =>
      inBatches(images, batchSize, async (batch) => {
        const pixels = await Promise.all(batch.map((img) => imageToChw(img, c)));
        const per = 3 * c.imageSize * c.imageSize;
        const data = new Float32Array(batch.length * per);
        for (const [i, p] of pixels.entries()) data.set(p, i * per);
        const out = await vision.run(
          { [c.vision.input]: float32(data, [batch.length, 3, c.imageSize, c.imageSize]) },
          [visionOut.name],
        );
        return rows(readOutput(name, out, visionOut, batch.length, spec.dims), batch.length, spec.dims);
      }),
    embedTexts: (texts) =>
      inBatches(texts, batchSize, async (batch) => {
        const encoded = batch.map((t) =>
          tokenizer.encode(prepare(t, c.lowercase)).ids.slice(0, c.textLength),
        );
        const shape = [batch.length, c.textLength];
        const pads = (e: number[]) => new Array<number>(c.textLength - e.length);
        const feeds: Record<string, Tensor> = {
          [c.text.input]: int64(
            encoded.flatMap((e) => [...e, ...pads(e).fill(pad)]),
            shape,
          ),
        };
        // The tokenizer's mask (SigLIP pads to the full length; the pooled position is the last, as trained).
        if (textInputs.includes('attention_mask'))
          feeds.attention_mask = int64(
            encoded.flatMap((e) => [...e.map(() => 1), ...pads(e).fill(0)]),
            shape,
          );
        const out = await text.run(feeds, [textOut.name]);
        return rows(readOutput(name, out, textOut, batch.length, spec.dims), batch.length, spec.dims);
      }),
  };
}

const prepare = (text: string, lowercase: boolean) => {
  const nfc = text.normalize('NFC').trim();
  return lowercase ? nfc.toLowerCase() : nfc;
};

/**
 * One normalized vector per sequence from per-token vectors [B, len, dims] (last_hidden_state, token_embeddings): the first token's (`cls`) or the
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
  const chosen = chooseTextOutput(name, c.file, session.outputs, c.outputs, spec.dims);
  // BERT-style exports also declare token_type_ids (all zeros for one sequence), as TEI and fastembed feed them.
  const inputs = checkInputs(name, c.file, session.inputs, c.inputs, [...c.inputs, 'token_type_ids']);
  return {
    model: { name: spec.name, revision: spec.revision, dims: spec.dims },
    reads: { text: chosen },
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
        const shape = [batch.length, len];
        const feeds: Record<string, Tensor> = {
          input_ids: int64(ids, shape),
          attention_mask: int64(mask, shape),
        };
        if (inputs.includes('token_type_ids'))
          feeds.token_type_ids = int64(new Array<number>(ids.length).fill(0), shape);
        const out = await session.run(feeds, [chosen.name]);
        const data = readOutput(name, out, chosen, batch.length, spec.dims, len);
        // A pooled output is the model's own pooling (its sentence-transformers config); per-token ones are pooled
        // as the manifest says.
        return chosen.form === 'pooled'
          ? rows(data, batch.length, spec.dims)
          : pool(data, encoded, len, spec.dims, c.pooling);
      }),
  };
}
