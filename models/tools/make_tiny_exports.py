"""Makes the tiny stand-ins of the large profile's real export layouts, from the committed tiny models' weights.

Run: python3 models/tools/make_tiny_exports.py   (needs: pip install onnx numpy; make_tiny.py calls it last)
Reads models/tiny/tiny-bge-m3 and models/tiny/tiny-siglip2 (their weights and tokenizers) and writes, byte for
byte the same on every run:

- tiny-bge-m3-st: the layout of BAAI/bge-m3's own onnx/ export (sentence-transformers' ONNX export):
    onnx/model.onnx  input_ids, attention_mask int64 [B,T]
                     -> token_embeddings float32 [B,T,1024], sentence_embedding float32 [B,1024]
                        (the first token's vector, L2-normalised: bge-m3's 1_Pooling is CLS, then Normalize)
    onnx/model.onnx_data, onnx/Constant_7_attr__value  the weights as external data beside the graph, as BAAI's
                     are (onnxruntime loads them from the graph's directory; without them the graph cannot load)
    tokenizer.json   tiny-bge-m3's
  Its token_embeddings are tiny-bge-m3's last_hidden_state exactly (same weights, same nodes), so both stand-ins
  must embed a text to the same vector: one by the graph's pooling, the other by the runtime's.
- tiny-siglip2-onnx: the layout of onnx-community/siglip2-so400m-patch14-384-ONNX:
    onnx/vision_model.onnx  tiny-siglip2's vision tower, outputs last_hidden_state [B,P,H] then pooler_output
    onnx/text_model.onnx    input_ids and attention_mask int64 [B,16] -> last_hidden_state [B,16,H],
                            pooler_output [B,1152]; the weights in onnx/text_model.onnx_data beside it
    tokenizer.json          tiny-siglip2's
  Same weights and pooler_output as tiny-siglip2 (the mask is declared, as the real export's may be, and unused, as
  tiny-siglip2 uses none), so both must give the same vectors.
"""
import os
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.join(os.path.dirname(__file__), '..', 'tiny')


def initializers(path):
    model = onnx.load(path)
    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}, model


def save_external(model, path, placement):
    """Writes the graph to `path` and each initializer named in `placement` to the external file it names (relative
    to the graph), appended in the order given, with its offset and length recorded as onnx does."""
    model.ir_version = 8
    onnx.checker.check_model(model)
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    written = {}
    by_name = {t.name: t for t in model.graph.initializer}
    for name, location in placement:
        tensor = by_name[name]
        raw = numpy_helper.to_array(tensor).tobytes()
        offset = written.get(location, 0)
        mode = 'ab' if offset else 'wb'
        with open(os.path.join(folder, location), mode) as f:
            f.write(raw)
        written[location] = offset + len(raw)
        tensor.ClearField('raw_data')
        tensor.ClearField('float_data')
        tensor.ClearField('int64_data')
        tensor.data_location = TensorProto.EXTERNAL
        del tensor.external_data[:]
        for key, value in (('location', location), ('offset', str(offset)), ('length', str(len(raw)))):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
    with open(path, 'wb') as f:
        f.write(model.SerializeToString())


def bge_m3_st():
    src = os.path.join(ROOT, 'tiny-bge-m3')
    out = os.path.join(ROOT, 'tiny-bge-m3-st')
    weights, model = initializers(os.path.join(src, 'model.onnx'))
    graph = model.graph
    dim = weights['proj'].shape[1]
    nodes = []
    for n in graph.node:
        node = onnx.NodeProto()
        node.CopyFrom(n)
        node.output[:] = ['token_embeddings' if o == 'last_hidden_state' else o for o in n.output]
        nodes.append(node)
    nodes += [
        # The first token's row: a scalar index drops the sequence axis.
        helper.make_node('Gather', ['token_embeddings', 'cls_index'], ['cls'], axis=1),
        helper.make_node('LpNormalization', ['cls'], ['sentence_embedding'], axis=-1, p=2),
    ]
    inits = [numpy_helper.from_array(v, k) for k, v in weights.items()]
    inits.append(numpy_helper.from_array(np.array(0, dtype=np.int64), 'cls_index'))
    g = helper.make_graph(
        nodes, 'tiny_bge_m3_st', list(graph.input),
        [helper.make_tensor_value_info('token_embeddings', TensorProto.FLOAT, ['batch', 'seq', dim]),
         helper.make_tensor_value_info('sentence_embedding', TensorProto.FLOAT, ['batch', dim])],
        inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 17)], producer_name='heimdex-make-tiny')
    save_external(m, os.path.join(out, 'onnx', 'model.onnx'),
                  # The axes stay inline: onnxruntime's shape inference reads them while loading.
                  [('embed', 'model.onnx_data'), ('proj', 'Constant_7_attr__value')])
    shutil.copyfile(os.path.join(src, 'tokenizer.json'), os.path.join(out, 'tokenizer.json'))


def siglip2_onnx():
    src = os.path.join(ROOT, 'tiny-siglip2')
    out = os.path.join(ROOT, 'tiny-siglip2-onnx')
    os.makedirs(os.path.join(out, 'onnx'), exist_ok=True)

    # Vision: the same graph, with the per-patch activations exposed first, as the real export's outputs are ordered.
    vision = onnx.load(os.path.join(src, 'vision_model.onnx'))
    act = helper.make_tensor_value_info('act', TensorProto.FLOAT, ['batch', None, None, None])
    vision.graph.output.insert(0, act)
    vision.graph.output[0].name = 'last_hidden_state'
    for n in vision.graph.node:
        n.output[:] = ['last_hidden_state' if o == 'act' else o for o in n.output]
        n.input[:] = ['last_hidden_state' if i == 'act' else i for i in n.input]
    vision.ir_version = 8
    onnx.checker.check_model(vision)
    with open(os.path.join(out, 'onnx', 'vision_model.onnx'), 'wb') as f:
        f.write(vision.SerializeToString())

    # Text: tiny-siglip2's nodes, the token embeddings exposed as last_hidden_state, attention_mask declared.
    weights, text = initializers(os.path.join(src, 'text_model.onnx'))
    nodes = []
    for n in text.graph.node:
        node = onnx.NodeProto()
        node.CopyFrom(n)
        node.output[:] = ['last_hidden_state' if o == 'tok' else o for o in n.output]
        node.input[:] = ['last_hidden_state' if i == 'tok' else i for i in n.input]
        nodes.append(node)
    hidden = weights['embed'].shape[1]
    dim = weights['proj'].shape[1]
    g = helper.make_graph(
        nodes, 'tiny_siglip2_text',
        [helper.make_tensor_value_info('input_ids', TensorProto.INT64, ['batch', 16]),
         helper.make_tensor_value_info('attention_mask', TensorProto.INT64, ['batch', 16])],
        [helper.make_tensor_value_info('last_hidden_state', TensorProto.FLOAT, ['batch', 16, hidden]),
         helper.make_tensor_value_info('pooler_output', TensorProto.FLOAT, ['batch', dim])],
        [numpy_helper.from_array(v, k) for k, v in weights.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 17)], producer_name='heimdex-make-tiny')
    save_external(m, os.path.join(out, 'onnx', 'text_model.onnx'),
                  [(k, 'text_model.onnx_data') for k in sorted(weights)])
    shutil.copyfile(os.path.join(src, 'tokenizer.json'), os.path.join(out, 'tokenizer.json'))


def main():
    bge_m3_st()
    siglip2_onnx()


if __name__ == '__main__':
    main()
