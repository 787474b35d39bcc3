// embed-text: the transcript mapped onto scenes by time, one text vector per scene with words (BGE-M3 by default).

import { loadTextEmbedder } from '../../../models/runtime/embeddings.js';
import { ARTIFACTS, type SceneTextOutput } from '../artifacts.js';
import { getJson, getJsonIfPresent, putJson, type StageHandler, skipped, succeeded } from '../context.js';
import { transcriptPerScene } from '../media/transcript.js';

export const embedText: StageHandler = async (ctx) => {
  const embedder = await loadTextEmbedder(ctx.pipeline.TEXT_MODEL, {
    modelsDir: ctx.config.MODELS_DIR,
    batchSize: ctx.pipeline.EMBED_BATCH_SIZE,
  });
  const transcript = await getJsonIfPresent(ctx, ARTIFACTS.transcript);
  if (!transcript) return skipped('no transcript to embed');
  const { scenes } = await getJson(ctx, ARTIFACTS.shots);
  const texts = transcriptPerScene(scenes, transcript.segments);
  const withText = texts.map((t, idx) => ({ t, idx })).filter((x) => x.t !== '');
  const vectors = await embedder.embed(
    withText.map((x) => x.t),
    'passage',
  );
  const byIdx = new Map(withText.map((x, i) => [x.idx, Array.from(vectors[i]!)]));
  const out: SceneTextOutput = {
    model: embedder.model,
    scenes: texts.map((transcript, idx) => ({ idx, transcript, vector: byIdx.get(idx) ?? null })),
  };
  await putJson(ctx, ARTIFACTS.sceneText, out);
  return succeeded(
    `${withText.length} of ${scenes.length} scene(s) have words; embedded with ${embedder.model.name}`,
    {
      scenesWithText: withText.length,
      model: embedder.model.name,
    },
  );
};
