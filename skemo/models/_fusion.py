"""Fusion of a backbone embedding (global) with hand-crafted features (local)."""

from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler

from ._cvfc import CVFC
from ._embedding import BackboneEmbedding


def make_fusion_classifier(
    backbone="efficientnet_lite0",
    classifier=None,
    features=None,
    *,
    weights="DEFAULT",
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
    backbone : str, default="efficientnet_lite0"
        One of :func:`~skemo.models.list_backbones`.
    classifier : None, "logistic", "cvfc" or estimator, default=None
        None or ``"logistic"``: ``LogisticRegression(max_iter=1000)``.
        ``"cvfc"``: :class:`~skemo.models.CVFC`. An estimator is cloned.
    features : transformer or None, default=None
        Hand-crafted image features; None uses
        :class:`skemo.features.PaintingFeatures`.
    weights : "DEFAULT", None, str or path, default="DEFAULT"
        Backbone weights, as in :class:`~skemo.models.BackboneEmbedding`.
    image_size : None, int or (int, int), default=224
        Size the backbone sees.
    batch_size : int, default=32
        Images per backbone forward pass.
    device : str, default="cpu"
        Torch device of the backbone.
    random_state : int, RandomState instance or None, default=None
        Passed to the backbone (for ``weights=None``) and the classifier.

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
    >>> X = np.random.default_rng(0).integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)
    >>> fusion.fit(X, ["a", "b"] * 4).predict(X[:2]).shape
    (2,)
    """
    if features is None:
        from skemo.features import PaintingFeatures

        features = PaintingFeatures()
    if classifier is None or classifier == "logistic":
        classifier = LogisticRegression(max_iter=1000, random_state=random_state)
    elif classifier == "cvfc":
        classifier = CVFC(random_state=random_state)
    elif isinstance(classifier, str):
        raise ValueError(
            f"classifier must be None, 'logistic', 'cvfc' or an estimator; got {classifier!r}."
        )
    else:
        classifier = clone(classifier)
    embedding = BackboneEmbedding(
        backbone,
        weights=weights,
        image_size=image_size,
        batch_size=batch_size,
        device=device,
        random_state=random_state,
    )
    union = FeatureUnion([("embedding", embedding), ("features", features)])
    return Pipeline([("union", union), ("scale", StandardScaler()), ("clf", classifier)])
