"""BackboneEmbedding: pooled features of a pretrained backbone as a transformer."""

from numbers import Integral
from os import PathLike

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from skemo._validation import check_size

from ._backbones import BACKBONES, build_backbone
from ._base import embed_images
from ._modules import global_pool
from skemo._torch import seeded


class BackboneEmbedding(TransformerMixin, BaseEstimator):
    """Transform images into the pooled features of a pretrained backbone.

    Images are normalized the way the backbone expects, run through its
    convolutional base in eval mode and globally pooled, giving an
    ``(n_samples, n_channels)`` matrix for any sklearn model. Lists of paths
    are loaded ``batch_size`` files at a time, so memory stays flat.

    Parameters
    ----------
    backbone : str, default="efficientnet_lite0"
        One of :func:`~skemo.models.list_backbones`. The default has ImageNet
        weights that work offline (optional ``pretrained`` extra).
    weights : "DEFAULT", None, str or path, default="DEFAULT"
        As in :class:`~skemo.models.TransferClassifier`.
    pooling : {"avg", "max"}, default="avg"
        Global pooling of the last feature maps.
    image_size : None, int or (int, int), default=224
        Images are resized to this ``(height, width)``; None keeps their size.
    batch_size : int, default=32
        Images per forward pass.
    device : str, default="cpu"
        Torch device.
    verbose : int, default=0
        Show a progress bar while embedding.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation when ``weights=None``.

    Attributes
    ----------
    backbone_ : torch.nn.Module
        The convolutional base
        (:class:`~skemo.models._modules.BackboneFeatures`), in eval mode.
    n_features_out_ : int
        Number of output features (channels of the backbone).

    See Also
    --------
    make_fusion_classifier : Embedding plus hand-crafted features.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.models import BackboneEmbedding
    >>> X = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    >>> emb = BackboneEmbedding("resnet18", weights=None, image_size=32, random_state=0)
    >>> emb.fit_transform(X).shape
    (4, 512)
    >>> emb.get_feature_names_out()[:2]
    array(['resnet18_0', 'resnet18_1'], dtype=object)
    """

    _parameter_constraints = {
        "backbone": [StrOptions(set(BACKBONES))],
        "weights": [str, PathLike, None],
        "pooling": [StrOptions({"avg", "max"})],
        "image_size": [None, Interval(Integral, 1, None, closed="left"), tuple, list],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        backbone="efficientnet_lite0",
        weights="DEFAULT",
        pooling="avg",
        image_size=224,
        batch_size=32,
        device="cpu",
        verbose=0,
        random_state=None,
    ):
        self.backbone = backbone
        self.weights = weights
        self.pooling = pooling
        self.image_size = image_size
        self.batch_size = batch_size
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Build the backbone and load its weights; the images are not read.

        Parameters
        ----------
        X : ignored
            Accepted for the sklearn API.
        y : ignored
            Accepted for the sklearn API.

        Returns
        -------
        self : BackboneEmbedding
            The fitted transformer.
        """
        check_size(self.image_size, "image_size")
        with seeded(self.random_state, self.device):
            self.backbone_ = build_backbone(self.backbone, self.weights, self.verbose)
        self.backbone_.to(self.device).eval()
        self.n_features_out_ = self.backbone_.out_channels
        return self

    def _embed(self, x):
        return global_pool(self.backbone_(x), self.pooling)

    def transform(self, X):
        """Embed images.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W, 3) or list of paths
            ``uint8`` or ``[0, 1]`` float images, or image files.

        Returns
        -------
        embedding : ndarray of shape (n_samples, `n_features_out_`), dtype float32
            Pooled backbone features.
        """
        check_is_fitted(self)
        size = check_size(self.image_size, "image_size")
        out, _ = embed_images(
            self._embed, X, size, self.batch_size, self.device, self.verbose,
            module=self.backbone_,
        )
        return out.numpy()

    def get_feature_names_out(self, input_features=None):
        """Output feature names: ``"<backbone>_0"``, ``"<backbone>_1"``, ...

        Parameters
        ----------
        input_features : ignored
            Images have no feature names.

        Returns
        -------
        names : ndarray of str objects
        """
        check_is_fitted(self)
        return np.asarray(
            [f"{self.backbone}_{i}" for i in range(self.n_features_out_)], dtype=object
        )
