// Reading an ONNX file's metadata_props, on models written here field by field (RapidOCR's own recogniser, whose
// dictionary is there, is read in test/real-models/text-recognition-metadata.test.ts).
import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { parseOnnxMetadata } from './onnx-metadata.js';
import { testOnnx } from './onnx-testing.js';

describe('ONNX metadata', () => {
  it('reads every metadata entry wherever it sits, skipping the graph and the other fields', () => {
    const model = testOnnx({
      metadataBefore: [['producer_note', 'first']],
      metadata: [
        ['character', '가\n나\nA\nB'],
        ['empty', ''],
      ],
    });
    expect([...parseOnnxMetadata(model)]).toEqual([
      ['producer_note', 'first'],
      ['character', '가\n나\nA\nB'],
      ['empty', ''],
    ]);
  });

  it('finds none in a model without metadata', () => {
    expect(parseOnnxMetadata(testOnnx({})).size).toBe(0);
  });

  it('skips fields it does not know, inside an entry and around it', () => {
    const w = protobuf.Writer.create();
    w.uint32((99 << 3) | 0).uint64(12345); // an unknown varint field
    w.uint32((14 << 3) | 2).fork();
    w.uint32((3 << 3) | 5).fixed32(7); // an unknown fixed32 inside the entry
    w.uint32((1 << 3) | 2).string('k');
    w.uint32((2 << 3) | 2).string('v');
    w.ldelim();
    w.uint32((98 << 3) | 1).fixed64(1); // an unknown fixed64 field after it
    expect([...parseOnnxMetadata(w.finish())]).toEqual([['k', 'v']]);
  });

  it('throws on a file that is not a ModelProto rather than reading nonsense', () => {
    // A length-delimited field that runs past the end of the bytes.
    expect(() => parseOnnxMetadata(Uint8Array.from([(7 << 3) | 2, 0x7f, 1, 2]))).toThrow(RangeError);
  });
});
