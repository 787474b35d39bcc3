// Speech recognition (Whisper) for the asr stage: 16 kHz mono samples in, timed segments out. Decoding follows
// faster-whisper: 30 s windows advanced by the timestamps the model emits (the "seek"), so a line across a seam
// is decoded whole in the next window at its place; beam search or greedy first, then a temperature fallback
// when a window's text is a loop (compression ratio) or unsure (average log-probability); windows the model
// calls silent are skipped; speech regions (voice activity, runtime/vad.ts) limit what is decoded at all.
// The encoder and decoder run on runtime/onnx.ts; @huggingface/transformers gives only the log-Mel features and
// the tokenizer's decode.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../core/random.js';
import { modelDir, modelSpec, type SpeechContract } from '../manifest.js';
import type { ModelInfo } from './embeddings.js';
import { float32, loadSession, type Output } from './onnx.js';
import { type Region, RegionMap } from './vad.js';
import {
  compressionRatio,
  DEFAULT_GUARDS,
  DEFAULT_TEMPERATURES,
  type Decoded,
  FRAMES_PER_SECOND,
  fallbackReason,
  type Guards,
  isLoop,
  isSilence,
  languageProbabilities,
  pickAfterFallback,
  pickLanguage,
  splitAtTimestamps,
  type WhisperTokens,
} from './whisper-decode.js';
import { type DecoderShape, type Search, searchWindow } from './whisper-search.js';

export { pickLanguage } from './whisper-decode.js';

export const SAMPLE_RATE = 16_000;
const HOP = 160;
const WINDOW_FRAMES = 3000;
const MIN_WINDOW_FRAMES = 20;

export interface SpeechSegment {
  start: number;
  end: number;
  text: string;
}

/** What each guard did, for the stage's result and the benchmarks. */
export interface DecodeStats {
  windows: number;
  /** Windows decoded again at a higher temperature. */
  fallbacks: number;
  /** Windows the model called silent (no-speech probability over the threshold, text unsure): no text. */
  silent: number;
  /** Windows still a repetition loop after the whole fallback: their text dropped. */
  loops: number;
  /** Segments dropped for repeating the one before them word for word. */
  repeats: number;
  /** Seconds of audio voice activity detection kept (the whole audio when it did not run). */
  speechSeconds: number;
}

export interface Transcription {
  /** ISO 639-1 code: the one asked for, or the detected one. */
  language: string;
  /** True when the language was detected rather than given. */
  detected: boolean;
  /** The detected language's probability (among all the model's languages); absent when nothing was heard. */
  languageProbability?: number;
  segments: SpeechSegment[];
  /** Things a person should know about this transcript (a forced language that does not match the speech…). */
  notes: string[];
  stats: DecodeStats;
}

export interface TranscribeOptions {
  /** ISO 639-1 code, or "auto" to detect it from the first speech. */
  language: string;
  /** The languages "auto" chooses among (default: every language the model knows). */
  languages?: readonly string[];
  /** Beam width at temperature 0 (1: greedy). Default 5, as faster-whisper. */
  beamSize?: number;
  /** Candidates sampled at each fallback temperature. Default 5. */
  bestOf?: number;
  temperatures?: readonly number[];
  guards?: Partial<Guards>;
  /**
   * At most this many tokens per window (a loop that the guards miss still ends). Default 224; a window shorter
   * than 30 s gets fewer (windowTokenCap): nobody says 224 tokens in 4 s.
   */
  maxTokensPerWindow?: number;
  /** Prompt each window with the previous one's text (faster-whisper's default), reset after a hot fallback. */
  conditionOnPreviousText?: boolean;
  /** Speech regions (seconds): only these are decoded, and the times map back. Absent: the whole audio. */
  speech?: readonly Region[];
  /** Called as windows finish, with the share of the audio done (0–1). */
  onProgress?: (share: number) => void;
}

export interface SpeechRecognizer {
  model: ModelInfo;
  /** The language codes the model knows (for validation and detection). */
  languages: readonly string[];
  transcribe(samples: Float32Array, options: TranscribeOptions): Promise<Transcription>;
}

/**
 * The most tokens a window of this many seconds may take: 16 plus 12 a second (fast speech in Korean, the densest
 * of the usual languages, is about 8 text tokens a second, plus two timestamps a segment), never above `cap`.
 * A loop in a short window then ends after a few dozen tokens instead of `cap`, at every fallback temperature.
 */
export function windowTokenCap(seconds: number, cap: number): number {
  return Math.max(1, Math.min(cap, Math.ceil(16 + 12 * seconds)));
}

/** Whitespace collapsed, undecodable bytes (U+FFFD) and control characters dropped, NFC. */
export function cleanText(text: string): string {
  return text
    .replace(/[\uFFFD]|[^\P{Cc}\s]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .normalize('NFC');
}

/** Sampling is the same on every run of the same audio. */
export { seededRandom };

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

interface WhisperConfig {
  decoder_start_token_id: number;
  eos_token_id: number;
  vocab_size: number;
  decoder_attention_heads: number;
  d_model: number;
}

interface GenerationConfig {
  lang_to_id: Record<string, number>;
  task_to_id: { transcribe: number; translate: number };
  no_timestamps_token_id: number;
  prev_sot_token_id?: number;
  suppress_tokens?: number[];
  begin_suppress_tokens?: number[];
}

function whisperTokens(c: WhisperConfig, g: GenerationConfig): WhisperTokens {
  return {
    sot: c.decoder_start_token_id,
    eot: c.eos_token_id,
    sotPrev: g.prev_sot_token_id ?? g.no_timestamps_token_id - 2,
    // <|nospeech|> (<|nocaptions|> before v3) sits right before <|notimestamps|> in every Whisper vocabulary.
    noSpeech: g.no_timestamps_token_id - 1,
    noTimestamps: g.no_timestamps_token_id,
    timestampBegin: g.no_timestamps_token_id + 1,
    transcribe: g.task_to_id.transcribe,
    translate: g.task_to_id.translate,
    languages: Object.fromEntries(Object.entries(g.lang_to_id).map(([k, id]) => [k.slice(2, -2), id])),
    suppress: g.suppress_tokens ?? [],
    beginSuppress: g.begin_suppress_tokens ?? [],
    vocabSize: c.vocab_size,
  };
}

async function create(name: string, modelsDir: string): Promise<SpeechRecognizer> {
  const spec = modelSpec(name);
  if (spec.contract.kind !== 'speech') throw new Error(`model ${name} is not a speech model`);
  const contract: SpeechContract = spec.contract;
  const dir = modelDir(name, modelsDir); // every file there, or a message naming the fetch command
  const read = <T>(f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T;
  const config = read<WhisperConfig>('config.json');
  const t = whisperTokens(config, read<GenerationConfig>('generation_config.json'));
  const [encoder, decoder] = await Promise.all([
    loadSession(join(dir, contract.encoder)),
    loadSession(join(dir, contract.decoder)),
  ]);
  const shape: DecoderShape = {
    pastNames: decoder.inputNames.filter((n) => n.startsWith('past_key_values.')),
    heads: config.decoder_attention_heads,
    headDim: config.d_model / config.decoder_attention_heads,
  };
  // Loaded here, not at the top: every stage process imports this module, and the library costs ~150 MiB.
  const { env, AutoFeatureExtractor, AutoTokenizer } = await import('@huggingface/transformers');
  // Files come from MODELS_DIR only: never from a hub at run time.
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = modelsDir.endsWith('/') ? modelsDir : `${modelsDir}/`;
  const features = await AutoFeatureExtractor.from_pretrained(name, { local_files_only: true });
  const tokenizer = await AutoTokenizer.from_pretrained(name, { local_files_only: true });
  const languages = Object.keys(t.languages);
  const decodeText = (ids: readonly number[]) =>
    ids.some((id) => id < t.eot) ? tokenizer.decode(ids.filter((id) => id < t.eot)) : '';

  async function encode(window: Float32Array): Promise<Output> {
    const { input_features } = (await features(window)) as {
      input_features: { data: Float32Array; dims: number[] };
    };
    const out = await encoder.run({ input_features: float32(input_features.data, input_features.dims) });
    return out.last_hidden_state ?? Object.values(out)[0]!;
  }

  /** Language probabilities from the logits right after <|startoftranscript|>. */
  async function detect(hidden: Output): Promise<Record<string, number>> {
    const r = await searchWindow(
      decoder,
      shape,
      hidden,
      [t.sot],
      0,
      t,
      { kind: 'greedy' },
      {
        maxTokens: 0,
        timestamps: true,
        maxTimestampIndex: 0,
      },
    );
    return languageProbabilities(r.sotLogits, t.languages);
  }

  return {
    model: { name: spec.name, revision: spec.revision, dims: spec.dims },
    languages,
    async transcribe(samples, o) {
      const notes: string[] = [];
      const allowed = o.languages?.filter((l) => languages.includes(l)) ?? [];
      if (o.language !== 'auto' && !languages.includes(o.language))
        throw new RangeError(`${name} does not know the language "${o.language}"`);
      if (o.languages && o.languages.length > 0 && allowed.length === 0)
        throw new RangeError(`${name} knows none of the languages ${o.languages.join(', ')}`);
      const guards = { ...DEFAULT_GUARDS, ...o.guards };
      const temperatures = o.temperatures ?? DEFAULT_TEMPERATURES;
      const beamSize = Math.max(1, o.beamSize ?? 5);
      const bestOf = Math.max(1, o.bestOf ?? 5);
      const maxTokens = Math.max(1, o.maxTokensPerWindow ?? 224);
      const duration = samples.length / SAMPLE_RATE;
      const map = new RegionMap(o.speech ?? [{ start: 0, end: duration }], duration);
      const audio = map.collect(samples, SAMPLE_RATE);
      const stats: DecodeStats = {
        windows: 0,
        fallbacks: 0,
        silent: 0,
        loops: 0,
        repeats: 0,
        speechSeconds: map.speechSeconds,
      };
      const fallbackLanguage = o.language === 'auto' ? (allowed[0] ?? 'en') : o.language;
      const result = (language: string, segments: SpeechSegment[], probability?: number): Transcription => ({
        language,
        detected: o.language === 'auto',
        ...(probability !== undefined ? { languageProbability: probability } : {}),
        segments,
        notes,
        stats,
      });
      if (audio.length < SAMPLE_RATE / 10) {
        o.onProgress?.(1);
        return result(fallbackLanguage, []);
      }
      const totalFrames = Math.ceil(audio.length / HOP);
      const random = seededRandom(audio.length);
      let seek = 0;
      let language = fallbackLanguage;
      let probability: number | undefined;
      const all: number[] = [];
      let promptFrom = 0;
      const segments: SpeechSegment[] = [];
      while (seek < totalFrames) {
        const windowFrames = Math.min(WINDOW_FRAMES, totalFrames - seek);
        // A few frames at the end are no speech a person could say anything in (and Whisper invents text there).
        if (windowFrames < MIN_WINDOW_FRAMES) break;
        const hidden = await encode(audio.subarray(seek * HOP, (seek + windowFrames) * HOP));
        if (stats.windows === 0) {
          const probs = await detect(hidden);
          const best = pickLanguage(probs);
          if (o.language === 'auto') {
            ({ language, probability } = pickLanguage(probs, allowed));
            if (allowed.length > 0 && best.language !== language && probability < 0.1) {
              notes.push(
                `detected ${language} among ${allowed.join(', ')} with p=${probability.toFixed(2)}: the speech ` +
                  `sounds most like ${best.language} (p=${best.probability.toFixed(2)}), a language not allowed`,
              );
            }
          } else {
            probability = probs[o.language];
            if (best.language !== o.language && (probs[o.language] ?? 0) < 0.1) {
              notes.push(
                `the speech sounds like ${best.language} (p=${best.probability.toFixed(2)}), not the asked ` +
                  `${o.language} (p=${(probs[o.language] ?? 0).toFixed(2)}); decoded as ${o.language}`,
              );
            }
          }
        }
        stats.windows++;
        const previous = o.conditionOnPreviousText !== false ? all.slice(promptFrom).slice(-223) : [];
        const prompt = [
          ...(previous.length > 0 ? [t.sotPrev, ...previous] : []),
          t.sot,
          t.languages[language]!,
          t.transcribe,
        ];
        const sotIndex = prompt.indexOf(t.sot);
        const maxTimestampIndex = Math.floor(windowFrames / 2);
        const tries: Decoded[] = [];
        let chosen: Decoded | undefined;
        for (const temperature of temperatures) {
          const search: Search =
            temperature > 0
              ? { kind: 'sample', temperature, bestOf, random }
              : beamSize > 1
                ? { kind: 'beam', width: beamSize }
                : { kind: 'greedy' };
          const r = await searchWindow(decoder, shape, hidden, prompt, sotIndex, t, search, {
            maxTokens: windowTokenCap(windowFrames / FRAMES_PER_SECOND, maxTokens),
            timestamps: true,
            maxTimestampIndex,
          });
          const text = decodeText(r.tokens).trim();
          const d: Decoded = {
            tokens: r.tokens,
            text,
            avgLogProb: r.sumLogProb / (r.tokens.length + 1),
            compressionRatio: compressionRatio(text),
            noSpeechProb: r.noSpeechProb,
            temperature,
          };
          tries.push(d);
          if (!fallbackReason(d, guards)) {
            chosen = d;
            break;
          }
          if (temperature !== temperatures.at(-1)) stats.fallbacks++;
        }
        chosen ??= pickAfterFallback(tries, guards);
        const offset = seek / FRAMES_PER_SECOND;
        if (isSilence(chosen, guards)) {
          stats.silent++;
          seek += windowFrames;
        } else if (isLoop(chosen, guards)) {
          stats.loops++;
          seek += windowFrames;
        } else {
          const split = splitAtTimestamps(chosen.tokens, t.timestampBegin, windowFrames);
          for (const s of split.segments) {
            const text = cleanText(decodeText(s.tokens));
            if (!text) continue;
            // The same sentence again, right after itself: Whisper repeating over silence (within a window, or
            // in the next one, prompted by the previous text).
            if (text === segments.at(-1)?.text) {
              stats.repeats++;
              continue;
            }
            const limit = offset + windowFrames / FRAMES_PER_SECOND;
            const start = Math.min(offset + s.start, limit);
            segments.push({ start, end: Math.min(Math.max(start, offset + s.end), limit), text });
          }
          all.push(...chosen.tokens.filter((id) => id < t.eot || id >= t.timestampBegin));
          if (chosen.temperature > 0.5) promptFrom = all.length;
          seek += split.advance;
        }
        o.onProgress?.(Math.min(seek / totalFrames, 1));
      }
      if (stats.loops > 0)
        notes.push(`${stats.loops} window(s) decoded as a repetition loop even after the fallback: dropped`);
      const timed = segments
        .map((s) => ({ ...s, ...map.toOriginal(s.start, s.end) }))
        .sort((a, b) => a.start - b.start || a.end - b.end);
      return result(language, timed, probability);
    },
  };
}
