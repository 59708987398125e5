"""TextureFeatures: the thesis's Perlin/SSIM feature, against skimage and the thesis's code."""

import joblib
import noise
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from skimage.metrics import structural_similarity
from sklearn.preprocessing import MinMaxScaler

from skemo.features import TextureFeatures, hard_soft_scale
from skemo.features._texture import (
    THESIS_REFERENCES,
    _perlin_reference,
    min_max_scale,
    perlin_references,
)
from skemo.io import check_images

SIZE = 32


def gen_perlin(shape, scale, octaves, persistence, lacunarity):
    """The thesis's Annex D ``gen_perlin``, line for line (``np.resize`` to the shape)."""
    null_img = np.zeros(shape)
    for i in range(shape[0]):
        for j in range(shape[1]):
            null_img[i][j] = noise.pnoise2(
                i / scale, j / scale, octaves=octaves, persistence=persistence,
                lacunarity=lacunarity, repeatx=shape[0], repeaty=shape[1], base=0,
            )
    img = np.resize(null_img, shape)
    img_3c = np.zeros((*shape, 3))
    img = MinMaxScaler(feature_range=(0, 1)).fit_transform(img)
    img_3c[:, :, 0] = img
    img_3c[:, :, 1] = img
    img_3c[:, :, 2] = img
    return img_3c


def thesis_texture(img, texture_landmarks, data_range):
    """The thesis's ``texture``: ``compare_ssim(img, ref, multichannel=True)`` per reference.

    In 2019 skimage took ``data_range`` from the float64 dtype, (-1, 1): 2.0.
    """
    return np.array(
        [structural_similarity(img, ref, channel_axis=2, data_range=data_range)
         for ref in texture_landmarks]
    )


@pytest.fixture(scope="module")
def landmarks():
    return [gen_perlin((SIZE, SIZE), *params) for params in THESIS_REFERENCES]


@pytest.fixture(scope="module")
def texture():
    return TextureFeatures(image_size=SIZE).fit(np.zeros((1, SIZE, SIZE, 3)))


@pytest.mark.parametrize("data_range", [2.0, 1.0])
def test_default_is_the_thesis_feature_on_random_images(rng, landmarks, data_range):
    X = rng.integers(0, 256, size=(5, SIZE, SIZE, 3), dtype=np.uint8)
    feat = TextureFeatures(image_size=SIZE, data_range=data_range).fit(X)
    # The thesis's images: 8-bit values divided by 255, never rescaled.
    expected = np.array([thesis_texture(img, landmarks, data_range) for img in X / 255.0])
    np.testing.assert_allclose(feat.transform(X), expected, atol=1e-5, rtol=0)
    assert TextureFeatures().data_range == 2.0


def test_references_are_the_thesis_gen_perlin(texture, landmarks):
    for ref, thesis in zip(texture.references_, landmarks, strict=True):
        np.testing.assert_allclose(ref, thesis[..., 0], atol=1e-12, rtol=0)
        # Column-wise min-max: every column spans exactly [0, 1].
        np.testing.assert_allclose(ref.min(axis=0), 0.0, atol=1e-12)
        np.testing.assert_allclose(ref.max(axis=0), 1.0, atol=1e-12)


@pytest.mark.real_data
def test_default_is_the_thesis_feature_on_oasis(oasis_root):
    files = sorted((oasis_root / "images").glob("*.jpg"))[:3]
    landmarks = [gen_perlin((224, 224), *params) for params in THESIS_REFERENCES]
    feat = TextureFeatures().fit(files)
    images = check_images(files, size=224).astype(np.float64)
    expected = np.array([thesis_texture(img, landmarks, 2.0) for img in images])
    np.testing.assert_allclose(feat.transform(files), expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("image_scaling", ["global", "column"])
@pytest.mark.parametrize("reference_scaling", [None, "global", "column"])
def test_other_scalings_match_skimage(rng, image_scaling, reference_scaling):
    X = rng.integers(0, 256, size=(3, SIZE, SIZE, 3), dtype=np.uint8)
    feat = TextureFeatures(
        image_size=SIZE, image_scaling=image_scaling, reference_scaling=reference_scaling,
        data_range=1.0,
    ).fit(X)
    raw = perlin_references(THESIS_REFERENCES, SIZE)
    refs3 = [np.repeat(min_max_scale(r, reference_scaling)[..., None], 3, axis=-1) for r in raw]
    images = [min_max_scale(img, image_scaling) for img in X / 255.0]
    expected = np.array([thesis_texture(img, refs3, 1.0) for img in images])
    np.testing.assert_allclose(feat.transform(X), expected, atol=1e-5, rtol=0)


def test_images_are_resized_with_check_images(rng, texture, landmarks):
    X = rng.random((2, 45, 50, 3))
    resized = check_images(X, size=SIZE).astype(np.float64)
    expected = np.array([thesis_texture(img, landmarks, 2.0) for img in resized])
    np.testing.assert_allclose(texture.transform(X), expected, atol=1e-5, rtol=0)


def test_min_max_scale_column_is_column_wise_minmax_scaler(rng):
    img = rng.random((SIZE, SIZE, 3)) * 0.5 + 0.2
    expected = MinMaxScaler().fit_transform(img.reshape(SIZE, -1)).reshape(img.shape)
    np.testing.assert_allclose(min_max_scale(img, "column"), expected, atol=1e-15)
    glob = min_max_scale(img, "global")
    assert glob.min() == 0.0 and glob.max() == 1.0
    # Per-column scaling puts a 0 and a 1 in every (column, channel).
    col = min_max_scale(img, "column")
    np.testing.assert_allclose(col.min(axis=0), 0.0, atol=1e-15)
    np.testing.assert_allclose(col.max(axis=0), 1.0, atol=1e-12)
    np.testing.assert_array_equal(min_max_scale(img, None), img)


def test_raw_references_are_pnoise2_and_cached():
    refs = TextureFeatures(image_size=SIZE, reference_scaling=None).fit(np.zeros((1, 8, 8, 3))).references_
    assert refs.shape == (6, SIZE, SIZE)
    for k, (scale, octaves, persistence, lacunarity) in enumerate(THESIS_REFERENCES):
        for i, j in [(0, 0), (3, 17), (31, 5)]:
            expected = noise.pnoise2(
                i / scale, j / scale, octaves=octaves, persistence=persistence,
                lacunarity=lacunarity, repeatx=SIZE, repeaty=SIZE, base=0,
            )
            assert refs[k, i, j] == expected
    # Cached for the process: the same parameters return the same read-only array.
    first = _perlin_reference(200.0, 100, 0.75, 2.0, SIZE)
    assert first is _perlin_reference(200.0, 100, 0.75, 2.0, SIZE)
    assert not first.flags.writeable


def test_hard_soft_values():
    # Hand values: all parameters 1 leave only the constants.
    assert hard_soft_scale(1, 1, 1, 1) == pytest.approx(586.33 - 178.78 - 84.20 - 106.83 - 213.89)
    assert hard_soft_scale(200.0, 100, 0.75, 2.0) == pytest.approx(
        586.33 - 178.78 * 100**0.01 - 84.20 * 200**0.01 - 106.83 * 0.75**0.02 - 213.89 * 2**0.01
    )
    assert hard_soft_scale(200.0, 100, 0.75, 2.0) == pytest.approx(-11.2520, abs=1e-4)
    assert hard_soft_scale(2.0, 1, 0.95, 0.01) == pytest.approx(11.7805, abs=1e-4)
    feat = TextureFeatures(image_size=SIZE).fit(np.zeros((1, 8, 8, 3)))
    np.testing.assert_allclose(feat.hard_soft_, [hard_soft_scale(*p) for p in THESIS_REFERENCES])


@settings(max_examples=15, deadline=None)
@given(arrays(np.uint8, (1, 12, 12, 3)))
def test_ssim_lies_in_minus_one_one(X):
    feat = TextureFeatures(image_size=12).fit(X)
    got = feat.transform(X)
    assert np.all(np.abs(got) <= 1 + 1e-12)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), scaling=st.sampled_from([None, "global", "column"]))
def test_ssim_is_one_for_an_image_equal_to_a_reference(seed, scaling):
    rng = np.random.default_rng(seed)
    refs = rng.random((3, 16, 16))
    refs[:, 0, :] = 0.0  # every column spans [0, 1]: every scaling keeps refs as is
    refs[:, 1, :] = 1.0
    X = np.repeat(refs[1][None, ..., None], 3, axis=-1)
    feat = TextureFeatures(
        references=refs, image_size=16, reference_scaling=scaling, image_scaling=scaling
    )
    got = feat.fit(X).transform(X)
    assert got[0, 1] == pytest.approx(1.0, abs=1e-12)
    assert np.all(got[0, [0, 2]] < 1.0)


def test_custom_parameter_references_and_names(rng):
    X = rng.random((2, 16, 16, 3))
    params = [(5.0, 2, 0.5, 2.0), (50.0, 1, 0.5, 2.0)]
    feat = TextureFeatures(references=params, image_size=16).fit(X)
    assert feat.transform(X).shape == (2, 2)
    assert feat.get_feature_names_out().tolist() == ["texture_ssim_0", "texture_ssim_1"]
    np.testing.assert_allclose(feat.hard_soft_, [hard_soft_scale(*p) for p in params])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"references": np.zeros((2, 8, 8))}, "references must be"),
        ({"references": [(1.0, 2.0)]}, "references must be"),
        ({"image_size": 5}, "image_size"),
        ({"image_scaling": "row"}, "image_scaling"),
        ({"reference_scaling": "row"}, "reference_scaling"),
        ({"data_range": 0}, "data_range"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        TextureFeatures(**{"image_size": 16, **params}).fit(np.zeros((1, 16, 16, 3)))


def test_parallel_backends_give_same_features(rng, texture):
    X = rng.integers(0, 256, size=(7, SIZE, SIZE, 3), dtype=np.uint8)
    ref = texture.transform(X)
    feat = TextureFeatures(image_size=SIZE, n_jobs=2).fit(X)
    feat._chunk_size = 2
    with joblib.parallel_config(backend="threading"):
        np.testing.assert_array_equal(feat.transform(X), ref)
