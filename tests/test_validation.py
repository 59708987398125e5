"""skemo._validation and skemo.io.check_images: arrays or paths into float32 RGB batches."""

import numpy as np
import pytest
from PIL import Image

from skemo._validation import check_size, image_chunks, is_path_list, resize_images
from skemo.io import check_images, check_images_y, iter_image_chunks


def test_uint8_scaled_and_float_kept(tiny_images):
    out = check_images(tiny_images)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out * 255, tiny_images, atol=1e-4)
    floats = tiny_images / 255.0
    np.testing.assert_allclose(check_images(floats), floats, atol=1e-7)


def test_input_is_not_modified(tiny_images):
    floats = tiny_images / 255.0
    before = floats.copy()
    out = check_images(floats)
    out[:] = 0
    np.testing.assert_array_equal(floats, before)


@pytest.mark.parametrize("bad_value", [np.nan, np.inf, -np.inf])
def test_non_finite_values(bad_value):
    X = np.zeros((2, 4, 4, 3))
    X[1, 2, 2, 0] = bad_value
    with pytest.raises(ValueError, match="X contains NaN or infinite"):
        check_images(X)


@pytest.mark.parametrize(
    "shape, match",
    [
        ((4, 4), "4 dimensions.*got 2"),
        ((4, 4, 3), r"4 dimensions.*got 3.*X\[None\]"),
        ((1, 2, 4, 4, 3), "4 dimensions.*got 5"),
        ((2, 4, 4, 1), "3 colour channels.*got 1"),
        ((2, 4, 4, 4), "3 colour channels.*got 4"),
        ((0, 4, 4, 3), "X is empty"),
    ],
)
def test_bad_shapes_named(shape, match):
    with pytest.raises(ValueError, match=match):
        check_images(np.zeros(shape))


@pytest.mark.parametrize("low, high", [(-0.5, 0.5), (0.0, 255.0)])
def test_floats_outside_unit_range(low, high):
    X = np.linspace(low, high, 2 * 4 * 4 * 3).reshape(2, 4, 4, 3)
    with pytest.raises(ValueError, match=r"X has floating values in .*outside \[0, 1\]"):
        check_images(X)


def test_other_dtypes_rejected():
    with pytest.raises(ValueError, match="uint8.*int64"):
        check_images(np.zeros((1, 2, 2, 3), dtype=np.int64))


def test_ragged_and_mixed_inputs_rejected():
    with pytest.raises(ValueError, match="X"):
        check_images([np.zeros((2, 2, 3)), np.zeros((3, 3, 3))])


def test_name_is_used_in_messages():
    with pytest.raises(ValueError, match="images is empty"):
        check_images(np.zeros((0, 1, 1, 3)), name="images")


def test_x_and_y_lengths_must_agree(tiny_images):
    with pytest.raises(ValueError, match="X has 8 images but y has 7 labels"):
        check_images_y(tiny_images, np.arange(7))
    with pytest.raises(ValueError, match="y must be 1-dimensional"):
        check_images_y(tiny_images, np.zeros((8, 2)))
    images, y = check_images_y(tiny_images, np.arange(8).reshape(-1, 1))
    assert y.shape == (8,)


def test_paths_are_loaded_and_resized(tmp_path):
    paths = []
    for i, colour in enumerate([(255, 0, 0), (0, 0, 255)]):
        path = tmp_path / f"{i}.png"
        Image.new("RGB", (10, 6), colour).save(path)
        paths.append(str(path))
    out = check_images(paths, size=(3, 5))
    assert out.shape == (2, 3, 5, 3)
    np.testing.assert_allclose(out[1, 1, 1], [0, 0, 1], atol=1e-6)
    with pytest.raises(TypeError, match="single path"):
        check_images(paths[0])


def test_bad_path_names_file(tmp_path):
    with pytest.raises(ValueError, match="nothing.png"):
        check_images([str(tmp_path / "nothing.png")])


def test_resize_matches_pillow_float_resize(rng):
    images = rng.random((1, 12, 9, 3)).astype(np.float32)
    out = resize_images(images, (6, 4))
    plane = Image.fromarray(images[0, :, :, 1], mode="F").resize((4, 6), Image.BILINEAR)
    np.testing.assert_allclose(out[0, :, :, 1], np.asarray(plane), atol=1e-6)
    # a constant image stays constant: resizing averages, it does not invent values
    const = np.full((1, 7, 7, 3), 0.25, dtype=np.float32)
    np.testing.assert_allclose(resize_images(const, 3), 0.25, atol=1e-6)


@pytest.mark.parametrize("size", [0, -1, (1, 2, 3), 2.5, "big", True])
def test_check_size_rejects(size):
    with pytest.raises(ValueError, match="size"):
        check_size(size)


def test_is_path_list():
    assert is_path_list(["a.jpg"]) and is_path_list(np.array(["a.jpg", "b.jpg"]))
    assert not is_path_list("a.jpg")
    assert not is_path_list(np.zeros((2, 2, 2, 3)))
    assert not is_path_list([])


def test_iter_image_chunks_paths_and_arrays(tmp_path, tiny_images):
    chunks = list(iter_image_chunks(tiny_images, chunk_size=3))
    assert [s for s, _ in chunks] == [0, 3, 6]
    np.testing.assert_allclose(np.concatenate([c for _, c in chunks]) * 255, tiny_images, atol=1e-4)
    paths = []
    for i in range(5):
        path = tmp_path / f"{i}.png"
        Image.new("RGB", (4, 4), (i, 0, 0)).save(path)
        paths.append(path)
    starts = [(s, len(c)) for s, c in iter_image_chunks(paths, chunk_size=2, size=2)]
    assert starts == [(0, 2), (2, 2), (4, 1)]
    with pytest.raises(ValueError, match="chunk_size"):
        next(iter_image_chunks(tiny_images, chunk_size=0))


def test_image_chunks_slice_without_loading(tmp_path, tiny_images):
    paths = [str(tmp_path / f"{i}.png") for i in range(5)]  # never opened: no files needed
    chunks = list(image_chunks(paths, 2))
    assert [start for start, _ in chunks] == [0, 2, 4]
    assert [raw for _, raw in chunks] == [paths[:2], paths[2:4], paths[4:]]
    # Arrays are sliced as they are, validation left to the loader of each chunk.
    raw = [raw for _, raw in image_chunks(tiny_images, 3)]
    assert all(r.dtype == np.uint8 for r in raw)
    np.testing.assert_array_equal(np.concatenate(raw), tiny_images)
    # Anything else (a list of arrays) is validated once, then sliced.
    listed = [raw for _, raw in image_chunks(list(tiny_images), 4)]
    assert all(r.dtype == np.float32 for r in listed) and sum(map(len, listed)) == 8
    with pytest.raises(ValueError, match="empty"):
        list(image_chunks(np.zeros((0, 4, 4, 3)), 2))
    with pytest.raises(TypeError, match="single path"):
        list(image_chunks("a.jpg", 2))
    with pytest.raises(ValueError, match="chunk_size"):
        list(image_chunks(paths, 0))
