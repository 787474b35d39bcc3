// embed-screen: what each scene shows through the text model (the one embed-text runs): the text ocr read on
// screen and the names of the objects seen, in English and Korean (core/screen-passages.ts), so a search by
// meaning ("store discount sign", "가게 할인 간판") finds a scene whose sign says "GRAND OPENING SALE". Its own stage
// after ocr and objects, so the transcript's vectors (embed-text) never wait for the picture stages.
import { screenPassages } from '../../../core/screen-passages.js';
import { loadTextEmbedder } from '../../../models/runtime/embeddings.js';
import { ARTIFACTS, type SceneScreenOutput } from '../artifacts.js';
import { getJsonIfPresent, putJson, type StageHandler, skipped, succeeded } from '../context.js';

export const embedScreen: StageHandler = async (ctx) => {
  // Both are optional: a skipped ocr or objects leaves no document, and the other is embedded alone.
  const screen = await getJsonIfPresent(ctx, ARTIFACTS.screenText);
  const seen = await getJsonIfPresent(ctx, ARTIFACTS.objects);
  const count = Math.max(screen?.scenes.length ?? 0, seen?.scenes.length ?? 0);
  const perScene = Array.from({ length: count }, (_, idx) =>
    screenPassages(screen?.scenes[idx]?.lines ?? [], seen?.scenes[idx]?.objects ?? []),
  );
  const all = perScene.flat();
  if (all.length === 0) return skipped('nothing was read on screen or seen in any scene');
  const embedder = await loadTextEmbedder(ctx.pipeline.TEXT_MODEL, {
    modelsDir: ctx.config.MODELS_DIR,
    batchSize: ctx.pipeline.EMBED_BATCH_SIZE,
  });
  const vectors = await embedder.embed(
    all.map((p) => p.text),
    'passage',
  );
  let at = 0;
  const out: SceneScreenOutput = {
    model: embedder.model,
    scenes: perScene.map((passages, idx) => ({
      idx,
      passages: passages.map((p) => ({ idx: p.idx, source: p.source, vector: Array.from(vectors[at++]!) })),
    })),
  };
  await putJson(ctx, ARTIFACTS.sceneScreen, out);
  const scenes = perScene.filter((p) => p.length > 0).length;
  return succeeded(
    `${all.length} passage(s) of screen text and object names in ${scenes} of ${count} scene(s); embedded with ${embedder.model.name}`,
    { scenesWithScreen: scenes, passages: all.length, model: embedder.model.name },
  );
};
