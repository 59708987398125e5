"""The allow-list: the only classes a ``.skemo`` model file may name, by kind.

A file may name three kinds of class, each only where that kind belongs:

- ``"estimator"``: skemo's estimators and the scikit-learn ones skemo builds
  (pipelines, scalers, linear and dummy models), rebuilt from their
  parameters and the fitted state their schema declares
  (:mod:`skemo.model_file._schema`);
- ``"object"``: cross-validation splitters, as the ``cv`` or ``train_split``
  parameter;
- ``"optimizer"``: torch optimizers, as the ``optimizer`` parameter.

Extending model files to a new estimator means adding it here and giving it a
schema; :func:`skemo.model_file.save_model` refuses any class outside the list.
"""

import functools


class FormatError(ValueError):
    """What is wrong with a model file or an estimator to save (the caller adds the file)."""


@functools.cache
def allowed_classes():
    """The allow-list: dotted name -> ``(kind, class)``."""
    import sklearn.dummy
    import sklearn.linear_model as lm
    import sklearn.model_selection as ms
    import sklearn.pipeline
    import sklearn.preprocessing as pre
    import torch
    from skorch.dataset import ValidSplit

    from skemo import augment, features, gan, models

    classes = {}
    for kind, module, names in [
        ("estimator", models, ["BackboneEmbedding", "CVFC", "CVFCRegressor", "ShallNet",
                               "TransferClassifier", "TransferRegressor"]),
        ("estimator", features, ["AffectiveFeatures", "BrightnessFeatures",
                                 "ColorPaletteFeatures", "PaintingFeatures", "TextureFeatures"]),
        ("estimator", augment, ["AugmentedClassifier", "FlipRotateAugmenter"]),
        ("estimator", gan, ["BasicGAN", "DCGAN", "DeconvGAN", "FastGAN", "GANAugmenter"]),
        ("estimator", sklearn.pipeline, ["Pipeline", "FeatureUnion"]),
        ("estimator", pre, ["StandardScaler", "MinMaxScaler", "RobustScaler", "MaxAbsScaler",
                            "LabelEncoder", "FunctionTransformer"]),
        ("estimator", lm, ["LogisticRegression", "LogisticRegressionCV", "Ridge", "RidgeCV",
                           "LinearRegression"]),
        ("estimator", sklearn.dummy, ["DummyClassifier", "DummyRegressor"]),
        ("object", ms, ["KFold", "StratifiedKFold", "ShuffleSplit", "StratifiedShuffleSplit",
                        "LeaveOneOut"]),
        ("optimizer", torch.optim, ["Adam", "AdamW", "SGD", "RMSprop", "Adagrad", "Adamax",
                                    "NAdam"]),
    ]:
        prefix = "torch.optim" if module is torch.optim else module.__name__
        classes.update({f"{prefix}.{name}": (kind, getattr(module, name)) for name in names})
    classes["skorch.dataset.ValidSplit"] = ("object", ValidSplit)
    return classes


def class_name(cls):
    """The allow-listed name of ``cls``, or None."""
    for name, (_, allowed) in allowed_classes().items():
        if allowed is cls:
            return name
    return None


def lookup(name, kind):
    """The allow-listed class ``name`` of ``kind``; a :class:`FormatError` for any other."""
    kind_and_class = allowed_classes().get(name) if isinstance(name, str) else None
    if kind_and_class is None:
        raise FormatError(
            f"it names the class {name!r}, which is not on skemo's allow-list of classes a "
            f".skemo file may hold ({', '.join(sorted(allowed_classes()))})."
        )
    if kind_and_class[0] != kind:
        raise FormatError(
            f"it names the class {name!r} where {_KINDS[kind]} belongs; {name} is "
            f"{_KINDS[kind_and_class[0]]}."
        )
    return kind_and_class[1]


_KINDS = {"estimator": "an estimator", "object": "a cross-validation splitter",
          "optimizer": "a torch optimizer class"}
