"""Generators and discriminators of the skemo GANs: the common base and the thesis's.

Generators map ``z`` ``(b, latent_dim)`` to images ``(b, 3, image_size,
image_size)`` in [-1, 1] (tanh); discriminators map images to ``(b,)`` logits.
With ``n_classes`` set, ``forward`` also takes ``y``, a ``LongTensor`` of class
indices: the generator joins a label embedding (``embed``) to ``z``, and the
discriminator is a projection discriminator (Miyato & Koyama, 2018),
``logit = linear(h) + <embed(y), h>`` with ``h = forward_features(x)``.
A discriminator may instead give ``(b, k)`` logits, ``k`` patch decisions per
image (FastGAN's); the losses average over all of them.
This module holds the contract (``_Generator``, ``_Discriminator``) and the
thesis's two architectures (Annexes B and C); DCGAN's are in
:mod:`skemo.gan._dcgan`, FastGAN's in :mod:`skemo.gan._fastgan`, and
:data:`skemo.gan._architectures.ARCHITECTURES` maps each name to its
(generator, discriminator) pair.
"""

import math
import numbers

import torch
from torch import nn

from skemo.models import ShallNetModule

__all__ = ["BasicDiscriminator", "BasicGenerator", "DeconvDiscriminator", "DeconvGenerator"]

_DECONV_SIZES = (8, 16, 32, 64, 128)
_DECONV_CHANNELS = (64, 32, 16, 8)


def _check_int(value, name, owner, allowed=None):
    """``value`` as an int: one of ``allowed``, or any positive int when None."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not (ok and (value >= 1 if allowed is None else value in allowed)):
        what = "a positive int" if allowed is None else f"one of {', '.join(map(str, allowed))}"
        raise ValueError(f"{name} must be {what} for {owner}; got {value!r}.")
    return int(value)


def _check_labels(module, y):
    name = type(module).__name__
    if module.n_classes is None and y is not None:
        raise ValueError(f"{name} is unconditional (n_classes=None): pass no y.")
    if module.n_classes is not None and y is None:
        raise ValueError(f"{name} has n_classes={module.n_classes}: y is required.")


class _Generator(nn.Module):
    """Validates the common parameters; joins the label embedding to ``z``."""

    def __init__(self, latent_dim, image_size, n_classes, embed_dim, sizes=None):
        super().__init__()
        owner = type(self).__name__
        self.latent_dim = _check_int(latent_dim, "latent_dim", owner)
        self.image_size = _check_int(image_size, "image_size", owner, sizes)
        self.n_classes = None if n_classes is None else _check_int(n_classes, "n_classes", owner)
        self.embed, self.embed_dim = None, 0
        if self.n_classes is not None:
            embed_dim = self.latent_dim if embed_dim is None else embed_dim
            self.embed_dim = _check_int(embed_dim, "embed_dim", owner)
            # nn.Embedding's N(0, 1) init puts the label code on the scale of z.
            self.embed = nn.Embedding(self.n_classes, self.embed_dim)
        self.input_dim = self.latent_dim + self.embed_dim

    def _join(self, z, y):
        _check_labels(self, y)
        return z if self.embed is None else torch.cat([z, self.embed(y)], dim=1)


class _Discriminator(nn.Module):
    """Validates the common parameters; adds the projection to the logit.

    Subclasses define ``forward_features(x) -> h`` ``(b, d)`` and a ``linear``
    layer (d -> 1), then call :meth:`_init_projection` with ``d``.
    """

    def __init__(self, image_size, n_classes, sizes=None):
        super().__init__()
        owner = type(self).__name__
        self.image_size = _check_int(image_size, "image_size", owner, sizes)
        self.n_classes = None if n_classes is None else _check_int(n_classes, "n_classes", owner)

    def _init_projection(self, n_features):
        self.embed = None
        if self.n_classes is not None:
            self.embed = nn.Embedding(self.n_classes, n_features)
            # N(0, 1) would make <embed(y), h> swamp linear(h) at the start;
            # Miyato & Koyama initialise the projection with Xavier's scale.
            nn.init.xavier_uniform_(self.embed.weight)

    def forward(self, x, y=None):
        _check_labels(self, y)
        h = self.forward_features(x)
        logits = self.linear(h).squeeze(1)
        if self.embed is not None:
            logits = logits + (self.embed(y) * h).sum(dim=1)
        return logits


class BasicGenerator(_Generator):
    """The thesis's fully connected generator (its Annex B).

    Linear(z -> width) -> LeakyReLU -> Linear(width -> width) -> LeakyReLU ->
    Linear(width -> 3 * image_size ** 2) -> tanh, reshaped to
    ``(b, 3, image_size, image_size)``. LeakyReLU slopes are 0.2, TensorFlow's
    default, as in the thesis.

    Parameters
    ----------
    latent_dim : int, default=100
        Size of the latent code ``z``.
    image_size : int, default=64
        Side of the square output images; any positive int.
    n_classes : int, default=None
        Number of classes for conditional generation; None for unconditional.
    width : int, default=None
        Units of both hidden layers; None uses ``image_size``, as the thesis
        does (``units=basewidth``).
    embed_dim : int, default=None
        Size of the label embedding joined to ``z``; None uses ``latent_dim``.

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._modules import BasicGenerator
    >>> generator = BasicGenerator(latent_dim=8, image_size=16)
    >>> generator(torch.randn(2, 8)).shape
    torch.Size([2, 3, 16, 16])
    """

    def __init__(self, latent_dim=100, image_size=64, n_classes=None, width=None,
                 embed_dim=None):
        super().__init__(latent_dim, image_size, n_classes, embed_dim)
        side = self.image_size
        self.width = _check_int(side if width is None else width, "width", "BasicGenerator")
        self.layers = nn.Sequential(
            nn.Linear(self.input_dim, self.width), nn.LeakyReLU(0.2),
            nn.Linear(self.width, self.width), nn.LeakyReLU(0.2),
            nn.Linear(self.width, 3 * side * side), nn.Tanh(),
        )

    def forward(self, z, y=None):
        x = self.layers(self._join(z, y))
        return x.view(-1, 3, self.image_size, self.image_size)


class BasicDiscriminator(_Discriminator):
    """The thesis's fully connected discriminator (its Annex B).

    Flatten -> Linear(3 * image_size ** 2 -> width) -> LeakyReLU ->
    Linear(width -> width) -> LeakyReLU (``forward_features``) -> ``linear``
    (width -> 1 logit).

    Parameters
    ----------
    image_size : int, default=64
        Side of the square input images; any positive int.
    n_classes : int, default=None
        Number of classes of the projection; None for unconditional.
    width : int, default=None
        Units of both hidden layers; None uses ``image_size``.

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._modules import BasicDiscriminator
    >>> discriminator = BasicDiscriminator(image_size=16, n_classes=3)
    >>> discriminator(torch.rand(2, 3, 16, 16), torch.tensor([0, 2])).shape
    torch.Size([2])
    """

    def __init__(self, image_size=64, n_classes=None, width=None):
        super().__init__(image_size, n_classes)
        side = self.image_size
        self.width = _check_int(side if width is None else width, "width", "BasicDiscriminator")
        self.features = nn.Sequential(
            nn.Flatten(),
            nn.Linear(3 * side * side, self.width), nn.LeakyReLU(0.2),
            nn.Linear(self.width, self.width), nn.LeakyReLU(0.2),
        )
        self.linear = nn.Linear(self.width, 1)
        self._init_projection(self.width)

    def forward_features(self, x):
        """Penultimate features ``h``, ``(b, width)``."""
        return self.features(x)


class DeconvGenerator(_Generator):
    """The thesis's "GANDeconv-Conv" generator (its Annex C).

    Linear(z -> 4 * 4 * 128) -> BatchNorm -> ReLU, reshaped to ``(128, 4, 4)``,
    then ``k`` transposed convolutions (5x5, stride 2, TensorFlow ``"SAME"``
    padding: each doubles the side) with BatchNorm + ReLU between them, then
    tanh. ``image_size = 4 * 2 ** k``; the stages have the last ``k - 1`` of
    64, 32, 16, 8 channels, then 3: all five at the thesis's 128 px.

    Parameters
    ----------
    latent_dim : int, default=100
        Size of the latent code ``z``.
    image_size : {8, 16, 32, 64, 128}, default=64
        Side of the square output images.
    n_classes : int, default=None
        Number of classes for conditional generation; None for unconditional.
    output_batchnorm : bool, default=True
        Batch-normalise the last transposed convolution before tanh, as the
        thesis's code does. DCGAN's authors advise against a batch norm on
        the generator output: False drops it.
    embed_dim : int, default=None
        Size of the label embedding joined to ``z``; None uses ``latent_dim``.

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._modules import DeconvGenerator
    >>> generator = DeconvGenerator(latent_dim=8, image_size=32)
    >>> generator(torch.randn(2, 8)).shape
    torch.Size([2, 3, 32, 32])
    """

    def __init__(self, latent_dim=100, image_size=64, n_classes=None, output_batchnorm=True,
                 embed_dim=None):
        super().__init__(latent_dim, image_size, n_classes, embed_dim, _DECONV_SIZES)
        self.output_batchnorm = bool(output_batchnorm)
        n_stages = int(math.log2(self.image_size // 4))
        channels = [128, *_DECONV_CHANNELS[len(_DECONV_CHANNELS) - n_stages + 1:], 3]
        # The thesis batch-normalises the flat (b, 2048) vector, before the reshape.
        self.project = nn.Sequential(
            nn.Linear(self.input_dim, 128 * 4 * 4), nn.BatchNorm1d(128 * 4 * 4), nn.ReLU(),
            nn.Unflatten(1, (128, 4, 4)),
        )
        layers = []
        for c_in, c_out in zip(channels[:-1], channels[1:]):
            layers.append(nn.ConvTranspose2d(c_in, c_out, 5, 2, padding=2, output_padding=1))
            if c_out != 3:
                layers += [nn.BatchNorm2d(c_out), nn.ReLU()]
            elif self.output_batchnorm:
                layers.append(nn.BatchNorm2d(c_out))
        self.upsample = nn.Sequential(*layers, nn.Tanh())

    def forward(self, z, y=None):
        return self.upsample(self.project(self._join(z, y)))


class DeconvDiscriminator(_Discriminator):
    """The thesis's "GANDeconv-Conv" discriminator (its Annex C): ShallNet, one logit.

    A :class:`skemo.models.ShallNetModule` with one output, ``shallnet``:
    Conv(3 -> 8, 4x4) -> ReLU -> MaxPool(8) -> Conv(8 -> 16, 2x2) -> ReLU ->
    MaxPool(4) -> Flatten (``forward_features``) -> ``linear`` (its last
    layer), with TensorFlow ``"SAME"`` padding throughout.

    Parameters
    ----------
    image_size : {8, 16, 32, 64, 128}, default=64
        Side of the square input images (those :class:`DeconvGenerator` makes).
    n_classes : int, default=None
        Number of classes of the projection; None for unconditional.

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._modules import DeconvDiscriminator
    >>> discriminator = DeconvDiscriminator(image_size=32)
    >>> discriminator(torch.rand(2, 3, 32, 32)).shape
    torch.Size([2])
    """

    def __init__(self, image_size=64, n_classes=None):
        super().__init__(image_size, n_classes, _DECONV_SIZES)
        self.shallnet = ShallNetModule(n_classes=1, image_size=(self.image_size,) * 2)
        self._init_projection(self.linear.in_features)

    @property
    def linear(self):
        """ShallNet's last layer: features -> one logit."""
        return self.shallnet.head[-1]

    def forward_features(self, x):
        """Penultimate features ``h``: ShallNet's flattened, pooled maps."""
        return self.shallnet.head[:-1](self.shallnet.forward_features(x))
