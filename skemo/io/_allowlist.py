"""The allow-list: the only classes a ``.skemo`` model file may name.

:func:`skemo.io.load_model` looks every class name of a file up here, and
:func:`skemo.io.save_model` refuses an estimator built from any other class.
Extending skemo's model files to a new estimator means adding it here, and
nothing else as long as its fitted state is plain data, arrays and torch modules
(a module needs a ``_rebuild_modules()`` method; see :mod:`skemo.io._serialize`).
"""

import functools

import numpy as np


class FormatError(ValueError):
    """What is wrong with a model file or an estimator to save (the caller adds the file)."""


@functools.cache
def allowed_classes():
    """The allow-list: dotted name -> class, the only classes a model file may name."""
    import sklearn.dummy
    import sklearn.linear_model as lm
    import sklearn.model_selection as ms
    import sklearn.pipeline
    import sklearn.preprocessing as pre
    import torch
    from skorch.dataset import ValidSplit

    from skemo import augment, features, gan, models

    classes = {}
    for module, names in [
        (models, ["BackboneEmbedding", "CVFC", "CVFCRegressor", "ShallNet",
                  "TransferClassifier", "TransferRegressor"]),
        (features, ["AffectiveFeatures", "BrightnessFeatures", "ColorPaletteFeatures",
                    "PaintingFeatures", "TextureFeatures"]),
        (augment, ["AugmentedClassifier", "FlipRotateAugmenter"]),
        (gan, ["BasicGAN", "DCGAN", "DeconvGAN", "GANAugmenter"]),
        (sklearn.pipeline, ["Pipeline", "FeatureUnion"]),
        (pre, ["StandardScaler", "MinMaxScaler", "RobustScaler", "MaxAbsScaler",
               "LabelEncoder", "FunctionTransformer"]),
        (lm, ["LogisticRegression", "LogisticRegressionCV", "Ridge", "RidgeCV",
              "RidgeClassifier", "RidgeClassifierCV", "LinearRegression"]),
        (sklearn.dummy, ["DummyClassifier", "DummyRegressor"]),
        (ms, ["KFold", "StratifiedKFold", "ShuffleSplit", "StratifiedShuffleSplit",
              "LeaveOneOut"]),
        (torch.optim, ["Adam", "AdamW", "SGD", "RMSprop", "Adagrad", "Adamax", "NAdam"]),
    ]:
        prefix = "torch.optim" if module is torch.optim else module.__name__
        classes.update({f"{prefix}.{name}": getattr(module, name) for name in names})
    classes["skorch.dataset.ValidSplit"] = ValidSplit
    for dtype in ("float64", "float32", "int64", "int32", "bool_"):
        classes[f"numpy.{dtype}"] = getattr(np, dtype)
    return classes


def class_name(cls):
    """The allow-listed name of ``cls``, or None."""
    for name, allowed in allowed_classes().items():
        if allowed is cls:
            return name
    return None


def lookup(name):
    """The allow-listed class ``name``; a :class:`FormatError` for any other name."""
    cls = allowed_classes().get(name) if isinstance(name, str) else None
    if cls is None:
        raise FormatError(
            f"it names the class {name!r}, which is not on skemo's allow-list of classes a "
            f".skemo file may hold ({', '.join(sorted(allowed_classes()))})."
        )
    return cls
