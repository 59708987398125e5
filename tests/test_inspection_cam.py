"""Class activation maps: CAM vs Grad-CAM oracle, frozen backbones, hooks, plots."""

import gc
import os
import tracemalloc

import numpy as np
import pytest
import torch
from torch import nn

from skemo.inspection import class_activation_map, plot_cam
from skemo.inspection._cam import _cam_contributions
from skemo.models import ShallNet, TransferClassifier


class _GapModule(nn.Module):
    """Conv features -> GAP -> head.layers, shaped like skemo's TransferModule."""

    def __init__(self, n_classes=3, hidden=None, frozen=False, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 5, 3, stride=2, padding=1),
            nn.ReLU(),
        )
        self.backbone.requires_grad_(not frozen)
        self.layers, self.statistics, self.tta = "last", ("mean",), None
        self.head = nn.Module()
        if hidden is None:
            self.head.layers = nn.Sequential(nn.Linear(5, n_classes))
        else:
            self.head.layers = nn.Sequential(
                nn.Linear(5, hidden), nn.Sigmoid(), nn.Linear(hidden, n_classes)
            )

    def forward_features(self, x):
        return self.backbone(x)

    def forward_head(self, maps):
        return self.head.layers(maps.mean(dim=(2, 3)))

    def forward(self, x):
        return self.forward_head(self.forward_features(x))


class _Fitted:
    """The two attributes class_activation_map reads from a fitted classifier."""

    def __init__(self, module, classes, image_size=None):
        self.module_ = module
        self.classes_ = np.asarray(classes)
        self.image_size_ = image_size


def _all_hooks(module):
    return sum(
        len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks)
        for m in module.modules()
    )


@pytest.fixture
def images(rng):
    return rng.integers(0, 256, size=(5, 24, 24, 3), dtype=np.uint8)


@pytest.mark.parametrize("frozen", [False, True])
def test_cam_equals_gradcam_for_gap_linear_head(images, frozen):
    est = _Fitted(_GapModule(frozen=frozen), ["anger", "joy", "sadness"])
    for target in (None, "joy", ["joy", "anger", "sadness", "joy", "anger"]):
        cam = class_activation_map(est, images, target=target, method="cam")
        grad = class_activation_map(est, images, target=target, method="gradcam")
        assert cam.shape == (5, 24, 24) and cam.dtype == np.float32
        # Not trivially zero: each map reaches 1 (a frozen backbone must still
        # give gradients, the failure mode of parameter-gradient CAM libraries).
        np.testing.assert_allclose(grad.max(axis=(1, 2)), 1.0, atol=1e-6)
        np.testing.assert_allclose(cam, grad, atol=1e-5)


def test_cam_is_the_linear_readout_of_the_feature_maps(images):
    module = _GapModule().eval()
    x = torch.from_numpy(images.transpose(0, 3, 1, 2).astype(np.float32) / 255)
    with torch.no_grad():
        maps = module.forward_features(x)
        contrib = _cam_contributions(module, maps)
        logits = module(x)
    bias = module.head.layers[0].bias.detach()
    # Zhou et al.: the spatial mean of M_k plus the bias is the logit.
    np.testing.assert_allclose(contrib.mean(dim=(2, 3)) + bias, logits.detach(), atol=1e-5)


def test_target_none_explains_the_predicted_class(images):
    module = _GapModule()
    est = _Fitted(module, [10, 20, 30])
    x = torch.from_numpy(images.transpose(0, 3, 1, 2).astype(np.float32) / 255)
    with torch.no_grad():
        predicted = est.classes_[module(x).argmax(1).numpy()]
    np.testing.assert_allclose(
        class_activation_map(est, images),
        class_activation_map(est, images, target=predicted),
    )


def test_cam_localises_the_evidence():
    # One channel reads the red channel, and its weight pushes class "red" up:
    # the map must peak on the red square and vanish elsewhere.
    module = _GapModule(n_classes=2)
    with torch.no_grad():
        conv = nn.Conv2d(3, 1, 1)
        conv.weight.zero_()
        conv.weight[0, 0] = 1.0
        conv.bias.zero_()
        module.backbone = nn.Sequential(conv, nn.ReLU())
        module.head.layers = nn.Sequential(nn.Linear(1, 2))
        module.head.layers[0].weight[:] = torch.tensor([[-1.0], [1.0]])
    est = _Fitted(module, ["other", "red"])
    image = np.zeros((1, 32, 32, 3), dtype=np.float32)
    image[0, 4:12, 20:28, 0] = 1.0
    for method in ("cam", "gradcam"):
        cam = class_activation_map(est, image, target="red", method=method)[0]
        assert cam[8, 24] == pytest.approx(1.0)
        assert cam[24, 8] == 0.0
        # The other class has only negative evidence: an all-zero map.
        assert class_activation_map(est, image, target="other", method=method).max() == 0.0


def test_nonlinear_head_cam_raises_but_gradcam_works(images):
    est = _Fitted(_GapModule(hidden=4, frozen=True), ["a", "b", "c"])
    with pytest.raises(ValueError, match="gradcam"):
        class_activation_map(est, images, method="cam")
    maps = class_activation_map(est, images, method="gradcam")
    assert maps.shape == (5, 24, 24) and 0.0 <= maps.min() and maps.max() <= 1.0


def test_maps_come_back_at_input_size_after_resizing(images):
    est = _Fitted(_GapModule(), ["a", "b", "c"], image_size=(16, 16))
    maps = class_activation_map(est, images, method="gradcam", batch_size=2)
    assert maps.shape == (5, 24, 24)


def test_invalid_arguments(images):
    est = _Fitted(_GapModule(), ["a", "b", "c"])
    with pytest.raises(ValueError, match="method must be one of"):
        class_activation_map(est, images, method="saliency")
    with pytest.raises(ValueError, match="not one of the estimator's classes_"):
        class_activation_map(est, images, target="z")
    with pytest.raises(ValueError, match="one per image"):
        class_activation_map(est, images, target=["a", "b"])
    with pytest.raises(ValueError, match="module_"):
        class_activation_map(object(), images)


def _rss_bytes():
    # Torch tensors live outside Python's allocator: tracemalloc misses them.
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_repeated_calls_leave_no_hooks_and_no_memory_growth(images):
    module = _GapModule(frozen=True)
    est = _Fitted(module, ["a", "b", "c"])
    for method in ("cam", "gradcam"):
        class_activation_map(est, images, method=method)
    gc.collect()
    has_proc = os.path.exists("/proc/self/statm")
    rss_before = _rss_bytes() if has_proc else 0
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(100):
            class_activation_map(est, images, method=("cam", "gradcam")[i % 2])
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert _all_hooks(module) == 0
    assert grown < 256 * 1024, f"Python memory grew by {grown} bytes over 100 calls"
    if has_proc:
        rss_grown = _rss_bytes() - rss_before
        assert rss_grown < 16 * 2**20, f"RSS grew by {rss_grown} bytes over 100 calls"
    assert module.training  # the train/eval mode is restored


def test_shallnet_cam_and_gradcam(rng):
    X = rng.integers(0, 256, size=(12, 32, 32, 3), dtype=np.uint8)
    y = np.array(["calm", "tense"] * 6)
    clf = ShallNet(max_epochs=2, random_state=0).fit(X, y)
    x = torch.from_numpy(X.transpose(0, 3, 1, 2).astype(np.float32) / 255)
    with torch.no_grad():
        contrib = _cam_contributions(clf.module_, clf.module_.forward_features(x))
        logits = clf.module_(x)
    # The per-position decomposition of ShallNet's logit is exact.
    bias = clf.module_.head[-1].bias.detach()
    np.testing.assert_allclose(contrib.sum(dim=(2, 3)) + bias, logits, atol=1e-5)
    for method in ("cam", "gradcam"):
        maps = class_activation_map(clf, X[:3], target="tense", method=method)
        assert maps.shape == (3, 32, 32)
        assert maps.min() >= 0.0 and maps.max() <= 1.0
    assert _all_hooks(clf.module_) == 0


def test_transfer_classifier_frozen_backbone_gradcam(rng):
    X = rng.integers(0, 256, size=(8, 32, 32, 3), dtype=np.uint8)
    y = np.array([0, 1] * 4)
    clf = TransferClassifier(
        "resnet18", weights=None, image_size=32, hidden_units=None, max_epochs=2,
        random_state=0,
    ).fit(X, y)
    assert not any(p.requires_grad for p in clf.module_.backbone.parameters())
    cam = class_activation_map(clf, X[:4], method="cam")
    grad = class_activation_map(clf, X[:4], method="gradcam")
    assert grad.max() > 0
    np.testing.assert_allclose(cam, grad, atol=1e-5)


def test_transfer_module_embeddings_cam_cannot_explain(images):
    from skemo.models._modules import TransferModule

    torch.manual_seed(0)
    base = TransferModule("resnet18", 3, weights=None, hidden_units=None)
    classes = ["a", "b", "c"]
    # Mean and std of the last maps: Grad-CAM explains it, CAM (linear in GAP) cannot.
    styled = TransferModule(base.backbone, 3, hidden_units=None, statistics=("mean", "std"))
    assert class_activation_map(_Fitted(styled, classes), images, method="gradcam").max() > 0
    with pytest.raises(ValueError, match=r"statistics=\('mean', 'std'\)"):
        class_activation_map(_Fitted(styled, classes), images, method="cam")
    # Several blocks, or the mirrored image: neither method reads that from the last maps.
    for params in (dict(layers="multi"), dict(tta="flip")):
        module = TransferModule(base.backbone, 3, hidden_units=None, **params)
        for method in ("cam", "gradcam"):
            with pytest.raises(ValueError, match="layers='last' and tta=None"):
                class_activation_map(_Fitted(module, classes), images, method=method)


def test_plot_cam_overlays_and_checks_shape():
    import matplotlib.pyplot as plt

    image = np.zeros((8, 8, 3), dtype=np.uint8)
    cam = np.linspace(0, 1, 64).reshape(8, 8)
    fig, ax = plt.subplots()
    assert plot_cam(image, cam, ax=ax, alpha=0.3) is ax
    assert len(ax.images) == 2 and ax.images[1].get_alpha() == 0.3
    with pytest.raises(ValueError, match="image's shape"):
        plot_cam(image, cam[:4])
    plt.close("all")
