"""``skemo train``: cross-validate a model on a data set, fit it on all of it and save it."""

import sys
import time

from ._common import (
    CLASSIFIER_NAMES, DATA_SPECS, MAX_SYNTHETIC, REGRESSOR_NAMES, CLIError, add_debug,
    check_image_side, check_number, data_files, load_data, output_path, parse_data,
)


def add_parser(commands):
    parser = commands.add_parser(
        "train", help="cross-validate a model, fit it on all the data and save it",
        description="Train a classifier (class labels) or a regressor (ratings) on --data. "
                    "Unless --no-cv, first print its cross-validated score next to the "
                    "baseline's: balanced accuracy vs the majority class (stratified folds), "
                    "or Spearman rho and R2 vs the mean rating (folds), mean +- std. Then fit "
                    "on all the data and save a .skemo model file.")
    parser.add_argument("--data", required=True, metavar="SPEC", help=" | ".join(DATA_SPECS))
    parser.add_argument("--model", required=True, metavar="NAME",
                        help="classifier: " + ", ".join(CLASSIFIER_NAMES)
                        + "; regressor: " + ", ".join(REGRESSOR_NAMES))
    parser.add_argument("-o", "--out", required=True, metavar="MODEL.skemo",
                        help="model file to write")
    parser.add_argument("--target", default=None,
                        help="oasis: valence2|valence3|quadrant4|valence|arousal; "
                             "thesis-csv: thesis4|binary")
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation")
    parser.add_argument("--folds", type=int, default=5, metavar="K", help="CV folds (default 5)")
    parser.add_argument("--random-state", type=int, default=0, metavar="S")
    parser.add_argument("--image-size", type=int, default=None, metavar="N",
                        help="size the model sees (default: 64 for ShallNet, 224 for the "
                             "backbone and the painting features)")
    parser.add_argument("--max-epochs", type=int, default=None, metavar="N",
                        help="epochs of the networks (default: each model's own)")
    parser.add_argument("--backbone", default="auto",
                        help="backbone of transfer and fusion (default: efficientnet_lite1 "
                             "with ImageNet weights when installed)")
    parser.add_argument("--random-weights", action="store_true",
                        help="random backbone weights (with an explicit --backbone)")
    parser.add_argument("--n-samples", type=int, default=400, help="images of --data synthetic")
    parser.add_argument("--resume", default=None, metavar="DIR",
                        help="keep each finished cross-validation fold in DIR; rerun with the "
                             "same DIR after an interruption to fit only the missing folds")
    parser.add_argument("--torch-threads", type=int, default=1,
                        help="torch intra-op threads (default 1; 0 keeps torch's choice)")
    add_debug(parser)
    parser.set_defaults(func=run)


def build_model(args, name):
    """The estimator ``name`` from the shared factory, with this command's settings."""
    from skemo.evaluation import default_backbone
    from skemo.evaluation._factory import make_model

    backbone, weights = args.backbone, None if args.random_weights else "DEFAULT"
    if backbone == "auto":
        backbone, weights = default_backbone()
    return make_model(
        name, backbone=backbone, weights=weights,
        backbone_image_size=args.image_size or 224, shallnet_image_size=args.image_size or 64,
        epochs=args.max_epochs or 60, head_epochs=args.max_epochs,
        random_state=args.random_state,
    )


def run(args):
    if args.model not in CLASSIFIER_NAMES + REGRESSOR_NAMES:
        raise CLIError("--model", f"unknown model {args.model!r}; choose from "
                                  f"{', '.join(CLASSIFIER_NAMES + REGRESSOR_NAMES)}.")
    spec = parse_data(args.data)
    check_number("--folds", args.folds, 2)
    check_number("--max-epochs", args.max_epochs)
    check_number("--n-samples", args.n_samples, 1, MAX_SYNTHETIC, " images")
    check_image_side("--image-size", args.image_size)
    inputs = data_files(spec)
    out = output_path(args.out, inputs=inputs)

    from ._common import set_threads

    previous = set_threads(args.torch_threads)
    try:
        return _train(args, spec, out, inputs)
    finally:
        set_threads(previous)


def _train(args, spec, out, inputs):
    import numpy as np

    from ._common import input_size, save_model

    start = time.perf_counter()
    estimator = build_model(args, args.model)
    size = input_size(estimator, default=args.image_size or 64)
    images, target, names = load_data(
        spec, size=size, prog="skemo train", target=args.target, n_samples=args.n_samples,
        synthetic_size=args.image_size or 64, random_state=args.random_state)
    regression = np.issubdtype(target.dtype, np.floating)
    if regression != (args.model in REGRESSOR_NAMES):
        kind, wanted = (("continuous ratings", REGRESSOR_NAMES) if regression
                        else ("class labels", CLASSIFIER_NAMES))
        raise CLIError("--model", f"{args.model!r} does not fit {args.data!r}, whose target is "
                                  f"{kind}; choose from {', '.join(wanted)}.")
    if regression:
        y = target
        print(f"data {args.data}: {len(images)} images, ratings {', '.join(map(str, names))}")
    else:
        # Train on the class names, so that predictions and probabilities carry them.
        y = np.asarray([str(names[k]) if k < len(names) else str(k) for k in target], dtype=object)
        classes, counts = np.unique(y, return_counts=True)
        print(f"data {args.data}: {len(images)} images "
              f"({', '.join(f'{c}: {n}' for c, n in zip(classes, counts))})")
        if len(classes) < 2:
            raise CLIError("--data", f"{args.data!r} holds a single class ({classes[0]}); "
                                     "a classifier needs two or more.")
    if not args.no_cv:
        cross_validate(args, images, y, regression)
    fit(estimator, images, y)
    if regression:
        estimator.target_names_ = [str(n) for n in names]
    save_model(estimator, out, inputs)
    print(f"model {args.model} fitted on {len(images)} images in "
          f"{time.perf_counter() - start:.1f} s -> {out}")
    return 0


def fit(estimator, X, y):
    """Fit as a cross-validation fold is fitted (one place, the module's test seam)."""
    from skemo.evaluation._resume import fit_fold

    return fit_fold(estimator, X, y)


def cross_validate(args, X, y, regression):
    """Print the model's and the baseline's mean +- std score over the same folds."""
    import numpy as np
    from scipy.stats import spearmanr
    from sklearn.base import clone
    from sklearn.metrics import balanced_accuracy_score, r2_score
    from sklearn.model_selection import KFold, StratifiedKFold

    from skemo.evaluation._resume import model_key

    from ._common import progress

    k = args.folds
    if regression:
        folds = KFold(k, shuffle=True, random_state=args.random_state).split(X)
    else:
        smallest = min(np.unique(y, return_counts=True)[1])
        if smallest < k:
            raise CLIError("--folds", f"{k} stratified folds need {k} images of every class; "
                                      f"the smallest class has {smallest}.")
        folds = StratifiedKFold(k, shuffle=True, random_state=args.random_state).split(X, y)
    baseline_name = "mean" if regression else "majority"
    models = {args.model: build_model(args, args.model),
              baseline_name: build_model(args, baseline_name)}
    scores = {name: [] for name in models}
    store = None
    if getattr(args, "resume", None):
        from skemo.evaluation._cache import images_fingerprint
        from skemo.evaluation._resume import FoldStore, labels_fingerprint

        try:
            store = FoldStore(args.resume, {
                "task": "skemo train", "images": images_fingerprint(X),
                "y": labels_fingerprint(y), "folds": k, "random_state": args.random_state,
                "regression": bool(regression),
            })
        except ValueError as error:
            raise CLIError("--resume", str(error)) from None
    bar = progress(k * len(models), "cross-validation", unit="fit")
    try:
        for index, (train, test) in enumerate(folds):
            for name, model in models.items():
                if store is not None:
                    key = model_key(model)
                    try:
                        record = store.load(name, index, key)
                    except ValueError as error:
                        raise CLIError("--resume", str(error)) from None
                    if record is not None:
                        scores[name].append(tuple(record["scores"]))
                        bar.update()
                        continue
                pred = fit(clone(model), X[train], y[train]).predict(X[test])
                if regression:
                    truth = y[test].reshape(len(test), -1)
                    pred = np.asarray(pred, dtype=float).reshape(len(test), -1)
                    rhos = [spearmanr(truth[:, j], pred[:, j]).statistic
                            if np.ptp(pred[:, j]) > 0 else np.nan for j in range(truth.shape[1])]
                    scores[name].append((np.mean(rhos), r2_score(truth, pred)))
                else:
                    scores[name].append((balanced_accuracy_score(y[test], pred),))
                scores[name][-1] = tuple(float(v) for v in scores[name][-1])
                if store is not None:
                    store.save(name, index, key, {"scores": list(scores[name][-1])})
                bar.update()
    finally:
        bar.close()
    kind = "folds (shuffled)" if regression else "stratified folds (shuffled)"
    print(f"{k}-fold cross-validation, {kind}, random_state={args.random_state}:")
    metrics = ("Spearman rho", "R2") if regression else ("balanced accuracy",)
    for name, rows in scores.items():
        values = np.asarray(rows, dtype=float)
        parts = []
        for j, metric in enumerate(metrics):
            column = values[:, j]
            if np.isnan(column).all():
                parts.append(f"{metric} n/a (constant predictions)")
            else:
                parts.append(f"{metric} {np.nanmean(column):.3f} +- {np.nanstd(column):.3f}")
        role = "baseline" if name == baseline_name else "model"
        print(f"  {role:<8} {name:<20} " + ", ".join(parts))
    sys.stdout.flush()
    return scores
