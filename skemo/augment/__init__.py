"""Samplers that add training images, and a meta-classifier that uses them.

Samplers implement ``fit_resample(X, y)`` (the imbalanced-learn convention), so
they work in an :class:`imblearn.pipeline.Pipeline`;
:class:`AugmentedClassifier` brings any such sampler into a plain sklearn
``Pipeline`` or ``GridSearchCV``. Only training data is ever augmented.
"""

from ._augmented import AugmentedClassifier
from ._flip_rotate import FlipRotateAugmenter

__all__ = ["AugmentedClassifier", "FlipRotateAugmenter"]
