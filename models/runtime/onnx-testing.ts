// Small ONNX files written field by field for tests (onnx.proto's numbers), so a test knows every byte of the
// model it loads: a ModelProto with metadata_props, and a "recogniser" whose output is a constant.
import protobuf from 'protobufjs/minimal.js';

type Writer = protobuf.Writer;
const LEN = 2;
const VARINT = 0;
const tag = (field: number, wire: number) => (field << 3) | wire;

function message(w: Writer, field: number, body: (w: Writer) => void): void {
  w.uint32(tag(field, LEN)).fork();
  body(w);
  w.ldelim();
}

function str(w: Writer, field: number, value: string): void {
  w.uint32(tag(field, LEN)).string(value);
}

function int(w: Writer, field: number, value: number): void {
  w.uint32(tag(field, VARINT)).int64(value);
}

/** ValueInfoProto of a float tensor: name, then TypeProto.tensor_type { elem_type FLOAT, shape }. */
function floatValue(w: Writer, field: number, name: string, dims: (number | string)[]): void {
  message(w, field, (v) => {
    str(v, 1, name);
    message(v, 2, (t) =>
      message(t, 1, (tensor) => {
        int(tensor, 1, 1); // TensorProto.FLOAT
        message(tensor, 2, (shape) => {
          for (const d of dims) {
            message(shape, 1, (dim) => (typeof d === 'number' ? int(dim, 1, d) : str(dim, 2, d)));
          }
        });
      }),
    );
  });
}

export interface TestModel {
  /** metadata_props written before the graph. */
  metadataBefore?: [string, string][];
  /** metadata_props written after the graph and opset (where onnx writes them, field 14 after 7 and 8). */
  metadata?: [string, string][];
  /** A graph whose output `probs` is this constant [1, steps, classes] (row-major) and whose input is x. */
  constant?: { probs: Float32Array; steps: number; classes: number };
}

/** A serialised ModelProto (IR 8, opset 13) that onnxruntime loads: x [1, 3, 48, w] in, the constant out. */
export function testOnnx(m: TestModel): Uint8Array {
  const w = protobuf.Writer.create();
  int(w, 1, 8); // ir_version
  str(w, 2, 'heimdex-test'); // producer_name
  for (const [key, value] of m.metadataBefore ?? []) {
    message(w, 14, (e) => {
      str(e, 1, key);
      str(e, 2, value);
    });
  }
  const c = m.constant ?? { probs: new Float32Array([1]), steps: 1, classes: 1 };
  message(w, 7, (g) => {
    message(g, 1, (node) => {
      str(node, 2, 'probs'); // output
      str(node, 3, 'probs_constant'); // name
      str(node, 4, 'Constant'); // op_type
      message(node, 5, (attr) => {
        str(attr, 1, 'value');
        message(attr, 5, (t) => {
          for (const d of [1, c.steps, c.classes]) int(t, 1, d);
          int(t, 2, 1); // FLOAT
          t.uint32(tag(9, LEN)).bytes(new Uint8Array(c.probs.buffer, c.probs.byteOffset, c.probs.byteLength));
        });
        int(attr, 20, 4); // AttributeProto.TENSOR
      });
    });
    str(g, 2, 'test');
    floatValue(g, 11, 'x', [1, 3, 48, 'w']);
    floatValue(g, 12, 'probs', [1, c.steps, c.classes]);
  });
  message(w, 8, (o) => {
    str(o, 1, '');
    int(o, 2, 13);
  });
  for (const [key, value] of m.metadata ?? []) {
    message(w, 14, (e) => {
      str(e, 1, key);
      str(e, 2, value);
    });
  }
  return w.finish();
}
