"""The architecture registry: each GAN's name -> its (generator, discriminator) classes."""

from ._dcgan import DCGANDiscriminator, DCGANGenerator
from ._fastgan import FastGANDiscriminator, FastGANGenerator
from ._modules import BasicDiscriminator, BasicGenerator, DeconvDiscriminator, DeconvGenerator

__all__ = ["ARCHITECTURES"]

ARCHITECTURES = {
    "basic": (BasicGenerator, BasicDiscriminator),
    "deconv": (DeconvGenerator, DeconvDiscriminator),
    "dcgan": (DCGANGenerator, DCGANDiscriminator),
    "fastgan": (FastGANGenerator, FastGANDiscriminator),
}
