"""Generative adversarial networks as scikit-learn estimators, on skorch.

The thesis wanted GAN-made paintings as extra training data. This subpackage has
its three GANs (:class:`BasicGAN`, Annex B; :class:`DeconvGAN`, Annex C;
:class:`DCGAN`, Radford et al. 2015) and :class:`FastGAN` (Liu et al. 2021) for
a hundred images, every loss of its Table 1 plus hinge, DiffAugment for small
data and stabilisers every architecture shares (a weight average of the
generator, R1, spectral normalisation, adaptive augmentation), conditional
generation, sample-quality metrics that work offline
(:func:`kernel_inception_distance`, :func:`frechet_distance`), callbacks to
watch training (:class:`SampleSheet`, :class:`EpochProgressBar`), and
:class:`GANAugmenter`, an imbalanced-learn over-sampler that adds generated
images to the training part of each split.

``LOSSES`` maps each ``loss=`` name to its value function, gradient penalty,
weight clipping and whether one-sided label smoothing applies.

Examples
--------
>>> from skemo.gan import LOSSES
>>> sorted(LOSSES)
['dragan', 'hinge', 'lsgan', 'minimax', 'non-saturating', 'wgan', 'wgan-gp']
>>> LOSSES["wgan"].clip
0.01
"""

from ._augmenter import GANAugmenter
from ._callbacks import EpochProgressBar, SampleSheet
from ._diffaugment import diff_augment
from ._gans import DCGAN, BasicGAN, DeconvGAN, FastGAN
from ._losses import LOSSES
from ._metrics import frechet_distance, kernel_inception_distance

__all__ = [
    "BasicGAN",
    "DCGAN",
    "DeconvGAN",
    "EpochProgressBar",
    "FastGAN",
    "GANAugmenter",
    "SampleSheet",
    "LOSSES",
    "diff_augment",
    "frechet_distance",
    "kernel_inception_distance",
]
