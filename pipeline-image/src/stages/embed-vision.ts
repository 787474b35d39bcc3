// embed-vision: an image vector for every frame keyframes looked at (SigLIP 2 by default), batched and
// normalized, and per scene their normalized mean. Search ranks a scene by its best-matching frame, so
// what shows in a long scene's first seconds is found; the mean stays on the scene row for other readers.

import { loadImageTextEmbedder } from '../../../models/runtime/embeddings.js';
import { ARTIFACTS, type VectorsOutput } from '../artifacts.js';
import { getJson, putJson, type StageHandler, succeeded } from '../context.js';

/** The normalized mean of unit vectors (the direction they share); a zero mean stays zero. */
export function pooled(vectors: readonly ArrayLike<number>[]): number[] {
  const dims = vectors[0]?.length ?? 0;
  const sum = new Array<number>(dims).fill(0);
  for (const v of vectors) for (let i = 0; i < dims; i++) sum[i]! += v[i]!;
  const norm = Math.hypot(...sum);
  return norm > 0 ? sum.map((x) => x / norm) : sum;
}

export const embedVision: StageHandler = async (ctx) => {
  // Model first: a missing model fails at once, before any download.
  const embedder = await loadImageTextEmbedder(ctx.pipeline.VISION_MODEL, {
    modelsDir: ctx.config.MODELS_DIR,
    batchSize: ctx.pipeline.EMBED_BATCH_SIZE,
  });
  const { keyframes } = await getJson(ctx, ARTIFACTS.keyframes);
  // Every scene's frames in one list (a borrowed frame is embedded once), batched across scenes.
  const keys = [...new Set(keyframes.flatMap((k) => k.frames.map((f) => f.key)))];
  const byKey = new Map<string, number[]>();
  const batch = ctx.pipeline.EMBED_BATCH_SIZE;
  for (let i = 0; i < keys.length; i += batch) {
    const slice = keys.slice(i, i + batch);
    const images = await Promise.all(
      slice.map(async (key) => {
        const stream = await ctx.store.getStream(ctx.config.S3_BUCKET_ARTIFACTS, key);
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        return Buffer.concat(chunks);
      }),
    );
    const vectors = await embedder.embedImages(images);
    for (const [j, key] of slice.entries()) byKey.set(key, Array.from(vectors[j]!));
    ctx.progress((i + images.length) / keys.length);
  }
  const frames = keyframes.map((k) => k.frames.map((f) => ({ at: f.at, vector: byKey.get(f.key)! })));
  const out: VectorsOutput = {
    model: embedder.model,
    vectors: frames.map((fs) => pooled(fs.map((f) => f.vector))),
    frames,
  };
  await putJson(ctx, ARTIFACTS.vectors, out);
  return succeeded(
    `${keys.length} image vector(s) for ${frames.length} scene(s) with ${embedder.model.name}`,
    {
      vectors: frames.length,
      frameVectors: keys.length,
      model: embedder.model.name,
    },
  );
};
