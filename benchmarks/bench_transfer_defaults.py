"""A frozen transfer head against a ridge / logistic regression on the embedding it sees (issue 16).

OASIS valence (Spearman rho of the pooled cross-validated predictions,
``KFold(5, shuffle=True, random_state=0)``) and valence2 (balanced accuracy,
``StratifiedKFold(5, shuffle=True, random_state=0)``), on the embedding that
``TransferRegressor`` / ``TransferClassifier`` see by default (the last block,
mean-pooled, 224 px), computed once and given to every model, so each row is
trained and scored on the same numbers in the same folds:

- the old defaults: a sigmoid head, Adam at lr=1e-3, 20 epochs on all the data;
- early stopping alone: the old head with the new early stopping (20 % held out,
  10 epochs of patience, best weights kept); its best epoch per fold says why the
  old head lost (it overfits after a few of its 20 epochs);
- early stopping with a ReLU head, still at lr=1e-3: the classifier's validation
  loss is lowest after epoch 2 in every fold, too early for stopping to choose well;
- the new defaults: early stopping, a ReLU head, lr=3e-4;
- the baseline: StandardScaler + RidgeCV / LogisticRegressionCV with an inner
  3-fold choice of the penalty (the fusion models' own heads).

The heads are trained with several seeds (mean [min, max]); the baseline has
none. Run with one thread per process::

    OMP_NUM_THREADS=1 python benchmarks/bench_transfer_defaults.py [OASIS_ROOT]
        [--backbones efficientnet_lite1 efficientnet_lite0] [--seeds 5]
    python benchmarks/bench_transfer_defaults.py --quick   # 60 images at 96 px, Lite0, 1 seed, 3 epochs

``OASIS_ROOT`` defaults to ``$SKEMO_OASIS``, else ../shared/data/oasis.
"""

import argparse
import os
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline

from skemo.datasets import load_oasis
from skemo.models import (
    BackboneEmbedding, TransferClassifier, TransferRegressor, make_fusion_classifier,
    make_fusion_regressor,
)

OASIS = os.environ.get(
    "SKEMO_OASIS", str(Path(__file__).resolve().parents[2] / "shared" / "data" / "oasis")
)
NEEDS_OASIS = True  # tests/test_benchmarks.py: run only where OASIS is
QUICK_IMAGES = 60

OLD = dict(activation="sigmoid", lr=1e-3, max_epochs=20, early_stopping=False)
HEADS = {
    "old default (sigmoid, lr 1e-3, 20 epochs)": OLD,
    "early stopping alone (sigmoid, lr 1e-3)": dict(activation="sigmoid", lr=1e-3),
    "early stopping, relu, lr 1e-3": dict(lr=1e-3),
    "new default (relu, lr 3e-4, early stopping)": {},
}
BASELINE = "ridge / logistic (inner 3-fold penalty)"


def cross_validate(make, E, y, folds, score):
    """The score of the pooled out-of-fold predictions, and each fold's best epoch."""
    pred = np.empty(len(y), dtype=y.dtype)
    best = []
    for train, test in folds:
        model = make().fit(E[train], y[train])
        pred[test] = model.predict(E[test])
        history = getattr(model, "history_", None)
        if history is not None and "valid_loss_best" in history[-1]:
            best.append(max(row["epoch"] for row in history if row["valid_loss_best"]))
    return score(y, pred), best


def rho(y, pred):
    return spearmanr(y, pred).statistic


def summary(values):
    values = np.asarray(values)
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{values.mean():.3f} [{values.min():.3f}, {values.max():.3f}]"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=OASIS,
                        help="OASIS folder with OASIS.csv and images/")
    parser.add_argument("--backbones", nargs="+",
                        default=["efficientnet_lite1", "efficientnet_lite0"])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per head (default 5)")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_IMAGES} images spread over OASIS at 96 px, Lite0, 1 seed, "
                             "3 epochs per head (seconds)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # convergence chatter of the inner CVs

    data = load_oasis(args.root, target="valence", return_paths=True)
    files, valence = list(data.filenames), np.asarray(data.target, dtype=float)
    valence2 = np.asarray(load_oasis(args.root, target="valence2", return_paths=True).target)
    size = 224
    if args.quick:
        args.backbones, args.seeds, size = ["efficientnet_lite0"], 1, 96
        keep = np.arange(0, len(files), len(files) // QUICK_IMAGES)[:QUICK_IMAGES]
        files, valence, valence2 = [files[i] for i in keep], valence[keep], valence2[keep]
    regression = (valence, list(KFold(5, shuffle=True, random_state=0).split(files)), rho,
                  TransferRegressor, make_fusion_regressor)
    classes = (valence2, list(StratifiedKFold(5, shuffle=True, random_state=0)
                              .split(files, valence2)),
               balanced_accuracy_score, TransferClassifier, make_fusion_classifier)
    print(f"OASIS, {len(files)} images; valence: Spearman rho of the pooled predictions, "
          "KFold(5); valence2: balanced accuracy, StratifiedKFold(5); shuffled, "
          "random_state=0. Heads: " + (f"seeds 0-{args.seeds - 1}, mean [min, max]."
                                       if args.seeds > 1 else "seed 0."))

    for backbone in args.backbones:
        start = time.perf_counter()
        E = BackboneEmbedding(backbone, layers="last", statistics=("mean",),
                              image_size=size).fit().transform(files)
        print(f"\n{backbone}: the default embedding at {size} px, {E.shape[1]} columns "
              f"({time.perf_counter() - start:.0f} s)")
        print(f"  {'model':46s} {'valence rho':>22s} {'valence2 BA':>22s}  best epoch per fold")
        for name, params in HEADS.items():
            if args.quick:  # every head and path runs, briefly
                params = {**params, "max_epochs": 3}
            cells, epochs = [], []
            for y, folds, score, cls, _ in (regression, classes):
                runs = [cross_validate(lambda: cls(backbone, random_state=seed, **params),
                                       E, y, folds, score) for seed in range(args.seeds)]
                cells.append(summary([r[0] for r in runs]))
                epochs.append(runs[0][1])
            shown = ("; ".join(f"{task} {e}" for task, e in zip(("rho", "BA"), epochs))
                     if epochs[0] else "-")
            print(f"  {name:46s} {cells[0]:>22s} {cells[1]:>22s}  {shown}")
        cells = []
        for y, folds, score, _, fusion in (regression, classes):
            head = Pipeline(fusion(features="passthrough", random_state=0).steps[1:])
            cells.append(summary([cross_validate(lambda: head, E, y, folds, score)[0]]))
        print(f"  {BASELINE:46s} {cells[0]:>22s} {cells[1]:>22s}  -")


if __name__ == "__main__":
    main()
