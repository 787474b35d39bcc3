// Text line recognition with a PaddleOCR recogniser (PP-OCR rec, CTC head, ONNX): one line's picture in, its
// text and a confidence out. It reads the grey levels of the line as they are, so an outlined subtitle over a
// bright picture needs no binarisation. The input size follows PaddleOCR's resize_norm_img and the decode its
// CTCLabelDecode (greedy: best class per step, repeats collapsed, blanks dropped); both are pure and tested
// without the model. The dictionary is a file of the model's, or (RapidOCR's exports) the ONNX file's own metadata.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { type ModelSpec, modelDir, modelSpec, type TextRecognitionContract } from '../manifest.js';
import { float32, loadSession } from './onnx.js';
import { onnxMetadata } from './onnx-metadata.js';

export interface Recognition {
  text: string;
  /** Mean probability of the characters kept (PaddleOCR's score), 0–1; 0 when nothing was read. */
  confidence: number;
}

/**
 * The classes of the recogniser's output: '' (CTC's blank) first, then the dictionary's characters (one a line,
 * only line breaks stripped: a line of one space is the space character), then ' ' when the model has a space
 * class. Pure.
 */
export function parseDictionary(text: string, spaceClass: boolean): string[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.at(-1) === '') lines.pop();
  return ['', ...lines, ...(spaceClass ? [' '] : [])];
}

/**
 * Python's str.splitlines: what RapidOCR's get_character_list splits a model's metadata dictionary with, so the
 * characters are the ones it reads from the same file (every line break Python knows, a last empty line dropped).
 * Pure.
 */
export function splitLinesLikePython(text: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (!PYTHON_LINE_BREAKS.has(c)) {
      line += c;
      continue;
    }
    if (c === '\r' && text[i + 1] === '\n') i++;
    lines.push(line);
    line = '';
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** str.splitlines's line boundaries (\r\n counts as one). */
const PYTHON_LINE_BREAKS = new Set([
  '\n',
  '\v',
  '\f',
  '\r',
  '\x1c',
  '\x1d',
  '\x1e',
  '\x85',
  '\u2028',
  '\u2029',
]);

/**
 * The classes of a recogniser whose dictionary is the ONNX file's metadata entry `key` (RapidOCR's "character":
 * one character a line): '' (CTC's blank), the characters, then ' ' with a space class, as parseDictionary. Pure.
 */
export function metadataDictionary(
  metadata: ReadonlyMap<string, string>,
  key: string,
  spaceClass: boolean,
): string[] {
  const text = metadata.get(key);
  if (text === undefined) {
    const keys = [...metadata.keys()];
    throw new Error(
      `the recogniser's ONNX file has no metadata "${key}" for its dictionary (it has ${keys.length ? keys.join(', ') : 'none'})`,
    );
  }
  return ['', ...splitLinesLikePython(text), ...(spaceClass ? [' '] : [])];
}

/** The recogniser's classes, from its dictionary file or from its ONNX file's metadata. */
async function classesOf(contract: TextRecognitionContract, dir: string): Promise<string[]> {
  const d = contract.dictionary;
  if ('file' in d) return parseDictionary(await readFile(`${dir}/${d.file}`, 'utf8'), contract.spaceClass);
  return metadataDictionary(await onnxMetadata(`${dir}/${contract.file}`), d.metadata, contract.spaceClass);
}

/**
 * Greedy CTC decoding of `steps` × `classes` probabilities (row-major): the most probable class of each step,
 * a class repeated on consecutive steps counted once, blanks (class 0) dropped. The confidence is the mean of
 * the kept steps' probabilities. Pure.
 */
export function ctcGreedyDecode(
  probs: Float32Array,
  steps: number,
  classes: number,
  characters: readonly string[],
): Recognition {
  if (characters.length !== classes) {
    throw new Error(`the recogniser has ${classes} classes, its dictionary ${characters.length}`);
  }
  let text = '';
  let sum = 0;
  let kept = 0;
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    let p = probs[t * classes]!;
    for (let c = 1; c < classes; c++) {
      const v = probs[t * classes + c]!;
      if (v > p) {
        p = v;
        best = c;
      }
    }
    if (best !== 0 && best !== previous) {
      text += characters[best];
      sum += p;
      kept++;
    }
    previous = best;
  }
  return { text, confidence: kept === 0 ? 0 : sum / kept };
}

/**
 * The recogniser's input width for a line of `width` × `height` pixels: the line scaled to the model's height
 * keeping its shape (at most maxWidth), and the tensor at least minWidth wide, padded on the right. Pure.
 */
export function recognizerWidth(
  width: number,
  height: number,
  c: Pick<TextRecognitionContract, 'height' | 'minWidth' | 'maxWidth'>,
): { resized: number; padded: number } {
  const resized = Math.max(1, Math.min(c.maxWidth, Math.ceil((c.height * width) / Math.max(1, height))));
  const padded = Math.min(c.maxWidth, Math.max(c.minWidth, Math.ceil(resized / 8) * 8));
  return { resized: Math.min(resized, padded), padded };
}

export interface TextRecognizer {
  readonly model: { name: string; revision: string };
  readonly provider: string;
  /** The characters it can write (its dictionary, blank excluded). */
  readonly characters: ReadonlySet<string>;
  /** One line's text from a picture of that line (any format sharp reads). Throws on bytes it cannot decode. */
  recognize(line: Buffer): Promise<Recognition>;
}

export async function loadTextRecognizer(name: string, opts: { modelsDir: string }): Promise<TextRecognizer> {
  const spec = modelSpec(name);
  return openTextRecognizer(spec, modelDir(name, opts.modelsDir));
}

/** The recogniser a manifest entry describes, from the directory that holds its files. */
export async function openTextRecognizer(
  spec: Pick<ModelSpec, 'name' | 'revision' | 'contract'>,
  dir: string,
): Promise<TextRecognizer> {
  if (spec.contract.kind !== 'text-recognition') {
    throw new Error(`model ${spec.name} is a ${spec.contract.kind} model, not a text recogniser`);
  }
  const contract: TextRecognitionContract = spec.contract;
  const classes = await classesOf(contract, dir);
  const session = await loadSession(`${dir}/${contract.file}`);
  const h = contract.height;
  return {
    model: { name: spec.name, revision: spec.revision },
    provider: session.provider,
    characters: new Set(classes.slice(1)),
    async recognize(line) {
      const meta = await sharp(line).metadata();
      if (!meta.width || !meta.height) throw new Error('the picture has no pixels');
      const { resized, padded } = recognizerWidth(meta.width, meta.height, contract);
      const { data } = await sharp(line)
        .removeAlpha()
        .resize(resized, h, { fit: 'fill' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      const plane = padded * h;
      // Zeros right of the line: grey after PaddleOCR's (v/255 − 0.5)/0.5, as its padding is.
      const pixels = new Float32Array(3 * plane);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < resized; x++) {
          const i = (y * resized + x) * 3;
          // PaddleOCR reads pictures with OpenCV, in BGR order.
          for (let c = 0; c < 3; c++) pixels[c * plane + y * padded + x] = data[i + (2 - c)]! / 127.5 - 1;
        }
      }
      const out = await session.run({ [contract.input]: float32(pixels, [1, 3, h, padded]) });
      const probs = out[contract.output] ?? Object.values(out)[0]!;
      const [, steps, n] = probs.dims as [number, number, number];
      return ctcGreedyDecode(probs.data, steps, n, classes);
    },
  };
}
