"""Tests of AffectiveFeatures on constructed images with hand-computed values."""

import numpy as np
import pytest
from skimage.feature import graycomatrix, graycoprops
from sklearn.base import clone

from skemo.features import AffectiveFeatures


def _features(images, **params):
    feat = AffectiveFeatures(image_size=images.shape[1], **params).set_output(transform="pandas")
    return feat.fit_transform(images)


def test_names_unique_and_match_columns(tiny_images):
    feat = AffectiveFeatures(image_size=32)
    out = feat.fit_transform(tiny_images)
    names = list(feat.get_feature_names_out())
    assert len(names) == len(set(names)) == out.shape[1] == feat.n_features_out_
    assert out.shape[0] == len(tiny_images) and np.isfinite(out).all()
    df = feat.set_output(transform="pandas").transform(tiny_images)
    assert list(df.columns) == names


def test_grey_image():
    v = 0.4
    df = _features(np.full((1, 24, 24, 3), v))
    row = df.iloc[0]
    for name in ["saturation_mean", "saturation_std", "brightness_std", "colourfulness",
                 "hue_cos", "hue_sin", "edge_density", "glcm_contrast", "warm_fraction",
                 "detail_fine", "thirds_saturation"]:  # fmt: skip
        assert row[name] == pytest.approx(0, abs=1e-12), name
    assert row["brightness_mean"] == pytest.approx(v)
    assert row["hue_circular_variance"] == 1.0
    assert row["glcm_energy"] == pytest.approx(1.0)
    assert row["pleasure"] == pytest.approx(0.69 * v)
    assert row["arousal"] == pytest.approx(-0.31 * v)
    assert row["dominance"] == pytest.approx(-0.76 * v)
    assert row["dof_center_ratio"] == pytest.approx(0.25)
    assert row["colour_gray"] == 1.0


def test_pure_red_image():
    image = np.zeros((1, 24, 24, 3))
    image[..., 0] = 1.0
    row = _features(image).iloc[0]
    assert row["saturation_mean"] == pytest.approx(1.0)
    assert row["brightness_mean"] == pytest.approx(1.0)
    assert row["hue_cos"] == pytest.approx(1.0)
    assert row["hue_sin"] == pytest.approx(0.0, abs=1e-12)
    assert row["hue_circular_variance"] == pytest.approx(0.0, abs=1e-12)
    # rg = 1 and yb = 0.5 everywhere: no spread, so 0.3 * sqrt(1 + 0.25).
    assert row["colourfulness"] == pytest.approx(0.3 * np.sqrt(1.25))
    assert row["pleasure"] == pytest.approx(0.69 + 0.22)
    assert row["arousal"] == pytest.approx(-0.31 + 0.60)
    assert row["warm_fraction"] == 1.0 and row["cool_fraction"] == 0.0
    assert row["hue_hist_0"] == 1.0
    assert row[[f"hue_hist_{d}" for d in range(45, 360, 45)]].sum() == 0
    assert row["colour_red"] == 1.0 and row["bright_fraction"] == 1.0


def test_hue_mean_of_two_hues_weighted_by_saturation():
    # Half pure green (hue 120 deg, S = 1), half pale blue (hue 240 deg, S = 0.5).
    image = np.zeros((1, 20, 20, 3))
    image[:, :10] = [0.0, 1.0, 0.0]
    image[:, 10:] = [0.5, 0.5, 1.0]
    row = _features(image).iloc[0]
    angles, weights = np.deg2rad([120, 240]), np.array([1.0, 0.5])
    c = (weights * np.cos(angles)).sum() / weights.sum()
    s = (weights * np.sin(angles)).sum() / weights.sum()
    assert row["hue_cos"] == pytest.approx(c)
    assert row["hue_sin"] == pytest.approx(s)
    assert row["hue_circular_variance"] == pytest.approx(1 - np.hypot(c, s))
    assert row["saturation_mean"] == pytest.approx(0.75)


def test_edges_and_glcm_order_with_detail():
    half = np.zeros((24, 24, 3))
    half[:, 12:] = 1.0
    stripes = np.zeros((24, 24, 3))
    stripes[:, ::4] = stripes[:, 1::4] = 1.0
    df = _features(np.stack([np.full((24, 24, 3), 0.5), half, stripes]))
    edges, contrast = df["edge_density"].to_numpy(), df["glcm_contrast"].to_numpy()
    assert edges[0] == 0 < edges[1] < edges[2]
    assert contrast[0] == 0 < contrast[1] < contrast[2]
    assert df["detail_fine"].iloc[2] > df["detail_fine"].iloc[1] > 0


def test_glcm_matches_skimage(rng):
    image = rng.random((1, 32, 32, 3))
    row = _features(image, glcm_levels=8).iloc[0]
    gray = image[0] @ np.array([0.2125, 0.7154, 0.0721])
    q = np.minimum((gray * 8).astype(np.uint8), 7)
    angles = [0, np.pi / 4, np.pi / 2, 3 * np.pi / 4]
    P = graycomatrix(q, [1, 2], angles, 8, symmetric=True, normed=True)
    for prop in ["contrast", "correlation", "energy", "homogeneity"]:
        assert row[f"glcm_{prop}"] == pytest.approx(graycoprops(P, prop).mean()), prop


def test_colourfulness_and_pad_formulas(rng):
    image = rng.random((1, 30, 30, 3))
    row = _features(image).iloc[0]
    r, g, b = image[0, ..., 0], image[0, ..., 1], image[0, ..., 2]
    rg, yb = r - g, 0.5 * (r + g) - b
    expected = np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean())
    assert row["colourfulness"] == pytest.approx(expected)
    v, s = image[0].max(-1), (image[0].max(-1) - image[0].min(-1)) / image[0].max(-1)
    assert row["brightness_mean"] == pytest.approx(v.mean())
    assert row["saturation_mean"] == pytest.approx(s.mean())
    assert row["dominance"] == pytest.approx(-0.76 * v.mean() + 0.32 * s.mean())


def test_rule_of_thirds_inner_rectangle():
    image = np.zeros((1, 30, 30, 3))
    image[:, 10:20, 10:20] = [1.0, 0.0, 0.0]
    row = _features(image).iloc[0]
    assert row["thirds_brightness"] == 1.0 and row["thirds_saturation"] == 1.0
    assert row["brightness_mean"] == pytest.approx(1 / 9)
    assert row["dark_fraction"] == pytest.approx(8 / 9)


def test_top_bottom_and_hue_histogram():
    image = np.zeros((1, 20, 20, 3))
    image[:, :10] = [0.5, 0.5, 1.0]  # pale blue sky: hue 240 deg, S = 0.5, V = 1
    image[:, 10:] = [0.0, 0.4, 0.0]  # dark green ground: hue 120 deg, S = 1, V = 0.4
    row = _features(image).iloc[0]
    assert row["brightness_top_bottom"] == pytest.approx(0.6)
    assert row["saturation_top_bottom"] == pytest.approx(-0.5)
    expected = np.zeros(8)
    expected[240 // 45], expected[120 // 45] = 0.5 / 2, 1.0 / 2
    np.testing.assert_allclose(row[[f"hue_hist_{d}" for d in range(0, 360, 45)]], expected)


def test_resizes_to_working_size_and_n_jobs(tiny_images):
    feat = AffectiveFeatures(image_size=16)
    first = feat.fit_transform(tiny_images)
    parallel = clone(feat).set_params(n_jobs=2)
    parallel._chunk_size = 3
    np.testing.assert_allclose(parallel.fit_transform(tiny_images), first, rtol=1e-12)
    np.testing.assert_allclose(feat.transform(tiny_images[2:3]), first[2:3], rtol=1e-12)


def test_parameter_validation(tiny_images):
    with pytest.raises(ValueError, match="glcm_levels"):
        AffectiveFeatures(glcm_levels=1).fit(tiny_images)
    with pytest.raises(ValueError, match="size"):
        AffectiveFeatures(image_size=2).fit(tiny_images)


def test_hue_hist_is_saturation_mass_per_bin_over_all_pixels():
    # Left half pure red (S = 1, hue 0), right half grey (S = 0): red holds half the pixels.
    image = np.full((1, 16, 16, 3), 0.5)
    image[:, :, :8] = [1.0, 0.0, 0.0]
    row = _features(image).iloc[0]
    assert row["hue_hist_0"] == pytest.approx(0.5)  # the mean S over the bin would be 1
    hist = row[[f"hue_hist_{d}" for d in range(0, 360, 45)]]
    assert hist.sum() == pytest.approx(row["saturation_mean"])


def test_glcm_with_256_levels_keeps_white_white():
    # Black and white halves: 256 levels must quantise white to 255, not wrap it to 0.
    image = np.zeros((1, 16, 16, 3))
    image[:, :, 8:] = 1.0
    q = np.zeros((16, 16), dtype=np.uint8)
    q[:, 8:] = 255
    P = graycomatrix(q, (1, 2), (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4), 256,
                     symmetric=True, normed=True)
    row = _features(image, glcm_levels=256).iloc[0]
    assert row["glcm_contrast"] == pytest.approx(graycoprops(P, "contrast").mean())
    assert row["glcm_contrast"] > 1000  # the wrapped image was uniform: contrast 0
