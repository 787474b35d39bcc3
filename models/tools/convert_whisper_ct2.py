"""Converts a Whisper model in CTranslate2's layout (faster-whisper's model.bin, config.json, tokenizer.json)
into the Hugging Face ONNX export layout @huggingface/transformers loads, with numpy and onnx only (no torch).

    python convert_whisper_ct2.py --model-bin model.bin --ct2-config config.json --tokenizer tokenizer.json --out DIR

Writes DIR/onnx/encoder_model.onnx, DIR/onnx/decoder_model_merged.onnx (fp32), config.json,
generation_config.json, preprocessor_config.json, tokenizer.json (with Whisper's 1501 timestamp tokens added,
as the newer Hugging Face exports carry them) and tokenizer_config.json. The output is a pure function of the
inputs (no timestamps, no random names), so its SHA-256s can be pinned.

The graphs:
- encoder: input_features [B, mels, 3000] -> last_hidden_state [B, 1500, d]
  (Conv1d k3 + GELU, Conv1d k3 s2 + GELU, sinusoidal positions, pre-LN blocks, final LayerNorm)
- merged decoder: input_ids [B, T], encoder_hidden_states, past_key_values.<l>.{decoder,encoder}.{key,value},
  use_cache_branch -> logits [B, T, V], present.<l>.* (the cross-attention keys/values are computed by an If
  node only when use_cache_branch is false, and passed through afterwards, as optimum's merged export does).
"""
import argparse
import json
import os
import struct

import numpy as np
from onnx import TensorProto, checker, helper, numpy_helper

# CTranslate2's DataType enum (include/ctranslate2/types.h).
CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def read_ct2(paths):
    """The variables of a CTranslate2 model.bin (binary version 6; given whole or as its parts in order) as numpy
    arrays, aliases resolved."""
    data = b''.join(open(p, 'rb').read() for p in paths)
    path = paths[0]
    off = 0

    def take(fmt):
        nonlocal off
        v = struct.unpack_from(fmt, data, off)
        off += struct.calcsize(fmt)
        return v

    def string():
        nonlocal off
        (n,) = take('<H')
        s = data[off:off + n].rstrip(b'\0').decode()
        off += n
        return s

    (version,) = take('<I')
    if version != 6:
        raise SystemExit(f'{path}: CTranslate2 binary version {version}, expected 6')
    spec = string()
    take('<I')  # spec revision
    if spec != 'WhisperSpec':
        raise SystemExit(f'{path}: a {spec}, expected a WhisperSpec')
    (count,) = take('<I')
    out = {}
    for _ in range(count):
        name = string()
        (rank,) = take('<B')
        dims = take(f'<{rank}I')
        (dtype,) = take('<B')
        (nbytes,) = take('<I')
        out[name] = np.frombuffer(data, CT2_DTYPES[dtype], nbytes // np.dtype(CT2_DTYPES[dtype]).itemsize, off).reshape(dims)
        off += nbytes
    (aliases,) = take('<I')
    for _ in range(aliases):
        alias, target = string(), string()
        out[alias] = out[target]
    if off != len(data):
        raise SystemExit(f'{path}: {len(data) - off} trailing bytes; the file is damaged')
    return out


class Graph:
    """A few helpers over onnx.helper; initializer and node names are numbered in creation order."""

    def __init__(self, name):
        self.name, self.nodes, self.inits, self.n = name, [], [], 0

    def _next(self, prefix):
        self.n += 1
        return f'{prefix}_{self.n}'

    def init(self, array, prefix='w'):
        name = self._next(prefix)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def w(self, array):
        return self.init(np.asarray(array, np.float32))

    def const(self, value, dtype=np.float32):
        return self.init(np.asarray(value, dtype), 'c')

    def op(self, op_type, inputs, nodes=None, **attrs):
        out = self._next(op_type.lower())
        (self.nodes if nodes is None else nodes).append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def out(self, op_type, inputs, name, nodes=None, **attrs):
        (self.nodes if nodes is None else nodes).append(helper.make_node(op_type, inputs, [name], name=f'n_{name}', **attrs))
        return name

    def save(self, inputs, outputs, path):
        g = helper.make_graph(self.nodes, self.name, inputs, outputs, self.inits)
        model = helper.make_model(g, opset_imports=[helper.make_opsetid('', 17)], producer_name='heimdex-models-build')
        model.ir_version = 8
        checker.check_model(model)
        with open(path, 'wb') as f:
            f.write(model.SerializeToString())


class Whisper:
    def __init__(self, v, g):
        self.v, self.g = v, g
        self.d = v['encoder/conv1/weight'].shape[0]
        self.heads = int(v['encoder/num_heads'].item())
        self.dh = self.d // self.heads

    def p(self, name):
        return np.asarray(self.v[name], np.float32)

    def linear(self, x, prefix, rows=None, nodes=None):
        """x @ W^T + b for CTranslate2's [out, in] weight (optionally a slice of the fused rows)."""
        w, b = self.p(f'{prefix}/weight'), self.p(f'{prefix}/bias') if f'{prefix}/bias' in self.v else None
        if rows is not None:
            w = w[rows]
            b = b[rows] if b is not None else None
        y = self.g.op('MatMul', [x, self.g.w(w.T)], nodes)
        return self.g.op('Add', [y, self.g.w(b)], nodes) if b is not None else y

    def layer_norm(self, x, prefix, nodes=None):
        return self.g.op('LayerNormalization', [x, self.g.w(self.p(f'{prefix}/gamma')), self.g.w(self.p(f'{prefix}/beta'))],
                         nodes, axis=-1, epsilon=1e-5)

    def gelu(self, x):
        e = self.g.op('Erf', [self.g.op('Div', [x, self.g.const(np.sqrt(2.0))])])
        return self.g.op('Mul', [self.g.op('Mul', [x, self.g.const(0.5)]), self.g.op('Add', [e, self.g.const(1.0)])])

    def split_heads(self, x, nodes=None):
        """[B, S, d] -> [B, H, S, dh]"""
        r = self.g.op('Reshape', [x, self.g.const([0, -1, self.heads, self.dh], np.int64)], nodes)
        return self.g.op('Transpose', [r], nodes, perm=[0, 2, 1, 3])

    def attend(self, q, k, v, mask=None):
        """q [B,H,T,dh] (already scaled), k/v [B,H,S,dh] -> [B,T,d]"""
        s = self.g.op('MatMul', [q, self.g.op('Transpose', [k], perm=[0, 1, 3, 2])])
        if mask is not None:
            s = self.g.op('Add', [s, mask])
        o = self.g.op('Transpose', [self.g.op('MatMul', [self.g.op('Softmax', [s], axis=-1), v])], perm=[0, 2, 1, 3])
        return self.g.op('Reshape', [o, self.g.const([0, -1, self.d], np.int64)])

    def scaled(self, q):
        return self.g.op('Mul', [q, self.g.const(self.dh ** -0.5)])

    def ffn(self, x, prefix):
        h = self.layer_norm(x, f'{prefix}/layer_norm')
        h = self.linear(self.gelu(self.linear(h, f'{prefix}/linear_0')), f'{prefix}/linear_1')
        return self.g.op('Add', [x, h])


def encoder(v, path):
    g = Graph('whisper_encoder')
    m = Whisper(v, g)
    d = m.d
    mels = v['encoder/conv1/weight'].shape[1]
    positions = v['encoder/position_encodings/encodings'].shape[0]
    x = m.gelu(g.op('Conv', ['input_features', g.w(m.p('encoder/conv1/weight')), g.w(m.p('encoder/conv1/bias'))],
                    kernel_shape=[3], pads=[1, 1]))
    x = m.gelu(g.op('Conv', [x, g.w(m.p('encoder/conv2/weight')), g.w(m.p('encoder/conv2/bias'))],
                    kernel_shape=[3], pads=[1, 1], strides=[2]))
    x = g.op('Add', [g.op('Transpose', [x], perm=[0, 2, 1]), g.w(m.p('encoder/position_encodings/encodings'))])
    layers = sum(1 for k in v if k.startswith('encoder/layer_') and k.endswith('/self_attention/linear_1/bias'))
    for i in range(layers):
        p = f'encoder/layer_{i}/self_attention'
        h = m.layer_norm(x, f'{p}/layer_norm')
        q = m.split_heads(m.scaled(m.linear(h, f'{p}/linear_0', slice(0, d))))
        k = m.split_heads(m.linear(h, f'{p}/linear_0', slice(d, 2 * d)))
        val = m.split_heads(m.linear(h, f'{p}/linear_0', slice(2 * d, 3 * d)))
        x = g.op('Add', [x, m.linear(m.attend(q, k, val), f'{p}/linear_1')])
        x = m.ffn(x, f'encoder/layer_{i}/ffn')
    g.out('LayerNormalization', [x, g.w(m.p('encoder/layer_norm/gamma')), g.w(m.p('encoder/layer_norm/beta'))],
          'last_hidden_state', axis=-1, epsilon=1e-5)
    g.save([helper.make_tensor_value_info('input_features', TensorProto.FLOAT, ['batch_size', mels, 2 * positions])],
           [helper.make_tensor_value_info('last_hidden_state', TensorProto.FLOAT, ['batch_size', positions, d])], path)
    return {'mels': mels, 'layers': layers, 'd': d, 'heads': m.heads, 'positions': positions}


def decoder(v, path):
    g = Graph('whisper_decoder_merged')
    m = Whisper(v, g)
    d, heads, dh = m.d, int(v['decoder/num_heads'].item()), m.dh
    m.heads = heads
    layers = sum(1 for k in v if k.startswith('decoder/layer_') and k.endswith('/self_attention/linear_1/bias'))
    embed = m.p('decoder/embeddings/weight')
    vocab = embed.shape[0]
    past = lambda i, a, kv: f'past_key_values.{i}.{a}.{kv}'  # noqa: E731
    present = lambda i, a, kv: f'present.{i}.{a}.{kv}'  # noqa: E731

    # The cross-attention keys/values: computed from encoder_hidden_states without a cache, passed through with one.
    compute, passthrough = [], []
    for i in range(layers):
        p = f'decoder/layer_{i}/attention/linear_1'
        for j, kv in enumerate(('key', 'value')):
            y = m.linear('encoder_hidden_states', p, slice(j * d, (j + 1) * d), compute)
            g.out('Identity', [m.split_heads(y, compute)], f'{present(i, "encoder", kv)}_computed', compute)
            g.out('Identity', [past(i, 'encoder', kv)], f'{present(i, "encoder", kv)}_cached', passthrough)
    names = [present(i, 'encoder', kv) for i in range(layers) for kv in ('key', 'value')]
    kv_shape = ['batch_size', heads, 'encoder_sequence_length_out', dh]

    def branch(name, nodes, suffix):
        outs = [helper.make_tensor_value_info(f'{n}_{suffix}', TensorProto.FLOAT, kv_shape) for n in names]
        return helper.make_graph(nodes, name, [], outs)

    g.nodes.append(helper.make_node('If', ['use_cache_branch'], names, name='n_cross_attention_cache',
                                    then_branch=branch('cached', passthrough, 'cached'),
                                    else_branch=branch('computed', compute, 'computed')))

    # Token embedding plus positions continuing after the cached tokens (P cached, T new).
    P = g.op('Gather', [g.op('Shape', [past(0, 'decoder', 'key')]), g.const(2, np.int64)], axis=0)
    T = g.op('Gather', [g.op('Shape', ['input_ids']), g.const(1, np.int64)], axis=0)
    PT = g.op('Add', [P, T])
    positions = g.op('Range', [P, PT, g.const(1, np.int64)])
    embed_name = g.w(embed)
    x = g.op('Add', [g.op('Gather', [embed_name, 'input_ids'], axis=0),
                     g.op('Gather', [g.w(m.p('decoder/position_encodings/encodings')), positions], axis=0)])
    # Causal mask over cache + new tokens: key j is hidden from query P+t when j > P+t.
    q_pos = g.op('Unsqueeze', [positions, g.const([1], np.int64)])
    k_pos = g.op('Unsqueeze', [g.op('Range', [g.const(0, np.int64), PT, g.const(1, np.int64)]), g.const([0], np.int64)])
    mask = g.op('Where', [g.op('Greater', [k_pos, q_pos]), g.const(np.finfo(np.float32).min), g.const(0.0)])
    for i in range(layers):
        p = f'decoder/layer_{i}/self_attention'
        h = m.layer_norm(x, f'{p}/layer_norm')
        q = m.split_heads(m.scaled(m.linear(h, f'{p}/linear_0', slice(0, d))))
        k = g.out('Concat', [past(i, 'decoder', 'key'), m.split_heads(m.linear(h, f'{p}/linear_0', slice(d, 2 * d)))],
                  present(i, 'decoder', 'key'), axis=2)
        val = g.out('Concat', [past(i, 'decoder', 'value'), m.split_heads(m.linear(h, f'{p}/linear_0', slice(2 * d, 3 * d)))],
                    present(i, 'decoder', 'value'), axis=2)
        x = g.op('Add', [x, m.linear(m.attend(q, k, val, mask), f'{p}/linear_1')])
        p = f'decoder/layer_{i}/attention'
        h = m.layer_norm(x, f'{p}/layer_norm')
        q = m.split_heads(m.scaled(m.linear(h, f'{p}/linear_0')))
        x = g.op('Add', [x, m.linear(m.attend(q, present(i, 'encoder', 'key'), present(i, 'encoder', 'value')), f'{p}/linear_2')])
        x = m.ffn(x, f'decoder/layer_{i}/ffn')
    # Logits tied to the token embedding (CTranslate2 aliases decoder/projection/weight to it).
    tied = np.shares_memory(v['decoder/projection/weight'], v['decoder/embeddings/weight'])
    proj = g.op('Transpose', [embed_name], perm=[1, 0]) if tied else g.w(m.p('decoder/projection/weight').T)
    g.out('MatMul', [m.layer_norm(x, 'decoder/layer_norm'), proj], 'logits')

    f = TensorProto.FLOAT
    inputs = [helper.make_tensor_value_info('input_ids', TensorProto.INT64, ['batch_size', 'decoder_sequence_length']),
              helper.make_tensor_value_info('encoder_hidden_states', f, ['batch_size', 'encoder_sequence_length', d])]
    outputs = [helper.make_tensor_value_info('logits', f, ['batch_size', 'decoder_sequence_length', vocab])]
    for i in range(layers):
        for kv in ('key', 'value'):
            inputs.append(helper.make_tensor_value_info(past(i, 'decoder', kv), f, ['batch_size', heads, 'past_decoder_sequence_length', dh]))
        for kv in ('key', 'value'):
            inputs.append(helper.make_tensor_value_info(past(i, 'encoder', kv), f, kv_shape))
        for kv in ('key', 'value'):
            outputs.append(helper.make_tensor_value_info(present(i, 'decoder', kv), f, ['batch_size', heads, 'present_sequence_length', dh]))
        for kv in ('key', 'value'):
            outputs.append(helper.make_tensor_value_info(present(i, 'encoder', kv), f, kv_shape))
    inputs.append(helper.make_tensor_value_info('use_cache_branch', TensorProto.BOOL, [1]))
    g.save(inputs, outputs, path)
    return {'layers': layers, 'heads': heads, 'vocab': vocab, 'target_positions': v['decoder/position_encodings/encodings'].shape[0]}


def write_json(path, value):
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(value, f, indent=2, ensure_ascii=False)
        f.write('\n')


def configs(out, ct2_config, tokenizer_path, enc, dec):
    with open(tokenizer_path, encoding='utf-8') as f:
        tok = json.load(f)
    ids = {t['content']: t['id'] for t in tok['added_tokens']}
    notimestamps = ids['<|notimestamps|>']
    # Whisper's timestamp tokens <|0.00|> … <|30.00|> follow <|notimestamps|>; the logits cover them.
    have = {t['id'] for t in tok['added_tokens']}
    for i in range(dec['vocab'] - notimestamps - 1):
        tid = notimestamps + 1 + i
        if tid not in have:
            tok['added_tokens'].append({'id': tid, 'content': f'<|{i * 0.02:.2f}|>', 'single_word': False, 'lstrip': False,
                                        'rstrip': False, 'normalized': False, 'special': False})
    write_json(os.path.join(out, 'tokenizer.json'), tok)
    by_id = {t['id']: t['content'] for t in tok['added_tokens']}
    lang_to_id = {by_id[i]: i for i in ct2_config['lang_ids']}
    eot, sot = ids['<|endoftext|>'], ids['<|startoftranscript|>']
    d = enc['d']
    config = {
        'model_type': 'whisper', 'architectures': ['WhisperForConditionalGeneration'], 'is_encoder_decoder': True,
        'd_model': d, 'encoder_layers': enc['layers'], 'decoder_layers': dec['layers'],
        'encoder_attention_heads': enc['heads'], 'decoder_attention_heads': dec['heads'],
        'encoder_ffn_dim': 4 * d, 'decoder_ffn_dim': 4 * d, 'num_mel_bins': enc['mels'],
        'max_source_positions': enc['positions'], 'max_target_positions': dec['target_positions'],
        'vocab_size': dec['vocab'], 'bos_token_id': eot, 'eos_token_id': eot, 'pad_token_id': eot,
        'decoder_start_token_id': sot, 'begin_suppress_tokens': ct2_config['suppress_ids_begin'],
        'suppress_tokens': ct2_config['suppress_ids'], 'use_cache': True,
    }
    generation = {
        'alignment_heads': ct2_config['alignment_heads'], 'begin_suppress_tokens': ct2_config['suppress_ids_begin'],
        'bos_token_id': eot, 'decoder_start_token_id': sot, 'eos_token_id': eot, 'pad_token_id': eot,
        'is_multilingual': len(lang_to_id) > 1, 'lang_to_id': lang_to_id, 'max_initial_timestamp_index': 50,
        'max_length': dec['target_positions'], 'no_timestamps_token_id': notimestamps,
        'prev_sot_token_id': ids['<|startofprev|>'], 'return_timestamps': False,
        'suppress_tokens': ct2_config['suppress_ids'],
        'task_to_id': {'translate': ids['<|translate|>'], 'transcribe': ids['<|transcribe|>']},
    }
    frames = 2 * enc['positions']
    preprocessor = {
        'feature_extractor_type': 'WhisperFeatureExtractor', 'processor_class': 'WhisperProcessor',
        'feature_size': enc['mels'], 'sampling_rate': 16000, 'hop_length': 160, 'chunk_length': frames // 100,
        'n_fft': 400, 'n_samples': frames * 160, 'nb_max_frames': frames, 'padding_side': 'right',
        'padding_value': 0.0, 'return_attention_mask': False,
    }
    tokenizer_config = {
        'tokenizer_class': 'WhisperTokenizer', 'model_max_length': 1024, 'add_prefix_space': False,
        'bos_token': '<|endoftext|>', 'eos_token': '<|endoftext|>', 'unk_token': '<|endoftext|>',
        'pad_token': '<|endoftext|>', 'errors': 'replace',
    }
    for name, value in (('config.json', config), ('generation_config.json', generation),
                        ('preprocessor_config.json', preprocessor), ('tokenizer_config.json', tokenizer_config)):
        write_json(os.path.join(out, name), value)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model-bin', nargs='+', required=True, help="model.bin, or its parts in order (joined)")
    ap.add_argument('--ct2-config', required=True)
    ap.add_argument('--tokenizer', required=True)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    os.makedirs(os.path.join(a.out, 'onnx'), exist_ok=True)
    v = read_ct2(a.model_bin)
    with open(a.ct2_config, encoding='utf-8') as f:
        ct2_config = json.load(f)
    print('whisper: writing onnx/encoder_model.onnx', flush=True)
    enc = encoder(v, os.path.join(a.out, 'onnx', 'encoder_model.onnx'))
    print('whisper: writing onnx/decoder_model_merged.onnx', flush=True)
    dec = decoder(v, os.path.join(a.out, 'onnx', 'decoder_model_merged.onnx'))
    configs(a.out, ct2_config, a.tokenizer, enc, dec)
    print(f"whisper: {enc['layers']}+{dec['layers']} layers, d {enc['d']}, {enc['mels']} mel bins, vocab {dec['vocab']}", flush=True)


if __name__ == '__main__':
    main()
