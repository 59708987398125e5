"""Neural classifiers and regressors (skorch estimators), backbones and fusion pipelines.

Every classifier here takes any labels (strings included), exposes
``classes_`` and predicts in the original label space; every regressor takes
one rating or several (valence and arousal), standardises them inside ``fit``
and predicts in their original units. All take ``random_state``
and skorch's training parameters (``module__*``, ``optimizer__*``,
``callbacks__*``, ... included), continues training with ``partial_fit`` or
``warm_start=True``, and works with ``clone``, pickle, ``Pipeline`` and
``GridSearchCV``.

:class:`ShallNetModule`, the torch module behind :class:`ShallNet`, is public
too: the thesis's GAN discriminator (in :mod:`skemo.gan`) is the same network.
"""

from ._backbones import list_backbones
from ._cvfc import CVFC, CVFCRegressor
from ._embedding import BackboneEmbedding
from ._fusion import make_fusion_classifier, make_fusion_regressor
from ._modules import ShallNetModule
from ._shallnet import ShallNet
from ._transfer import TransferClassifier, TransferRegressor

__all__ = [
    "BackboneEmbedding",
    "CVFC",
    "CVFCRegressor",
    "ShallNet",
    "ShallNetModule",
    "TransferClassifier",
    "TransferRegressor",
    "list_backbones",
    "make_fusion_classifier",
    "make_fusion_regressor",
]
