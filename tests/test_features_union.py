"""PaintingFeatures: block order, nested params, pipelines, paths, parallelism."""

import pickle

import numpy as np
import pytest
from PIL import Image
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skemo.io import check_images

from skemo.features import (
    AffectiveFeatures,
    BrightnessFeatures,
    ColorPaletteFeatures,
    PaintingFeatures,
    TextureFeatures,
)

SIZE = 32


def _feat(**kwargs):
    return PaintingFeatures(texture=TextureFeatures(image_size=SIZE), **{"image_size": SIZE, **kwargs})


@pytest.fixture
def images(rng):
    return rng.integers(0, 256, size=(10, SIZE, SIZE, 3), dtype=np.uint8)


def test_thirteen_features_in_thesis_order_equal_the_blocks(images):
    got = _feat(random_state=0).fit_transform(images)
    assert got.shape == (10, 13)
    brightness = BrightnessFeatures().fit_transform(images)
    texture = TextureFeatures(image_size=SIZE).fit_transform(images)
    palette = ColorPaletteFeatures(random_state=0).fit_transform(images)
    np.testing.assert_allclose(got, np.hstack([brightness, texture, palette]), rtol=1e-12)
    names = _feat().fit(images).get_feature_names_out()
    assert names[0] == "brightness"
    assert list(names[1:7]) == [f"texture_ssim_{k}" for k in range(6)]
    assert all(n.startswith("palette_dist_") for n in names[7:])


def test_texture_resized_in_memory_from_native_chunk(rng):
    X = rng.integers(0, 256, size=(3, 40, 36, 3), dtype=np.uint8)
    got = _feat(palette=False, image_size=None).fit_transform(X)
    np.testing.assert_allclose(got[:, :1], BrightnessFeatures().fit_transform(X), rtol=1e-12)
    np.testing.assert_allclose(got[:, 1:], TextureFeatures(image_size=SIZE).fit_transform(X), rtol=1e-12)


def test_working_size_resizes_once_for_every_block(rng, tmp_path):
    X = rng.integers(0, 256, size=(3, 40, 36, 3), dtype=np.uint8)
    feat = PaintingFeatures(image_size=(24, 20), texture=TextureFeatures(image_size=SIZE), random_state=0)
    got = feat.fit_transform(X)
    small = check_images(X, size=(24, 20))
    expected = np.hstack([
        BrightnessFeatures().fit_transform(small),
        TextureFeatures(image_size=SIZE).fit_transform(small),
        ColorPaletteFeatures(random_state=0).fit_transform(small),
    ])
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # Files are resized by the loader (8-bit), arrays in float: close, not identical.
    paths = []
    for i, img in enumerate(X):
        paths.append(tmp_path / f"{i}.png")
        Image.fromarray(img).save(paths[-1])
    np.testing.assert_allclose(feat.transform(paths)[:, :1], got[:, :1], atol=0.5)
    # Learned palettes are learned at the working resolution too.
    y = np.array([0, 1, 0])
    learn = PaintingFeatures(image_size=(24, 20), brightness=False, texture=False, random_state=0)
    learn.set_params(palette__references="learn", palette__n_colors=2).fit(X, y)
    alone = ColorPaletteFeatures(n_colors=2, references="learn", random_state=0).fit(small, y)
    np.testing.assert_array_equal(learn.transformers_[0][1].references_, alone.references_)


def test_affective_block_is_appended(images):
    plain = _feat(random_state=0).fit_transform(images)
    feat = _feat(affective=True, random_state=0).fit(images)
    both = feat.transform(images)
    n_aff = AffectiveFeatures().fit(images).n_features_out_
    assert both.shape == (10, 13 + n_aff)
    np.testing.assert_allclose(both[:, :13], plain, rtol=1e-12)
    assert list(feat.get_feature_names_out()[13:]) == list(
        AffectiveFeatures().fit(images).get_feature_names_out()
    )


def test_nested_params_set_params_and_clone(images):
    feat = PaintingFeatures()
    assert feat.get_params()["image_size"] == 224
    assert feat.get_params()["palette__n_colors"] == 5
    assert feat.get_params()["texture__image_size"] == 224
    feat.set_params(palette__n_colors=3, palette__references="learn", texture__image_size=SIZE)
    assert isinstance(feat.palette, ColorPaletteFeatures) and feat.palette.n_colors == 3
    cloned = clone(feat)
    assert cloned.get_params()["palette__n_colors"] == 3
    assert cloned.palette is not feat.palette
    y = np.arange(10) % 2
    out = cloned.fit(images, y).transform(images)
    assert out.shape == (10, 1 + 6 + 2)  # learned: one palette per class
    with pytest.raises(ValueError, match="disabled"):
        PaintingFeatures(palette=False).set_params(palette__n_colors=3)
    with pytest.raises(ValueError, match="Invalid parameter"):
        PaintingFeatures().set_params(colour__n_colors=3)


def test_random_state_forwarding_and_reproducibility(images):
    a = _feat(random_state=3).fit(images)
    assert a.transformers_[2][1].random_state == 3
    own = _feat(palette=ColorPaletteFeatures(random_state=7), random_state=3).fit(images)
    assert own.transformers_[2][1].random_state == 7
    np.testing.assert_array_equal(
        a.transform(images), _feat(random_state=3).fit_transform(images)
    )


def test_n_jobs_two_equals_one_and_pandas(images):
    ref = _feat(random_state=0).fit_transform(images)
    feat = _feat(random_state=0, n_jobs=2)
    feat._chunk_size = 3
    np.testing.assert_array_equal(feat.fit_transform(images), ref)
    df = _feat(random_state=0).set_output(transform="pandas").fit_transform(images)
    assert list(df.columns) == list(_feat().fit(images).get_feature_names_out())
    np.testing.assert_array_equal(df.to_numpy(), ref)


def test_pipeline_on_arrays_and_paths(images, tmp_path):
    y = np.array([0, 1] * 5)
    paths = []
    for i, img in enumerate(images):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(img).save(paths[-1])
    feat = _feat(random_state=0).fit(images)
    np.testing.assert_allclose(feat.transform(paths), feat.transform(images), rtol=1e-12)
    for X in (images, paths):
        pipe = Pipeline([("feat", _feat(random_state=0)), ("clf", LogisticRegression())])
        assert pipe.fit(X, y).predict(X).shape == (10,)


def test_grid_search_over_block_param(images):
    y = np.array([0, 1] * 5)
    # Palette dropped to keep the 5 fits fast; any block's parameter is reachable.
    pipe = Pipeline([("feat", _feat(palette=False)), ("clf", LogisticRegression())])
    grid = {"feat__texture__image_scaling": [None, "global"]}
    search = GridSearchCV(pipe, grid, cv=2).fit(images, y)
    assert search.best_params_["feat__texture__image_scaling"] in (None, "global")
    assert len(search.cv_results_["params"]) == 2


def test_pickle_and_fit_idempotence(images):
    feat = _feat(random_state=0).fit(images)
    first = feat.transform(images)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(feat)).transform(images), first)
    np.testing.assert_array_equal(feat.fit(images).transform(images), first)


def test_no_block_is_an_error(images):
    with pytest.raises(ValueError, match="at least one block"):
        PaintingFeatures(brightness=False, texture=False, palette=False).fit(images)
    with pytest.raises(ValueError, match="texture"):
        PaintingFeatures(texture="yes").fit(images)


def test_nested_blocks_are_validated(images):
    from skemo.features import ColorPaletteFeatures

    with pytest.raises(ValueError, match="distance"):
        PaintingFeatures(palette=ColorPaletteFeatures(distance="bogus")).fit(images)
    with pytest.raises(ValueError, match="image_scaling"):
        _feat().set_params(texture__image_scaling="rows").fit(images)
    # Inside a Pipeline too (sklearn's Pipeline validates its steps the same way).
    pipe = Pipeline([("feat", _feat(palette=ColorPaletteFeatures(distance="bogus"))),
                     ("clf", LogisticRegression())])
    with pytest.raises(ValueError, match="distance"):
        pipe.fit(images, np.array([0, 1] * 5))
