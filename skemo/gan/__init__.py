"""Generative adversarial networks as scikit-learn estimators, on skorch.

The thesis wanted GAN-made paintings as extra training data. This subpackage has
its three GANs (:class:`BasicGAN`, Annex B; :class:`DeconvGAN`, Annex C;
:class:`DCGAN`, Radford et al. 2015), every loss of its Table 1 plus hinge,
DiffAugment for small data, conditional generation, sample-quality metrics that
work offline (:func:`kernel_inception_distance`, :func:`frechet_distance`), and
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
from ._diffaugment import diff_augment
from ._estimators import DCGAN, BasicGAN, DeconvGAN
from ._losses import LOSSES
from ._metrics import frechet_distance, kernel_inception_distance

__all__ = [
    "BasicGAN",
    "DCGAN",
    "DeconvGAN",
    "GANAugmenter",
    "LOSSES",
    "diff_augment",
    "frechet_distance",
    "kernel_inception_distance",
]
