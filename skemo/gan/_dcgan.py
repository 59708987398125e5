"""DCGAN's generator and discriminator (Radford et al. 2015)."""

import math

from torch import nn

from ._modules import _check_int, _Discriminator, _Generator

__all__ = ["DCGANDiscriminator", "DCGANGenerator", "dcgan_init_"]

_DCGAN_SIZES = (16, 32, 64, 128)


def dcgan_init_(module):
    """Initialise ``module``'s layers in place as Radford et al. (2015) do.

    (Transposed) convolution and linear weights are drawn from N(0, 0.02),
    batch-norm weights from N(1, 0.02), biases are zero; embeddings are left
    alone. Draws use torch's global generator: seed it to reproduce them.

    Parameters
    ----------
    module : torch.nn.Module
        Its sub-modules are initialised.

    Returns
    -------
    module : torch.nn.Module
        The same module.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from skemo.gan._dcgan import dcgan_init_
    >>> _ = torch.manual_seed(0)
    >>> layer = dcgan_init_(nn.Conv2d(64, 64, 4))
    >>> round(layer.weight.std().item(), 2)
    0.02
    """
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(layer.weight, 0.0, 0.02)
        elif isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(layer.weight, 1.0, 0.02)
        else:
            continue
        if layer.bias is not None:
            nn.init.zeros_(layer.bias)
    return module


class DCGANGenerator(_Generator):
    """The DCGAN generator of Radford et al. (2015).

    ``z`` as a ``(b, latent_dim, 1, 1)`` map -> ConvTranspose(4x4, stride 1, no
    padding) to a 4x4 map, then 4x4 stride-2 transposed convolutions halving
    the channels down to ``ngf``, all followed by BatchNorm + ReLU, and a last
    ConvTranspose(ngf -> 3, 4x4, stride 2) -> tanh, without batch norm. At
    64 px that is 512, 256, 128, 64, 3 channels with the default ``ngf``.
    Weights follow :func:`dcgan_init_`.

    Parameters
    ----------
    latent_dim : int, default=100
        Size of the latent code ``z``.
    image_size : {16, 32, 64, 128}, default=64
        Side of the square output images.
    n_classes : int, default=None
        Number of classes for conditional generation; None for unconditional.
    ngf : int, default=64
        Channels of the last hidden stage; each earlier stage doubles them.
    embed_dim : int, default=None
        Size of the label embedding joined to ``z``; None uses ``latent_dim``.

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._dcgan import DCGANGenerator
    >>> generator = DCGANGenerator(latent_dim=8, image_size=32, ngf=4)
    >>> generator(torch.randn(2, 8)).shape
    torch.Size([2, 3, 32, 32])
    """

    def __init__(self, latent_dim=100, image_size=64, n_classes=None, ngf=64, embed_dim=None):
        super().__init__(latent_dim, image_size, n_classes, embed_dim, _DCGAN_SIZES)
        self.ngf = _check_int(ngf, "ngf", "DCGANGenerator")
        n_up = int(math.log2(self.image_size)) - 2
        channels = [self.ngf * 2 ** i for i in reversed(range(n_up))]
        layers = [nn.ConvTranspose2d(self.input_dim, channels[0], 4, 1, 0, bias=False),
                  nn.BatchNorm2d(channels[0]), nn.ReLU()]
        for c_in, c_out in zip(channels[:-1], channels[1:]):
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(c_out), nn.ReLU()]
        layers += [nn.ConvTranspose2d(self.ngf, 3, 4, 2, 1, bias=False), nn.Tanh()]
        self.layers = nn.Sequential(*layers)
        dcgan_init_(self)

    def forward(self, z, y=None):
        return self.layers(self._join(z, y)[:, :, None, None])


class DCGANDiscriminator(_Discriminator):
    """The DCGAN discriminator of Radford et al. (2015).

    Conv(3 -> ndf, 4x4, stride 2) -> LeakyReLU(0.2), without batch norm, then
    4x4 stride-2 convolutions doubling the channels down to a 4x4 map, each
    followed by BatchNorm + LeakyReLU(0.2), flattened (``forward_features``).
    DCGAN's last Conv(C -> 1, 4x4, stride 1, no padding) covers the whole 4x4
    map: it is written as the equivalent ``linear`` layer on the flattened map,
    which the projection needs. Weights follow :func:`dcgan_init_`.

    Parameters
    ----------
    image_size : {16, 32, 64, 128}, default=64
        Side of the square input images.
    n_classes : int, default=None
        Number of classes of the projection; None for unconditional.
    ndf : int, default=64
        Channels of the first convolution; each later one doubles them.

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._dcgan import DCGANDiscriminator
    >>> discriminator = DCGANDiscriminator(image_size=32, ndf=4)
    >>> discriminator(torch.rand(2, 3, 32, 32)).shape
    torch.Size([2])
    """

    def __init__(self, image_size=64, n_classes=None, ndf=64):
        super().__init__(image_size, n_classes, _DCGAN_SIZES)
        self.ndf = _check_int(ndf, "ndf", "DCGANDiscriminator")
        n_down = int(math.log2(self.image_size)) - 2
        channels = [self.ndf * 2 ** i for i in range(n_down)]
        layers = [nn.Conv2d(3, self.ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2)]
        for c_in, c_out in zip(channels[:-1], channels[1:]):
            layers += [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2)]
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.linear = nn.Linear(channels[-1] * 4 * 4, 1, bias=False)
        self._init_projection(channels[-1] * 4 * 4)
        dcgan_init_(self)

    def forward_features(self, x):
        """Penultimate features ``h``: the flattened 4x4 map, ``(b, 16 * C)``."""
        return self.features(x)

