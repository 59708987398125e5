"""Quality of the hand-crafted features on OASIS (issue 3, "Quality").

5-fold stratified CV (shuffled, seed 0) of StandardScaler + LogisticRegression on
OASIS "valence2" and "quadrant4"; prints the balanced accuracy mean ± std of the
majority baseline, PaintingFeatures, AffectiveFeatures and both together.

The features are unsupervised and per image (the palette uses its fixed default
references, never ``references="learn"``), so computing them once for all 900
images and slicing them by fold leaks nothing. They are cached as .npy files.

Usage::

    python benchmarks/bench_oasis_features.py [OASIS_ROOT] [--n-jobs 2]
    python benchmarks/bench_oasis_features.py --quick   # 40 of the images, no cache (seconds)

``OASIS_ROOT`` defaults to ``$SKEMO_OASIS``, else ../shared/data/oasis.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import joblib
import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skemo
from skemo.datasets import load_oasis
from skemo.features import AffectiveFeatures, PaintingFeatures

OASIS = os.environ.get(
    "SKEMO_OASIS", str(Path(__file__).resolve().parents[2] / "shared" / "data" / "oasis")
)
NEEDS_OASIS = True  # tests/test_benchmarks.py: run only where OASIS is
QUICK_IMAGES = 40


def features(name, make, files, cache_dir, n_jobs):
    # Keyed by the transformer's parameters and skemo's version, so a changed
    # feature never reads a stale matrix.
    params = {k: v for k, v in make(1).get_params().items() if k not in ("n_jobs", "verbose")}
    key = joblib.hash((skemo.__version__, repr(sorted(params.items())), files))[:12]
    path = Path(cache_dir) / f"oasis_{name}_{len(files)}_{key}.npy"
    if path.exists():
        print(f"  {name}: cached {path}")
        return np.load(path)
    start = time.perf_counter()
    F = make(n_jobs).fit_transform(files)
    print(f"  {name}: {F.shape[1]} features in {time.perf_counter() - start:.1f} s")
    np.save(path, F)
    return F


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=OASIS,
                        help="OASIS folder with OASIS.csv and images/")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--cache-dir", default=Path(tempfile.gettempdir()) / "skemo_bench")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_IMAGES} images spread over OASIS, features always "
                             "computed (a fresh cache)")
    args = parser.parse_args(argv)
    if args.quick:
        quick_cache = tempfile.TemporaryDirectory()
        args.cache_dir = quick_cache.name
    Path(args.cache_dir).mkdir(parents=True, exist_ok=True)
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    t0 = time.perf_counter()

    files = load_oasis(args.root, target="valence2", return_paths=True).filenames
    files = [str(f) for f in files]
    # Every k-th image, the same rows for every target (OASIS is in one order).
    keep = slice(None, None, len(files) // QUICK_IMAGES) if args.quick else slice(None)
    files = files[keep][:QUICK_IMAGES] if args.quick else files
    print(f"computing features for {len(files)} images (n_jobs={args.n_jobs})")
    painting = features(
        "painting", lambda n: PaintingFeatures(n_jobs=n, random_state=0), files,
        args.cache_dir, args.n_jobs,
    )  # fmt: skip
    affective = features(
        "affective", lambda n: AffectiveFeatures(n_jobs=n), files, args.cache_dir, args.n_jobs
    )
    sets = {
        "PaintingFeatures": painting,
        "AffectiveFeatures": affective,
        "Painting + Affective": np.hstack([painting, affective]),
    }
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    for target in ("valence2", "quadrant4"):
        data = load_oasis(args.root, target=target, return_paths=True)
        n = len(files)
        if [str(f) for f in data.filenames[keep][:n]] != files:
            raise RuntimeError("OASIS file order differs between targets.")
        y = np.asarray(data.target)[keep][:n]
        print(f"\n{target}: {len(y)} images, class counts {np.bincount(y).tolist()}")
        rows = [("majority baseline", DummyClassifier(strategy="most_frequent"), painting)]
        rows += [(name, model, F) for name, F in sets.items()]
        for name, est, F in rows:
            scores = cross_val_score(est, F, y, cv=cv, scoring="balanced_accuracy")
            print(f"  {name:<22} {scores.mean():.3f} ± {scores.std():.3f}")
    print(f"\ntotal runtime {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
