"""The input pipeline (issue 17): parallel decoding, bounded prefetch, bytes to the device,
the torchvision JPEG decoder, the epoch cache, and the same results as the serial path."""

import threading
import time

import numpy as np
import pytest
import torch
from PIL import Image

import skemo.io._pipeline as pipeline
from skemo.datasets import make_paintings
from skemo.io import ImageReadError, load_images, stream_images
from skemo.io._streamed import StreamedImages
from skemo.io._torch_decode import pixel_difference
from skemo.models import BackboneEmbedding, ShallNet, TransferClassifier

SIZE = 24


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """19 files: JPEG and PNG paintings of several sizes, a 16-bit PNG, two broken files."""
    root = tmp_path_factory.mktemp("pipeline")
    images = np.asarray(make_paintings(n_samples=16, image_size=48, random_state=0).images)
    paths = []
    for i, image in enumerate(images):
        path = root / f"{i:02d}.{'jpg' if i % 3 else 'png'}"
        Image.fromarray(image).resize((48 + 8 * (i % 4), 40 + 4 * i)).save(path)
        paths.append(str(path))
    deep = root / "16bit.png"
    Image.fromarray((np.arange(40 * 30, dtype=np.uint16).reshape(30, 40) * 50)).save(deep)
    paths.insert(7, str(deep))
    for position, name in ((3, "broken.jpg"), (12, "empty.png")):
        (root / name).write_bytes(b"not an image" if name == "broken.jpg" else b"")
        paths.insert(position, str(root / name))
    return paths


def _good(files):
    return [f for f in files if "broken" not in f and "empty" not in f]


def _stacked(batches):
    return np.concatenate([b.images.numpy() for b in batches]).transpose(0, 2, 3, 1)


@pytest.mark.parametrize("n_jobs", [1, 2, 4])
@pytest.mark.parametrize("prefetch", [0, 2])
def test_stream_equals_the_serial_loader_bit_for_bit(files, n_jobs, prefetch):
    good = _good(files)
    expected = load_images(good, size=SIZE)  # the serial path, as before the pipeline
    batches = list(stream_images(good, 5, SIZE, n_jobs=n_jobs, prefetch=prefetch))
    np.testing.assert_array_equal(_stacked(batches), expected)
    assert [b.start for b in batches] == list(range(0, len(good), 5))


@pytest.mark.parametrize("n_jobs", [1, 3])
def test_each_bad_file_keeps_its_own_error_row_in_order(files, n_jobs):
    rows, images = {}, []
    for batch in stream_images(files, 4, SIZE, n_jobs=n_jobs, on_error="keep", device=None):
        rows.update({batch.start + i: None for i in batch.ok})
        rows.update({batch.start + i: message for i, message in batch.errors.items()})
        images.append(batch.images)
    assert sorted(rows) == list(range(len(files)))
    bad = [i for i, message in rows.items() if message is not None]
    assert bad == [3, 12]
    assert all(files[i] in rows[i] for i in bad)
    np.testing.assert_array_equal(np.concatenate(images), load_images(_good(files), size=SIZE))
    with pytest.raises(ImageReadError, match="broken.jpg"):
        list(stream_images(files, 4, SIZE, n_jobs=n_jobs))


def test_arrays_stream_as_check_images_gives_them():
    from skemo.io import check_images

    X = np.random.default_rng(0).integers(0, 256, (7, 30, 20, 3), dtype=np.uint8)
    np.testing.assert_array_equal(_stacked(stream_images(X, 3, SIZE)), check_images(X, SIZE))


def test_at_most_prefetch_batches_are_decoded_ahead(files, monkeypatch):
    good, decoded, lock = _good(files), [], threading.Lock()
    original = pipeline._decode_or_error

    def counting(path, size):
        with lock:
            decoded.append(path)
        return original(path, size)

    monkeypatch.setattr(pipeline, "_decode_or_error", counting)
    batch_size, prefetch, ahead = 2, 1, []
    for k, batch in enumerate(stream_images(good, batch_size, SIZE, n_jobs=3,
                                            prefetch=prefetch)):
        time.sleep(0.05)  # a slow model: the workers get ahead as far as they may
        ahead.append(len(decoded) - (k + 1) * batch_size)
    assert max(ahead) <= prefetch * batch_size
    assert max(ahead) > 0  # and they do get ahead: decoding overlaps the model
    decoded.clear()
    stream = stream_images(good, batch_size, SIZE, n_jobs=2, prefetch=1)
    next(stream)
    stream.close()  # a consumer that stops early leaves no decoding behind
    time.sleep(0.2)
    assert len(decoded) <= 3 * batch_size


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torchvision 0.29 points to TorchCodec
def test_torchvision_decoder_stays_within_the_stated_tolerance(files):
    """decode_jpeg on the CPU (libjpeg) against Pillow: mean <= 1 grey level, max <= 16.

    Pillow decodes large JPEGs at a reduced DCT scale before resizing; decode_jpeg
    decodes them whole and resizes with antialiasing. PNG, 16-bit and broken files go
    to Pillow, file by file, and stay exact."""
    good = _good(files)
    expected = load_images(good, size=SIZE)
    batches = list(stream_images(files, 5, SIZE, decoder="torchvision", on_error="keep"))
    assert sorted(b.start + i for b in batches for i in b.errors) == [3, 12]
    got = _stacked([b for b in batches if b.images is not None])
    mean, largest = pixel_difference(got, expected)
    assert mean <= 1.0 and largest <= 16
    exact = [i for i, f in enumerate(good) if not f.endswith(".jpg")]
    np.testing.assert_array_equal(got[exact], expected[exact])
    assert mean > 0  # the JPEGs really went through torchvision


def test_training_images_cache_and_stream_give_the_same_data(files, monkeypatch):
    good = _good(files)
    floats = torch.from_numpy(load_images(good, size=SIZE).transpose(0, 3, 1, 2).copy())
    cached, shape = pipeline.training_images(good, SIZE, cache=True, n_jobs=2)
    assert shape == (SIZE, SIZE) and cached.dtype == torch.float32  # a 16-bit file is there
    torch.testing.assert_close(cached, floats, rtol=0, atol=0)
    eight_bit = [f for f in good if "16bit" not in f]
    cached, _ = pipeline.training_images(eight_bit, SIZE, cache="auto")
    assert cached.dtype == torch.uint8  # a quarter of the float32 bytes
    expected = floats[[good.index(f) for f in eight_bit]]
    torch.testing.assert_close(cached.float() / 255, expected, rtol=0, atol=0)
    monkeypatch.setattr(pipeline, "cache_budget", lambda: 1000)
    streamed, _ = pipeline.training_images(eight_bit, SIZE, cache="auto", n_jobs=2)
    assert isinstance(streamed, StreamedImages)
    items = streamed.labelled(torch.arange(len(eight_bit))).__getitems__([4, 0, 2])
    for (image, target), index in zip(items, [4, 0, 2]):
        assert int(target) == index
        torch.testing.assert_close(image, cached[index], rtol=0, atol=0)


@pytest.fixture(scope="module")
def train_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    data = make_paintings(n_samples=24, n_classes=2, image_size=32, random_state=1)
    paths = []
    for i, image in enumerate(np.asarray(data.images)):
        paths.append(str(root / f"{i:02d}.jpg"))
        Image.fromarray(image).save(paths[-1], quality=85)
    return paths, np.asarray(data.target)


@pytest.mark.parametrize("cache", [True, False])
def test_training_on_files_cached_or_streamed_equals_training_on_their_array(train_files,
                                                                           cache):
    paths, y = train_files
    X = load_images(paths)
    make = lambda **kw: ShallNet(max_epochs=2, batch_size=8, random_state=0, **kw)  # noqa: E731
    expected = make().fit(X, y).predict_proba(X)
    on_files = make(cache=cache, n_jobs=2).fit(paths, y)
    np.testing.assert_array_equal(on_files.predict_proba(paths), expected)
    tuned = dict(weights=None, trainable_layers=1, image_size=32, hidden_units=4,
                 max_epochs=1, batch_size=8, random_state=0)
    expected = TransferClassifier("resnet18", **tuned).fit(X, y).predict_proba(X)
    got = TransferClassifier("resnet18", cache=cache, n_jobs=2, **tuned).fit(paths, y)
    np.testing.assert_array_equal(got.predict_proba(paths), expected)


def test_embedding_from_files_in_parallel_equals_the_serial_run(train_files):
    paths, _ = train_files
    emb = dict(backbone="resnet18", weights=None, image_size=32, batch_size=5, random_state=0)
    expected = BackboneEmbedding(**emb).fit().transform(load_images(paths, size=32))
    for n_jobs, prefetch in [(1, 0), (3, 2), (-1, 4)]:
        got = BackboneEmbedding(n_jobs=n_jobs, prefetch=prefetch, **emb).fit().transform(paths)
        np.testing.assert_array_equal(got, expected)


def test_features_in_processes_equal_features_in_one_thread(train_files, monkeypatch):
    """Past _max_threads workers, files are featurised in processes (the GIL caps threads);
    lowered here so that two workers take that path."""
    from skemo.features import PaintingFeatures
    from skemo.features._base import _ImageFeatures

    paths, _ = train_files
    make = lambda n_jobs: PaintingFeatures(image_size=24, n_jobs=n_jobs,  # noqa: E731
                                           random_state=0).set_params(texture__image_size=24)
    import skemo.features._base as features_base

    expected = make(1).fit(paths[:2]).transform(paths)
    monkeypatch.setattr(_ImageFeatures, "_max_threads", 1)
    preferred, parallel = [], features_base.Parallel
    monkeypatch.setattr(features_base, "Parallel", lambda **kw: preferred.append(
        kw["prefer"]) or parallel(**kw))
    np.testing.assert_array_equal(make(2).fit(paths[:2]).transform(paths), expected)
    assert preferred == ["processes"]
    make(2).fit(paths[:2]).transform(load_images(paths))  # arrays stay in threads
    assert preferred == ["processes", "threads"]


def test_decoding_in_processes_equals_decoding_in_threads(files, monkeypatch):
    """Past THREAD_LIMIT workers, files are decoded in processes; lowered here to 1."""
    monkeypatch.setattr(pipeline, "THREAD_LIMIT", 1)
    rows = {}
    for batch in stream_images(files, 4, SIZE, n_jobs=2, on_error="keep", device=None):
        rows.update({batch.start + i: message for i, message in batch.errors.items()})
        rows.update({batch.start + i: batch.images[k] for k, i in enumerate(batch.ok)})
    assert [i for i, v in rows.items() if isinstance(v, str)] == [3, 12]
    np.testing.assert_array_equal(np.stack([v for _, v in sorted(rows.items())
                                            if not isinstance(v, str)]),
                                  load_images(_good(files), size=SIZE))


def test_one_thread_trims_the_heap_at_a_time(monkeypatch):
    import skemo.io._check as check

    calls = []
    monkeypatch.setattr(check, "_malloc_trim", lambda: lambda pad: calls.append(pad))
    with check._TRIM_LOCK:  # another thread is trimming: this one skips
        check.release_freed_memory()
    check.release_freed_memory()
    assert calls == [0]


@pytest.mark.parametrize("cache", [True, False])
def test_a_gan_trained_on_files_equals_one_trained_on_their_array(train_files, cache):
    from skemo.gan import DCGAN

    paths, y = train_files
    make = lambda **kw: DCGAN(image_size=16, latent_dim=4, max_epochs=2, batch_size=8,  # noqa: E731
                              module__ngf=4, discriminator__ndf=4, conditional=True,
                              random_state=0, **kw)
    expected = make().fit(load_images(paths, size=16), y).sample(6, random_state=0)
    got = make(cache=cache, n_jobs=2).fit(paths, y).sample(6, random_state=0)
    np.testing.assert_array_equal(got, expected)
