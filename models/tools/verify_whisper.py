"""Checks a converted Whisper (convert_whisper_ct2.py) against the CTranslate2 runtime on the same model: both
decode the same log-Mel features of an English test clip (espeak-ng speech, resampled by ffmpeg) greedily, and
the token sequences must be identical. Exits non-zero, naming the first differing token, otherwise.

    python verify_whisper.py --onnx-dir DIR --model-bin PART… --ct2-config config.json --vocabulary vocabulary.txt
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np

SAMPLE_RATE, N_FFT, HOP = 16000, 400, 160
DEFAULT_TEXT = 'The quick brown fox jumps over the lazy dog. We grill meat on the beach at sunset.'


def speech(text):
    """16 kHz mono float32 samples of espeak-ng reading `text`."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, wav = os.path.join(tmp, 'speech.wav'), os.path.join(tmp, 'speech16k.wav')
        subprocess.run(['espeak-ng', '-v', 'en', '-w', raw, text], check=True)
        subprocess.run(['ffmpeg', '-v', 'error', '-y', '-i', raw, '-ac', '1', '-ar', str(SAMPLE_RATE),
                        '-c:a', 'pcm_s16le', wav], check=True)
        with wave.open(wav) as w:
            return np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768


def mel_filters(n_mels):
    """Slaney-style mel filter bank (librosa's default, which Whisper uses), [n_mels, N_FFT/2+1]."""
    def hz_to_mel(f):
        f = np.asarray(f, np.float64)
        mel = f / (200.0 / 3)
        log = f >= 1000.0
        return np.where(log, 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0), mel)

    def mel_to_hz(m):
        m = np.asarray(m, np.float64)
        f = m * (200.0 / 3)
        log = m >= 15.0
        return np.where(log, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)), f)

    freqs = np.linspace(0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    pts = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SAMPLE_RATE / 2), n_mels + 2))
    fdiff, ramps = np.diff(pts), pts[:, None] - freqs[None, :]
    lower, upper = -ramps[:-2] / fdiff[:-1, None], ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    return weights * (2.0 / (pts[2:n_mels + 2] - pts[:n_mels]))[:, None]


def log_mel(samples, n_mels, frames=3000):
    audio = np.zeros(frames * HOP, np.float32)
    audio[:min(len(samples), len(audio))] = samples[:len(audio)]
    padded = np.pad(audio, N_FFT // 2, mode='reflect')
    window = np.hanning(N_FFT + 1)[:-1]
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(frames + 1)[:, None]
    spec = np.abs(np.fft.rfft(padded[idx] * window, axis=-1)) ** 2
    mel = mel_filters(n_mels) @ spec[:-1].T
    log = np.log10(np.maximum(mel, 1e-10))
    log = np.maximum(log, log.max() - 8.0)
    return ((log + 4.0) / 4.0).astype(np.float32)


def onnx_greedy(onnx_dir, features, prompt, suppress, begin_suppress, eot, max_tokens):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    enc = ort.InferenceSession(os.path.join(onnx_dir, 'onnx', 'encoder_model.onnx'), opts, providers=['CPUExecutionProvider'])
    dec = ort.InferenceSession(os.path.join(onnx_dir, 'onnx', 'decoder_model_merged.onnx'), opts, providers=['CPUExecutionProvider'])
    hidden = enc.run(['last_hidden_state'], {'input_features': features[None]})[0]
    names = [i.name for i in dec.get_inputs() if i.name.startswith('past_key_values.')]
    shape = {i.name: i.shape for i in dec.get_inputs()}
    past = {n: np.zeros((1, shape[n][1], 0, shape[n][3]), np.float32) for n in names}
    ids, out = list(prompt), []
    feed_ids, cached = np.array([prompt], np.int64), False
    while len(out) < max_tokens:
        res = dec.run(None, {'input_ids': feed_ids, 'encoder_hidden_states': hidden,
                             'use_cache_branch': np.array([cached]), **past})
        outs = dict(zip([o.name for o in dec.get_outputs()], res))
        logits = outs['logits'][0, -1].astype(np.float64)
        logits[suppress] = -np.inf
        if not out:
            logits[begin_suppress] = -np.inf
        token = int(np.argmax(logits))
        if token == eot:
            break
        out.append(token)
        ids.append(token)
        past = {n: outs[n.replace('past_key_values', 'present')] for n in names}
        feed_ids, cached = np.array([[token]], np.int64), True
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--onnx-dir', required=True)
    ap.add_argument('--model-bin', nargs='+', required=True, help="CTranslate2's model.bin, or its parts in order")
    ap.add_argument('--ct2-config', required=True)
    ap.add_argument('--vocabulary', required=True)
    a = ap.parse_args()
    import shutil

    import ctranslate2

    with open(os.path.join(a.onnx_dir, 'config.json')) as f:
        config = json.load(f)
    with open(os.path.join(a.onnx_dir, 'generation_config.json')) as f:
        gen = json.load(f)
    features = log_mel(speech(DEFAULT_TEXT), config['num_mel_bins'])
    sot, eot = config['decoder_start_token_id'], config['eos_token_id']
    prompt = [sot, gen['lang_to_id']['<|en|>'], gen['task_to_id']['transcribe'], gen['no_timestamps_token_id']]
    with tempfile.TemporaryDirectory() as ct2_dir:
        with open(os.path.join(ct2_dir, 'model.bin'), 'wb') as out:
            for part in a.model_bin:
                with open(part, 'rb') as f:
                    shutil.copyfileobj(f, out, 1 << 24)
        shutil.copy(a.ct2_config, os.path.join(ct2_dir, 'config.json'))
        shutil.copy(a.vocabulary, os.path.join(ct2_dir, os.path.basename(a.vocabulary)))
        model = ctranslate2.models.Whisper(ct2_dir, device='cpu', compute_type='float32', intra_threads=2)
        result = model.generate(ctranslate2.StorageView.from_array(features[None]), [prompt], beam_size=1,
                                max_length=128, suppress_blank=True, suppress_tokens=[-1])
        del model
    expected = [t for t in result[0].sequences_ids[0] if t != eot]
    got = onnx_greedy(a.onnx_dir, features, prompt, gen['suppress_tokens'], gen['begin_suppress_tokens'], eot, 128 - len(prompt))
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(os.path.join(a.onnx_dir, 'tokenizer.json'))
    print(f'whisper: ctranslate2 {len(expected)} tokens: {tok.decode(expected)!r}', flush=True)
    if got != expected:
        first = next((i for i, (x, y) in enumerate(zip(got, expected)) if x != y), min(len(got), len(expected)))
        print(f'whisper: the ONNX model decodes differently from token {first}: {tok.decode(got)!r}', file=sys.stderr)
        sys.exit(1)
    words = set(tok.decode(got).lower().replace('.', ' ').split())
    if not {'fox', 'beach'} <= words:
        print(f'whisper: the transcript misses words of the clip: {tok.decode(got)!r}', file=sys.stderr)
        sys.exit(1)
    print(f'whisper: ONNX greedy decoding matches ctranslate2 token for token ({len(got)} tokens)', flush=True)


if __name__ == '__main__':
    main()
