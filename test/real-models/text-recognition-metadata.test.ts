// A PP-OCR recogniser whose dictionary is in its ONNX file's metadata (RapidOCR's exports, as the large profile's
// ppocr-v5-korean-rec is, which cannot be fetched here): RapidOCR 3.10.0's own PP-OCRv6 recogniser, taken out of its
// PyPI wheel (pinned by SHA-256, 27 MB once into the real-model cache) by models:fetch's wheel path, reads its
// characters from the metadata and the lines of a generated frame with them, through the ocr stage's readFrame.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fetchModel } from '../../models/fetch.js';
import {
  type ModelSpec,
  modelSpec,
  PROFILES,
  TEXT_DETECTION_MODEL,
  type TextRecognitionContract,
} from '../../models/manifest.js';
import { loadTextDetector } from '../../models/runtime/text-detection.js';
import { openTextRecognizer, type TextRecognizer } from '../../models/runtime/text-recognition.js';
import { editDistance, readFrame } from '../../pipeline-image/src/media/screen-text.js';
import { tempDir } from '../support/cleanup.js';
import { BUILD_TIMEOUT_MS, ensureRealModels } from '../support/real-models.js';
import { characterErrorRate, type ScreenText, textFrame } from '../support/screen-text-media.js';

const ONNX = 'PP-OCRv6_rec_small.onnx';
const ONNX_SHA256 = '6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884';

/** Not in the manifest (no stage runs it): a fixture fetched the way the manifest's wheel-copied models are. */
const RAPIDOCR_V6_REC: ModelSpec = {
  name: 'test-rapidocr-ppocr-v6-rec-small',
  source: 'https://github.com/RapidAI/RapidOCR',
  revision: 'pypi:rapidocr==3.10.0',
  licence: 'Apache-2.0',
  dims: 1,
  files: [{ path: ONNX, sha256: ONNX_SHA256 }],
  // The large profile's Korean recogniser's contract (dictionary in the metadata, same input and output), but the file.
  contract: { ...(modelSpec(PROFILES.large.ocrRecognizer).contract as TextRecognitionContract), file: ONNX },
  build: {
    converter: 'wheel-copy',
    packages: ['rapidocr==3.10.0'],
    archive: {
      url: 'https://files.pythonhosted.org/packages/59/07/203065283bba0c5e9c10af3602dc25ab3e59ee54dc2d1d22c8faeabf5ed8/rapidocr-3.10.0-py3-none-any.whl',
      sha256: '2fc34e26cd0f48514804a94f8832283039c7334076bff60768b1fed9ad068050',
      format: 'zip',
      prefix: 'rapidocr/',
    },
    inputs: [{ role: 'onnx', package: 'rapidocr', path: `models/${ONNX}`, sha256: ONNX_SHA256 }],
  },
};

const dir = tempDir('rec-metadata');
let modelsDir: string;
let recognizer: TextRecognizer;

beforeAll(async () => {
  modelsDir = await ensureRealModels();
  await fetchModel(RAPIDOCR_V6_REC, modelsDir);
  recognizer = await openTextRecognizer(RAPIDOCR_V6_REC, join(modelsDir, RAPIDOCR_V6_REC.name));
}, BUILD_TIMEOUT_MS);

describe('a recogniser whose dictionary is in its ONNX metadata', () => {
  it('takes its characters from the metadata, as many as the model has classes', () => {
    // 18,708 lines in the metadata (Python's onnx reads the same); the blank and the space make the 18,710 classes.
    expect(recognizer.characters.size).toBe(18_709);
    for (const c of 'AZaz09!~') expect(recognizer.characters.has(c), c).toBe(true);
  });

  it('reads English lines of a generated frame with them', async () => {
    const detector = await loadTextDetector(TEXT_DETECTION_MODEL, { modelsDir });
    const lines: ScreenText[] = [
      { text: 'GRAND OPENING SALE', style: 'sign' },
      { text: 'Meet me at the harbour', style: 'subtitle' },
    ];
    const frame = readFileSync(textFrame(dir, 'v6', lines, 768, 432, 'plain'));
    const read = await readFrame(frame, detector, {
      languages: 'kor+eng',
      minConfidence: 0.5,
      maxLines: 40,
      scratch: `${dir}/lines`,
      recognizer,
      recognizerOnly: true,
    });
    for (const truth of lines) {
      const cer = Math.min(1, ...read.map((l) => characterErrorRate(truth.text, l.text, editDistance)));
      expect(cer, `${truth.text} in ${JSON.stringify(read.map((l) => l.text))}`).toBeLessThanOrEqual(0.2);
    }
  });
});
