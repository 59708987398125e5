"""BackboneEmbedding: pooled statistics of a pretrained backbone as a transformer."""

from numbers import Integral
from os import PathLike

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from skemo._torch import seeded
from skemo._validation import check_size

from ._backbones import BACKBONES, build_backbone
from ._base import embed_images
from ._pooling import (
    DEFAULT_BACKBONE,
    DEFAULT_LAYERS,
    DEFAULT_STATISTICS,
    LAYERS,
    check_embedding_params,
    embed_stages,
    embedding_layout,
)


class BackboneEmbedding(TransformerMixin, BaseEstimator):
    """Transform images into pooled statistics of a pretrained backbone.

    Images are normalized the way the backbone expects and run through its
    convolutional base in eval mode; the feature maps of its last block (or
    last four blocks) are reduced to per-channel spatial statistics, giving
    an ``(n_samples, n_features_out_)`` matrix for any sklearn model. Lists of
    paths are loaded ``batch_size`` files at a time, so memory stays flat.

    Parameters
    ----------
    backbone : str, default="efficientnet_lite1"
        One of :func:`~skemo.models.list_backbones`. ``"efficientnet_lite0"``,
        ``"efficientnet_lite1"`` (the default) and ``"efficientnet_lite2"``
        have ImageNet weights that work offline (optional ``pretrained``
        extra); their native resolutions are 224, 240 and 260 px.
    weights : "DEFAULT", None, str or path, default="DEFAULT"
        As in :class:`~skemo.models.TransferClassifier`.
    layers : {"last", "multi"}, default="multi"
        Blocks whose maps are pooled: ``"last"`` the last one; ``"multi"``
        the last four, concatenated shallow to deep. These are, by family,
        VGG16 conv blocks 2-5; ResNet ``layer1``-``layer4``; EfficientNet-B0
        and EfficientNet-Lite the last three MBConv stages and the 1x1 head
        conv (blocks 5-8: 112, 192, 320 and 1280 channels, lite2 120, 208,
        352 and 1280); MobileNetV3-Large its last three bottlenecks and the
        960-channel conv.
    statistics : tuple of {"mean", "std", "max"}, default=("mean", "std")
        Per-channel spatial statistics of each pooled block: mean (global
        average pooling), population standard deviation (``correction=0``;
        it carries style, as in AdaIN, Huang & Belongie 2017) and max.
        The defaults (Lite1, last four blocks, mean and spread) were chosen
        to carry over from photographs to paintings; ``layers="last",
        statistics=("mean",)`` is the plain global-average-pooled embedding.
    tta : None or "flip", default=None
        ``"flip"`` averages the embeddings of each image and of its
        horizontal mirror (twice the compute).
    image_size : None, int or (int, int), default=224
        Images are resized to this ``(height, width)``; None keeps their size.
    batch_size : int, default=32
        Images per forward pass.
    n_jobs : int, default=None
        Threads decoding image files (None: one; -1: all cores) while the
        backbone embeds the batch before (:func:`skemo.io.stream_images`).
    prefetch : int, default=2
        Batches of files decoded ahead of the one being embedded (0 to 64).
    decoder : {"pil", "torchvision"}, default="pil"
        ``"torchvision"`` decodes JPEG files on ``device`` (nvJPEG on a GPU) with
        :func:`torchvision.io.decode_jpeg`; see :func:`skemo.io.stream_images`.
    device : str, default="cpu"
        Torch device; batches of 8-bit images travel to it as bytes.
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
        Number of output features: the pooled blocks' channels times the
        number of statistics.

    See Also
    --------
    make_fusion_classifier : Embedding plus hand-crafted features.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.models import BackboneEmbedding
    >>> X = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    >>> emb = BackboneEmbedding("resnet18", weights=None, image_size=32, random_state=0)
    >>> emb.fit_transform(X).shape    # layer1-layer4, mean and spread of each channel
    (4, 1920)
    >>> emb.get_feature_names_out()[:2]
    array(['resnet18_b1_mean_0', 'resnet18_b1_mean_1'], dtype=object)
    >>> plain = emb.set_params(layers="last", statistics=("mean",))
    >>> plain.fit_transform(X).shape  # global average pooling of the last block
    (4, 512)
    """

    _parameter_constraints = {
        "backbone": [StrOptions(set(BACKBONES))],
        "weights": [str, PathLike, None],
        "layers": [StrOptions(set(LAYERS))],
        "statistics": [tuple, list, str],
        "tta": [StrOptions({"flip"}), None],
        "image_size": [None, Interval(Integral, 1, None, closed="left"), tuple, list],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [None, Integral],
        "prefetch": [Interval(Integral, 0, 64, closed="both")],
        "decoder": [StrOptions({"pil", "torchvision"})],
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        backbone=DEFAULT_BACKBONE,
        weights="DEFAULT",
        layers=DEFAULT_LAYERS,
        statistics=DEFAULT_STATISTICS,
        tta=None,
        image_size=224,
        batch_size=32,
        n_jobs=None,
        prefetch=2,
        decoder="pil",
        device="cpu",
        verbose=0,
        random_state=None,
    ):
        self.backbone = backbone
        self.weights = weights
        self.layers = layers
        self.statistics = statistics
        self.tta = tta
        self.image_size = image_size
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.prefetch = prefetch
        self.decoder = decoder
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
        statistics = check_embedding_params(self.layers, self.statistics, self.tta)
        with seeded(self.random_state, self.device):
            self.backbone_ = build_backbone(self.backbone, self.weights, self.verbose)
        self.backbone_.to(self.device).eval()
        layout = embedding_layout(self.backbone_.channels, self.layers, statistics)
        self.n_features_out_ = sum(n for _, _, n in layout)
        return self

    def _rebuild_modules(self):
        """Build ``backbone_`` without weights, for :func:`skemo.io.load_model` to fill."""
        with torch.random.fork_rng(devices=[]):
            self.backbone_ = build_backbone(self.backbone, None).to(self.device).eval()

    def _meta_modules(self):
        """``{"backbone_": module}`` on the ``meta`` device, shapes without memory."""
        with torch.device("meta"):
            return {"backbone_": build_backbone(self.backbone, None)}

    def _embed(self, x):
        statistics = check_embedding_params(self.layers, self.statistics, self.tta)
        return embed_stages(self.backbone_, x, self.layers, statistics, self.tta)

    def transform(self, X):
        """Embed images.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W, 3) or list of paths
            ``uint8`` or ``[0, 1]`` float images, or image files.

        Returns
        -------
        embedding : ndarray of shape (n_samples, `n_features_out_`), dtype float32
            Pooled backbone statistics, columns as :meth:`get_feature_names_out`
            names them.
        """
        check_is_fitted(self)
        size = check_size(self.image_size, "image_size")
        out, _ = embed_images(
            self._embed, X, size, self.batch_size, self.device, self.verbose,
            module=self.backbone_, n_jobs=self.n_jobs, prefetch=self.prefetch,
            decoder=self.decoder,
        )
        return out.numpy()

    def get_feature_names_out(self, input_features=None):
        """Output feature names, ``"<backbone>_b<block>_<statistic>_<channel>"``.

        ``block`` indexes the backbone's blocks (0 is the stem; e.g. 8 is the
        head conv of the EfficientNets), ``statistic`` is one of
        ``statistics`` and ``channel`` counts from 0 within that block:
        ``"efficientnet_lite0_b8_mean_17"`` is the spatial mean of channel 17
        of the last block. Columns run block by block, shallow to deep, and
        within a block statistic by statistic.

        Parameters
        ----------
        input_features : ignored
            Images have no feature names.

        Returns
        -------
        names : ndarray of str objects
        """
        check_is_fitted(self)
        statistics = check_embedding_params(self.layers, self.statistics, self.tta)
        layout = embedding_layout(self.backbone_.channels, self.layers, statistics)
        return np.asarray(
            [f"{self.backbone}_b{b}_{s}_{i}" for b, s, n in layout for i in range(n)],
            dtype=object,
        )
