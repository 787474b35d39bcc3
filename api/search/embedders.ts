// Query embedding for search: the text model (against transcripts) and the vision model's text tower
// (against pictures), loaded once on first use. A signal is off, loudly, when its model is missing, when it is a
// random-weight stand-in (the manifest's `tiny` models: their similarities are noise, and a signal of noise
// returns the whole library), or when it has no calibrated floor (models/calibration.ts).
import type { Logger } from '../../core/log.js';
import { VECTOR_CALIBRATION, type VectorCalibration } from '../../models/calibration.js';
import { modelSpec } from '../../models/manifest.js';
import { loadImageTextEmbedder, loadTextEmbedder } from '../../models/runtime/embeddings.js';
import { embedBackground, type TextBackground } from './relevance.js';

export type VectorSignal = 'text' | 'vision';

export interface QueryEmbedders {
  /**
   * Embeds the query for each available signal, once per request; with the text model's background
   * (relevance.ts) when its calibration reads standouts.
   */
  embed(q: string): Promise<{ text?: Float32Array; vision?: Float32Array; textBackground?: TextBackground }>;
  /** Why a signal is off, for the response and the logs. */
  unavailable(): Partial<Record<VectorSignal, string>>;
  /** The floor and relevance map of each signal that is on. */
  calibration(signal: VectorSignal): VectorCalibration | undefined;
  /** The configured model of a signal. */
  model(signal: VectorSignal): string;
  /**
   * The query embedded with another model of the signal (the one some videos' vectors are still of while they are
   * re-embedded) and its calibration; undefined when that model cannot give the signal (a stand-in, uncalibrated,
   * or its files are gone).
   */
  embedWith(
    signal: VectorSignal,
    model: string,
    q: string,
  ): Promise<
    { vector: Float32Array; calibration: VectorCalibration; background?: TextBackground } | undefined
  >;
}

export interface EmbedderSettings {
  modelsDir: string;
  textModel: string;
  visionModel: string;
}

/** Why a model cannot give a signal whatever its files: a stand-in, or no calibration; undefined when it can. */
export function whyNotUsable(model: string, calibrations = VECTOR_CALIBRATION): string | undefined {
  let tiny: { standsFor: string } | undefined;
  try {
    tiny = modelSpec(model).tiny;
  } catch (error) {
    return (error as Error).message;
  }
  if (tiny)
    return `model ${model} is a random-weight stand-in for ${tiny.standsFor} (for tests): its similarities are noise`;
  if (!calibrations[model])
    return `model ${model} has no calibrated floor (run scripts/calibrate-search.ts ${model} --write)`;
  return undefined;
}

export function lazyQueryEmbedders(settings: EmbedderSettings, log: Logger): QueryEmbedders {
  const off: Partial<Record<VectorSignal, string>> = {};
  const models: Record<VectorSignal, string> = { text: settings.textModel, vision: settings.visionModel };
  for (const signal of ['text', 'vision'] as const) {
    const why = whyNotUsable(models[signal]);
    if (why) {
      off[signal] = why;
      log.warn({ model: models[signal] }, `search runs without the ${signal} signal: ${why}`);
    }
  }
  const load = <T>(signal: VectorSignal, model: string, loader: () => Promise<T>) =>
    off[signal]
      ? Promise.resolve(undefined)
      : loader().catch((error: Error) => {
          off[signal] = `model ${model} is not available: ${error.message}`;
          log.warn({ model, err: error }, `search runs without the ${signal} signal`);
          return undefined;
        });
  let text: ReturnType<typeof loadText> | undefined;
  let vision: ReturnType<typeof loadVision> | undefined;
  // The background is embedded once with the model, so a request pays only its own query's embedding.
  const loadText = () =>
    load('text', settings.textModel, async () => {
      const embedder = await loadTextEmbedder(settings.textModel, { modelsDir: settings.modelsDir });
      const standout = VECTOR_CALIBRATION[settings.textModel]?.criterion === 'standout';
      return { embedder, background: standout ? await embedBackground(embedder) : undefined };
    });
  const loadVision = () =>
    load('vision', settings.visionModel, () =>
      loadImageTextEmbedder(settings.visionModel, { modelsDir: settings.modelsDir }),
    );
  // Other models, loaded on first use and kept: during a re-embed the old model answers for the videos not yet done.
  type Other = { embed: (q: string) => Promise<Float32Array | undefined>; background?: TextBackground };
  const others = new Map<string, Promise<Other | undefined>>();
  const other = (signal: VectorSignal, model: string) => {
    const key = `${signal}\0${model}`;
    let found = others.get(key);
    if (!found) {
      const why = whyNotUsable(model);
      found = why
        ? Promise.resolve(undefined)
        : (signal === 'text'
            ? loadTextEmbedder(model, { modelsDir: settings.modelsDir }).then(
                async (e): Promise<Other> => ({
                  embed: async (q) => (await e.embed([q], 'query'))[0],
                  ...(VECTOR_CALIBRATION[model]?.criterion === 'standout' && {
                    background: await embedBackground(e),
                  }),
                }),
              )
            : loadImageTextEmbedder(model, { modelsDir: settings.modelsDir }).then(
                (e): Other => ({ embed: async (q) => (await e.embedTexts([q]))[0] }),
              )
          ).catch((error: Error) => {
            log.warn({ model, err: error }, `the ${signal} vectors of model ${model} are not searched`);
            return undefined;
          });
      others.set(key, found);
    }
    return found;
  };
  return {
    model: (signal) => models[signal],
    async embedWith(signal, model, q) {
      const calibration = VECTOR_CALIBRATION[model];
      const found = calibration ? await other(signal, model) : undefined;
      const vector = found ? await found.embed(q) : undefined;
      return vector && calibration ? { vector, calibration, background: found?.background } : undefined;
    },
    async embed(q) {
      text ??= loadText();
      vision ??= loadVision();
      const [t, v] = await Promise.all([text, vision]);
      const [tv, vv] = await Promise.all([t?.embedder.embed([q], 'query'), v?.embedTexts([q])]);
      return { text: tv?.[0], vision: vv?.[0], textBackground: t?.background };
    },
    unavailable: () => ({ ...off }),
    calibration: (signal) => (off[signal] ? undefined : VECTOR_CALIBRATION[models[signal]]),
  };
}
