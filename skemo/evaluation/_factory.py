"""The one place that builds skemo's models by name, for ``compare_models`` and ``skemo train``.

:func:`make_model` turns a name of ``CLASSIFIER_NAMES`` (the classifiers of the
thesis's Table 1, ``MODEL_NAMES``) or ``REGRESSOR_NAMES`` (their rating twins)
into a fresh, unfitted estimator. With ``cached=True`` the models that read label-free per-image
passes (painting features, backbone embeddings) are built without those
passes, to be fitted on the matrices :func:`compare_models` computes once
(:data:`CACHED_INPUTS` names them); otherwise every model takes images.
"""

from ._cache import EMBEDDING, painting_features

__all__ = [
    "CACHED_INPUTS", "CLASSIFIER_NAMES", "REGRESSOR_NAMES", "make_model", "model_inputs",
    "model_note",
]

CLASSIFIER_NAMES = ("majority", "cvfc", "shallnet", "transfer", "fusion", "shallnet+aug")
REGRESSOR_NAMES = ("mean", "cvfc-regressor", "transfer-regressor", "fusion-regressor")

# The shared passes a model is fitted on when compare_models caches them
# ("small": the images resized once for ShallNet; "none": a dummy column).
CACHED_INPUTS = {
    "majority": ("none",),
    "mean": ("none",),
    "shallnet": ("small",),
    "shallnet+aug": ("small",),
    "cvfc": ("features",),
    "cvfc-regressor": ("features",),
    "transfer": ("embedding",),
    "transfer-regressor": ("embedding",),
    "fusion": ("embedding", "features"),
    "fusion-regressor": ("embedding", "features"),
}


def _check_name(name):
    if name not in CLASSIFIER_NAMES + REGRESSOR_NAMES:
        raise ValueError(
            f"unknown model {name!r}; choose from "
            f"{', '.join(CLASSIFIER_NAMES + REGRESSOR_NAMES)}."
        )


def model_inputs(name, cached):
    """The shared passes ``name`` is fitted on: always for the baselines and ShallNet
    (a dummy column, the resized images), and for the others only when ``cached``."""
    _check_name(name)
    inputs = CACHED_INPUTS[name]
    return inputs if cached or inputs[0] in ("none", "small") else ()


def model_note(name, epochs, cached):
    """The line ``compare_models`` adds to its notes about ``name`` ("" for none)."""
    if name == "shallnet":
        return f"{epochs} epochs"
    if name == "shallnet+aug":
        aug_epochs = max(1, round(epochs / 4))
        return f"4x data (3 flip/rotate copies), {aug_epochs} epochs: the same gradient steps"
    if name == "transfer" and cached:
        return "frozen backbone: TransferClassifier trains its head on the cached embeddings"
    return ""


def make_model(
    name,
    *,
    backbone,
    weights="DEFAULT",
    backbone_image_size=224,
    shallnet_image_size=None,
    epochs=60,
    head_epochs=None,
    cached=False,
    random_state=0,
):
    """A fresh, unfitted estimator for the model called ``name``.

    Parameters
    ----------
    name : str
        One of ``CLASSIFIER_NAMES`` (``"majority"``, ``"cvfc"``, ``"shallnet"``,
        ``"transfer"``, ``"fusion"``, ``"shallnet+aug"``) or
        ``REGRESSOR_NAMES`` (``"mean"``, ``"cvfc-regressor"``,
        ``"transfer-regressor"``, ``"fusion-regressor"``).
    backbone : str
        Backbone of the transfer and fusion models (not ``"auto"``: resolve
        it with :func:`~skemo.evaluation.default_backbone` first).
    weights : "DEFAULT", None or path, default="DEFAULT"
        Backbone weights.
    backbone_image_size : int, default=224
        Size the backbone sees.
    shallnet_image_size : int or None, default=None
        ``image_size`` of ShallNet (None: the images' own size).
    epochs : int, default=60
        ShallNet epochs; ``"shallnet+aug"`` trains on 4x the data for a
        quarter of them.
    head_epochs : int or None, default=None
        ``max_epochs`` of the CVFC and transfer networks; None keeps their
        defaults.
    cached : bool, default=False
        Build the feature and embedding models without their label-free
        pass, for the matrices of :data:`CACHED_INPUTS` (hstacked in that
        order).
    random_state : int, default=0
        Seeds every model.

    Returns
    -------
    estimator : estimator

    Examples
    --------
    >>> from skemo.evaluation._factory import make_model
    >>> make_model("shallnet", backbone="vgg16", epochs=3).max_epochs
    3
    >>> [step for step, _ in make_model("cvfc-regressor", backbone="vgg16").steps]
    ['feat', 'reg']
    """
    _check_name(name)
    seed = random_state
    heads = {} if head_epochs is None else {"max_epochs": head_epochs}
    if name == "majority":
        from sklearn.dummy import DummyClassifier

        return DummyClassifier(strategy="most_frequent")
    if name == "mean":
        from sklearn.dummy import DummyRegressor

        return DummyRegressor(strategy="mean")
    if name in ("shallnet", "shallnet+aug"):
        from skemo.models import ShallNet

        if name == "shallnet":
            return ShallNet(shallnet_image_size, max_epochs=epochs, random_state=seed)
        from skemo.augment import AugmentedClassifier, FlipRotateAugmenter

        return AugmentedClassifier(
            FlipRotateAugmenter(random_state=seed),
            ShallNet(shallnet_image_size, max_epochs=max(1, round(epochs / 4)), random_state=seed),
        )
    from sklearn.pipeline import Pipeline

    if name in ("cvfc", "cvfc-regressor"):
        from skemo.models import CVFC, CVFCRegressor

        head = (CVFC if name == "cvfc" else CVFCRegressor)(random_state=seed, **heads)
        if cached:
            return head
        return Pipeline([("feat", painting_features(seed)),
                         ("clf" if name == "cvfc" else "reg", head)])
    if name in ("transfer", "transfer-regressor"):
        from skemo.models import TransferClassifier, TransferRegressor

        kind = TransferClassifier if name == "transfer" else TransferRegressor
        return kind(backbone, weights=weights, image_size=backbone_image_size, random_state=seed,
                    **EMBEDDING, **heads)
    from skemo.models import make_fusion_classifier, make_fusion_regressor

    make = make_fusion_classifier if name == "fusion" else make_fusion_regressor
    fusion = make(backbone, weights=weights, image_size=backbone_image_size,
                  features=painting_features(seed), random_state=seed, **EMBEDDING)
    # Cached: the union's embedding and features come precomputed and hstacked.
    return Pipeline(fusion.steps[1:]) if cached else fusion
