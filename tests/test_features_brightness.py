"""BrightnessFeatures against PIL's ImageStat (the thesis's definition)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageStat
from sklearn.exceptions import NotFittedError

from skemo.features import BrightnessFeatures


def _pil_brightness(image_uint8):
    r, g, b = ImageStat.Stat(Image.fromarray(image_uint8)).rms
    return np.sqrt(0.241 * r**2 + 0.691 * g**2 + 0.068 * b**2)


def test_matches_pil_imagestat_on_random_images(rng):
    X = rng.integers(0, 256, size=(6, 17, 23, 3), dtype=np.uint8)
    expected = np.array([_pil_brightness(img) for img in X])
    got = BrightnessFeatures().fit_transform(X)
    assert got.shape == (6, 1) and got.dtype == np.float64
    np.testing.assert_allclose(got[:, 0], expected, rtol=1e-12)


def test_float_input_equals_uint8_input(rng):
    X = rng.integers(0, 256, size=(3, 9, 9, 3), dtype=np.uint8)
    feat = BrightnessFeatures().fit(X)
    np.testing.assert_allclose(feat.transform(X / 255.0), feat.transform(X), rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(v=st.integers(0, 255), h=st.integers(1, 12), w=st.integers(1, 12))
def test_constant_grey_gives_exactly_its_value(v, h, w):
    X = np.full((1, h, w, 3), v, dtype=np.uint8)
    assert BrightnessFeatures().fit_transform(X)[0, 0] == v


def test_channel_weights(rng):
    # Pure channels: brightness = sqrt(weight) * 255.
    X = np.zeros((3, 4, 4, 3), dtype=np.uint8)
    for c in range(3):
        X[c, ..., c] = 255
    got = BrightnessFeatures().fit_transform(X)[:, 0]
    np.testing.assert_allclose(got, 255 * np.sqrt([0.241, 0.691, 0.068]), rtol=1e-12)


def test_paths_of_mixed_sizes_equal_pil(tmp_path, rng):
    paths, expected = [], []
    for i, shape in enumerate([(10, 14, 3), (21, 8, 3), (10, 14, 3)]):
        img = rng.integers(0, 256, size=shape, dtype=np.uint8)
        paths.append(tmp_path / f"{i}.png")
        Image.fromarray(img).save(paths[-1])
        expected.append(_pil_brightness(img))
    got = BrightnessFeatures().fit_transform(paths)
    np.testing.assert_allclose(got[:, 0], expected, rtol=1e-12)


def test_must_be_fitted_and_names(tiny_images):
    with pytest.raises(NotFittedError):
        BrightnessFeatures().transform(tiny_images)
    feat = BrightnessFeatures().fit(tiny_images)
    assert feat.get_feature_names_out().tolist() == ["brightness"]
    assert feat.n_features_out_ == 1


def test_chunks_parallel_and_pandas_keep_order(tiny_images):
    ref = BrightnessFeatures().fit_transform(tiny_images)
    feat = BrightnessFeatures(n_jobs=2, verbose=1)
    feat._chunk_size = 3  # several chunks, out of order completion possible
    np.testing.assert_array_equal(feat.fit_transform(tiny_images), ref)
    df = BrightnessFeatures().set_output(transform="pandas").fit_transform(tiny_images)
    assert list(df.columns) == ["brightness"]
    np.testing.assert_array_equal(df.to_numpy(), ref)


def test_bad_params_and_input():
    with pytest.raises(ValueError, match="n_jobs"):
        BrightnessFeatures(n_jobs="two").fit(np.zeros((1, 4, 4, 3)))
    with pytest.raises(ValueError, match="3 colour channels"):
        BrightnessFeatures().fit_transform(np.zeros((1, 4, 4, 4)))
