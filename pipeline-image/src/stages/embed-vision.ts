// embed-vision: one image vector per scene from its keyframe (SigLIP 2 by default), batched and normalized.

import { loadImageTextEmbedder } from '../../../models/runtime/embeddings.js';
import { ARTIFACTS } from '../artifacts.js';
import { getJson, putJson, type StageHandler, succeeded } from '../context.js';

export interface VectorsOutput {
  model: { name: string; revision: string; dims: number };
  /** By scene index. */
  vectors: number[][];
}

export const embedVision: StageHandler = async (ctx) => {
  // Model first: a missing model fails at once, before any download.
  const embedder = await loadImageTextEmbedder(ctx.pipeline.VISION_MODEL, {
    modelsDir: ctx.config.MODELS_DIR,
    batchSize: ctx.pipeline.EMBED_BATCH_SIZE,
  });
  const { keyframes } = await getJson(ctx, ARTIFACTS.keyframes);
  const vectors: number[][] = [];
  const batch = ctx.pipeline.EMBED_BATCH_SIZE;
  for (let i = 0; i < keyframes.length; i += batch) {
    const images = await Promise.all(
      keyframes.slice(i, i + batch).map(async (k) => {
        const stream = await ctx.store.getStream(ctx.config.S3_BUCKET_ARTIFACTS, k.keyframeKey);
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        return Buffer.concat(chunks);
      }),
    );
    for (const v of await embedder.embedImages(images)) vectors.push(Array.from(v));
    ctx.progress((i + images.length) / keyframes.length);
  }
  const out: VectorsOutput = { model: embedder.model, vectors };
  await putJson(ctx, ARTIFACTS.vectors, out);
  return succeeded(`${vectors.length} image vector(s) with ${embedder.model.name}`, {
    vectors: vectors.length,
    model: embedder.model.name,
  });
};
