"""Class activation maps (CAM) and Grad-CAM for skemo's image classifiers.

Both methods read the last convolutional feature maps ``A`` of shape
``(n, C, h, w)`` and weight their channels for one class ``k``:

- ``"cam"`` (Zhou et al., 2016) uses the weights of the linear map from the
  pooled features to the logits, ``M_k = sum_c W[k, c] A_c``. It is exact for
  global average pooling followed by linear layers only;
- ``"gradcam"`` (Selvaraju et al., 2017) uses the spatial mean of the gradient
  of the class logit with respect to ``A``: ``M_k = sum_c mean(dy_k/dA_c) A_c``.

For global average pooling followed by one linear layer, the gradient is
``W[k, c] / (h w)`` at every position, so both maps are equal up to that
positive scale, and equal after normalisation.

The gradient is taken with respect to the feature maps themselves, which are
re-created as leaf tensors that require grad. It therefore works with a
frozen backbone (parameters with ``requires_grad=False``), where libraries
that differentiate through the parameters get no gradient.
"""

from numbers import Integral

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from skemo._validation import check_size
from skemo.io import check_images
from skemo._torch import forward_batches

__all__ = ["class_activation_map"]

_METHODS = ("cam", "gradcam")
_LINEAR_PASSTHROUGH = (nn.Linear, nn.Dropout, nn.Identity)


def _check_estimator(estimator):
    module = getattr(estimator, "module_", None)
    if module is None:
        raise ValueError(
            f"estimator must be a fitted skemo image classifier (ShallNet, "
            f"TransferClassifier) or another fitted estimator with a torch module_; "
            f"got {type(estimator).__name__} without module_. Call fit first."
        )
    if not hasattr(estimator, "classes_"):
        raise ValueError(f"estimator {type(estimator).__name__} has no classes_: fit it first.")
    return module


def _input_size(estimator, module):
    # The size predict resizes to: the module's, else the fitted or requested one.
    size = getattr(module, "image_size", None)
    for name in ("image_size_", "image_size"):
        if size is None:
            size = getattr(estimator, name, None)
    return check_size(tuple(size) if isinstance(size, list) else size, name="image_size")


def _target_indices(estimator, target, n):
    """Class indices (into ``classes_``) per image, or None for the prediction."""
    if target is None:
        return None
    classes = np.asarray(estimator.classes_)
    labels = np.asarray(target, dtype=object if classes.dtype == object else None)
    labels = np.full(n, labels.item(), dtype=object) if labels.ndim == 0 else labels
    if labels.shape != (n,):
        raise ValueError(
            f"target must be None, one label or {n} labels (one per image); got shape "
            f"{labels.shape}."
        )
    lookup = {label: i for i, label in enumerate(classes.tolist())}
    try:
        return np.array([lookup[label] for label in labels.tolist()], dtype=np.int64)
    except KeyError as exc:
        raise ValueError(
            f"target label {exc.args[0]!r} is not one of the estimator's classes_ "
            f"{classes.tolist()}."
        ) from None


def _compose_linear(layers):
    """Weight of a stack of Linear/Dropout/Identity layers, or None if nonlinear.

    Biases only shift the logit, not where the evidence lies, so they are dropped.
    """
    weight = None
    for layer in layers:
        if not isinstance(layer, _LINEAR_PASSTHROUGH):
            return None
        if isinstance(layer, nn.Linear):
            w = layer.weight.detach()
            weight = w if weight is None else w @ weight
    return weight


def _check_last_maps(module):
    """Refuse modules whose embedding reads more than the last maps of the image."""
    if getattr(module, "statistics", None) is None:
        return
    layers, tta = getattr(module, "layers", "last"), getattr(module, "tta", None)
    if layers != "last" or tta is not None:
        raise ValueError(
            "class activation maps explain the last feature maps of the image, but this "
            f"model's embedding also reads other blocks or the mirrored image "
            f"(layers={layers!r}, tta={tta!r}). Fit it with layers='last' and tta=None "
            "to explain it with method='cam' or 'gradcam'."
        )


def _cam_contributions(module, maps):
    """Per-position contribution of ``maps`` to every logit, ``(n, K, h', w')``.

    For global average pooling + linear layers (TransferClassifier with
    ``hidden_units=None``) this is Zhou's CAM. For ShallNet, whose head flattens
    max-pooled maps into one linear layer, the logit is still a sum over
    positions, and the same decomposition is exact on the pooled grid.
    """
    head = getattr(module, "head", None)
    statistics = getattr(module, "statistics", None)
    if statistics is not None:
        layers = list(getattr(head, "layers", [head]))
        weight = _compose_linear(layers)
        if weight is None or tuple(statistics) != ("mean",):
            nonlinear = [type(x).__name__ for x in layers if not isinstance(x, _LINEAR_PASSTHROUGH)]
            raise ValueError(
                "method='cam' needs global average pooling followed by linear layers only "
                f"(Zhou et al. 2016); this model has statistics={tuple(statistics)!r} and a "
                f"head with {nonlinear or 'no'} nonlinear layers. Use method='gradcam', or "
                "fit TransferClassifier(hidden_units=None, statistics=('mean',))."
            )
        return torch.einsum("kc,nchw->nkhw", weight, maps)
    if isinstance(head, nn.Sequential):
        children = list(head)
        flat = [i for i, layer in enumerate(children) if isinstance(layer, nn.Flatten)]
        weight = _compose_linear(children[flat[0] + 1:]) if flat else None
        if weight is not None:
            pooled = maps
            for layer in children[: flat[0]]:
                pooled = layer(pooled)
            if weight.shape[1] == pooled[0].numel():
                weight = weight.reshape(weight.shape[0], *pooled.shape[1:])
                return torch.einsum("kchw,nchw->nkhw", weight, pooled)
    raise ValueError(
        f"method='cam' cannot read a linear map from pooled features to logits in "
        f"{type(module).__name__}; use method='gradcam'."
    )


def _batch_maps(module, x, target, method):
    """Raw, non-negative maps of one batch at feature resolution, and the classes."""
    with torch.no_grad():
        maps = module.forward_features(x)
    if method == "cam":
        with torch.no_grad():
            logits = module.forward_head(maps)
            index = logits.argmax(1) if target is None else target
            contrib = _cam_contributions(module, maps)
            raw = contrib[torch.arange(len(x)), index]
    else:
        # A fresh leaf: gradients reach it even when every parameter before it
        # is frozen, and backpropagation stops here instead of crossing the backbone.
        maps = maps.detach().requires_grad_(True)
        with torch.enable_grad():
            logits = module.forward_head(maps)
            index = logits.argmax(1) if target is None else target
            score = logits.gather(1, index.view(-1, 1)).sum()
            (grads,) = torch.autograd.grad(score, maps)
        weights = grads.mean(dim=(2, 3), keepdim=True)
        raw = (weights * maps.detach()).sum(1)
    return F.relu(raw)


def _normalise(raw, size):
    """Upsample ``(n, h, w)`` maps bilinearly to ``size`` and scale each to max 1."""
    up = F.interpolate(raw[:, None].float(), size=size, mode="bilinear", align_corners=False)[:, 0]
    peak = up.flatten(1).amax(1).clamp_min(torch.finfo(up.dtype).tiny).view(-1, 1, 1)
    return (up / peak).clamp_(0.0, 1.0)


def class_activation_map(estimator, X, target=None, method="cam", *, batch_size=32):
    """Class activation maps of a fitted image classifier, at the input size.

    Parameters
    ----------
    estimator : ShallNet or TransferClassifier
        A fitted classifier whose ``module_`` has ``forward_features(x)``
        (last convolutional maps) and ``forward_head(maps)`` (logits).
    X : array-like of shape (n_samples, H, W, 3) or list of paths
        Images, as the classifier's ``predict`` takes them. They are resized
        to the size the classifier was fitted at, as ``predict`` does; the maps
        come back at the size of ``X``.
    target : label, array-like of shape (n_samples,) or None, default=None
        Class to explain, in the classifier's label space (one of
        ``classes_``), per image or for all. None explains the predicted class
        of each image.
    method : {"cam", "gradcam"}, default="cam"
        ``"cam"`` (Zhou et al., 2016) weights the maps with the linear head. It
        is exact only when the maps reach the logits through linear layers:
        a :class:`~skemo.models.TransferClassifier` with
        ``hidden_units=None`` and ``statistics=("mean",)``, or
        :class:`~skemo.models.ShallNet` (max-pool + linear: the per-position
        decomposition of the logit on the pooled grid, which is coarse). A
        head with a nonlinearity between pooling and logits (the default
        ``TransferClassifier``) raises a ValueError: use ``"gradcam"``
        (Selvaraju et al., 2017), which works for any differentiable head,
        with the backbone frozen or not. Both need an embedding of the last
        maps alone: ``layers="multi"`` or ``tta="flip"`` raise a ValueError.
    batch_size : int, default=32
        Images per forward pass.

    Returns
    -------
    maps : ndarray of shape (n_samples, H, W), float32
        Positive evidence for the class, upsampled bilinearly to the input
        size and scaled so that each map's maximum is 1 (all zeros when there
        is no positive evidence).

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.inspection import class_activation_map
    >>> from skemo.models import ShallNet
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(8, 32, 32, 3), dtype=np.uint8)
    >>> y = np.array(["calm", "tense"] * 4)
    >>> clf = ShallNet(max_epochs=1, random_state=0).fit(X, y)
    >>> maps = class_activation_map(clf, X[:2], target="calm", method="gradcam")
    >>> maps.shape, bool(maps.min() >= 0), bool(maps.max() <= 1)
    ((2, 32, 32), True, True)
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {list(_METHODS)}; got {method!r}.")
    if not isinstance(batch_size, Integral) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int; got {batch_size!r}.")
    module = _check_estimator(estimator)
    for name in ("forward_features", "forward_head"):
        if not callable(getattr(module, name, None)):
            raise ValueError(
                f"{type(estimator).__name__}.module_ has no {name}(): class activation "
                "maps need a module split into forward_features and forward_head."
            )
    _check_last_maps(module)
    images = check_images(X)
    n, height, width = images.shape[:3]
    size = _input_size(estimator, module)
    model_images = images if size is None else check_images(images, size=size)
    targets = _target_indices(estimator, target, n)
    param = next(module.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")

    def batches():
        for start in range(0, n, batch_size):
            chunk = model_images[start:start + batch_size]
            x = torch.from_numpy(np.ascontiguousarray(chunk.transpose(0, 3, 1, 2)))
            if targets is None:
                yield (x,)
            else:
                yield x, torch.from_numpy(targets[start:start + batch_size])

    def explain(x, t=None):
        return _normalise(_batch_maps(module, x, t, method), (height, width))

    return forward_batches(explain, batches(), device, module=module).numpy()
