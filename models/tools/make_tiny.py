"""Makes the tiny test models under models/tiny/: random weights, the real models' input/output contract.

Run: python3 models/tools/make_tiny.py   (needs: pip install onnx numpy tokenizers)
The outputs are committed so tests never need Python; rerunning gives byte-identical files (fixed seed).

- tiny-siglip2: vision_model.onnx  pixel_values float32 [B,3,32,32] -> pooler_output float32 [B,1152]
                text_model.onnx    input_ids int64 [B,16]            -> pooler_output float32 [B,1152]
  (SigLIP 2 so400m: 384x384 input, 64 text tokens; same names and dimensions.)
- tiny-bge-m3:  model.onnx  input_ids, attention_mask int64 [B,T] -> last_hidden_state float32 [B,T,1024]
  (BGE-M3 dense embedding = normalized CLS vector; same names and dimensions.)
- tiny-whisper: Whisper's architecture and export layout at d_model 32 (make_tiny_whisper.py).
- tiny-bge-m3-st, tiny-siglip2-onnx: the two above in the real exports' layouts (make_tiny_exports.py, run last).
Both towers/models are a patch or token embedding, a masked mean, and a projection: small, but the output
changes with the input, so tests can tell batching and ordering mistakes apart.
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
import make_tiny_exports
import make_tiny_whisper
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

ROOT = os.path.join(os.path.dirname(__file__), '..', 'tiny')
rng = np.random.default_rng(20240611)
HIDDEN = 16

CORPUS = [
    'we grill meat on the beach', 'the scene where we eat on the beach', 'a dog runs in the park',
    'hello world', 'a red car drives through the city at night', 'children play football in the rain',
    '바닷가에서 고기를 구웠다', '바닷가에서 고기 굽는 장면', '안녕하세요 반갑습니다', '공원에서 개가 뛰어논다',
    '밤에 도시를 달리는 빨간 자동차', '비 오는 날 축구하는 아이들', '우리는 바다를 좋아한다',
]


def save(model, path):
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(model.SerializeToString())


def tensor(name, arr):
    return numpy_helper.from_array(np.asarray(arr, dtype=np.float32), name)


def make_tokenizer(path):
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(vocab_size=160, special_tokens=['<s>', '<pad>', '</s>', '<unk>'], unk_token='<unk>')
    tok.train_from_iterator(CORPUS, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single='<s> $A </s>', pair='<s> $A </s> </s> $B </s>',
        special_tokens=[('<s>', tok.token_to_id('<s>')), ('</s>', tok.token_to_id('</s>'))])
    tok.save(path)
    return tok.get_vocab_size()


def vision_model(path, dim=1152, size=32, patch=8):
    # Conv patch embedding -> GlobalAveragePool -> Flatten -> MatMul to `dim`.
    w = tensor('patch_w', rng.normal(0, 0.2, (HIDDEN, 3, patch, patch)))
    proj = tensor('proj', rng.normal(0, 0.3, (HIDDEN, dim)))
    nodes = [
        helper.make_node('Conv', ['pixel_values', 'patch_w'], ['patches'], kernel_shape=[patch, patch], strides=[patch, patch]),
        helper.make_node('Tanh', ['patches'], ['act']),
        helper.make_node('GlobalAveragePool', ['act'], ['pooled']),
        helper.make_node('Flatten', ['pooled'], ['flat'], axis=1),
        helper.make_node('MatMul', ['flat', 'proj'], ['pooler_output']),
    ]
    g = helper.make_graph(nodes, 'tiny_siglip2_vision',
                          [helper.make_tensor_value_info('pixel_values', TensorProto.FLOAT, ['batch', 3, size, size])],
                          [helper.make_tensor_value_info('pooler_output', TensorProto.FLOAT, ['batch', dim])], [w, proj])
    save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 17)], producer_name='heimdex-make-tiny'), path)


def token_model(path, vocab, dim, with_mask, output, per_token):
    emb = tensor('embed', rng.normal(0, 1.0, (vocab, HIDDEN)))
    proj = tensor('proj', rng.normal(0, 0.3, (HIDDEN, dim)))
    inputs = [helper.make_tensor_value_info('input_ids', TensorProto.INT64, ['batch', 'seq'])]
    nodes = [helper.make_node('Gather', ['embed', 'input_ids'], ['tok'], axis=0)]  # [B,T,H]
    if with_mask:
        inputs.append(helper.make_tensor_value_info('attention_mask', TensorProto.INT64, ['batch', 'seq']))
    if per_token:
        # Each position mixes its token with the masked mean of the sequence (a one-step "attention").
        nodes += [
            helper.make_node('Cast', ['attention_mask'], ['maskf'], to=TensorProto.FLOAT),
            helper.make_node('Unsqueeze', ['maskf', 'axis2'], ['mask3']),
            helper.make_node('Mul', ['tok', 'mask3'], ['masked']),
            helper.make_node('ReduceSum', ['masked', 'axis1'], ['sum'], keepdims=1),
            helper.make_node('ReduceSum', ['mask3', 'axis1'], ['count'], keepdims=1),
            helper.make_node('Div', ['sum', 'count'], ['mean']),
            helper.make_node('Add', ['tok', 'mean'], ['mixed']),
            helper.make_node('Tanh', ['mixed'], ['act']),
            helper.make_node('MatMul', ['act', 'proj'], [output]),
        ]
        out = helper.make_tensor_value_info(output, TensorProto.FLOAT, ['batch', 'seq', dim])
    else:
        nodes += [
            helper.make_node('ReduceMean', ['tok'], ['mean'], axes=[1], keepdims=0),
            helper.make_node('Tanh', ['mean'], ['act']),
            helper.make_node('MatMul', ['act', 'proj'], [output]),
        ]
        out = helper.make_tensor_value_info(output, TensorProto.FLOAT, ['batch', dim])
    inits = [emb, proj, numpy_helper.from_array(np.array([1], dtype=np.int64), 'axis1'),
             numpy_helper.from_array(np.array([2], dtype=np.int64), 'axis2')]
    g = helper.make_graph(nodes, os.path.basename(os.path.dirname(path)), inputs, [out], inits)
    save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 17)], producer_name='heimdex-make-tiny'), path)


def main():
    sig = os.path.join(ROOT, 'tiny-siglip2')
    bge = os.path.join(ROOT, 'tiny-bge-m3')
    os.makedirs(sig, exist_ok=True)
    os.makedirs(bge, exist_ok=True)
    vocab = make_tokenizer(os.path.join(sig, 'tokenizer.json'))
    make_tokenizer(os.path.join(bge, 'tokenizer.json'))
    vision_model(os.path.join(sig, 'vision_model.onnx'))
    token_model(os.path.join(sig, 'text_model.onnx'), vocab, 1152, False, 'pooler_output', False)
    token_model(os.path.join(bge, 'model.onnx'), vocab, 1024, True, 'last_hidden_state', True)
    whisper = make_tiny_whisper.make(ROOT)
    make_tiny_exports.main()
    print(json.dumps({'vocab': vocab, 'whisper_vocab': whisper['vocab'], 'dir': os.path.abspath(ROOT)}))


if __name__ == '__main__':
    main()
