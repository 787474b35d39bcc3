"""Reference runner for scripts/bench-shots.ts (benchmarks only, never the product path).

Usage: python scenedetect_runner.py VIDEO content|adaptive
Prints one JSON line: detector, PySceneDetect version, cut times (seconds) and frame numbers (the first
frame of each new scene), fps, and the seconds spent opening and detecting (interpreter start and
imports excluded). Detector parameters are PySceneDetect's defaults; the SceneManager auto-downscales
to about 256 px wide, the width heimdex analyses at.
"""

import json
import sys
import time

import scenedetect
from scenedetect import AdaptiveDetector, ContentDetector, SceneManager, open_video


def main() -> None:
    path, name = sys.argv[1], sys.argv[2]
    detector = {"content": ContentDetector, "adaptive": AdaptiveDetector}[name]()
    t0 = time.perf_counter()
    video = open_video(path)
    manager = SceneManager()
    manager.add_detector(detector)
    manager.detect_scenes(video=video)
    scenes = manager.get_scene_list()
    elapsed = time.perf_counter() - t0
    starts = [start for start, _ in scenes[1:]]
    print(
        json.dumps(
            {
                "detector": name,
                "version": scenedetect.__version__,
                "fps": float(video.frame_rate),
                "frames": [s.get_frames() for s in starts],
                "cuts": [s.get_seconds() for s in starts],
                "elapsed": elapsed,
            }
        )
    )


if __name__ == "__main__":
    main()
