"""Fusion of a backbone embedding (global) with hand-crafted features (local)."""

import inspect

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegressionCV, RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler

from ._cvfc import CVFC, CVFCRegressor
from ._embedding import BackboneEmbedding
from ._pooling import DEFAULT_BACKBONE, DEFAULT_LAYERS, DEFAULT_STATISTICS


def make_fusion_classifier(
    backbone=DEFAULT_BACKBONE,
    classifier=None,
    features=None,
    *,
    weights="DEFAULT",
    layers=DEFAULT_LAYERS,
    statistics=DEFAULT_STATISTICS,
    tta=None,
    image_size=224,
    batch_size=32,
    device="cpu",
    random_state=None,
):
    """Build the fusion pipeline: backbone embedding + painting features.

    The thesis's future work: the global content a pretrained backbone sees,
    concatenated with hand-crafted colour and texture features, then scaled
    and classified::

        FeatureUnion([("embedding", BackboneEmbedding), ("features", features)])
        -> StandardScaler -> classifier

    Parameters
    ----------
    backbone : str, default="efficientnet_lite1"
        One of :func:`~skemo.models.list_backbones`.
    classifier : None, "logistic", "cvfc" or estimator, default=None
        None or ``"logistic"``: an L2 logistic regression whose strength is
        chosen inside ``fit`` by an inner stratified 3-fold cross-validation
        on the training data only (``LogisticRegressionCV`` over ``C`` in
        ``np.logspace(-4, 1, 8)``, scored by balanced accuracy; each class
        needs 3 images or more).
        Strong regularisation matters here: about a thousand embedding
        dimensions plus a few hand-crafted features, for a few hundred
        images, overfit with ``C=1``. ``"cvfc"``:
        :class:`~skemo.models.CVFC`. An estimator is cloned.
    features : transformer or None, default=None
        Hand-crafted image features; None uses
        :class:`skemo.features.PaintingFeatures`. A transformer is cloned.
    weights : "DEFAULT", None, str or path, default="DEFAULT"
        Backbone weights, as in :class:`~skemo.models.BackboneEmbedding`.
    layers, statistics, tta
        The embedding, as in :class:`~skemo.models.BackboneEmbedding` (the
        same defaults: the last four blocks, mean and spread, no flip).
    image_size : None, int or (int, int), default=224
        Size the backbone sees.
    batch_size : int, default=32
        Images per backbone forward pass.
    device : str, default="cpu"
        Torch device of the backbone.
    random_state : int, RandomState instance or None, default=None
        Passed to every random part: the backbone (for ``weights=None``), the
        painting features (the palette's k-means), the classifier and the
        inner folds that choose the regularisation. In a ``features`` or
        ``classifier`` given as an estimator it fills every ``random_state``
        left at None (nested ones too), and keeps those already set. With an
        int, two fits on the same data give bit-identical output.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Steps ``"union"`` (with ``"embedding"`` and ``"features"``),
        ``"scale"`` and ``"clf"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from skemo.models import make_fusion_classifier
    >>> mean_rgb = FunctionTransformer(lambda X: np.asarray(X).mean(axis=(1, 2)))
    >>> fusion = make_fusion_classifier("resnet18", features=mean_rgb, weights=None,
    ...                                 image_size=32, random_state=0)
    >>> X = np.random.default_rng(0).integers(0, 256, (12, 32, 32, 3), dtype=np.uint8)
    >>> fusion.fit(X, ["a", "b"] * 6).predict(X[:2]).shape
    (2,)
    """
    heads = {
        "logistic": lambda: _regularised_logistic(random_state),
        "cvfc": lambda: CVFC(random_state=random_state),
    }
    return _fusion(_head(classifier, "classifier", heads), features, "clf", backbone, weights,
                   layers, statistics, tta, image_size, batch_size, device, random_state)


def make_fusion_regressor(
    backbone=DEFAULT_BACKBONE,
    regressor=None,
    features=None,
    *,
    weights="DEFAULT",
    layers=DEFAULT_LAYERS,
    statistics=DEFAULT_STATISTICS,
    tta=None,
    image_size=224,
    batch_size=32,
    device="cpu",
    random_state=None,
):
    """Build the fusion pipeline for ratings: backbone embedding + painting features.

    The regression twin of :func:`make_fusion_classifier`::

        FeatureUnion([("embedding", BackboneEmbedding), ("features", features)])
        -> StandardScaler -> regressor

    Parameters
    ----------
    backbone : str, default="efficientnet_lite1"
        One of :func:`~skemo.models.list_backbones`.
    regressor : None, "ridge", "cvfc" or estimator, default=None
        None or ``"ridge"``: a ridge regression whose penalty is chosen inside
        ``fit`` by an inner 3-fold cross-validation on the training data only
        (``RidgeCV`` over ``alpha`` in ``np.logspace(-1, 5, 13)``, scored by
        R²); it predicts one rating or several. ``"cvfc"``:
        :class:`~skemo.models.CVFCRegressor`. An estimator is cloned.
    features : transformer or None, default=None
        Hand-crafted image features; None uses
        :class:`skemo.features.PaintingFeatures`. A transformer is cloned.
    weights, layers, statistics, tta, image_size, batch_size, device, random_state
        As in :func:`make_fusion_classifier`.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Steps ``"union"`` (with ``"embedding"`` and ``"features"``),
        ``"scale"`` and ``"reg"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from skemo.models import make_fusion_regressor
    >>> mean_rgb = FunctionTransformer(lambda X: np.asarray(X).mean(axis=(1, 2)))
    >>> fusion = make_fusion_regressor("resnet18", features=mean_rgb, weights=None,
    ...                                image_size=32, random_state=0)
    >>> X = np.random.default_rng(0).integers(0, 256, (12, 32, 32, 3), dtype=np.uint8)
    >>> fusion.fit(X, np.c_[np.arange(12.0), np.ones(12)]).predict(X[:2]).shape
    (2, 2)
    """
    heads = {
        "ridge": lambda: _regularised_ridge(random_state),
        "cvfc": lambda: CVFCRegressor(random_state=random_state),
    }
    return _fusion(_head(regressor, "regressor", heads), features, "reg", backbone, weights,
                   layers, statistics, tta, image_size, batch_size, device, random_state)


def _head(head, name, heads):
    """The estimator ``head`` names: None is the first of ``heads``."""
    if head is None or (isinstance(head, str) and head in heads):
        return heads[head or next(iter(heads))]()
    if isinstance(head, str):
        raise ValueError(
            f"{name} must be None, {', '.join(map(repr, heads))} or an estimator; got {head!r}."
        )
    return clone(head)


def _seed_unset(estimator, random_state):
    """A clone of ``estimator`` whose ``random_state`` parameters left at None
    are ``random_state``: a seeded factory seeds the parts it is given, as it
    seeds those it builds.

    A nested part is seeded only when no estimator above it takes a
    ``random_state``; one that does passes its own down (as
    ``PaintingFeatures`` does to the palette), and setting the part as well
    would only clutter its parameters.
    """
    if not hasattr(estimator, "get_params"):
        return estimator  # "passthrough", "drop"
    estimator = clone(estimator)
    if random_state is None:
        return estimator
    params = estimator.get_params(deep=True)
    unset = {}
    for key, value in params.items():
        path = key.split("__")
        if path[-1] != "random_state" or value is not None:
            continue
        owners = ("__".join(path[:depth] + ["random_state"]) for depth in range(len(path) - 1))
        if not any(owner in params for owner in owners):
            unset[key] = random_state
    return estimator.set_params(**unset)


def _fusion(head, features, name, backbone, weights, layers, statistics, tta, image_size,
            batch_size, device, random_state):
    if features is None:
        from skemo.features import PaintingFeatures

        # The palette's k-means is random: unseeded, its features and the
        # predictions moved between two fits of the same pipeline.
        features = PaintingFeatures(random_state=random_state)
    features, head = _seed_unset(features, random_state), _seed_unset(head, random_state)
    embedding = BackboneEmbedding(
        backbone, weights=weights, layers=layers, statistics=statistics, tta=tta,
        image_size=image_size, batch_size=batch_size, device=device, random_state=random_state,
    )
    union = FeatureUnion([("embedding", embedding), ("features", features)])
    return Pipeline([("union", union), ("scale", StandardScaler()), (name, head)])


def _regularised_ridge(random_state):
    inner = KFold(3, shuffle=True, random_state=random_state)
    return RidgeCV(alphas=np.logspace(-1, 5, 13), cv=inner, scoring="r2")


def _regularised_logistic(random_state):
    inner = StratifiedKFold(3, shuffle=True, random_state=random_state)
    kwargs = {}
    if "use_legacy_attributes" in inspect.signature(LogisticRegressionCV).parameters:
        # scikit-learn >= 1.8 spells a plain L2 path this way and warns otherwise.
        kwargs = {"l1_ratios": (0.0,), "use_legacy_attributes": False}
    return LogisticRegressionCV(
        Cs=np.logspace(-4, 1, 8), cv=inner, scoring="balanced_accuracy", max_iter=2000,
        random_state=random_state, **kwargs,
    )
