"""Neural classifiers (skorch estimators), backbones and fusion pipelines.

Every classifier here takes any labels (strings included), exposes
``classes_``, predicts in the original label space, takes ``random_state``
and skorch's training parameters (``module__*``, ``optimizer__*``,
``callbacks__*``, ... included), continues training with ``partial_fit`` or
``warm_start=True``, and works with ``clone``, pickle, ``Pipeline`` and
``GridSearchCV``.

:class:`ShallNetModule`, the torch module behind :class:`ShallNet`, is public
too: the thesis's GAN discriminator (in :mod:`skemo.gan`) is the same network.
"""

from ._backbones import list_backbones
from ._cvfc import CVFC
from ._embedding import BackboneEmbedding
from ._fusion import make_fusion_classifier
from ._modules import ShallNetModule
from ._shallnet import ShallNet
from ._transfer import TransferClassifier

__all__ = [
    "BackboneEmbedding",
    "CVFC",
    "ShallNet",
    "ShallNetModule",
    "TransferClassifier",
    "list_backbones",
    "make_fusion_classifier",
]
