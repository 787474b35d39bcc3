"""The reference for scripts/bench-asr.ts (a benchmark tool, never the product path): faster-whisper on the same
Whisper base weights and the same audio, one run per beam size, printed as one JSON line each:
{"beam": 5, "vad": true, "seconds": 12.3, "text": "...", "segments": [[start, end, text], ...]}.

    python faster_whisper_ref.py --model DIR --audio FILE.f32 --beams 1 5 [--vad]
"""
import argparse
import json
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', required=True, help='a CTranslate2 Whisper directory')
    ap.add_argument('--audio', required=True, help='16 kHz mono float32 samples')
    ap.add_argument('--beams', type=int, nargs='+', default=[1, 5])
    ap.add_argument('--language', default='en')
    ap.add_argument('--vad', action='store_true')
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    from faster_whisper import WhisperModel

    model = WhisperModel(a.model, device='cpu', compute_type='float32', cpu_threads=a.threads)
    audio = np.fromfile(a.audio, np.float32)
    for beam in a.beams:
        t = time.time()
        segments, _ = model.transcribe(audio, language=a.language, beam_size=beam, vad_filter=a.vad)
        segments = [[round(s.start, 2), round(s.end, 2), s.text.strip()] for s in segments]
        print(json.dumps({'beam': beam, 'vad': a.vad, 'seconds': round(time.time() - t, 2),
                          'text': ' '.join(s[2] for s in segments), 'segments': segments}), flush=True)


if __name__ == '__main__':
    main()
