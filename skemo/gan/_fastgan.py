"""FastGAN's generator and discriminator (Liu et al., ICLR 2021), at 64, 128 and 256 px.

"Towards faster and stabilized GAN training for high-fidelity few-shot image
synthesis" trains on 100 to 1,000 images, paintings among them, with two ideas:

- **skip-layer excitation** in the generator: a low-resolution feature map
  gates the channels of one 16 times larger (:class:`_Excitation`), a cheap
  skip connection across the whole upsampling path;
- a **self-supervised discriminator**: small decoders rebuild the (augmented)
  real image from the discriminator's 8x8 features, the whole image and a
  random quadrant, so that D must keep a description of the image instead of
  memorising a few cues. The reconstruction error is one more term of D's
  loss, computed by :meth:`FastGANDiscriminator.forward_reconstruct`.

The layers follow the paper's code at 256 px (channel multipliers per
resolution, GLU upsampling, residual down blocks, a second discriminator path
on a half-size copy, 5x5 patch logits from each path). Three things differ:
the reconstruction error is the mean squared error, not LPIPS (which needs
VGG weights); the half-size copy of a generated image is resized from it
rather than drawn by a second generator head; and the generator's noise
injection is left out, since its draws would come from outside the training's
seeded random streams. Both networks are initialised as DCGAN's
(:func:`~skemo.gan._dcgan.dcgan_init_`), as in the paper's code.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from ._dcgan import dcgan_init_
from ._modules import _check_int, _check_labels, _Discriminator, _Generator

__all__ = ["FastGANDiscriminator", "FastGANGenerator"]

_FASTGAN_SIZES = (64, 128, 256)
# Channels per resolution, in units of ngf / ndf, as in the paper's code.
_G_CHANNELS = {4: 16, 8: 8, 16: 4, 32: 2, 64: 2, 128: 1, 256: 0.5}
_D_CHANNELS = {8: 16, 16: 8, 32: 4, 64: 2, 128: 1, 256: 0.5, 512: 0.25}


def _up(c_in, c_out, double=False):
    """Nearest 2x upsampling, then one (two with ``double``) 3x3 conv + BN + GLU."""
    layers = [nn.Upsample(scale_factor=2, mode="nearest")]
    for c in ((c_in, c_out), (c_out, c_out))[: 2 if double else 1]:
        layers += [nn.Conv2d(c[0], 2 * c[1], 3, 1, 1, bias=False), nn.BatchNorm2d(2 * c[1]),
                   nn.GLU(dim=1)]
    return nn.Sequential(*layers)


def _down(c_in, c_out):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out),
                         nn.LeakyReLU(0.2))


class _Excitation(nn.Module):
    """Skip-layer excitation: ``big * sigmoid(f(pool4(small)))``, one gate per channel."""

    def __init__(self, c_small, c_big):
        super().__init__()
        self.gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(4), nn.Conv2d(c_small, c_big, 4, 1, 0, bias=False), nn.SiLU(),
            nn.Conv2d(c_big, c_big, 1, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, small, big):
        return big * self.gate(small)


class _DownComp(nn.Module):
    """The paper's residual down block: two convolutions, averaged with a pooled 1x1 path."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.main = nn.Sequential(
            _down(c_in, c_out), nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False),
            nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2))
        self.direct = nn.Sequential(
            nn.AvgPool2d(2, 2), nn.Conv2d(c_in, c_out, 1, 1, 0, bias=False),
            nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2))

    def forward(self, x):
        return (self.main(x) + self.direct(x)) / 2


class FastGANGenerator(_Generator):
    """FastGAN's generator: GLU upsampling with skip-layer excitation.

    ``z`` -> ConvTranspose(4x4) + BN + GLU to a 4x4 map, then one upsampling
    stage per doubling (two convolutions at 8, 32 and 128 px, one at 16, 64
    and 256), then a 3x3 convolution to RGB and tanh. The maps at 64, 128 and
    256 px are gated by those at 4, 8 and 16 px. Channels at each side ``r``
    are ``ngf`` times 16, 8, 4, 2, 2, 1, 0.5 for ``r`` = 4 ... 256.

    Parameters
    ----------
    latent_dim : int, default=100
        Size of the latent code ``z``.
    image_size : {64, 128, 256}, default=64
        Side of the square output images.
    n_classes : int, default=None
        Number of classes for conditional generation; None for unconditional.
    ngf : int, default=16
        Channel unit (the paper's code uses 64 on a GPU; 16 keeps a 64 px
        generator about as costly as DCGAN's).
    embed_dim : int, default=None
        Size of the label embedding joined to ``z``; None uses ``latent_dim``.

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._fastgan import FastGANGenerator
    >>> generator = FastGANGenerator(latent_dim=8, image_size=64, ngf=2)
    >>> generator(torch.randn(2, 8)).shape
    torch.Size([2, 3, 64, 64])
    """

    def __init__(self, latent_dim=100, image_size=64, n_classes=None, ngf=16, embed_dim=None):
        super().__init__(latent_dim, image_size, n_classes, embed_dim, _FASTGAN_SIZES)
        self.ngf = _check_int(ngf, "ngf", "FastGANGenerator")
        c = {side: max(1, int(self.ngf * m)) for side, m in _G_CHANNELS.items()}
        self.init = nn.Sequential(
            nn.ConvTranspose2d(self.input_dim, 2 * c[4], 4, 1, 0, bias=False),
            nn.BatchNorm2d(2 * c[4]), nn.GLU(dim=1))
        sides = [4 * 2**k for k in range(1, int(math.log2(self.image_size)) - 1)]
        self.stages = nn.ModuleList(_up(c[s // 2], c[s], double=s in (8, 32, 128)) for s in sides)
        self.excite = nn.ModuleDict({str(s): _Excitation(c[s // 16], c[s])
                                     for s in sides if s >= 64})
        self.to_rgb = nn.Conv2d(c[self.image_size], 3, 3, 1, 1, bias=False)
        dcgan_init_(self)

    def forward(self, z, y=None):
        x = self.init(self._join(z, y)[:, :, None, None])
        maps = {4: x}
        for stage in self.stages:
            x = stage(x)
            side = x.shape[-1]
            if str(side) in self.excite:
                x = self.excite[str(side)](maps[side // 16], x)
            maps[side] = x
        return torch.tanh(self.to_rgb(x))


class _Decoder(nn.Module):
    """Rebuilds an image of ``out_size`` from an 8x8 map: GLU upsampling, 3x3 conv, tanh."""

    def __init__(self, c_in, base, out_size):
        super().__init__()
        layers, c = [nn.AdaptiveAvgPool2d(8)], c_in
        for side in (16 * 2**k for k in range(int(math.log2(out_size // 8)))):
            c_out = max(1, int(base * _G_CHANNELS[side]))
            layers.append(_up(c, c_out))
            c = c_out
        layers += [nn.Conv2d(c, 3, 3, 1, 1, bias=False), nn.Tanh()]
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


class FastGANDiscriminator(_Discriminator):
    """FastGAN's self-supervised discriminator: two paths, patch logits, decoders.

    The big path is a 3x3 convolution at full size, then residual down blocks
    to 8x8, each map at side ``q`` gated by the one at ``8 q``
    (skip-layer excitation), then 1x1 conv + BN + LeakyReLU and a 4x4
    convolution to 5x5 logits. The small path sees the image at half size:
    strided convolutions to 8x8, then a 4x4 convolution to 5x5 logits.
    ``forward`` returns the 50 logits of an image, ``(b, 50)``, each one
    decision of the loss. Three decoders rebuild the input at half size from
    the two 8x8 maps and from a random quadrant of the big path's 16x16 map
    (:meth:`forward_reconstruct`).

    Parameters
    ----------
    image_size : {64, 128, 256}, default=64
        Side of the square input images.
    n_classes : int, default=None
        Number of classes of the projection (added to every logit, from
        the big path's pooled 8x8 map); None for unconditional.
    ndf : int, default=16
        Channel unit: the big path has ``ndf`` times 8 channels at 8 px, and
        half as many per doubling; the decoders ``ndf / 2`` as many.

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._fastgan import FastGANDiscriminator
    >>> discriminator = FastGANDiscriminator(image_size=64, ndf=2)
    >>> discriminator(torch.rand(2, 3, 64, 64)).shape
    torch.Size([2, 50])
    >>> logits, error = discriminator.forward_reconstruct(torch.rand(2, 3, 64, 64))
    >>> logits.shape, error.shape
    (torch.Size([2, 50]), torch.Size([]))
    """

    #: The engine adds :meth:`forward_reconstruct`'s error to D's loss on real images.
    reconstructs = True

    def __init__(self, image_size=64, n_classes=None, ndf=16):
        super().__init__(image_size, n_classes, _FASTGAN_SIZES)
        self.ndf = _check_int(ndf, "ndf", "FastGANDiscriminator")
        size = self.image_size
        # c[side]: the big path's channels at that side.
        c = {side: max(1, int(self.ndf * _D_CHANNELS[2 * side]))
             for side in (8, 16, 32, 64, 128, 256)}
        self.from_big = nn.Sequential(nn.Conv2d(3, c[size], 3, 1, 1, bias=False),
                                      nn.LeakyReLU(0.2))
        sides = [size // 2**k for k in range(1, int(math.log2(size // 8)) + 1)]  # ... 16, 8
        self.big = nn.ModuleList(_DownComp(c[2 * s], c[s]) for s in sides)
        self.excite = nn.ModuleDict({str(s): _Excitation(c[8 * s], c[s])
                                     for s in sides if 8 * s <= size})
        c8, c16 = c[8], int(self.ndf * _D_CHANNELS[8])
        self.logits_big = nn.Sequential(
            nn.Conv2d(c8, c16, 1, 1, 0, bias=False), nn.BatchNorm2d(c16), nn.LeakyReLU(0.2),
            nn.Conv2d(c16, 1, 4, 1, 0, bias=False))
        # The small path: channels at side q as the big path has at 2 q.
        small = [size // 2**k for k in range(2, int(math.log2(size // 8)) + 1)]  # size/4 ... 8
        layers = [nn.Conv2d(3, c[2 * small[0]], 4, 2, 1, bias=False), nn.LeakyReLU(0.2)]
        layers += [_down(c[4 * q], c[2 * q]) for q in small[1:]]
        self.small = nn.Sequential(*layers)
        self.logits_small = nn.Conv2d(c[16], 1, 4, 1, 0, bias=False)
        base = max(1, self.ndf // 2)
        self.decode_big = _Decoder(c8, base, size // 2)
        self.decode_small = _Decoder(c[16], base, size // 2)
        self.decode_part = _Decoder(c[16], base, size // 2)
        self._init_projection(c8)
        dcgan_init_(self)

    def _paths(self, x):
        h = self.from_big(x)
        maps = {h.shape[-1]: h}
        for block in self.big:
            h = block(h)
            side = h.shape[-1]
            if str(side) in self.excite:
                h = self.excite[str(side)](maps[8 * side], h)
            maps[side] = h
        half = F.interpolate(x, scale_factor=0.5, mode="bilinear", align_corners=False,
                             antialias=True)
        return maps, self.small(half)

    def _logits(self, maps, small, y):
        logits = torch.cat([self.logits_big(maps[8]).flatten(1),
                            self.logits_small(small).flatten(1)], dim=1)
        if self.embed is not None:
            h = maps[8].mean(dim=(2, 3))
            logits = logits + (self.embed(y) * h).sum(dim=1, keepdim=True)
        return logits

    def forward(self, x, y=None):
        _check_labels(self, y)
        return self._logits(*self._paths(x), y)

    def forward_features(self, x):
        """The big path's 8x8 map, pooled: ``(b, 8 ndf)``."""
        return self._paths(x)[0][8].mean(dim=(2, 3))

    def forward_reconstruct(self, x, y=None, generator=None):
        """Logits of ``x``, and the error of rebuilding it from D's features.

        Parameters
        ----------
        x : torch.Tensor of shape (b, 3, image_size, image_size)
            Real images, as D sees them (augmented).
        y : torch.Tensor or None, default=None
            Class indices, for a conditional discriminator.
        generator : torch.Generator or None, default=None
            Draws the quadrant (``randint(4, (1,))``, one for the batch); None
            uses the global RNG.

        Returns
        -------
        logits : torch.Tensor of shape (b, 50)
        error : torch.Tensor
            The sum of the three decoders' mean squared errors against ``x``
            (the whole image twice, one quadrant once) at half size.
        """
        _check_labels(self, y)
        maps, small = self._paths(x)
        half = self.image_size // 2
        target = F.interpolate(x, size=half, mode="bilinear", align_corners=False,
                               antialias=True)
        part = int(torch.randint(4, (1,), generator=generator, device=x.device))
        row, col = divmod(part, 2)
        feature = maps[16][:, :, 8 * row:8 * row + 8, 8 * col:8 * col + 8]
        quadrant = x[:, :, half * row:half * (row + 1), half * col:half * (col + 1)]
        error = (F.mse_loss(self.decode_big(maps[8]), target)
                 + F.mse_loss(self.decode_small(small), target)
                 + F.mse_loss(self.decode_part(feature), quadrant))
        return self._logits(maps, small, y), error
