"""Torch modules behind the skemo classifiers.

Every module takes ``float32`` tensors and returns class **logits** (or, for
:class:`TransferModule` in a regressor, ``n_outputs`` targets); classifiers
pair them with :class:`torch.nn.CrossEntropyLoss` and apply the softmax in
``predict_proba``. Image modules take ``(n, 3, H, W)`` tensors with
values in [0, 1].

Modules that feed class activation maps expose the same two-step API:
``forward_features(x)`` returns the last convolutional feature maps
``(n, C, h, w)`` and ``forward_head(maps)`` turns them into logits, so that
``forward(x) == forward_head(forward_features(x))`` (for :class:`TransferModule`
only when its embedding reads the last maps alone: ``layers="last"``, no tta).

Backbone embeddings are built in one place, :func:`skemo.models._pooling.embed_stages`.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from ._pooling import check_embedding_params, embed_stages, embedding_layout, pool_statistics

__all__ = [
    "BackboneFeatures",
    "CVFCModule",
    "SameConv2d",
    "SameMaxPool2d",
    "ShallNetModule",
    "TransferHead",
    "TransferModule",
]


def same_padding(size, kernel_size, stride):
    """Return Keras/TensorFlow ``"same"`` padding ``(before, after)`` for one axis.

    The output has ``ceil(size / stride)`` positions; the odd pixel of an
    uneven padding goes *after*, as TensorFlow does.

    Examples
    --------
    >>> from skemo.models._modules import same_padding
    >>> same_padding(32, 4, 1), same_padding(30, 8, 8), same_padding(32, 8, 8)
    ((1, 2), (1, 1), (0, 0))
    """
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel_size - size, 0)
    return total // 2, total - total // 2


def _pad_same(x, kernel_size, stride, value=0.0):
    (top, bottom) = same_padding(x.shape[-2], kernel_size[0], stride[0])
    (left, right) = same_padding(x.shape[-1], kernel_size[1], stride[1])
    if top or bottom or left or right:
        x = F.pad(x, (left, right, top, bottom), value=value)
    return x


class SameConv2d(nn.Conv2d):
    """:class:`torch.nn.Conv2d` with Keras ``padding="same"`` semantics.

    Unlike ``nn.Conv2d(padding="same")`` it also handles even kernels the way
    Keras does (extra pixel after) and strides above 1.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, bias=True):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, bias=bias)

    def forward(self, x):
        return super().forward(_pad_same(x, self.kernel_size, self.stride))


class SameMaxPool2d(nn.Module):
    """Max pooling with Keras ``padding="same"``: output is ``ceil(size / stride)``.

    Padded cells hold ``-inf`` so they never win the max, as in TensorFlow.
    """

    def __init__(self, kernel_size, stride=None):
        super().__init__()
        self.kernel_size = (kernel_size, kernel_size)
        stride = kernel_size if stride is None else stride
        self.stride = (stride, stride)

    def forward(self, x):
        x = _pad_same(x, self.kernel_size, self.stride, value=-math.inf)
        return F.max_pool2d(x, self.kernel_size, self.stride)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding=same"


def _dropout(p):
    """``[nn.Dropout(p)]`` for ``p > 0``, else nothing: layer indices stay as without it."""
    return [nn.Dropout(p)] if p else []


class CVFCModule(nn.Module):
    """Tabular features -> Linear -> ReLU -> (Dropout) -> Linear(n_outputs).

    The outputs are class logits (CVFC) or standardised ratings
    (CVFCRegressor). ``dropout`` is the probability of zeroing a hidden unit
    in training.
    """

    def __init__(self, n_features, hidden_units, n_outputs, dropout=0.0):
        super().__init__()
        self.hidden = nn.Linear(n_features, hidden_units)
        self.activation = nn.ReLU()
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden_units, n_outputs)

    def forward(self, x):
        return self.output(self.dropout(self.activation(self.hidden(x))))


def shallnet_flat_size(image_size):
    """Return the number of values ShallNet flattens for a ``(H, W)`` input.

    Examples
    --------
    >>> from skemo.models._modules import shallnet_flat_size
    >>> shallnet_flat_size((32, 32)), shallnet_flat_size((64, 100))
    (16, 128)
    """
    h, w = image_size
    return 16 * math.ceil(math.ceil(h / 8) / 4) * math.ceil(math.ceil(w / 8) / 4)


class ShallNetModule(nn.Module):
    """The thesis's shallow CNN, with Keras ``"same"`` padding everywhere.

    ``features``: Conv(3->8, 4x4) -> ReLU -> MaxPool(8) -> Conv(8->16, 2x2) ->
    ReLU; ``head``: MaxPool(4) -> Flatten -> (Dropout(dropout)) -> Linear(n_classes).
    The same stack with one output is the thesis's GAN discriminator
    (``skemo.gan``'s ``DeconvDiscriminator`` wraps this module).

    Parameters
    ----------
    n_classes : int
        Number of logits per image.
    image_size : (int, int)
        Input height and width; they fix the size of the last linear layer.
    dropout : float, default=0.0
        Probability of zeroing an input of the last linear layer in training.

    Examples
    --------
    >>> import torch
    >>> from skemo.models import ShallNetModule
    >>> module = ShallNetModule(n_classes=3, image_size=(32, 32))
    >>> module(torch.rand(2, 3, 32, 32)).shape
    torch.Size([2, 3])
    >>> module.forward_features(torch.rand(2, 3, 32, 32)).shape
    torch.Size([2, 16, 4, 4])
    """

    def __init__(self, n_classes, image_size, dropout=0.0):
        super().__init__()
        self.image_size = tuple(image_size)
        self.features = nn.Sequential(
            SameConv2d(3, 8, 4),
            nn.ReLU(),
            SameMaxPool2d(8, 8),
            SameConv2d(8, 16, 2),
            nn.ReLU(),
        )
        self.head = nn.Sequential(
            SameMaxPool2d(4, 4),
            nn.Flatten(),
            *_dropout(dropout),
            nn.Linear(shallnet_flat_size(self.image_size), n_classes),
        )

    def forward_features(self, x):
        """Last convolutional feature maps (after ReLU), ``(n, 16, h, w)``."""
        return self.features(x)

    def forward_head(self, maps):
        """Logits from the maps returned by :meth:`forward_features`."""
        return self.head(maps)

    def forward(self, x):
        return self.forward_head(self.forward_features(x))


class BackboneFeatures(nn.Module):
    """A pretrained convolutional base, run as a sequence of ``blocks``.

    ``channels[i]`` is the number of channels ``blocks[i]`` outputs.
    ``trainable_layers=k`` in :class:`~skemo.models.TransferClassifier`
    unfreezes the last ``k`` entries of ``blocks``.
    """

    def __init__(self, name, blocks, channels, mean, std):
        super().__init__()
        self.name = name
        self.blocks = nn.ModuleList(blocks)
        self.channels = tuple(int(c) for c in channels)
        self.out_channels = self.channels[-1]
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1))

    def stages(self, x, blocks=None):
        """Normalize ``[0, 1]`` images and return the maps every block outputs.

        ``blocks`` (indices into :attr:`blocks`) keeps only those outputs, so
        the others are freed as the pass goes; the list runs shallow to deep.
        """
        keep = set(range(len(self.blocks)) if blocks is None else blocks)
        x = (x - self.mean) / self.std
        out = []
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i in keep:
                out.append(x)
        return out

    def forward(self, x):
        """Normalize ``[0, 1]`` images and return the last conv feature maps."""
        return self.stages(x, [len(self.blocks) - 1])[0]


_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU}


class TransferHead(nn.Module):
    """Linear(d, hidden) -> activation -> (Dropout) -> Linear(hidden, n_outputs).

    ``hidden_units=None`` gives a single linear layer (GAP + linear, the
    setting in which CAM is exact). ``dropout`` is the probability of zeroing
    an input of the last linear layer in training.
    """

    def __init__(self, in_features, n_outputs, hidden_units=512, activation="sigmoid",
                 dropout=0.0):
        super().__init__()
        if hidden_units is None:
            self.layers = nn.Sequential(*_dropout(dropout), nn.Linear(in_features, n_outputs))
        else:
            self.layers = nn.Sequential(
                nn.Linear(in_features, hidden_units),
                _ACTIVATIONS[activation](),
                *_dropout(dropout),
                nn.Linear(hidden_units, n_outputs),
            )

    def forward(self, embedding):
        return self.layers(embedding)


class TransferModule(nn.Module):
    """``backbone`` (with ImageNet normalization) -> pooled statistics -> ``head``.

    ``backbone`` is a :func:`~skemo.models.list_backbones` name, built with
    ``weights`` (``verbose`` shows the download), or a
    :class:`BackboneFeatures`. The embedding is
    :func:`~skemo.models._pooling.embed_stages` with
    ``layers``, ``statistics`` and ``tta`` (the flip average applies in
    training too: the model is the mirror-averaged one); its size is
    :attr:`embedding_dim`. The head is a :class:`TransferHead` with
    ``n_outputs`` outputs (logits, or regression targets), ``hidden_units``,
    ``activation`` and ``dropout``.

    ``forward`` takes images ``(n, 3, H, W)``, or embeddings ``(n,
    embedding_dim)`` (what :meth:`embed` returns), which go to the head alone:
    one module trains on cached embeddings and predicts on images.

    All but the last ``trainable_layers`` backbone blocks are frozen: they
    have ``requires_grad=False`` and stay in eval mode even in ``train()``,
    so their batch-norm statistics do not drift while the rest is trained.

    Examples
    --------
    >>> import torch
    >>> from skemo.models._modules import TransferModule
    >>> module = TransferModule("resnet18", 3, weights=None, layers="multi",
    ...                         statistics=("mean", "std"), tta="flip")
    >>> module.embedding_dim, module(torch.rand(2, 3, 32, 32)).shape
    (1920, torch.Size([2, 3]))
    """

    def __init__(self, backbone, n_outputs, weights="DEFAULT", hidden_units=512,
                 activation="sigmoid", layers="last", statistics=("mean",), tta=None,
                 trainable_layers=0, dropout=0.0, verbose=0):
        super().__init__()
        self.statistics = check_embedding_params(layers, statistics, tta)
        self.layers, self.tta = layers, tta
        if isinstance(backbone, str):
            # Imported here: the registry builds on this module's BackboneFeatures.
            from ._backbones import build_backbone

            backbone = build_backbone(backbone, weights, verbose)
        n_blocks = len(backbone.blocks)
        if not 0 <= trainable_layers <= n_blocks:
            raise ValueError(
                f"trainable_layers must be in [0, {n_blocks}] for backbone "
                f"{backbone.name!r}; got {trainable_layers}."
            )
        self.backbone = backbone
        layout = embedding_layout(backbone.channels, layers, self.statistics)
        self.embedding_dim = sum(n for _, _, n in layout)
        self.head = TransferHead(self.embedding_dim, n_outputs, hidden_units, activation, dropout)
        self.n_frozen = n_blocks - int(trainable_layers)
        for i, block in enumerate(self.backbone.blocks):
            block.requires_grad_(i >= self.n_frozen)

    def train(self, mode=True):
        super().train(mode)
        for block in list(self.backbone.blocks)[: self.n_frozen]:
            block.eval()
        return self

    def forward_features(self, x):
        """Last convolutional feature maps of the backbone, ``(n, C, h, w)``."""
        return self.backbone(x)

    def embed(self, x):
        """The embedding the head sees, ``(n, embedding_dim)``."""
        return embed_stages(self.backbone, x, self.layers, self.statistics, self.tta)

    def forward_head(self, maps):
        """Outputs from the maps of :meth:`forward_features` (``layers="last"``, no tta)."""
        if self.layers != "last" or self.tta is not None:
            raise ValueError(
                "forward_head rebuilds the embedding from the last feature maps alone, "
                f"which needs layers='last' and tta=None; this module has "
                f"layers={self.layers!r}, tta={self.tta!r}. Use forward(x) or embed(x)."
            )
        return self.head(pool_statistics(maps, self.statistics))

    def forward(self, x):
        if x.ndim == 2:
            return self.head(x)
        return self.head(self.embed(x))
