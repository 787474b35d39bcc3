// The metadata_props of an ONNX file (ModelProto field 14: key/value strings a converter writes beside the
// graph), which onnxruntime-node does not expose (its sessions give input and output names and shapes only).
// RapidOCR's PP-OCR exports carry their recogniser's dictionary there, under "character". Read with protobufjs's
// wire-format reader: every other field of the ModelProto, the graph included, is skipped without being decoded.
import { readFile } from 'node:fs/promises';
import protobuf from 'protobufjs/minimal.js';

/** onnx.proto: ModelProto.metadata_props = 14 (repeated StringStringEntryProto, whose key = 1 and value = 2). */
const METADATA_PROPS = 14;
const LENGTH_DELIMITED = 2;

/** The metadata_props of a serialised ModelProto, in file order (a later entry with the same key wins). Pure. */
export function parseOnnxMetadata(model: Uint8Array): Map<string, string> {
  const props = new Map<string, string>();
  const r = protobuf.Reader.create(model);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 !== METADATA_PROPS || (tag & 7) !== LENGTH_DELIMITED) {
      r.skipType(tag & 7);
      continue;
    }
    const end = r.uint32() + r.pos;
    let key = '';
    let value = '';
    while (r.pos < end) {
      const t = r.uint32();
      if (t === (1 << 3) + LENGTH_DELIMITED) key = r.string();
      else if (t === (2 << 3) + LENGTH_DELIMITED) value = r.string();
      else r.skipType(t & 7);
    }
    props.set(key, value);
  }
  return props;
}

/** The metadata_props of the ONNX file at `file` (read whole: the recognisers it is used for are tens of MB). */
export async function onnxMetadata(file: string): Promise<Map<string, string>> {
  return parseOnnxMetadata(await readFile(file));
}
