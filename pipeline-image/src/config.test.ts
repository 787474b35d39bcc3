// The pipeline's model defaults are the large profile's (the chart's), and a setting names another.
import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../models/manifest.js';
import { parsePipelineConfig } from './config.js';

describe('the pipeline’s settings', () => {
  it('read on-screen text with the large profile’s Korean recogniser unless OCR_RECOGNIZER_MODEL says otherwise', () => {
    expect(parsePipelineConfig({}).OCR_RECOGNIZER_MODEL).toBe(PROFILES.large.ocrRecognizer);
    expect(PROFILES.large.ocrRecognizer).toBe('ppocr-v5-korean-rec');
    expect(
      parsePipelineConfig({ OCR_RECOGNIZER_MODEL: PROFILES.small.ocrRecognizer }).OCR_RECOGNIZER_MODEL,
    ).toBe('ppocr-v5-mobile-rec');
    expect(parsePipelineConfig({ OCR_RECOGNIZER_MODEL: 'none' }).OCR_RECOGNIZER_MODEL).toBe('none');
  });
});
