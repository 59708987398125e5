"""5-fold balanced accuracy of every ``skemo compare`` model on OASIS.

Targets "valence2" (above/below the median valence) and "quadrant4"
(valence x arousal, split at the medians). The images are loaded once at
224 px; the painting features and the frozen efficientnet_lite0 embeddings are
computed once and shared by both targets and all folds (they learn nothing from
the labels); every scaler, classifier and network is fitted inside each fold.
ShallNet sees the images at 64 px.

Run: python benchmarks/bench_oasis_models.py [OASIS_ROOT]
(default ../shared/data/oasis; also `make bench`).
"""

import sys
import time
from pathlib import Path

import numpy as np

from skemo.datasets import load_oasis
from skemo.evaluation import compare_models


def main(root):
    root = Path(root)
    if not (root / "OASIS.csv").is_file():
        print(f"OASIS not found at {root}; skipping.")
        return 0
    start = time.perf_counter()
    images = load_oasis(root, "valence2", size=224).images
    print(f"loaded {len(images)} images at 224 px in {time.perf_counter() - start:.1f} s")
    shared, table = {}, {}
    for target in ("valence2", "quadrant4"):
        y = np.asarray(load_oasis(root, target, return_paths=True).target)
        t0 = time.perf_counter()
        result = compare_models(images, y, n_splits=5, backbone_image_size=224,
                                shallnet_image_size=64, epochs=20, cache=shared,
                                random_state=0, verbose=1)
        print(f"{target}: {np.bincount(y).tolist()} per class, "
              f"{time.perf_counter() - t0:.0f} s (shared passes: "
              + ", ".join(f"{k} {v:.0f} s" for k, v in result.shared_seconds.items()) + ")")
        for row in result.summary.itertuples(index=False):
            table.setdefault(row.model, {})[target] = (
                row.balanced_accuracy_mean, row.balanced_accuracy_std)
    print(f"\nbackbone {result.backbone} (weights={result.weights}); 5-fold stratified CV, "
          "balanced accuracy mean ± std")
    print(f"{'model':<14}{'valence2':>16}{'quadrant4':>16}")
    for model, scores in table.items():
        cells = "".join(f"{scores[t][0]:>9.3f} ± {scores[t][1]:.3f}" for t in scores)
        print(f"{model:<14}{cells}")
    for note in result.notes:
        print(f"- {note}")
    print(f"total {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "oasis"
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else default))
