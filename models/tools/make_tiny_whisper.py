"""Makes models/tiny/tiny-whisper: Whisper's architecture and ONNX export contract, random weights.

Called by make_tiny.py (same requirements: onnx numpy tokenizers). The files follow the layout of the
Hugging Face ONNX exports that @huggingface/transformers loads (`onnx/encoder_model.onnx`,
`onnx/decoder_model_merged.onnx`, config.json, generation_config.json, preprocessor_config.json,
tokenizer.json, tokenizer_config.json), so the stage runs the same loading, log-Mel, decoding-loop, cache
and timestamp code it runs on whisper-large-v3-turbo:

- encoder_model.onnx  input_features float32 [B,128,3000] -> last_hidden_state [B,1500,D]
  (two Conv1d + GELU, sinusoid-free learned positions, one pre-LN self-attention block, final LayerNorm)
- decoder_model_merged.onnx  input_ids int64 [B,T], encoder_hidden_states [B,1500,D],
  past_key_values.0.{decoder,encoder}.{key,value} [B,H,S,D/H], use_cache_branch bool[1]
  -> logits [B,T,V], present.0.{decoder,encoder}.{key,value}
  (token + position embedding from the cache length, causal self-attention over cache + new tokens,
  cross-attention, MLP, final LayerNorm, logits tied to the token embedding)
- the tokenizer: byte-level BPE trained on a small English/Korean corpus, then Whisper's special tokens in
  Whisper's order (<|endoftext|>, <|startoftranscript|>, 100 language tokens, <|translate|>, <|transcribe|>,
  <|startoflm|>, <|startofprev|>, <|nospeech|>, <|notimestamps|>) and the 1501 timestamp tokens <|0.00|>..<|30.00|>.
"""
import json
import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers

D = 32  # d_model
H = 2  # attention heads
DH = D // H
MEL = 128  # whisper-large-v3(-turbo) use 128 log-Mel bins
FRAMES = 3000
POS = 1500  # max_source_positions
TARGET = 448  # max_target_positions

# Whisper's language tokens, in the order of its vocabulary (large-v3: 100 languages).
LANGUAGES = (
    'en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr bg lt la '
    'mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn yo so af oc ka be '
    'tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha ba jw su yue'
).split()

CORPUS = [
    'we grill meat on the beach', 'the scene where we eat on the beach', 'hello world, this is a test',
    'a red car drives through the city at night', 'children play football in the rain',
    '바닷가에서 고기를 구웠다', '바닷가에서 고기 굽는 장면', '안녕하세요 반갑습니다', '우리는 바다를 좋아한다',
]


def make_tokenizer(out_dir):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  special_tokens=[], show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    specials = ['<|endoftext|>', '<|startoftranscript|>', *[f'<|{c}|>' for c in LANGUAGES], '<|translate|>',
                '<|transcribe|>', '<|startoflm|>', '<|startofprev|>', '<|nospeech|>', '<|notimestamps|>']
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    tok.add_tokens([AddedToken(f'<|{i * 0.02:.2f}|>', special=False, normalized=False) for i in range(1501)])
    tok.save(os.path.join(out_dir, 'tokenizer.json'))
    ids = {s: tok.token_to_id(s) for s in specials}
    assert ids['<|notimestamps|>'] + 1 == tok.token_to_id('<|0.00|>'), 'timestamps must follow <|notimestamps|>'
    with open(os.path.join(out_dir, 'tokenizer_config.json'), 'w') as f:
        json.dump({'tokenizer_class': 'WhisperTokenizer', 'model_max_length': 1024, 'add_prefix_space': False,
                   'bos_token': '<|endoftext|>', 'eos_token': '<|endoftext|>', 'unk_token': '<|endoftext|>',
                   'pad_token': '<|endoftext|>', 'errors': 'replace'}, f, indent=2)
    return tok.get_vocab_size(), ids


class Graph:
    """A few helpers over onnx.helper so the two graphs read like the model code."""

    def __init__(self, rng, name):
        self.rng, self.name, self.nodes, self.inits, self.n = rng, name, [], [], 0

    def w(self, shape, scale=None):
        self.n += 1
        name = f'w{self.n}'
        scale = scale if scale is not None else 1 / np.sqrt(shape[0])
        self.inits.append(numpy_helper.from_array(self.rng.normal(0, scale, shape).astype(np.float32), name))
        return name

    def const(self, value, dtype=np.float32):
        self.n += 1
        name = f'c{self.n}'
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(self, op_type, inputs, **attrs):
        self.n += 1
        out = f'{op_type.lower()}{self.n}'
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def out(self, op_type, inputs, name, **attrs):
        self.nodes.append(helper.make_node(op_type, inputs, [name], **attrs))
        return name

    def linear(self, x, din, dout):
        return self.op('Add', [self.op('MatMul', [x, self.w((din, dout))]), self.const(np.zeros(dout))])

    def layer_norm(self, x):
        return self.op('LayerNormalization', [x, self.const(np.ones(D)), self.const(np.zeros(D))], axis=-1, epsilon=1e-5)

    def gelu(self, x):
        # 0.5 x (1 + erf(x / sqrt 2)), as Whisper's GELU
        e = self.op('Erf', [self.op('Div', [x, self.const(np.sqrt(2.0))])])
        return self.op('Mul', [self.op('Mul', [x, self.const(0.5)]), self.op('Add', [e, self.const(1.0)])])

    def heads(self, x):
        """[B,S,D] -> [B,H,S,DH]"""
        r = self.op('Reshape', [x, self.const([0, -1, H, DH], np.int64)])
        return self.op('Transpose', [r], perm=[0, 2, 1, 3])

    def attention(self, q, k, v, mask=None):
        """q [B,H,T,DH], k/v [B,H,S,DH] -> [B,T,D]"""
        s = self.op('Mul', [self.op('MatMul', [q, self.op('Transpose', [k], perm=[0, 1, 3, 2])]), self.const(1 / np.sqrt(DH))])
        if mask is not None:
            s = self.op('Add', [s, mask])
        p = self.op('Softmax', [s], axis=-1)
        o = self.op('Transpose', [self.op('MatMul', [p, v])], perm=[0, 2, 1, 3])
        return self.op('Reshape', [o, self.const([0, -1, D], np.int64)])

    def mlp(self, x):
        return self.linear(self.gelu(self.linear(x, D, 4 * D)), 4 * D, D)

    def save(self, inputs, outputs, path):
        g = helper.make_graph(self.nodes, self.name, inputs, outputs, self.inits)
        model = helper.make_model(g, opset_imports=[helper.make_opsetid('', 17)], producer_name='heimdex-make-tiny')
        model.ir_version = 8
        from onnx import checker
        checker.check_model(model)
        with open(path, 'wb') as f:
            f.write(model.SerializeToString())


def encoder(rng, path):
    g = Graph(rng, 'tiny_whisper_encoder')
    x = g.gelu(g.op('Conv', ['input_features', g.w((D, MEL, 3), 0.05), g.const(np.zeros(D))], kernel_shape=[3], pads=[1, 1]))
    x = g.gelu(g.op('Conv', [x, g.w((D, D, 3), 0.1), g.const(np.zeros(D))], kernel_shape=[3], pads=[1, 1], strides=[2]))
    x = g.op('Add', [g.op('Transpose', [x], perm=[0, 2, 1]), g.w((POS, D), 0.1)])  # [B,1500,D]
    h = g.layer_norm(x)
    a = g.attention(g.heads(g.linear(h, D, D)), g.heads(g.linear(h, D, D)), g.heads(g.linear(h, D, D)))
    x = g.op('Add', [x, g.linear(a, D, D)])
    x = g.op('Add', [x, g.mlp(g.layer_norm(x))])
    g.out('LayerNormalization', [x, g.const(np.ones(D)), g.const(np.zeros(D))], 'last_hidden_state', axis=-1, epsilon=1e-5)
    g.save([helper.make_tensor_value_info('input_features', TensorProto.FLOAT, ['batch_size', MEL, FRAMES])],
           [helper.make_tensor_value_info('last_hidden_state', TensorProto.FLOAT, ['batch_size', POS, D])], path)


def decoder(rng, path, vocab):
    g = Graph(rng, 'tiny_whisper_decoder_merged')
    embed = g.w((vocab, D), 1.0)
    past = {f'{a}.{kv}': f'past_key_values.0.{a}.{kv}' for a in ('decoder', 'encoder') for kv in ('key', 'value')}
    # Positions continue after the cached tokens: P = past length, T = new tokens.
    P = g.op('Gather', [g.op('Shape', [past['decoder.key']]), g.const(2, np.int64)], axis=0)
    T = g.op('Gather', [g.op('Shape', ['input_ids']), g.const(1, np.int64)], axis=0)
    PT = g.op('Add', [P, T])
    positions = g.op('Range', [P, PT, g.const(1, np.int64)])
    x = g.op('Add', [g.op('Gather', [embed, 'input_ids'], axis=0), g.op('Gather', [g.w((TARGET, D), 0.1), positions], axis=0)])
    # Causal mask over cache + new tokens: key j is hidden from query P+t when j > P+t.
    q_pos = g.op('Unsqueeze', [positions, g.const([1], np.int64)])
    k_pos = g.op('Unsqueeze', [g.op('Range', [g.const(0, np.int64), PT, g.const(1, np.int64)]), g.const([0], np.int64)])
    mask = g.op('Where', [g.op('Greater', [k_pos, q_pos]), g.const(-1e9), g.const(0.0)])
    # Self-attention with the cache.
    h = g.layer_norm(x)
    k = g.out('Concat', [past['decoder.key'], g.heads(g.linear(h, D, D))], 'present.0.decoder.key', axis=2)
    v = g.out('Concat', [past['decoder.value'], g.heads(g.linear(h, D, D))], 'present.0.decoder.value', axis=2)
    x = g.op('Add', [x, g.linear(g.attention(g.heads(g.linear(h, D, D)), k, v, mask), D, D)])
    # Cross-attention. optimum's merged export computes the encoder keys/values in the no-cache branch and passes
    # the cached ones through in the cache branch; here both branches compute them (same values, one graph).
    ek = g.out('Identity', [g.heads(g.linear('encoder_hidden_states', D, D))], 'present.0.encoder.key')
    ev = g.out('Identity', [g.heads(g.linear('encoder_hidden_states', D, D))], 'present.0.encoder.value')
    x = g.op('Add', [x, g.linear(g.attention(g.heads(g.linear(g.layer_norm(x), D, D)), ek, ev), D, D)])
    x = g.op('Add', [x, g.mlp(g.layer_norm(x))])
    g.out('MatMul', [g.layer_norm(x), g.op('Transpose', [embed], perm=[1, 0])], 'logits')

    f = TensorProto.FLOAT
    inputs = [
        helper.make_tensor_value_info('input_ids', TensorProto.INT64, ['batch_size', 'decoder_sequence_length']),
        helper.make_tensor_value_info('encoder_hidden_states', f, ['batch_size', 'encoder_sequence_length', D]),
        helper.make_tensor_value_info(past['decoder.key'], f, ['batch_size', H, 'past_decoder_sequence_length', DH]),
        helper.make_tensor_value_info(past['decoder.value'], f, ['batch_size', H, 'past_decoder_sequence_length', DH]),
        helper.make_tensor_value_info(past['encoder.key'], f, ['batch_size', H, 'encoder_sequence_length_out', DH]),
        helper.make_tensor_value_info(past['encoder.value'], f, ['batch_size', H, 'encoder_sequence_length_out', DH]),
        helper.make_tensor_value_info('use_cache_branch', TensorProto.BOOL, [1]),
    ]
    outputs = [
        helper.make_tensor_value_info('logits', f, ['batch_size', 'decoder_sequence_length', vocab]),
        helper.make_tensor_value_info('present.0.decoder.key', f, ['batch_size', H, 'present_sequence_length', DH]),
        helper.make_tensor_value_info('present.0.decoder.value', f, ['batch_size', H, 'present_sequence_length', DH]),
        helper.make_tensor_value_info('present.0.encoder.key', f, ['batch_size', H, 'encoder_sequence_length_out', DH]),
        helper.make_tensor_value_info('present.0.encoder.value', f, ['batch_size', H, 'encoder_sequence_length_out', DH]),
    ]
    g.save(inputs, outputs, path)


def make(root):
    rng = np.random.default_rng(20261124)
    out = os.path.join(root, 'tiny-whisper')
    os.makedirs(os.path.join(out, 'onnx'), exist_ok=True)
    vocab, ids = make_tokenizer(out)
    encoder(rng, os.path.join(out, 'onnx', 'encoder_model.onnx'))
    decoder(rng, os.path.join(out, 'onnx', 'decoder_model_merged.onnx'), vocab)
    eot, sot, notimestamps = ids['<|endoftext|>'], ids['<|startoftranscript|>'], ids['<|notimestamps|>']
    config = {
        'model_type': 'whisper', 'architectures': ['WhisperForConditionalGeneration'], 'is_encoder_decoder': True,
        'd_model': D, 'encoder_layers': 1, 'decoder_layers': 1, 'encoder_attention_heads': H,
        'decoder_attention_heads': H, 'encoder_ffn_dim': 4 * D, 'decoder_ffn_dim': 4 * D, 'num_mel_bins': MEL,
        'max_source_positions': POS, 'max_target_positions': TARGET, 'vocab_size': vocab,
        'bos_token_id': eot, 'eos_token_id': eot, 'pad_token_id': eot, 'decoder_start_token_id': sot,
        'begin_suppress_tokens': [ids['<|endoftext|>']], 'use_cache': True,
    }
    generation = {
        'decoder_start_token_id': sot, 'eos_token_id': eot, 'pad_token_id': eot, 'bos_token_id': eot,
        'max_length': TARGET, 'is_multilingual': True, 'no_timestamps_token_id': notimestamps,
        'begin_suppress_tokens': [eot], 'suppress_tokens': [], 'max_initial_timestamp_index': 50,
        'lang_to_id': {f'<|{c}|>': ids[f'<|{c}|>'] for c in LANGUAGES},
        'task_to_id': {'translate': ids['<|translate|>'], 'transcribe': ids['<|transcribe|>']},
        'prev_sot_token_id': ids['<|startofprev|>'],
    }
    preprocessor = {
        'feature_extractor_type': 'WhisperFeatureExtractor', 'processor_class': 'WhisperProcessor',
        'feature_size': MEL, 'sampling_rate': 16000, 'hop_length': 160, 'chunk_length': 30, 'n_fft': 400,
        'n_samples': 480000, 'nb_max_frames': FRAMES, 'padding_side': 'right', 'padding_value': 0.0,
        'return_attention_mask': False,
    }
    for name, value in (('config.json', config), ('generation_config.json', generation),
                        ('preprocessor_config.json', preprocessor)):
        with open(os.path.join(out, name), 'w') as f:
            json.dump(value, f, indent=2)
            f.write('\n')
    return {'vocab': vocab, 'dir': out}
