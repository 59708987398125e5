"""skemo.io: decoding files robustly, mode conversion, errors that name the file."""

import io as pyio
import pickle
import warnings

import numpy as np
import pytest
from PIL import Image
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from skemo.io import ImageLoader, load_images, read_image, save_image_grid, tile_images


def _save(img, path, **kwargs):
    img.save(path, **kwargs)
    return path


@pytest.fixture
def good(tmp_path):
    """Two readable 6x4 RGB images with known pixels."""
    a = _save(Image.new("RGB", (6, 4), (10, 20, 30)), tmp_path / "a.png")
    b = _save(Image.new("RGB", (6, 4), (200, 100, 0)), tmp_path / "b.png")
    return [a, b]


def _jpeg_bytes(size=(16, 16)):
    buf = pyio.BytesIO()
    Image.new("RGB", size, (50, 100, 150)).save(buf, format="JPEG")
    return buf.getvalue()


# --- files that must fail, each with a message naming the file and the reason --------

def _random_bytes(tmp_path):
    path = tmp_path / "noise.jpg"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 500, dtype=np.uint8).tobytes())
    return path, "not a recognised image"


def _truncated(tmp_path):
    path = tmp_path / "truncated.jpg"
    data = _jpeg_bytes((64, 64))
    path.write_bytes(data[: len(data) // 2])
    return path, "truncated"


def _zero_bytes(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    return path, "0 bytes"


def _text(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just some words\n")
    return path, "not a recognised image"


def _missing(tmp_path):
    return tmp_path / "missing.jpg", "no such file"


def _directory(tmp_path):
    path = tmp_path / "folder.jpg"
    path.mkdir()
    return path, "directory"


BAD_FILES = [_random_bytes, _truncated, _zero_bytes, _text, _missing, _directory]


@pytest.mark.parametrize("make_bad", BAD_FILES, ids=lambda f: f.__name__.strip("_"))
def test_bad_file_raises_with_name_and_reason(tmp_path, good, make_bad):
    bad, reason = make_bad(tmp_path)
    with pytest.raises(ValueError) as info:
        load_images([good[0], bad, good[1]])
    assert bad.name in str(info.value)
    assert reason in str(info.value)


@pytest.mark.parametrize("make_bad", BAD_FILES, ids=lambda f: f.__name__.strip("_"))
def test_bad_file_skipped_keeps_alignment(tmp_path, good, make_bad):
    bad, _ = make_bad(tmp_path)
    files = [good[0], bad, good[1]]
    images, kept = load_images(files, on_error="skip", return_kept=True)
    assert kept.tolist() == [0, 2]
    # the surviving rows are the right files, in order
    np.testing.assert_allclose(images[0, 0, 0] * 255, [10, 20, 30], atol=1e-4)
    np.testing.assert_allclose(images[1, 0, 0] * 255, [200, 100, 0], atol=1e-4)


def test_warn_mode_names_file(tmp_path, good):
    bad, _ = _text(tmp_path)
    with pytest.warns(UserWarning, match="notes.txt"):
        images = load_images([bad, good[0]], on_error="warn")
    assert images.shape == (1, 4, 6, 3)


def test_no_file_loads(tmp_path):
    bad, _ = _text(tmp_path)
    with pytest.raises(ValueError, match="none of the 1 files"):
        load_images([bad], on_error="skip")


def test_decompression_bomb_is_refused_before_decoding(tmp_path, monkeypatch):
    path = _save(Image.new("RGB", (64, 64)), tmp_path / "bomb.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 3000)  # over the limit, under twice it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with pytest.raises(ValueError, match=r"bomb\.png.*decompression-bomb limit"):
            load_images([path])
        # twice over the limit, Pillow raises itself: still our clear message
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
        with pytest.raises(ValueError, match=r"bomb\.png.*decompression bomb"):
            load_images([path])


# --- modes that must be converted --------------------------------------------------

def test_cmyk_jpeg(tmp_path):
    path = _save(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), tmp_path / "cmyk.jpg")
    image = read_image(path)
    assert image.shape == (8, 8, 3)
    red, green, blue = image[4, 4] * 255
    assert red > 200 and green < 60 and blue < 60


def test_palette_with_transparency_composited_on_white(tmp_path):
    img = Image.new("P", (4, 4), 0)
    img.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    img.putpixel((0, 0), 1)
    img.info["transparency"] = 0  # index 0 (red) is transparent
    path = _save(img, tmp_path / "p.png", transparency=0)
    image = read_image(path)
    np.testing.assert_allclose(image[1, 1], [1, 1, 1])  # transparent -> white
    np.testing.assert_allclose(image[0, 0], [0, 0, 1])  # opaque blue stays


def test_la_alpha_composited_on_white(tmp_path):
    path = _save(Image.new("LA", (3, 3), (0, 128)), tmp_path / "la.png")
    value = read_image(path)[0, 0]
    # black at alpha 128/255 over white
    np.testing.assert_allclose(value * 255, np.full(3, 255 - 128), atol=1)


def test_rgba_alpha_composited_on_white(tmp_path):
    path = _save(Image.new("RGBA", (3, 3), (255, 0, 0, 0)), tmp_path / "rgba.png")
    np.testing.assert_allclose(read_image(path)[1, 1], [1, 1, 1])
    path = _save(Image.new("RGBA", (3, 3), (255, 0, 0, 255)), tmp_path / "opaque.png")
    np.testing.assert_allclose(read_image(path)[1, 1], [1, 0, 0])


def test_16bit_png_keeps_full_range(tmp_path):
    values = np.array([[0, 1000], [32768, 65535]], dtype=np.uint16)
    path = _save(Image.fromarray(values), tmp_path / "deep.png")
    image = read_image(path)
    assert image.shape == (2, 2, 3)
    np.testing.assert_allclose(image[..., 0], values / 65535.0, atol=1e-6)
    np.testing.assert_array_equal(image[..., 0], image[..., 2])


def test_grayscale_becomes_rgb(tmp_path):
    path = _save(Image.new("L", (3, 2), 51), tmp_path / "gray.png")
    np.testing.assert_allclose(read_image(path), np.full((2, 3, 3), 0.2), atol=1e-6)


def test_exif_orientation_6_is_applied(tmp_path):
    pixels = np.zeros((4, 8, 3), dtype=np.uint8)  # 4 high, 8 wide, left half red
    pixels[:, :4] = (255, 0, 0)
    img = Image.fromarray(pixels)
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90 CW to display
    path = _save(img, tmp_path / "rotated.png", exif=exif)
    image = read_image(path)
    assert image.shape == (8, 4, 3)
    # after a clockwise turn the red (left) half is on top
    assert image[:4, :, 0].min() > 0.99 and image[4:, :, 0].max() < 0.01


def test_one_pixel(tmp_path):
    path = _save(Image.new("RGB", (1, 1), (1, 2, 3)), tmp_path / "dot.png")
    images = load_images([path], size=5)
    assert images.shape == (1, 5, 5, 3)
    np.testing.assert_allclose(images[0, 2, 2] * 255, [1, 2, 3], atol=1e-3)


def test_animated_gif_gives_first_frame(tmp_path):
    frames = [Image.new("RGB", (4, 4), (255, 0, 0)), Image.new("RGB", (4, 4), (0, 0, 255))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    with Image.open(path) as img:
        assert img.n_frames == 2
    image = read_image(path)
    assert image[0, 0, 0] > 0.9 and image[0, 0, 2] < 0.1


# --- sizes, order, threads --------------------------------------------------------

def test_mixed_sizes_need_size(tmp_path, good):
    other = _save(Image.new("RGB", (5, 5)), tmp_path / "square.png")
    with pytest.raises(ValueError, match=r"square\.png.*pass size="):
        load_images([good[0], other])
    assert load_images([good[0], other], size=(3, 7)).shape == (2, 3, 7, 3)


def test_jpeg_draft_resize_matches_plain_resize(tmp_path):
    rng = np.random.default_rng(1)
    base = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8).repeat(40, 0).repeat(40, 1)
    path = _save(Image.fromarray(base), tmp_path / "big.jpg", quality=95)
    fast = load_images([path], size=40)[0]
    slow = np.asarray(Image.open(path).convert("RGB").resize((40, 40), Image.BILINEAR)) / 255
    assert np.abs(fast - slow).mean() < 0.02


def test_threads_keep_order(tmp_path):
    files = [
        _save(Image.new("RGB", (4, 4), (i, i, i)), tmp_path / f"{i}.png") for i in range(12)
    ]
    images = load_images(files, n_jobs=2)
    np.testing.assert_allclose(images[:, 0, 0, 0] * 255, np.arange(12), atol=1e-4)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"size": 0}, "size"), ({"size": (2, 3, 4)}, "size"), ({"on_error": "ignore"}, "on_error")],
)
def test_bad_parameters_are_named(good, kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_images(good, **kwargs)


def test_single_path_and_empty_list_are_refused(good):
    with pytest.raises(TypeError, match="single path"):
        load_images(str(good[0]))
    with pytest.raises(ValueError, match="empty"):
        load_images([])


# --- ImageLoader ----------------------------------------------------------------

def test_image_loader_in_pipeline_and_clone(good):
    loader = ImageLoader(image_size=3)
    assert clone(loader).get_params() == loader.get_params()
    out = Pipeline([("load", loader)]).fit_transform(good)
    assert out.shape == (2, 3, 3, 3) and out.dtype == np.float32
    restored = pickle.loads(pickle.dumps(loader))
    np.testing.assert_array_equal(restored.transform(good), out)


@pytest.mark.parametrize("method", ["fit_transform", "transform"])
def test_image_loader_never_drops_rows(tmp_path, good, method):
    bad, _ = _text(tmp_path)
    loader = ImageLoader(image_size=3).fit(good)
    # A shorter output would misalign y in fit and predictions in predict.
    with pytest.raises(ValueError, match=str(bad.name)):
        getattr(loader, method)([good[0], bad, good[1]])
    pipe = Pipeline([("load", ImageLoader(image_size=3)), ("flat", FunctionTransformer(
        lambda x: x.reshape(len(x), -1))), ("clf", LogisticRegression())])
    pipe.fit(good * 2, [0, 1, 0, 1])
    with pytest.raises(ValueError, match=str(bad.name)):
        pipe.predict([good[0], bad])


def test_image_loader_has_no_row_dropping_option(good):
    assert "on_error" not in ImageLoader().get_params()
    with pytest.raises(TypeError):
        ImageLoader(on_error="skip")


# --- tile_images, save_image_grid ------------------------------------------------

def test_tile_images_layout_and_background():
    images = np.stack([np.full((2, 3, 3), v, dtype=np.uint8) for v in (10, 20, 30)])
    sheet = tile_images(images, ncols=2, padding=1, background=(0, 0, 255))
    assert sheet.dtype == np.uint8 and sheet.shape == (2 * 3 + 1, 2 * 4 + 1, 3)
    assert (sheet[1:3, 1:4] == 10).all() and (sheet[1:3, 5:8] == 20).all()
    assert (sheet[4:6, 1:4] == 30).all()
    assert (sheet[4:6, 5:8] == (0, 0, 255)).all()  # the empty cell is background
    assert (sheet[0] == (0, 0, 255)).all() and (sheet[:, 4] == (0, 0, 255)).all()
    # More columns than images: one row, as wide as the images.
    assert tile_images(images, ncols=8, padding=0).shape == (2, 9, 3)


def test_save_image_grid_writes_tile_images(tmp_path):
    images = np.random.default_rng(0).random((5, 4, 6, 3))
    path = save_image_grid(images, tmp_path / "g.png", ncols=3, padding=2, background=(9, 9, 9))
    np.testing.assert_array_equal(np.asarray(Image.open(path)),
                                  tile_images(images, ncols=3, padding=2, background=(9, 9, 9)))


def test_save_image_grid_layout(tmp_path):
    images = np.zeros((3, 4, 5, 3), dtype=np.uint8)
    images[1] = 255
    path = save_image_grid(images, tmp_path / "sub" / "grid.png", ncols=2, padding=1)
    sheet = np.asarray(Image.open(path))
    assert sheet.shape == (2 * 5 + 1, 2 * 6 + 1, 3)
    assert sheet[1:5, 1:6].max() == 0  # image 0 black
    assert sheet[1:5, 7:12].min() == 255  # image 1 white
    assert sheet[6:10, 1:6].max() == 0  # image 2 on the second row


def test_save_image_grid_bad_ncols(tmp_path):
    with pytest.raises(ValueError, match="ncols"):
        save_image_grid(np.zeros((1, 2, 2, 3)), tmp_path / "g.png", ncols=0)


@pytest.mark.parametrize("reader", ["ImageLoader", "load_images", "read_chunk"])
def test_everything_that_reads_files_refuses_other_input_in_one_clear_error(reader):
    """Issue 16: ImageLoader().fit_transform(ndarray) raised a bare TypeError from pathlib."""
    from skemo.io._load import read_chunk

    call = {"ImageLoader": lambda X: ImageLoader(image_size=4).fit_transform(X),
            "load_images": load_images, "read_chunk": lambda X: read_chunk(X, 4)}[reader]
    for bad, got in [(np.zeros((2, 8, 8, 3), np.uint8), r"an array of shape \(2, 8, 8, 3\)"),
                     ([np.zeros((8, 8, 3))], "holding a ndarray"), ([1, 2], "holding a int")]:
        with pytest.raises(ValueError, match=f"image file paths.*got .*{got}.*in memory"):
            call(bad)
