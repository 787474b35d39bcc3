"""Checks a converted object detector runs in onnxruntime as its contract says.

On a fixed synthetic picture (nothing to detect in it), CenterNet (the default): the heat map is
[1, 80, 128, 128] with every value a probability and none confident, the box sides [1, 4, 128, 128] finite.
NanoDet (--family nanodet): the three heads are [1, 124, 52, 52], [1, 124, 26, 26], [1, 124, 13, 13], finite,
no class confident. For both, the same input twice gives the same output. Whether it finds real objects is the
real-model tier's test (test/real-models/objects.test.ts, on photos).
"""

import argparse

import numpy as np
import onnxruntime as ort


def gradient(n):
    y, x = np.mgrid[0:n, 0:n].astype(np.float32)
    return np.stack([x / 2, y / 2, (x + y) / 4], axis=-1)[None] * (512 / n)


def check_centernet(session):
    picture = gradient(512)
    heatmap, wh = session.run(["heatmap", "wh"], {"input": picture})
    again, _ = session.run(["heatmap", "wh"], {"input": picture})
    if heatmap.shape != (1, 80, 128, 128) or wh.shape != (1, 4, 128, 128):
        raise SystemExit(f"unexpected output shapes {heatmap.shape}, {wh.shape}")
    if not (np.isfinite(heatmap).all() and np.isfinite(wh).all()):
        raise SystemExit("outputs are not finite")
    if heatmap.min() < 0 or heatmap.max() > 1:
        raise SystemExit(f"heat map outside 0..1: {heatmap.min()}..{heatmap.max()}")
    if heatmap.max() > 0.5:
        raise SystemExit(f"a gradient picture gave a confident detection ({heatmap.max():.2f})")
    if not np.array_equal(heatmap, again):
        raise SystemExit("the same picture gave two different heat maps")
    print(f"centernet: heat map max {heatmap.max():.3f} on a gradient, outputs {heatmap.shape} and {wh.shape}")


def check_nanodet(session):
    mean = np.array([103.53, 116.28, 123.675], np.float32)
    std = np.array([57.375, 57.12, 58.395], np.float32)
    picture = ((gradient(416)[..., ::-1] - mean) / std).transpose(0, 3, 1, 2).copy()
    names = ["stride8", "stride16", "stride32"]
    heads = session.run(names, {"input": picture})
    again = session.run(names, {"input": picture})
    for name, head, side in zip(names, heads, (52, 26, 13)):
        if head.shape != (1, 124, side, side):
            raise SystemExit(f"{name}: unexpected shape {head.shape}")
        if not np.isfinite(head).all():
            raise SystemExit(f"{name}: outputs are not finite")
    best = max(float((1 / (1 + np.exp(-h[:, :80]))).max()) for h in heads)
    if best > 0.5:
        raise SystemExit(f"a gradient picture gave a confident detection ({best:.2f})")
    if not all(np.array_equal(a, b) for a, b in zip(heads, again)):
        raise SystemExit("the same picture gave two different outputs")
    print(f"nanodet: best class score {best:.3f} on a gradient, heads {[h.shape for h in heads]}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True)
    p.add_argument("--family", choices=["centernet", "nanodet"], default="centernet")
    args = p.parse_args()
    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    (check_nanodet if args.family == "nanodet" else check_centernet)(session)


if __name__ == "__main__":
    main()
