"""Checks Silero VAD's ONNX file (copied from the silero-vad wheel) on the venv's onnxruntime: an espeak-ng clip must
read as speech (a frame probability above 0.9) and silence as none (every frame below 0.1), with the wheel's own
framing (512-sample frames at 16 kHz, each after the previous 64 samples). Exits non-zero otherwise.

    python verify_silero_vad.py --model silero_vad.onnx
"""
import argparse
import sys

import numpy as np

from verify_whisper import speech


def probabilities(path, samples):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    s = ort.InferenceSession(path, opts, providers=['CPUExecutionProvider'])
    state, context, out = np.zeros((2, 1, 128), np.float32), np.zeros((1, 64), np.float32), []
    samples = np.pad(samples, (0, -len(samples) % 512))
    for i in range(0, len(samples), 512):
        x = np.concatenate([context, samples[None, i:i + 512]], axis=1).astype(np.float32)
        p, state = s.run(None, {'input': x, 'state': state, 'sr': np.array(16000, np.int64)})
        context = x[:, -64:]
        out.append(float(p[0, 0]))
    return np.array(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', required=True)
    a = ap.parse_args()
    talk = probabilities(a.model, speech('We grill meat on the beach at sunset.'))
    quiet = probabilities(a.model, np.zeros(16000 * 2, np.float32))
    print(f'silero-vad: speech max {talk.max():.3f}, silence max {quiet.max():.3f}', flush=True)
    if talk.max() < 0.9 or quiet.max() > 0.1:
        print('silero-vad: the model does not tell speech from silence', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
