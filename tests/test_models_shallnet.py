"""ShallNet: Keras "same" layers, shapes for any size >= 32 px, estimator API."""

import math
import pickle

import joblib
import numpy as np
import pytest
import torch
from PIL import Image
from sklearn.base import clone

from skemo.io import check_images
from skemo.models import ShallNet
from skemo.models._modules import SameConv2d, SameMaxPool2d, ShallNetModule, same_padding


@pytest.mark.filterwarnings("ignore:Using padding=.same.:UserWarning")
def test_same_conv_matches_torch_same_padding():
    # torch's padding="same" (stride 1) puts the extra pixel of an even kernel
    # after, as Keras does.
    torch.manual_seed(0)
    ours = SameConv2d(3, 8, 4)
    ref = torch.nn.Conv2d(3, 8, 4, padding="same")
    ref.load_state_dict(ours.state_dict())
    x = torch.rand(2, 3, 13, 10)
    torch.testing.assert_close(ours(x), ref(x))


def test_same_conv_counts_valid_pixels():
    conv = SameConv2d(1, 1, 4, bias=False)
    torch.nn.init.ones_(conv.weight)
    out = conv(torch.ones(1, 1, 5, 5))[0, 0]
    # window rows/cols i-1 .. i+2, clipped to [0, 4]
    valid = torch.tensor([min(i + 2, 4) - max(i - 1, 0) + 1 for i in range(5)], dtype=out.dtype)
    torch.testing.assert_close(out, valid[:, None] * valid[None, :])


def test_same_maxpool_keras_semantics():
    x = torch.arange(100, dtype=torch.float32).view(1, 1, 10, 10) - 1000  # all negative
    out = SameMaxPool2d(8, 8)(x)[0, 0]
    assert out.shape == (2, 2)  # ceil(10 / 8)
    # total padding 6 -> 3 before, 3 after; padded cells never win
    assert same_padding(10, 8, 8) == (3, 3)
    assert out[0, 0] == x[0, 0, 4, 4] and out[1, 1] == x[0, 0, 9, 9]
    assert out[0, 1] == x[0, 0, 4, 9] and out[1, 0] == x[0, 0, 9, 4]


@pytest.mark.parametrize("size", [(32, 32), (33, 47), (64, 100), (100, 64)])
def test_module_shapes(size):
    h, w = size
    module = ShallNetModule(n_classes=3, image_size=size)
    x = torch.rand(2, 3, h, w)
    maps = module.forward_features(x)
    assert maps.shape == (2, 16, math.ceil(h / 8), math.ceil(w / 8))
    assert module(x).shape == (2, 3)
    flat = 16 * math.ceil(math.ceil(h / 8) / 4) * math.ceil(math.ceil(w / 8) / 4)
    assert module.head[-1].in_features == flat
    torch.testing.assert_close(module.forward_head(maps), module(x))


def _images(n=16, size=(32, 40), seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(n, *size, 3), dtype=np.uint8)
    y = np.array(["happy", "sad"] * (n // 2))
    X[y == "happy", :, :, 0] = 255  # a learnable cue
    return X, y


def test_fit_predict_label_space():
    X, y = _images()
    clf = ShallNet(max_epochs=3, lr=0.01, random_state=0).fit(X, y)
    assert clf.image_size_ == (32, 40)
    assert list(clf.classes_) == ["happy", "sad"]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert len(clf.history_) == 3


def test_other_sizes_are_resized_to_fit_size():
    X, y = _images()
    clf = ShallNet(max_epochs=1, random_state=0).fit(X, y)
    big = np.random.default_rng(1).integers(0, 256, (3, 64, 80, 3), dtype=np.uint8)
    expected = clf.predict_proba(check_images(big, size=(32, 40)))
    np.testing.assert_allclose(clf.predict_proba(big), expected, rtol=1e-6)


def test_image_size_parameter_resizes_in_fit():
    X, y = _images(size=(64, 64))
    clf = ShallNet(image_size=32, max_epochs=1, random_state=0).fit(X, y)
    assert clf.image_size_ == (32, 32)
    assert clf.module_.head[-1].in_features == 16


def test_too_small_images_rejected():
    X, y = _images(size=(16, 40))
    with pytest.raises(ValueError, match="at least 32 px"):
        ShallNet(max_epochs=1).fit(X, y)


def test_paths_equal_arrays(tmp_path):
    X, y = _images(n=8)
    files = []
    for i, img in enumerate(X):
        files.append(tmp_path / f"{i}.png")
        Image.fromarray(img).save(files[-1])
    a = ShallNet(max_epochs=2, random_state=0).fit(X, y)
    b = ShallNet(max_epochs=2, random_state=0).fit([str(f) for f in files], y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(files), rtol=1e-6)


def test_reproducible_pickle_clone(tmp_path):
    X, y = _images()
    a = ShallNet(max_epochs=2, random_state=3).fit(X, y)
    b = ShallNet(max_epochs=2, random_state=3).fit(X, y)
    expected = a.predict_proba(X)
    np.testing.assert_array_equal(expected, b.predict_proba(X))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(a)).predict_proba(X), expected)
    joblib.dump(a, tmp_path / "s.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "s.joblib").predict_proba(X), expected)
    c = clone(a)
    assert c.get_params() == a.get_params() and not hasattr(c, "net_")
    # refitting the clone reproduces the model (fit idempotence)
    np.testing.assert_array_equal(c.fit(X, y).predict_proba(X), expected)


def test_partial_fit_keeps_image_size_and_module():
    X, y = _images()
    clf = ShallNet(max_epochs=1, random_state=0).fit(X, y)
    module = clf.module_
    big = np.random.default_rng(1).integers(0, 256, (4, 64, 80, 3), dtype=np.uint8)
    clf.partial_fit(big, y[:4])  # resized to the size fixed by the first fit
    assert clf.image_size_ == (32, 40) and clf.module_ is module and len(clf.history_) == 2
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X[:2], ["happy", "angry"])
