// The model manifest: for each model its source, pinned revision, files and checksums, dimensions, licence
// and input/output contract. Stages and search resolve models by name from here, never by path.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface ModelFile {
  /** Path inside the model's directory (MODELS_DIR/<name>/<path>) and inside the source repository. */
  path: string;
  /** Hex SHA-256; null while the revision is not pinned yet (the fetch command then prints it). */
  sha256: string | null;
}

export interface ImageTextContract {
  kind: 'image-text';
  vision: { file: string; input: 'pixel_values'; output: string };
  text: { file: string; input: 'input_ids'; output: string };
  tokenizer: string;
  imageSize: number;
  mean: [number, number, number];
  std: [number, number, number];
  /** Texts are padded (and truncated) to exactly this many tokens, as the model was trained. */
  textLength: number;
  /** SigLIP's tokenizer expects lower-case text. */
  lowercase: boolean;
}

export interface TextContract {
  kind: 'text';
  file: string;
  inputs: ['input_ids', 'attention_mask'];
  output: string;
  /** How a sequence's vectors become one: the first token's (BGE-M3's dense embedding). */
  pooling: 'cls';
  tokenizer: string;
  maxTokens: number;
}

export interface SpeechContract {
  kind: 'speech';
  encoder: string;
  decoder: string;
  tokenizer: string;
  /** log-Mel bins of the encoder input: 128 for large-v3 and turbo, 80 for earlier sizes. */
  melBins: number;
  /** The encoder sees 30 s windows. */
  windowSeconds: 30;
}

export interface ModelSpec {
  name: string;
  /** Where the files come from (a Hugging Face repository URL) and the revision (commit) pinned. */
  source: string;
  revision: string;
  licence: string;
  dims: number;
  files: ModelFile[];
  contract: ImageTextContract | TextContract | SpeechContract;
  /** Random-weight stand-in with the contract of `standsFor`, for tests (models/tiny). */
  tiny?: { standsFor: string };
}

const SIGLIP_NORM = {
  mean: [0.5, 0.5, 0.5] as [number, number, number],
  std: [0.5, 0.5, 0.5] as [number, number, number],
};

/** Whisper large-v3 and turbo in the Hugging Face ONNX export layout (what @huggingface/transformers loads). */
const WHISPER_V3_CONTRACT: SpeechContract = {
  kind: 'speech',
  encoder: 'onnx/encoder_model.onnx',
  decoder: 'onnx/decoder_model_merged.onnx',
  tokenizer: 'tokenizer.json',
  melBins: 128,
  windowSeconds: 30,
};

export const MODELS: readonly ModelSpec[] = [
  {
    name: 'siglip2-so400m-patch14-384',
    // The ONNX export of google/siglip2-so400m-patch14-384 (both towers, fp32).
    source: 'https://huggingface.co/onnx-community/siglip2-so400m-patch14-384-ONNX',
    revision: 'main',
    licence: 'Apache-2.0',
    dims: 1152,
    files: [
      { path: 'onnx/vision_model.onnx', sha256: null },
      { path: 'onnx/text_model.onnx', sha256: null },
      { path: 'tokenizer.json', sha256: null },
    ],
    contract: {
      kind: 'image-text',
      vision: { file: 'onnx/vision_model.onnx', input: 'pixel_values', output: 'pooler_output' },
      text: { file: 'onnx/text_model.onnx', input: 'input_ids', output: 'pooler_output' },
      tokenizer: 'tokenizer.json',
      imageSize: 384,
      ...SIGLIP_NORM,
      textLength: 64,
      lowercase: true,
    },
  },
  {
    name: 'bge-m3',
    source: 'https://huggingface.co/BAAI/bge-m3',
    revision: 'main',
    licence: 'MIT',
    dims: 1024,
    files: [
      { path: 'onnx/model.onnx', sha256: null },
      { path: 'onnx/model.onnx_data', sha256: null },
      { path: 'tokenizer.json', sha256: null },
    ],
    contract: {
      kind: 'text',
      file: 'onnx/model.onnx',
      inputs: ['input_ids', 'attention_mask'],
      output: 'last_hidden_state',
      pooling: 'cls',
      tokenizer: 'tokenizer.json',
      maxTokens: 512,
    },
  },
  {
    name: 'whisper-large-v3-turbo',
    source: 'https://huggingface.co/onnx-community/whisper-large-v3-turbo',
    revision: 'main',
    licence: 'MIT',
    dims: 1280,
    // The layout @huggingface/transformers loads: configs at the top, ONNX graphs under onnx/.
    files: [
      { path: 'config.json', sha256: null },
      { path: 'generation_config.json', sha256: null },
      { path: 'preprocessor_config.json', sha256: null },
      { path: 'tokenizer.json', sha256: null },
      { path: 'tokenizer_config.json', sha256: null },
      { path: 'onnx/encoder_model.onnx', sha256: null },
      // The fp32 encoder (2.4 GB) is past protobuf's 2 GB limit: its weights sit in external data next to it.
      { path: 'onnx/encoder_model.onnx_data', sha256: null },
      { path: 'onnx/decoder_model_merged.onnx', sha256: null },
    ],
    contract: WHISPER_V3_CONTRACT,
  },
  {
    name: 'tiny-siglip2',
    source: 'models/tools/make_tiny.py',
    revision: 'seed-20240611',
    licence: 'Apache-2.0',
    dims: 1152,
    files: [
      {
        path: 'vision_model.onnx',
        sha256: '071885868e213e84a556bd3a3592de8db5860c0f118d20acaa40030386cb358d',
      },
      { path: 'text_model.onnx', sha256: '054247da28bf6c2124671349ab4725efa35f911597d67f5f58f093a46e13c418' },
      { path: 'tokenizer.json', sha256: 'b4b7dddccb91b11b12a6832dd8a511c050c776efca372b6678c4d9df54bd4594' },
    ],
    contract: {
      kind: 'image-text',
      vision: { file: 'vision_model.onnx', input: 'pixel_values', output: 'pooler_output' },
      text: { file: 'text_model.onnx', input: 'input_ids', output: 'pooler_output' },
      tokenizer: 'tokenizer.json',
      imageSize: 32,
      ...SIGLIP_NORM,
      textLength: 16,
      lowercase: true,
    },
    tiny: { standsFor: 'siglip2-so400m-patch14-384' },
  },
  {
    name: 'tiny-bge-m3',
    source: 'models/tools/make_tiny.py',
    revision: 'seed-20240611',
    licence: 'MIT',
    dims: 1024,
    files: [
      { path: 'model.onnx', sha256: '1d9676b2b269efab6d8e6a2c936eb89d15423532e388f4b2485c962b9e512e2d' },
      { path: 'tokenizer.json', sha256: '21520d5df34eec013ebaa1d61b6998fb11f26cfe9d4992eb2ee38f0cc023d3a4' },
    ],
    contract: {
      kind: 'text',
      file: 'model.onnx',
      inputs: ['input_ids', 'attention_mask'],
      output: 'last_hidden_state',
      pooling: 'cls',
      tokenizer: 'tokenizer.json',
      maxTokens: 64,
    },
    tiny: { standsFor: 'bge-m3' },
  },
  {
    name: 'tiny-whisper',
    source: 'models/tools/make_tiny_whisper.py',
    revision: 'seed-20261124',
    licence: 'MIT',
    dims: 32,
    files: [
      { path: 'config.json', sha256: '1eaf3498aa63a82050581b9d7737bf3bfce403afea66f242e168919e9a811541' },
      {
        path: 'generation_config.json',
        sha256: '4721dfe6737ef9938612f7694476c59f49293fa4450a61dfccad435fe71e917f',
      },
      {
        path: 'preprocessor_config.json',
        sha256: '269ddaa442e09006392c6392ffbb2fb6c7a34475b0adbe0f3de7ce03cadf7e49',
      },
      { path: 'tokenizer.json', sha256: '0977f7235a6f3c097e42201b332b6598ba8b20be5c03fcdd002681cc90c1ef31' },
      {
        path: 'tokenizer_config.json',
        sha256: 'c643d145ed5318ba8c44e26bb3948f9c907f1189f2ad9223bd52ca69b4cb83b8',
      },
      {
        path: 'onnx/encoder_model.onnx',
        sha256: 'd5445cf5ee40e53752be5dff4c281a56ae1ea81cfcf11ef69a35b6880513a328',
      },
      {
        path: 'onnx/decoder_model_merged.onnx',
        sha256: '806744c07a57d0a24aa5f450cba750f7f0746b5e17e220a95dbf1c4af78e821c',
      },
    ],
    contract: WHISPER_V3_CONTRACT,
    tiny: { standsFor: 'whisper-large-v3-turbo' },
  },
];

/** The models a component uses when its *_MODEL setting is unset (pipeline, search, standalone). */
export const DEFAULT_MODELS = {
  vision: 'siglip2-so400m-patch14-384',
  text: 'bge-m3',
  asr: 'whisper-large-v3-turbo',
} as const;

/** The tiny models' directory: point MODELS_DIR here (with tiny-* model names) in tests. */
export const TINY_MODELS_DIR = new URL('./tiny/', import.meta.url).pathname;

export class ModelMissingError extends Error {
  override readonly name = 'ModelMissingError';
}

export function modelSpec(name: string): ModelSpec {
  const spec = MODELS.find((m) => m.name === name);
  if (!spec) {
    throw new ModelMissingError(
      `unknown model ${name}; known models: ${MODELS.map((m) => m.name).join(', ')}`,
    );
  }
  return spec;
}

/** Why the model cannot be used from modelsDir (unknown, or files missing: names the fetch command), or undefined. */
export function whyMissing(name: string, modelsDir: string): string | undefined {
  try {
    modelDir(name, modelsDir);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The model's directory, after checking every file is there; a message naming the fetch command otherwise. */
export function modelDir(name: string, modelsDir: string): string {
  const spec = modelSpec(name);
  const dir = join(modelsDir, name);
  const missing = spec.files.filter((f) => !existsSync(join(dir, f.path)));
  if (missing.length > 0) {
    throw new ModelMissingError(
      `model ${name} is missing from ${dir} (${missing.map((f) => f.path).join(', ')}); ` +
        `fetch it with: MODELS_DIR=${modelsDir} npm run models:fetch -- ${name}`,
    );
  }
  return dir;
}
