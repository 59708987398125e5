"""Tests of extract_palette and ColorPaletteFeatures against oracles."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linear_sum_assignment
from sklearn.base import clone
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

from skemo.features import ColorPaletteFeatures, extract_palette
from skemo.features._palette import DEFAULT_PALETTES, matched_distances, seed_distances

palettes5 = arrays(np.float64, (5, 3), elements=st.floats(0, 1))


def _lsa_distance(a, b):
    cost = np.linalg.norm(a[:, None] - b[None], axis=-1)
    rows, cols = linear_sum_assignment(cost)
    return cost[rows, cols].mean()


def _sklearn_inertia(points):
    # One OpenMP thread: on a busy machine the default pool is ten times slower.
    with threadpool_limits(limits=1):
        return KMeans(5, n_init=10, random_state=0).fit(points).inertia_


def _blocks(colours, counts, width=8):
    """An image made of horizontal bands of the given colours and row counts."""
    rows = np.repeat(np.asarray(colours, dtype=np.float64), counts, axis=0)
    return np.repeat(rows[:, None], width, axis=1)


def test_matched_distance_to_permuted_copy_is_zero(rng):
    palette = rng.random((5, 3))
    for perm in ([4, 3, 2, 1, 0], [1, 0, 3, 4, 2]):
        distance = matched_distances(palette[None], palette[perm][None])[0, 0]
        assert distance == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("k", [1, 3, 5, 6, 7])
def test_matched_distance_equals_linear_sum_assignment(rng, k):
    A, B = rng.random((12, k, 3)), rng.random((4, k, 3))
    expected = np.array([[_lsa_distance(a, b) for b in B] for a in A])
    np.testing.assert_allclose(matched_distances(A, B), expected, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(palettes5, palettes5, st.permutations(range(5)))
def test_matched_distance_properties(a, b, perm):
    d_ab = matched_distances(a[None], b[None])[0, 0]
    assert d_ab >= 0
    assert d_ab == pytest.approx(matched_distances(b[None], a[None])[0, 0], abs=1e-12)
    assert d_ab == pytest.approx(matched_distances(a[list(perm)][None], b[None])[0, 0], abs=1e-12)


def test_extract_palette_inertia_close_to_sklearn(rng):
    # Smooth gradients plus noise: a k-means problem with several local minima.
    yy, xx = np.mgrid[0:48, 0:48] / 47.0
    image = np.stack([xx, yy, 0.5 * (xx + yy)], -1)
    image = np.clip(image + 0.15 * rng.standard_normal(image.shape), 0, 1)
    pixels = image.reshape(-1, 3)
    reference = _sklearn_inertia(pixels)
    for seed in [0, 1, 2]:
        palette = extract_palette(image, max_pixels=None, random_state=seed)
        inertia = ((pixels[:, None] - palette[None]) ** 2).sum(-1).min(1).sum()
        assert inertia <= 1.05 * reference, seed


def test_extract_palette_sample_matches_sklearn_on_same_sample(tiny_images):
    # With max_pixels below the pixel count, compare on the very sample used.
    from skemo.features._palette import _kmeans, _pixels, _sample

    for image in tiny_images[:3]:
        points = _sample(_pixels(image), 512, 7)
        assert len(points) == 512
        _, _, inertia = _kmeans(points, 5, 7)
        assert inertia <= 1.05 * _sklearn_inertia(points)


def test_extract_palette_order_weights_and_range():
    colours = [[1, 0, 0], [0, 0, 1], [0, 1, 0], [1, 1, 1], [0, 0, 0]]
    image = _blocks(colours, [10, 7, 5, 3, 1])
    palette, weights = extract_palette(image, random_state=0, return_weights=True)
    np.testing.assert_allclose(palette, colours, atol=1e-12)
    np.testing.assert_allclose(weights, np.array([10, 7, 5, 3, 1]) / 26)
    uint8 = extract_palette((image * 255).astype(np.uint8), random_state=0)
    np.testing.assert_allclose(uint8, colours, atol=1e-12)


def test_extract_palette_constant_image_duplicates():
    image = np.full((6, 6, 3), 0.3)
    palette, weights = extract_palette(image, random_state=0, return_weights=True)
    # Empty clusters keep their (float32) k-means++ seed: duplicates, to float32 precision.
    np.testing.assert_allclose(palette, np.full((5, 3), 0.3), atol=1e-6)
    np.testing.assert_allclose(weights, [1, 0, 0, 0, 0])
    assert weights.sum() == pytest.approx(1)


def test_extract_palette_validation():
    with pytest.raises(ValueError, match="n_colors"):
        extract_palette(np.zeros((4, 4, 3)), n_colors=0)
    with pytest.raises(ValueError, match="shape"):
        extract_palette(np.zeros((4, 4)))


def test_seed_distance_hand_computed():
    colours = np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0], [1, 1, 1], [0, 0, 0]], dtype=float)
    image = _blocks(colours, [10, 7, 5, 3, 1])
    near = colours.copy()
    near[0] = [0.9, 0.1, 0.0]  # L1 error 0.2, in stored (weight) order
    far = colours[::-1]  # same colours, reversed: large L1 in stored order
    feat = ColorPaletteFeatures(references=np.stack([far, near]), distance="seed", random_state=0)
    out = feat.fit_transform(image[None])
    np.testing.assert_allclose(out, [[100.0, 0.2]], atol=1e-12)
    # The thesis vector ignores matching; the matched distance does not care about order.
    matched = feat.set_params(distance="matched").fit_transform(image[None])
    np.testing.assert_allclose(matched, [[0.0, np.sqrt(0.02) / 5]], atol=1e-12)


def test_seed_distances_fill_and_nearest(rng):
    A, B = rng.random((6, 5, 3)), rng.random((4, 5, 3))
    out = seed_distances(A, B)
    err = np.abs(A[:, None] - B[None]).sum((-1, -2))
    assert ((out == 100.0).sum(1) == 3).all()
    np.testing.assert_allclose(out[np.arange(6), err.argmin(1)], err.min(1))


def test_default_references_names_and_shape(tiny_images):
    feat = ColorPaletteFeatures(random_state=0).set_output(transform="pandas")
    df = feat.fit_transform(tiny_images)
    assert list(df.columns) == [f"palette_dist_{n}" for n in DEFAULT_PALETTES]
    assert df.shape == (len(tiny_images), 6)
    assert (df.to_numpy() >= 0).all()
    refs = feat.references_
    assert refs.shape == (6, 5, 3) and refs.min() >= 0 and refs.max() <= 1


def test_default_references_need_five_colours(tiny_images):
    with pytest.raises(ValueError, match="n_colors=5"):
        ColorPaletteFeatures(n_colors=3).fit(tiny_images)


def test_array_references_and_colour_order(tiny_images, rng):
    refs = rng.random((3, 4, 3))
    feat = ColorPaletteFeatures(n_colors=4, references=refs, random_state=0).fit(tiny_images)
    names = ["palette_dist_ref0", "palette_dist_ref1", "palette_dist_ref2"]
    assert list(feat.get_feature_names_out()) == names
    shuffled = ColorPaletteFeatures(n_colors=4, references=refs[:, ::-1], random_state=0)
    np.testing.assert_allclose(shuffled.fit_transform(tiny_images), feat.transform(tiny_images))
    with pytest.raises(ValueError, match="shape"):
        ColorPaletteFeatures(references=refs).fit(tiny_images)


def test_learn_references(rng):
    red = np.zeros((4, 16, 16, 3))
    red[..., 0] = 1.0
    blue = np.zeros((4, 16, 16, 3))
    blue[..., 2] = 1.0
    X = np.concatenate([red, blue])
    y = np.array(["warm"] * 4 + ["cool"] * 4)
    feat = ColorPaletteFeatures(n_colors=2, references="learn", random_state=0).fit(X, y)
    assert list(feat.classes_) == ["cool", "warm"]
    assert list(feat.get_feature_names_out()) == ["palette_dist_cool", "palette_dist_warm"]
    np.testing.assert_allclose(feat.references_[1], [[1, 0, 0], [1, 0, 0]])
    out = feat.transform(X)
    assert out.shape == (8, 2)
    np.testing.assert_allclose(out[:4, 1], 0, atol=1e-12)
    np.testing.assert_allclose(out[4:, 0], 0, atol=1e-12)
    with pytest.raises(ValueError, match="requires y"):
        clone(feat).fit(X)
    with pytest.raises(ValueError, match="different lengths"):
        clone(feat).fit(X, y[:3])


def test_reproducible_and_independent_of_position_and_n_jobs(tiny_images):
    feat = ColorPaletteFeatures(random_state=3, max_pixels=256)
    first = feat.fit_transform(tiny_images)
    np.testing.assert_array_equal(first, clone(feat).fit_transform(tiny_images))
    np.testing.assert_array_equal(first[5:6], feat.transform(tiny_images[5:6]))
    parallel = clone(feat).set_params(n_jobs=2)
    parallel._chunk_size = 3  # several chunks, so the two jobs really split the work
    np.testing.assert_array_equal(first, parallel.fit_transform(tiny_images))


def test_paths_equal_arrays(tiny_images, tmp_path):
    from PIL import Image

    files = []
    for i, image in enumerate(tiny_images[:3]):
        files.append(tmp_path / f"{i}.png")
        Image.fromarray(image).save(files[-1])
    feat = ColorPaletteFeatures(random_state=0).fit(tiny_images[:3])
    np.testing.assert_allclose(feat.transform(files), feat.transform(tiny_images[:3]))


def test_unknown_distance_raises_instead_of_falling_through(rng):
    X = rng.integers(0, 256, (2, 8, 8, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="distance"):
        ColorPaletteFeatures(distance="bogus").fit(X)
    fitted = ColorPaletteFeatures(random_state=0).fit(X)
    fitted.distance = "bogus"  # e.g. set after fit, where no validation runs
    with pytest.raises(ValueError, match="distance must be one of"):
        fitted.transform(X)
