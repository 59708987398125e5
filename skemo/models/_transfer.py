"""TransferClassifier: a pretrained backbone with a small trained head."""

from numbers import Integral
from os import PathLike

import numpy as np
import torch
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from skemo._validation import check_images_y, check_size, is_path_list, iter_image_chunks

from ._backbones import BACKBONES, build_backbone
from ._base import (
    NeuralClassifierMixin,
    check_skorch_kwargs,
    embed_images,
    images_to_tensor,
    seeded,
    skorch_params_doc,
)
from ._modules import TransferHead, TransferModule


class TransferClassifier(NeuralClassifierMixin):
    """Transfer learning: pretrained conv base -> global pooling -> MLP head.

    The thesis's "VGG16 + TL": for ``backbone="vgg16"`` the convolutional
    base up to ``block5_conv3`` and its ReLU, global average pooling,
    Linear(512, hidden_units), a nonlinearity (sigmoid in the thesis) and
    Linear(hidden_units, n_classes), trained with cross-entropy. ImageNet
    normalization is applied inside the model, so it takes plain ``[0, 1]``
    or ``uint8`` images.

    With a frozen backbone (``trainable_layers=0``) ``fit`` runs the backbone
    once over the training images, in eval mode and batches, and trains the
    head on the cached embeddings: every epoch then costs only the head.
    ``predict`` runs backbone and head.

    With a frozen backbone, ``fit``, ``predict`` and ``predict_proba`` also
    take a 2-D float array ``(n_samples, embedding_dim_)`` of precomputed
    pooled embeddings, e.g. from :class:`BackboneEmbedding` with the same
    backbone, weights, pooling and image_size: the backbone pass is then
    skipped and only the head is trained or run. A model fitted on
    embeddings predicts on images too (backbone + head), with the same
    probabilities as on their embeddings.

    Parameters
    ----------
    backbone : str, default="vgg16"
        One of :func:`~skemo.models.list_backbones`.
    weights : "DEFAULT", None, str or path, default="DEFAULT"
        ``"DEFAULT"``: ImageNet weights (torchvision download and cache;
        offline for ``"efficientnet_lite0"``). None: random initialisation.
        A path: a state dict of the full network, loaded with
        ``torch.load(..., weights_only=True)``.
    trainable_layers : int, default=0
        0 freezes the whole backbone; ``k`` fine-tunes its last ``k`` blocks
        (conv blocks for VGG16, residual stages for ResNets, feature stages
        for EfficientNet and MobileNet).
    pooling : {"avg", "max"}, default="avg"
        Global pooling of the last feature maps.
    hidden_units : int or None, default=512
        Width of the hidden layer of the head; None gives a single linear
        layer (GAP + linear, where class activation maps are exact).
    activation : {"sigmoid", "relu", "tanh", "gelu"}, default="sigmoid"
        Nonlinearity of the head's hidden layer.
    image_size : None, int or (int, int), default=224
        Images are resized to this ``(height, width)``; None keeps their size.
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
        Number of channels of the backbone output (input of the head).
    net_ : skorch.NeuralNetClassifier
        The skorch net that trained the head (or the whole model when
        fine-tuning). ``module_`` is the full
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
        **NeuralClassifierMixin._parameter_constraints,
        "backbone": [StrOptions(set(BACKBONES))],
        "weights": [str, PathLike, None],
        "trainable_layers": [Interval(Integral, 0, None, closed="left")],
        "pooling": [StrOptions({"avg", "max"})],
        "hidden_units": [Interval(Integral, 1, None, closed="left"), None],
        "activation": [StrOptions({"sigmoid", "relu", "tanh", "gelu"})],
        "image_size": [None, Interval(Integral, 1, None, closed="left"), tuple, list],
    }

    def __init__(
        self,
        backbone="vgg16",
        weights="DEFAULT",
        trainable_layers=0,
        pooling="avg",
        hidden_units=512,
        activation="sigmoid",
        image_size=224,
        *,
        max_epochs=20,
        batch_size=32,
        lr=0.001,
        optimizer=torch.optim.Adam,
        callbacks=None,
        train_split=None,
        device="cpu",
        verbose=0,
        random_state=None,
        **kwargs,
    ):
        self.backbone = backbone
        self.weights = weights
        self.trainable_layers = trainable_layers
        self.pooling = pooling
        self.hidden_units = hidden_units
        self.activation = activation
        self.image_size = image_size
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.callbacks = callbacks
        self.train_split = train_split
        self.device = device
        self.verbose = verbose
        self.random_state = random_state
        self._skorch_kwargs = check_skorch_kwargs(kwargs, "TransferClassifier")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the head (and the unfrozen blocks) on images.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W, 3), list of paths, or \
                array-like of shape (n_samples, embedding_dim)
            ``uint8`` or ``[0, 1]`` float images, or image files. With
            ``trainable_layers=0`` also precomputed pooled embeddings, e.g.
            from :class:`BackboneEmbedding` with the same backbone, weights,
            pooling and image_size; only the head is trained on them.
        y : array-like of shape (n_samples,)
            Labels of any hashable type.

        Returns
        -------
        self : TransferClassifier
            The fitted classifier.
        """
        size = check_size(self.image_size, "image_size")
        frozen = self.trainable_layers == 0
        embeddings = None
        if _is_embedding_input(X):
            if not frozen:
                raise ValueError(self._embeddings_need_frozen(X))
            embeddings = check_array(X, dtype=np.float32)
        if frozen:
            y = column_or_1d(y, warn=True)
            n, what = (len(X), "images") if embeddings is None else (len(embeddings), "embeddings")
            if len(y) != n:
                raise ValueError(
                    f"X has {n} {what} but y has {len(y)} labels; they must have "
                    "the same length."
                )
        else:
            images, y = check_images_y(X, y, size=size)
        y_enc = self._encode_labels(y)
        with seeded(self.random_state, self.device) as seed:
            backbone = build_backbone(self.backbone, self.weights, self.verbose)
            n_blocks = len(backbone.blocks)
            if self.trainable_layers > n_blocks:
                raise ValueError(
                    f"trainable_layers must be in [0, {n_blocks}] for backbone "
                    f"{self.backbone!r}; got {self.trainable_layers}."
                )
            head = TransferHead(
                backbone.out_channels, len(self.classes_), self.hidden_units, self.activation
            )
            module = TransferModule(
                backbone, head, self.pooling, n_frozen=n_blocks - self.trainable_layers
            ).to(self.device)
            module.eval()
            self.embedding_dim_ = backbone.out_channels
            if embeddings is not None:
                embeddings = torch.from_numpy(self._check_embedding_dim(embeddings))
                self.image_size_ = size
            elif frozen:
                embeddings, self.image_size_ = embed_images(
                    module.embed, X, size, self.batch_size, self.device, self.verbose
                )
            if frozen:
                self.net_ = self._make_net(module.head, seed)
                self.net_.fit(embeddings, y_enc)
                # The net trained module.head in place; predict needs the whole model.
                self.net_.module_ = module
            else:
                self.image_size_ = tuple(int(s) for s in images.shape[1:3])
                Xt = images_to_tensor(images)
                del images
                self.net_ = self._make_net(module, seed)
                self.net_.fit(Xt, y_enc)
        self.module_.eval()
        return self

    def _embeddings_need_frozen(self, X):
        return (
            f"X of shape {np.shape(X)} looks like precomputed embeddings; they are "
            f"accepted only with trainable_layers=0 (a frozen backbone), but "
            f"trainable_layers={self.trainable_layers}. Pass images of shape "
            "(n_samples, H, W, 3) or a list of image files."
        )

    def _check_embedding_dim(self, embeddings):
        if embeddings.shape[1] != self.embedding_dim_:
            raise ValueError(
                f"X has {embeddings.shape[1]} features per sample, but backbone "
                f"{self.backbone!r} gives {self.embedding_dim_}-dimensional pooled "
                f"embeddings: pass images, or an (n_samples, {self.embedding_dim_}) array "
                "from BackboneEmbedding with the same backbone, weights, pooling and "
                "image_size."
            )
        return np.ascontiguousarray(embeddings)

    def _logits(self, X):
        check_is_fitted(self)
        if _is_embedding_input(X):
            if self.trainable_layers != 0:
                # The fine-tuned backbone no longer computes BackboneEmbedding's features.
                raise ValueError(self._embeddings_need_frozen(X))
            embeddings = self._check_embedding_dim(check_array(X, dtype=np.float32))
            head = self.module_.head
            was_training = head.training
            head.eval()
            try:
                with torch.no_grad():
                    out = [
                        head(torch.from_numpy(embeddings[i : i + self.batch_size]).to(self.device))
                        .float().cpu()
                        for i in range(0, len(embeddings), self.batch_size)
                    ]
            finally:
                head.train(was_training)
            return torch.cat(out).numpy()
        chunks = iter_image_chunks(X, chunk_size=self.batch_size, size=self.image_size_)
        return self._forward_batches(images_to_tensor(chunk) for _, chunk in chunks)


def _is_embedding_input(X):
    """True for a 2-D array-like (embeddings), False for images or paths."""
    if hasattr(X, "ndim") and hasattr(X, "shape"):
        return X.ndim == 2
    if isinstance(X, (list, tuple)) and len(X) > 0 and not is_path_list(X):
        # Only the first row is inspected, so a long list of images is not copied.
        return np.ndim(X[0]) == 1
    return False


TransferClassifier.__doc__ = TransferClassifier.__doc__ % {
    "skorch_params": skorch_params_doc(20, 32, 0.001)
}
