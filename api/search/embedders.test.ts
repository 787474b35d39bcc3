import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.js';
import { VECTOR_CALIBRATION } from '../../models/calibration.js';
import { TINY_MODELS_DIR } from '../../models/manifest.js';
import { lazyQueryEmbedders, whyNotUsable } from './embedders.js';

describe('which models may give a search signal', () => {
  it('turns off a random-weight stand-in, whatever its files', () => {
    expect(whyNotUsable('tiny-siglip2')).toMatch(/random-weight stand-in for siglip2.*noise/);
    expect(whyNotUsable('tiny-bge-m3')).toMatch(/stand-in/);
  });

  it('turns off a real model without a calibrated floor, and names the script that makes one', () => {
    expect(whyNotUsable('multilingual-e5-small', {})).toMatch(/no calibrated floor.*calibrate-search/);
    expect(whyNotUsable('no-such-model')).toMatch(/unknown model/);
  });

  it('accepts the calibrated small-profile text model', () => {
    expect(whyNotUsable('multilingual-e5-small')).toBeUndefined();
    expect(VECTOR_CALIBRATION['multilingual-e5-small']!.provisional).toBeUndefined();
  });

  it('embeds nothing for signals that are off and says why', async () => {
    const e = lazyQueryEmbedders(
      { modelsDir: TINY_MODELS_DIR, textModel: 'tiny-bge-m3', visionModel: 'tiny-siglip2' },
      createLogger('test', 'error'),
    );
    expect(await e.embed('바닷가')).toEqual({ text: undefined, vision: undefined });
    expect(e.unavailable()).toEqual({
      text: expect.stringMatching(/tiny-bge-m3 is a random-weight stand-in/),
      vision: expect.stringMatching(/tiny-siglip2 is a random-weight stand-in/),
    });
    expect(e.calibration('text')).toBeUndefined();
  });
});
