"""Property tests (hypothesis) of every image transformer and sampler.

Transformers: output shape ``(n, n_features_out)`` matching ``get_feature_names_out``
and finite; rows independent of the other rows; results independent of ``n_jobs``,
of the chunk size and of the input order; uint8 images and the same images as
float32/float64 ``img / 255`` give the same features.  Samplers: every original row is
in the output, unchanged, and the class counts follow ``sampling_strategy``
(imbalanced-learn's semantics, checked against ``RandomOverSampler``).

Tolerances: the hand-crafted features (brightness, texture, palette, affective, the
union) and the image loader are compared exactly.  ``check_images`` turns ``v`` in
uint8 into ``float32(v) / float32(255)``, the correctly rounded float32 of ``v / 255``,
which is what float32 and float64 ``img / 255`` also round to, so every block sees the
same float32 pixels whatever the dtype; k-means draws one seed at ``fit`` and reuses it
for every image, so neither chunks nor order nor threads change a palette.
``BackboneEmbedding`` is exact across dtypes (same batches, same tensors) but is
compared within ``rtol=1e-5`` (plus ``1e-5`` of the output's scale) when the batches
differ: torch's oneDNN convolutions pick their algorithm by batch shape (a batch of
one image takes another path than a batch of several), so an image's float32
activations can change in the last bits with the images it is batched with; with
``torch.backends.mkldnn`` disabled they agree exactly.
"""

import copy
import functools
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imblearn.over_sampling import RandomOverSampler
from PIL import Image

from skemo.augment import FlipRotateAugmenter
from skemo.features import (
    AffectiveFeatures,
    BrightnessFeatures,
    ColorPaletteFeatures,
    PaintingFeatures,
    TextureFeatures,
)
from skemo.gan import DCGAN, GANAugmenter
from skemo.io import ImageLoader, check_images
from skemo.models import BackboneEmbedding

SIZE = 16  # working resolution of the transformers that resize


# -- images ------------------------------------------------------------------------------
def _painting(rng, h, w, kind):
    """One uint8 (h, w, 3) image: noise, a flat colour, a few colour blocks or a ramp."""
    if kind == "noise":
        return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    if kind == "flat":
        return np.broadcast_to(rng.integers(0, 256, 3, dtype=np.uint8), (h, w, 3)).copy()
    if kind == "blocks":
        colours = rng.integers(0, 256, (3, 3), dtype=np.uint8)
        labels = rng.integers(0, 3, (max(1, h // 4), max(1, w // 4)))
        labels = np.kron(labels, np.ones((4, 4), dtype=int))[:h, :w]
        out = colours[np.pad(labels, ((0, h - labels.shape[0]), (0, w - labels.shape[1])),
                             mode="edge")]
        return out.astype(np.uint8)
    ramp = np.linspace(0, 255, w)[None, :, None] * rng.random(3)
    return np.broadcast_to(ramp, (h, w, 3)).round().astype(np.uint8)


@st.composite
def image_batches(draw, min_n=2, max_n=6, min_side=8, max_side=24, square=False):
    """uint8 ``(n, h, w, 3)`` batches mixing noise, flat, blocky and ramp images."""
    n = draw(st.integers(min_n, max_n))
    h = draw(st.integers(min_side, max_side))
    w = h if square else draw(st.integers(min_side, max_side))
    kinds = draw(st.lists(st.sampled_from(["noise", "flat", "blocks", "ramp"]),
                          min_size=n, max_size=n))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return np.stack([_painting(rng, h, w, kind) for kind in kinds])


def _fit_data(n=6, side=SIZE):
    rng = np.random.default_rng(0)
    X = np.stack([_painting(rng, side, side, k) for k in ["noise", "flat", "blocks"] * (n // 3)])
    return X, np.array(["calm", "tense"] * (n // 2))


# -- transformers, fitted once ------------------------------------------------------------
def _painting_features():
    return PaintingFeatures(affective=True, image_size=SIZE, random_state=0).set_params(
        texture__image_size=SIZE, affective__image_size=SIZE)


FEATURES = {
    "brightness": BrightnessFeatures,
    "texture": lambda: TextureFeatures(image_size=SIZE),
    "texture-scaled": lambda: TextureFeatures(image_size=SIZE, image_scaling="column",
                                              data_range=1.0),
    "palette": lambda: ColorPaletteFeatures(random_state=0),
    "palette-learn-seed": lambda: ColorPaletteFeatures(references="learn", distance="seed",
                                                       max_pixels=64, random_state=1),
    "affective": lambda: AffectiveFeatures(image_size=SIZE),
    "painting": _painting_features,
}
# Features at each image's own size (None) or at a fixed one.
NATIVE_SIZE = {"brightness", "palette", "palette-learn-seed"}


@functools.lru_cache(maxsize=None)
def _fitted(name):
    X, y = _fit_data()
    return FEATURES[name]().fit(X, y)


def _with(transformer, **attrs):
    """A copy of a fitted transformer with some parameters or attributes changed."""
    other = copy.deepcopy(transformer)
    for key, value in attrs.items():
        setattr(other, key, value)
    return other


def _assert_same(a, b):
    np.testing.assert_array_equal(a, b)


feature_names = pytest.mark.parametrize("name", list(FEATURES))
fast = settings(max_examples=6, deadline=None)


@feature_names
@fast
@given(X=image_batches())
def test_features_shape_names_and_finite(name, X):
    feat = _fitted(name)
    out = feat.transform(X)
    names = feat.get_feature_names_out()
    assert out.shape == (len(X), feat.n_features_out_) == (len(X), len(names))
    assert out.dtype == np.float64
    assert np.isfinite(out).all()
    assert len(set(names)) == len(names)


@feature_names
@fast
@given(X=image_batches(), data=st.data())
def test_features_rows_are_independent(name, X, data):
    feat = _fitted(name)
    full = feat.transform(X)
    rows = data.draw(st.lists(st.integers(0, len(X) - 1), min_size=1, max_size=len(X),
                              unique=True), label="rows")
    _assert_same(feat.transform(X[rows]), full[rows])


@feature_names
@fast
@given(X=image_batches(max_n=7), n_jobs=st.sampled_from([1, 2, -1]),
       chunk=st.sampled_from([1, 2, 3, 8]), data=st.data())
def test_features_ignore_jobs_chunks_and_order(name, X, n_jobs, chunk, data):
    feat = _fitted(name)
    full = feat.transform(X)
    perm = np.asarray(data.draw(st.permutations(range(len(X))), label="order"))
    other = _with(feat, n_jobs=n_jobs, _chunk_size=chunk)
    _assert_same(other.transform(X[perm]), full[perm])


@feature_names
@fast
@given(X=image_batches())
def test_features_agree_across_dtypes(name, X):
    feat = _fitted(name)
    ref = feat.transform(X)
    for dtype in (np.float32, np.float64):
        np.testing.assert_allclose(feat.transform((X / 255).astype(dtype)), ref,
                                   rtol=0, atol=1e-6)
    # In fact exactly: every dtype reaches the blocks as the same float32 pixels.
    _assert_same(feat.transform((X / 255).astype(np.float32)), ref)


@pytest.mark.parametrize("name", sorted(NATIVE_SIZE) + ["painting", "texture"])
@settings(max_examples=3, deadline=None)
@given(X=image_batches(max_n=4, min_side=SIZE, max_side=SIZE, square=True))
def test_features_of_png_files_equal_features_of_arrays(name, X):
    feat = _fitted(name)
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f"{i}.png" for i in range(len(X))]
        for image, path in zip(X, paths):
            Image.fromarray(image).save(path)
        _assert_same(feat.transform([str(p) for p in paths]), feat.transform(X))


# -- BackboneEmbedding ---------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _embedding():
    X, _ = _fit_data()
    return BackboneEmbedding("efficientnet_lite0", weights=None, image_size=32,
                             batch_size=4, random_state=0).fit(X)


def _close_embeddings(a, b):
    """Within float32 rounding of oneDNN's batch-shape-dependent convolutions (see top)."""
    scale = float(np.abs(b).max()) or 1.0
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * scale)


emb_settings = settings(max_examples=5, deadline=None)


@emb_settings
@given(X=image_batches(max_n=5, max_side=32))
def test_embedding_shape_names_and_finite(X):
    emb = _embedding()
    out = emb.transform(X)
    names = emb.get_feature_names_out()
    assert out.shape == (len(X), emb.n_features_out_) == (len(X), len(names))
    assert np.isfinite(out).all()


@emb_settings
@given(X=image_batches(max_n=5, max_side=32), data=st.data())
def test_embedding_rows_are_independent(X, data):
    emb = _embedding()
    rows = data.draw(st.lists(st.integers(0, len(X) - 1), min_size=1, max_size=len(X),
                              unique=True), label="rows")
    _close_embeddings(emb.transform(X[rows]), emb.transform(X)[rows])


@emb_settings
@given(X=image_batches(max_n=6, max_side=32), batch_size=st.sampled_from([1, 2, 3, 64]),
       data=st.data())
def test_embedding_ignores_batch_size_and_order(X, batch_size, data):
    emb = _embedding()
    perm = np.asarray(data.draw(st.permutations(range(len(X))), label="order"))
    other = _with(emb, batch_size=batch_size)
    _close_embeddings(other.transform(X[perm]), emb.transform(X)[perm])


@emb_settings
@given(X=image_batches(max_n=5, max_side=32))
def test_embedding_agrees_across_dtypes(X):
    emb = _embedding()
    ref = emb.transform(X)
    for dtype in (np.float32, np.float64):
        # Same batches and the same float32 tensors: exactly equal, well within 1e-6.
        _assert_same(emb.transform((X / 255).astype(dtype)), ref)


# -- ImageLoader -----------------------------------------------------------------------------
@st.composite
def png_folders(draw):
    """Images of different sizes, 8-bit PNG, with the same images as 16-bit gray PNG."""
    n = draw(st.integers(2, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sizes = draw(st.lists(st.tuples(st.integers(8, 24), st.integers(8, 24)),
                          min_size=n, max_size=n))
    kinds = draw(st.lists(st.sampled_from(["noise", "flat", "blocks", "ramp"]),
                          min_size=n, max_size=n))
    return [_painting(rng, h, w, kind) for (h, w), kind in zip(sizes, kinds)]


def _write_pngs(images, folder, gray16=False):
    paths = []
    for i, image in enumerate(images):
        path = Path(folder) / f"{i}{'-16' if gray16 else ''}.png"
        if gray16:
            # v * 257 / 65535 == v / 255: the same gray levels at 16 bits.
            Image.fromarray(image[..., 0].astype(np.uint16) * 257).save(path)
        else:
            Image.fromarray(image).save(path)
        paths.append(str(path))
    return paths


@settings(max_examples=8, deadline=None)
@given(images=png_folders(), size=st.sampled_from([8, (8, 12), 17]),
       n_jobs=st.sampled_from([1, 2]), data=st.data())
def test_image_loader_properties(images, size, n_jobs, data):
    with tempfile.TemporaryDirectory() as tmp:
        paths = _write_pngs(images, tmp)
        loader = ImageLoader(image_size=size).fit(paths)
        full = loader.transform(paths)
        h, w = (size, size) if isinstance(size, int) else size
        assert full.shape == (len(paths), h, w, 3) and full.dtype == np.float32
        assert np.isfinite(full).all() and full.min() >= 0 and full.max() <= 1
        # rows, threads and order
        perm = np.asarray(data.draw(st.permutations(range(len(paths))), label="order"))
        rows = data.draw(st.lists(st.integers(0, len(paths) - 1), min_size=1,
                                  max_size=len(paths), unique=True), label="rows")
        threaded = ImageLoader(image_size=size, n_jobs=n_jobs).fit(paths)
        _assert_same(threaded.transform([paths[i] for i in perm]), full[perm])
        _assert_same(loader.transform([paths[i] for i in rows]), full[rows])
        # dtype: 8-bit files are exactly the uint8 arrays, which check_images scales like
        # float32 and float64 img / 255; 16-bit files give the same levels.
        native = ImageLoader(image_size=None)
        gray16 = _write_pngs(images, tmp, gray16=True)
        for image, path, path16 in zip(images, paths, gray16):
            loaded = native.fit_transform([path])
            _assert_same(loaded, check_images(image[None]))
            for dtype in (np.float32, np.float64):
                np.testing.assert_allclose(loaded, check_images((image[None] / 255).astype(dtype)),
                                           rtol=0, atol=1e-6)
            gray = native.fit_transform([path16])[0]
            np.testing.assert_allclose(gray, np.repeat(image[..., :1] / 255, 3, axis=2),
                                       rtol=0, atol=1e-6)


# -- samplers --------------------------------------------------------------------------------
@st.composite
def labelled_batches(draw, square=True, max_n=8, sizes=(8, 16)):
    X = draw(image_batches(min_n=2, max_n=max_n, min_side=sizes[0], max_side=sizes[1],
                           square=square))
    # At least two classes: imbalanced-learn refuses a single one.
    y = np.asarray(["calm", "joy"] + draw(st.lists(st.sampled_from(["calm", "joy", "tense"]),
                                                   min_size=len(X) - 2, max_size=len(X) - 2)))
    return X, y


def _assert_originals_first(X, y, X_res, y_res):
    """Every original row is in the output, unchanged, and first, with its label."""
    originals = check_images(X)
    assert X_res.dtype == np.float32 and X_res.shape[1:] == originals.shape[1:]
    _assert_same(X_res[: len(X)], originals)
    _assert_same(y_res[: len(y)], y)
    assert np.isfinite(X_res).all() and X_res.min() >= 0 and X_res.max() <= 1


def _counts(y):
    labels, counts = np.unique(y, return_counts=True)
    return dict(zip(labels.tolist(), counts.tolist()))


@settings(max_examples=15, deadline=None)
@given(Xy=labelled_batches(square=False), n_copies=st.integers(0, 3),
       seed=st.integers(0, 2**16), as_float=st.booleans())
def test_flip_rotate_keeps_originals_and_multiplies_counts(Xy, n_copies, seed, as_float):
    X, y = Xy
    aug = FlipRotateAugmenter(n_copies=n_copies, rotations=(180,), random_state=seed)
    X_in = (X / 255).astype(np.float64) if as_float else X
    X_res, y_res = aug.fit_resample(X_in, y)
    _assert_originals_first(X, y, X_res, y_res)
    assert _counts(y_res) == {c: k * (1 + n_copies) for c, k in _counts(y).items()}
    # each copy is an exact pixel permutation of its source image
    src = check_images(X)[aug.sample_indices_]
    assert np.array_equal(np.sort(X_res.reshape(len(X_res), -1), 1),
                          np.sort(src.reshape(len(src), -1), 1))
    # dtype robustness: the same copies from uint8 and float input
    X_u8, _ = FlipRotateAugmenter(n_copies=n_copies, rotations=(180,),
                                  random_state=seed).fit_resample(X, y)
    _assert_same(X_res, X_u8)


def _gan():
    return DCGAN(image_size=16, max_epochs=1, batch_size=8, latent_dim=8,
                 module__ngf=4, discriminator__ndf=4)


@st.composite
def sampling_strategies(draw, y):
    counts = _counts(y)
    binary_unequal = len(counts) == 2 and len(set(counts.values())) == 2
    kind = draw(st.sampled_from(["auto", "not majority", "all", "dict"]
                                + (["float"] if binary_unequal else [])))
    if kind == "dict":
        return {c: k + draw(st.integers(0, 3)) for c, k in counts.items()}
    if kind == "float":
        # imbalanced-learn wants a float to add at least one sample,
        # int(ratio * majority - minority) >= 1: aim half a sample above the target.
        minority, majority = sorted(counts.values())
        return min(1.0, (draw(st.integers(minority + 1, majority)) + 0.5) / majority)
    return kind


@settings(max_examples=6, deadline=None)
@given(Xy=labelled_batches(max_n=8, sizes=(16, 16)), per_class=st.booleans(),
       seed=st.integers(0, 2**16), data=st.data())
def test_gan_augmenter_keeps_originals_and_follows_sampling_strategy(Xy, per_class, seed, data):
    X, y = Xy
    strategy = data.draw(sampling_strategies(y), label="sampling_strategy")
    aug = GANAugmenter(_gan(), sampling_strategy=strategy, per_class=per_class,
                       random_state=seed)
    X_res, y_res = aug.fit_resample(X, y)
    _assert_originals_first(X, y, X_res, y_res)
    # imbalanced-learn's semantics, as its RandomOverSampler reads the same strategy
    _, y_ref = RandomOverSampler(sampling_strategy=strategy).fit_resample(
        np.zeros((len(y), 1)), y)
    assert _counts(y_res) == _counts(y_ref)


@settings(max_examples=2, deadline=None)
@given(Xy=labelled_batches(max_n=6, sizes=(16, 16)), seed=st.integers(0, 2**16))
def test_gan_augmenter_agrees_across_dtypes(Xy, seed):
    X, y = Xy
    ref = GANAugmenter(_gan(), random_state=seed).fit_resample(X, y)
    for dtype in (np.float32, np.float64):
        out = GANAugmenter(_gan(), random_state=seed).fit_resample((X / 255).astype(dtype), y)
        _assert_same(out[0], ref[0])
        _assert_same(out[1], ref[1])
