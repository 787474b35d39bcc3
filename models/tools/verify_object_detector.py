"""Checks a converted CenterNet object detector runs in onnxruntime as its contract says.

On a fixed synthetic picture (nothing to detect in it): the heat map is [1, 80, 128, 128] with every value a
probability and none confident, the box sides [1, 4, 128, 128] finite; the same input twice gives the same
output. Whether it finds real objects is the real-model tier's test (test/real-models/objects.test.ts, on
photos, against TensorFlow.js's own output for the original graph).
"""

import argparse

import numpy as np
import onnxruntime as ort


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True)
    args = p.parse_args()
    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    y, x = np.mgrid[0:512, 0:512].astype(np.float32)
    picture = np.stack([x / 2, y / 2, (x + y) / 4], axis=-1)[None]
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


if __name__ == "__main__":
    main()
