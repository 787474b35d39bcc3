// Query embedding for search: the text model (against transcripts) and the vision model's text tower
// (against pictures), loaded once on first use; a missing model switches its signal off, loudly.
import type { Logger } from '../../core/log.js';
import { loadImageTextEmbedder, loadTextEmbedder } from '../../models/runtime/embeddings.js';

export interface QueryEmbedders {
  /** Embeds the query for each available signal, once per request. */
  embed(q: string): Promise<{ text?: Float32Array; vision?: Float32Array }>;
  /** Why a signal is off, for the response and the logs. */
  unavailable(): Partial<Record<'text' | 'vision', string>>;
}

export interface EmbedderSettings {
  modelsDir: string;
  textModel: string;
  visionModel: string;
}

export function lazyQueryEmbedders(settings: EmbedderSettings, log: Logger): QueryEmbedders {
  const off: Partial<Record<'text' | 'vision', string>> = {};
  const load = <T>(signal: 'text' | 'vision', model: string, loader: () => Promise<T>) =>
    loader().catch((error: Error) => {
      off[signal] = `model ${model} is not available: ${error.message}`;
      log.warn({ model, err: error }, `search runs without the ${signal} signal`);
      return undefined;
    });
  let text: ReturnType<typeof loadText> | undefined;
  let vision: ReturnType<typeof loadVision> | undefined;
  const loadText = () =>
    load('text', settings.textModel, () =>
      loadTextEmbedder(settings.textModel, { modelsDir: settings.modelsDir }),
    );
  const loadVision = () =>
    load('vision', settings.visionModel, () =>
      loadImageTextEmbedder(settings.visionModel, { modelsDir: settings.modelsDir }),
    );
  return {
    async embed(q) {
      text ??= loadText();
      vision ??= loadVision();
      const [t, v] = await Promise.all([text, vision]);
      const [tv, vv] = await Promise.all([t?.embed([q], 'query'), v?.embedTexts([q])]);
      return { text: tv?.[0], vision: vv?.[0] };
    },
    unavailable: () => ({ ...off }),
  };
}
