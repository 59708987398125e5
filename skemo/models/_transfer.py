"""TransferClassifier and TransferRegressor: a pretrained backbone with a small trained head."""

from numbers import Integral, Real
from os import PathLike

import numpy as np
import torch
from sklearn.base import is_classifier
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array

from skemo._inputs import _ReadsImages
from skemo._skorch import _SkorchEstimator
from skemo._validation import check_labels, check_size, is_path_list, n_images

from ._backbones import BACKBONES
from ._base import _ImageClassifier, _SkorchRegressor, embed_images, image_batches
from ._early_stopping import (
    EARLY_STOPPING_DOC, check_validation_split, early_stopping_split, install_early_stopping,
)
from ._modules import TransferModule
from ._pooling import DEFAULT_BACKBONE, LAYERS, check_embedding_params

TRANSFER_PARAMS_DOC = """\
    backbone : str, default="efficientnet_lite1"
        One of :func:`~skemo.models.list_backbones`; the default has ImageNet
        weights that work offline. The thesis's model is ``backbone="vgg16"``.
    weights : "DEFAULT", None, str or path, default="DEFAULT"
        ``"DEFAULT"``: ImageNet weights (torchvision download and cache;
        offline for the ``"efficientnet_lite*"`` backbones). None: random
        initialisation. A path: a state dict of the full network, loaded with
        ``torch.load(..., weights_only=True)``.
    trainable_layers : int, default=0
        0 freezes the whole backbone; ``k`` fine-tunes its last ``k`` blocks
        (conv blocks for VGG16, residual stages for ResNets, feature stages
        for EfficientNet and MobileNet).
    layers : {"last", "multi"}, default="last"
        Embed the last block's feature maps, or the last four blocks'
        (see :class:`BackboneEmbedding`). The default keeps the model
        explainable by class activation maps (:mod:`skemo.inspection`),
        which read the last block only; ``layers="multi",
        statistics=("mean", "std")``, :class:`BackboneEmbedding`'s default,
        usually predicts better.
    statistics : tuple of {"mean", "std", "max"}, default=("mean",)
        Per-channel spatial statistics of each embedded block: ``("mean",)``
        is global average pooling; ``"std"`` adds the feature statistics that
        carry style (Huang & Belongie 2017).
    tta : None or "flip", default=None
        ``"flip"`` averages the embeddings of each image and its mirror image,
        in training and prediction alike.
    hidden_units : int or None, default=512
        Width of the hidden layer of the head; None gives a single linear
        layer (GAP + linear, where class activation maps are exact).
    activation : {"sigmoid", "relu", "tanh", "gelu"}, default="relu"
        Nonlinearity of the head's hidden layer. The thesis's head used
        ``"sigmoid"``, whose saturating units fit ratings less well
        (``benchmarks/bench_transfer_defaults.py``).
    image_size : None, int or (int, int), default=224
        Images are resized to this ``(height, width)``; None keeps their size.
""" + EARLY_STOPPING_DOC

TRANSFER_EMBEDDINGS_DOC = """\
    With a frozen backbone (``trainable_layers=0``) ``fit`` runs the backbone
    once over the training images, in eval mode and batches, and trains the
    head on the cached embeddings: every epoch then costs only the head.
    ``predict`` runs backbone and head. Either way skorch trains the whole
    module (which takes images or embeddings); frozen blocks have no
    gradients and stay in eval mode.

    With a frozen backbone, ``fit`` and ``predict`` also take a 2-D float array
    ``(n_samples, embedding_dim_)`` of precomputed embeddings, e.g. from
    :class:`BackboneEmbedding` with the same backbone, weights, layers,
    statistics, tta and image_size: the backbone pass is then skipped and only
    the head is trained or run. A model fitted on embeddings predicts on
    images too (backbone + head), with the same outputs as on their
    embeddings."""


class _TransferFamily(_ReadsImages, _SkorchEstimator):
    """Backbone, embedding and input handling of the transfer estimators (not public)."""

    _module = TransferModule
    _restore_module_params = {"weights": None}  # a model file holds the weights
    _doc_sections = {"transfer_params": TRANSFER_PARAMS_DOC,
                     "transfer_embeddings": TRANSFER_EMBEDDINGS_DOC}
    _parameter_constraints = {
        "backbone": [StrOptions(set(BACKBONES))],
        "weights": [str, PathLike, None],
        "trainable_layers": [Interval(Integral, 0, None, closed="left")],
        "layers": [StrOptions(set(LAYERS))],
        "statistics": [tuple, list, str],
        "tta": [StrOptions({"flip"}), None],
        "hidden_units": [Interval(Integral, 1, None, closed="left"), None],
        "activation": [StrOptions({"sigmoid", "relu", "tanh", "gelu"})],
        "image_size": [None, Interval(Integral, 1, None, closed="left"), tuple, list],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        **_ReadsImages._parameter_constraints,
    }

    def __init__(
        self,
        backbone=DEFAULT_BACKBONE,
        weights="DEFAULT",
        trainable_layers=0,
        layers="last",
        statistics=("mean",),
        tta=None,
        hidden_units=512,
        activation="relu",
        image_size=224,
        *,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=10,
        # max_epochs bounds early stopping. At lr=1e-3 the ReLU classifier head's
        # validation loss is lowest after epoch 2 in every OASIS fold, too early for
        # stopping to choose well; at 3e-4 after 2 to 6 (bench_transfer_defaults.py).
        max_epochs=200,
        batch_size=32,
        lr=3e-4,
        **kwargs,
    ):
        self.backbone = backbone
        self.weights = weights
        self.trainable_layers = trainable_layers
        self.layers = layers
        self.statistics = statistics
        self.tta = tta
        self.hidden_units = hidden_units
        self.activation = activation
        self.image_size = image_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        super().__init__(max_epochs=max_epochs, batch_size=batch_size, lr=lr, **kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        return tags

    def fit(self, X, y):
        """Train the head (and the unfrozen blocks) on images.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W, 3), list of paths, or \
                array-like of shape (n_samples, embedding_dim)
            ``uint8`` or ``[0, 1]`` float images, or image files. With
            ``trainable_layers=0`` also precomputed embeddings, e.g. from
            :class:`BackboneEmbedding` with the same backbone, weights,
            layers, statistics, tta and image_size; only the head is trained
            on them.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Labels of any hashable type (classifier), or ratings (regressor).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y)

    def partial_fit(self, X, y=None, classes=None):
        self._incremental = True  # no early stopping (see early_stopping)
        try:
            return super().partial_fit(X, y, classes=classes)
        finally:
            del self._incremental

    partial_fit.__doc__ = _SkorchEstimator.partial_fit.__doc__

    def _fit_input(self, X, y, first):
        if first:
            statistics = check_embedding_params(self.layers, self.statistics, self.tta)
            self.embedding_dim_ = BACKBONES[self.backbone].embedding_dim(self.layers, statistics)
        size = check_size(self.image_size, "image_size") if first else self.image_size_
        if _is_embedding_input(X):
            embeddings = self._embeddings(X)
            if first:
                self.image_size_ = size
            return embeddings, self._check_y(y, len(embeddings), "embeddings")
        if self.trainable_layers == 0:
            # Images (or paths) stay as given: _train_input embeds them in batches.
            return X, self._check_y(y, len(X))
        y = self._check_y(y, n_images(X))
        images, seen = self._training_images(X, size)
        if first:
            self.image_size_ = seen
        return images, y

    def _check_y(self, y, n, what="images"):
        y = check_labels(y, n, "X", multi_output=self._multi_output_y, what=what)
        check_validation_split(self, y, stratified=is_classifier(self))
        return y

    def _train_input(self, data, first):
        if self.trainable_layers != 0 or isinstance(data, torch.Tensor):
            return data  # images to train on (cached or streamed), or embeddings
        size = check_size(self.image_size, "image_size") if first else self.image_size_
        embeddings, seen = embed_images(
            self.module_.embed, data, size, self.batch_size, self.device, self.verbose,
            module=self.module_, n_jobs=self.n_jobs, prefetch=self.prefetch,
            decoder=self.decoder,
        )
        if first:
            self.image_size_ = seen
        return embeddings

    def _module_params(self):
        return {
            "backbone": self.backbone,
            "n_outputs": self._n_outputs(),
            "weights": self.weights,
            "hidden_units": self.hidden_units,
            "activation": self.activation,
            "layers": self.layers,
            "statistics": check_embedding_params(self.layers, self.statistics, self.tta),
            "tta": self.tta,
            "trainable_layers": self.trainable_layers,
            "verbose": self.verbose,
        }

    def _net_params(self, seed=None):
        return early_stopping_split(self, super()._net_params(seed), seed, is_classifier(self))

    def _install_callbacks(self, seed):
        super()._install_callbacks(seed)
        install_early_stopping(self)

    def _embeddings(self, X):
        """Precomputed embeddings ``X``, checked, as a float32 tensor."""
        if self.trainable_layers != 0:
            # The fine-tuned backbone no longer computes BackboneEmbedding's features.
            raise ValueError(
                f"X of shape {np.shape(X)} looks like precomputed embeddings; they are "
                f"accepted only with trainable_layers=0 (a frozen backbone), but "
                f"trainable_layers={self.trainable_layers}. Pass images of shape "
                "(n_samples, H, W, 3) or a list of image files."
            )
        embeddings = check_array(X, dtype=np.float32)
        if embeddings.shape[1] != self.embedding_dim_:
            raise ValueError(
                f"X has {embeddings.shape[1]} features per sample, but backbone "
                f"{self.backbone!r} with layers={self.layers!r} and "
                f"statistics={self.statistics!r} gives {self.embedding_dim_}-dimensional "
                f"embeddings: pass images, or an (n_samples, {self.embedding_dim_}) array "
                "from BackboneEmbedding with the same backbone, weights, layers, "
                "statistics, tta and image_size."
            )
        return torch.from_numpy(np.ascontiguousarray(embeddings))

    def _predict_batches(self, X):
        if _is_embedding_input(X):
            return torch.split(self._embeddings(X), self.batch_size)
        return image_batches(X, self.batch_size, self.image_size_, **self._stream_options())


class TransferClassifier(_TransferFamily, _ImageClassifier):
    """Transfer learning: pretrained conv base -> pooled statistics -> MLP head.

    The thesis's "VGG16 + TL" is ``backbone="vgg16"``: the convolutional base
    up to ``block5_conv3`` and its ReLU, global average pooling,
    Linear(512, hidden_units), a nonlinearity (sigmoid in the thesis) and
    Linear(hidden_units, n_classes), trained with cross-entropy
    (``module__dropout=p`` adds dropout before the last linear layer). ImageNet
    normalization is applied inside the model, so it takes plain ``[0, 1]``
    or ``uint8`` images.

%(transfer_embeddings)s

    Parameters
    ----------
%(transfer_params)s
%(skorch_params)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels seen in ``fit``.
    image_size_ : tuple of (int, int) or None
        ``(height, width)`` the images were fed at; when fitted on
        embeddings, the ``image_size`` parameter (None: images keep their
        size in ``predict``).
    embedding_dim_ : int
        Size of the embedding (input of the head).
    net_ : skorch.NeuralNetClassifier
        The skorch net that trained the model. ``module_`` is its
        :class:`~skemo.models._modules.TransferModule`: ``module_.backbone``
        (conv base, ``blocks``), ``module_.head``, ``forward_features(x)`` for
        the last conv feature maps and ``forward_head(maps)`` for the logits.

    See Also
    --------
    BackboneEmbedding : The pooled backbone features as a transformer.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.models import TransferClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(8, 32, 32, 3), dtype=np.uint8)
    >>> y = ["calm", "tense"] * 4
    >>> clf = TransferClassifier("resnet18", weights=None, image_size=32,
    ...                          hidden_units=8, max_epochs=2, random_state=0)
    >>> clf.fit(X, y).predict_proba(X).shape
    (8, 2)
    """

    _parameter_constraints = {
        **_ImageClassifier._parameter_constraints,
        **_TransferFamily._parameter_constraints,
    }


class TransferRegressor(_TransferFamily, _SkorchRegressor):
    """Ratings from a pretrained backbone: conv base -> pooled statistics -> MLP head.

    The regression twin of :class:`TransferClassifier`: the same backbone,
    embedding and head, with ``n_outputs`` linear outputs trained on
    standardised targets (one rating, or valence and arousal together) with
    a mean squared error or Huber loss; ``predict`` returns the ratings in
    their original units.

%(transfer_embeddings)s

    Parameters
    ----------
%(transfer_params)s
    loss : {"mse", "huber"}, default="mse"
        Mean squared error, or the Huber loss, which lets a few odd ratings
        pull less.
%(skorch_params)s

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    target_mean_, target_scale_ : ndarray of shape (n_outputs,)
        Mean and standard deviation of each target in the first fit.
    image_size_ : tuple of (int, int) or None
        ``(height, width)`` the images were fed at.
    embedding_dim_ : int
        Size of the embedding (input of the head).
    net_ : skorch.NeuralNetRegressor
        The skorch net that trained the model; ``module_`` is its
        :class:`~skemo.models._modules.TransferModule`.

    See Also
    --------
    make_fusion_regressor : Ridge on the embedding plus painting features.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.models import TransferRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(8, 32, 32, 3), dtype=np.uint8)
    >>> y = np.c_[rng.uniform(1, 7, 8), rng.uniform(1, 7, 8)]    # valence, arousal
    >>> reg = TransferRegressor("resnet18", weights=None, image_size=32, hidden_units=8,
    ...                         max_epochs=2, random_state=0)
    >>> reg.fit(X, y).predict(X).shape
    (8, 2)
    """

    _parameter_constraints = {
        **_SkorchRegressor._parameter_constraints,
        **_TransferFamily._parameter_constraints,
    }


def _is_embedding_input(X):
    """True for a 2-D array-like (embeddings), False for images or paths."""
    if hasattr(X, "ndim") and hasattr(X, "shape"):
        return X.ndim == 2
    if isinstance(X, (list, tuple)) and len(X) > 0 and not is_path_list(X):
        # Only the first row is inspected, so a long list of images is not copied.
        return np.ndim(X[0]) == 1
    return False
