// Speech recognition (Whisper) for the asr stage: 16 kHz mono samples in, timed segments out.
// @huggingface/transformers does the log-Mel features, the decoder loop with the KV cache, the timestamp
// rules and the merging of overlapping 30 s windows at the token level (no word lost or doubled at a
// seam); its sessions run on the same onnxruntime-node as runtime/onnx.ts, with the same provider choice.
// What it lacks, and this module adds: language detection, and turning its chunks into clean segments.
import type { AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers';
import { modelDir, modelSpec, type SpeechContract } from '../manifest.js';
import type { ModelInfo } from './embeddings.js';
import { executionProviders } from './onnx.js';

export const SAMPLE_RATE = 16_000;

export interface SpeechSegment {
  start: number;
  end: number;
  text: string;
}

export interface Transcription {
  /** ISO 639-1 code: the one asked for, or the detected one. */
  language: string;
  segments: SpeechSegment[];
}

export interface TranscribeOptions {
  /** ISO 639-1 code, or "auto" to detect it from the first window. */
  language: string;
  /** Window length (at most the model's 30 s) and the overlap on each side of a seam. */
  windowSeconds?: number;
  overlapSeconds?: number;
  /** Called as windows finish, with the share done (0–1, approximate: a window may take two passes). */
  onProgress?: (share: number) => void;
}

export interface SpeechRecognizer {
  model: ModelInfo;
  /** The language codes the model knows (for validation and detection). */
  languages: readonly string[];
  transcribe(samples: Float32Array, options: TranscribeOptions): Promise<Transcription>;
}

/** A chunk as the library returns it with `return_timestamps: true`. */
export interface RawChunk {
  timestamp: [number | null, number | null];
  text: string;
}

/**
 * The library's chunks as segments a person can read: times inside [0, duration] and in order, an open end
 * closed by the next start (or the end of the audio), undecodable bytes (U+FFFD) and empty texts dropped, NFC.
 */
export function cleanChunks(chunks: readonly RawChunk[], duration: number): SpeechSegment[] {
  const clamp = (t: number) => Math.min(Math.max(t, 0), duration);
  const out: SpeechSegment[] = [];
  chunks.forEach((c, i) => {
    const text = c.text
      .replace(/\uFFFD/g, '')
      .replace(/\s+/g, ' ')
      .trim()
      .normalize('NFC');
    if (!text) return;
    const start = clamp(c.timestamp[0] ?? out.at(-1)?.end ?? 0);
    const nextStart = chunks[i + 1]?.timestamp[0];
    const end = clamp(c.timestamp[1] ?? nextStart ?? duration);
    out.push({ start, end: Math.max(start, end), text });
  });
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** The language whose token the decoder finds likeliest right after <|startoftranscript|>. */
export function pickLanguage(logits: ArrayLike<number>, langToId: Record<string, number>): string {
  let best = '';
  let bestLogit = Number.NEGATIVE_INFINITY;
  for (const [token, id] of Object.entries(langToId)) {
    const l = logits[id] ?? Number.NEGATIVE_INFINITY;
    if (l > bestLogit) {
      bestLogit = l;
      best = token.slice(2, -2);
    }
  }
  if (!best) throw new Error('the model lists no language tokens');
  return best;
}

const recognizers = new Map<string, Promise<SpeechRecognizer>>();

/** The recognizer for a model of the manifest, loaded once per process (and models directory). */
export function loadSpeechRecognizer(name: string, opts: { modelsDir: string }): Promise<SpeechRecognizer> {
  const key = `${opts.modelsDir}\0${name}`;
  let r = recognizers.get(key);
  if (!r) {
    r = create(name, opts.modelsDir);
    recognizers.set(key, r);
    r.catch(() => recognizers.delete(key));
  }
  return r;
}

async function create(name: string, modelsDir: string): Promise<SpeechRecognizer> {
  const spec = modelSpec(name);
  if (spec.contract.kind !== 'speech') throw new Error(`model ${name} is not a speech model`);
  const contract: SpeechContract = spec.contract;
  modelDir(name, modelsDir); // every file there, or a message naming the fetch command
  // Loaded here, not at the top: every stage process imports this module, and the library costs ~150 MiB.
  const { env, pipeline, Tensor } = await import('@huggingface/transformers');
  // Files come from MODELS_DIR only: never from a hub at run time.
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = modelsDir.endsWith('/') ? modelsDir : `${modelsDir}/`;
  const device = executionProviders()[0] === 'cuda' ? 'cuda' : 'cpu';
  const asr = (await pipeline('automatic-speech-recognition', name, {
    device,
    dtype: 'fp32',
    local_files_only: true,
  })) as AutomaticSpeechRecognitionPipeline;
  // The library's window merging (_decode_asr) decodes the tokens between two timestamps even when there
  // are none (two timestamps in a row) and its decode() throws on an empty list; Python's returns "".
  const tokenizer = asr.tokenizer as unknown as { decode: (ids: unknown[], args?: object) => string };
  const decode = tokenizer.decode.bind(tokenizer);
  tokenizer.decode = (ids, args) => (Array.isArray(ids) && ids.length === 0 ? '' : decode(ids, args));
  const generation = (asr.model as unknown as { generation_config: { lang_to_id: Record<string, number> } })
    .generation_config;
  const langToId = generation.lang_to_id;
  const languages = Object.keys(langToId).map((t) => t.slice(2, -2));
  const sot = (asr.model.config as unknown as { decoder_start_token_id: number }).decoder_start_token_id;

  async function detect(samples: Float32Array): Promise<string> {
    const first = samples.subarray(0, contract.windowSeconds * SAMPLE_RATE);
    const { input_features } = await asr.processor(first);
    const out = await asr.model({
      input_features,
      decoder_input_ids: new Tensor('int64', BigInt64Array.from([BigInt(sot)]), [1, 1]),
    });
    return pickLanguage(out.logits.data as Float32Array, langToId);
  }

  return {
    model: { name: spec.name, revision: spec.revision, dims: spec.dims },
    languages,
    async transcribe(samples, options) {
      const duration = samples.length / SAMPLE_RATE;
      if (samples.length === 0) return { language: options.language, segments: [] };
      const language = options.language === 'auto' ? await detect(samples) : options.language;
      if (!languages.includes(language)) {
        throw new RangeError(`${name} does not know the language "${language}"`);
      }
      const window = Math.min(options.windowSeconds ?? contract.windowSeconds, contract.windowSeconds);
      const overlap = options.overlapSeconds ?? 5;
      if (window <= 2 * overlap) {
        throw new RangeError(
          `the ASR window (${window} s) must be longer than twice the overlap (${overlap} s)`,
        );
      }
      // The pipeline's windows: `window` seconds, each `window - 2 × overlap` after the previous.
      const windows = Math.max(1, Math.ceil((duration - window) / (window - 2 * overlap)) + 1);
      let passes = 0;
      // generate() calls end() once per decoding pass; that is the only hook the pipeline offers.
      const streamer = {
        put() {},
        end() {
          passes++;
          options.onProgress?.(Math.min(passes / windows, 1));
        },
      };
      const out = await asr(samples, {
        language,
        task: 'transcribe',
        return_timestamps: true,
        chunk_length_s: window,
        stride_length_s: overlap,
        streamer,
        // The library types `streamer` as a TextStreamer; generate() only calls put() and end().
      } as unknown as Parameters<typeof asr>[1]);
      const chunks = ((Array.isArray(out) ? out[0] : out) as { chunks?: RawChunk[] }).chunks ?? [];
      return { language, segments: cleanChunks(chunks, duration) };
    },
  };
}
