"""skemo: scikit-learn compatible tools that predict the emotion a painting evokes.

The public estimators are re-exported here and imported on first use, so that
``import skemo`` stays fast and does not load torch until a model is needed.

Examples
--------
>>> import skemo
>>> skemo.load_images.__module__
'skemo.io._load'
"""

import importlib

__version__ = "0.1.0.dev0"

_EXPORTS = {
    "skemo.io": ["ImageLoader", "load_images", "save_image_grid"],
    "skemo.model_file": ["load_model", "save_model"],
    "skemo.datasets": [
        "group_emotions",
        "load_artemis",
        "load_image_folder",
        "load_oasis",
        "load_ratings",
        "load_thesis_csv",
        "load_wikiart_emotions",
        "make_paintings",
    ],
    "skemo.augment": ["AugmentedClassifier", "FlipRotateAugmenter"],
    "skemo.features": [
        "extract_palette",
        "hard_soft_scale",
        "AffectiveFeatures",
        "BrightnessFeatures",
        "ColorPaletteFeatures",
        "PaintingFeatures",
        "TextureFeatures",
    ],
    "skemo.models": [
        "list_backbones",
        "BackboneEmbedding",
        "CVFC",
        "CVFCRegressor",
        "ShallNet",
        "TransferClassifier",
        "TransferRegressor",
        "make_fusion_classifier",
        "make_fusion_regressor",
    ],
    "skemo.gan": [
        "BasicGAN",
        "DCGAN",
        "DeconvGAN",
        "FastGAN",
        "GANAugmenter",
        "frechet_distance",
        "kernel_inception_distance",
    ],
    "skemo.inspection": ["class_activation_map", "plot_cam"],
    "skemo.evaluation": ["compare_models"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'skemo' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
