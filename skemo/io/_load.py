"""Decode image files into float32 RGB arrays, robustly and in order."""

import os
import warnings
from numbers import Integral
from os import PathLike
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from skemo._files import open_regular
from skemo._validation import check_size, is_path_list

_ON_ERROR = ("raise", "warn", "skip")
_SIXTEEN_BIT = {"I;16", "I;16B", "I;16L", "I;16N", "I"}


class ImageReadError(ValueError):
    """An image file could not be read; the message names the file and why.

    Examples
    --------
    >>> from skemo.io import ImageReadError, read_image
    >>> try:
    ...     read_image("no/such/painting.jpg")
    ... except ImageReadError as error:
    ...     print(error)
    cannot read image 'no/such/painting.jpg': no such file.
    """


def read_image(path, size=None):
    """Read one image file as ``float32 (H, W, 3)`` RGB in [0, 1].

    The mode is normalised (the user guide's "Images" section): grayscale becomes RGB,
    alpha is composited on white, CMYK and palette images are converted,
    16-bit images keep their full range, EXIF orientation is applied and an
    animated image gives its first frame.

    Image files are untrusted input: only a regular file is read (a FIFO, a
    device or a socket is refused without being opened), an image over Pillow's
    decompression-bomb limit is refused before it is decoded, and whatever a
    decoder raises for a damaged or hostile file becomes an
    :class:`ImageReadError` naming it.

    Parameters
    ----------
    path : str or PathLike
        Image file.
    size : None, int or (int, int), default=None
        ``(height, width)`` to resize to.

    Returns
    -------
    image : ndarray of shape (H, W, 3), dtype float32

    Raises
    ------
    ImageReadError
        A ``ValueError`` naming the file and the reason.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from PIL import Image
    >>> from skemo.io import read_image
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "grey.png"
    >>> Image.new("L", (40, 30), color=255).save(path)
    >>> image = read_image(path, size=16)
    >>> image.shape, image.dtype, float(image.min())
    ((16, 16, 3), dtype('float32'), 1.0)
    """
    return as_float(decode_image(path, size))


def decode_image(path, size=None):
    """Decode one image file as :func:`read_image` does, stopping at 8 bits when it can.

    Returns ``uint8 (H, W, 3)`` for 8-bit images, and ``float32 (H, W, 3)`` in
    [0, 1] for 16-bit and floating images (their full range kept). The input
    pipeline moves the 8-bit ones to the device as bytes; :func:`as_float`
    gives exactly :func:`read_image`'s values.
    """
    size = check_size(size)
    path = Path(path)
    try:
        file = open_regular(path)
    except FileNotFoundError:
        raise ImageReadError(f"cannot read image '{path}': no such file.") from None
    except OSError as exc:  # not a regular file (a FIFO, a device...), no permission
        raise ImageReadError(f"cannot read image '{path}': {exc.strerror or exc}.") from None
    with file:
        try:
            with Image.open(file) as img:
                _check_pixel_count(img, path)
                img.seek(0)
                if size is not None and img.format == "JPEG":
                    # libjpeg decodes at a reduced scale for free; keeping twice the
                    # target size leaves the antialiased resize below to do the rest.
                    img.draft("RGB", (2 * size[1], 2 * size[0]))
                # In place: without an orientation tag, the copy exif_transpose makes
                # otherwise costs more than decoding a small JPEG.
                ImageOps.exif_transpose(img, in_place=True)
                return _to_rgb(img, size)
        except ImageReadError:
            raise
        except UnidentifiedImageError:
            raise ImageReadError(
                f"cannot read image '{path}': not a recognised image file "
                f"({os.fstat(file.fileno()).st_size} bytes)."
            ) from None
        except MemoryError:
            # A damaged length field (a PNG chunk of 4 GB, say) makes Pillow ask for a
            # buffer that large; the failed allocation is freed, the file is at fault.
            raise ImageReadError(
                f"cannot read image '{path}': decoding it asked for more memory than is "
                "available (a damaged or hostile file)."
            ) from None
        except Exception as exc:
            # Whatever a decoder raises for one file (OSError, SyntaxError, and the
            # NotImplementedError or TypeError of odd headers) is that file's error.
            raise ImageReadError(f"cannot read image '{path}': {exc}") from exc


def _check_pixel_count(img, path):
    limit = Image.MAX_IMAGE_PIXELS
    width, height = img.size
    if limit is not None and width * height > limit:
        raise ImageReadError(
            f"cannot read image '{path}': {width}x{height} = {width * height} "
            f"pixels exceeds Pillow's decompression-bomb limit of {limit} pixels "
            "(PIL.Image.MAX_IMAGE_PIXELS); raise that limit if you trust the file."
        )


def as_float(image):
    """A decoded image (or stack) as float32 in [0, 1]: uint8 is divided by 255."""
    if image.dtype == np.uint8:
        return image.astype(np.float32) / np.float32(255.0)
    return image


def _to_rgb(img, size):
    mode = img.mode
    if mode in _SIXTEEN_BIT or mode == "F":
        scale = 255.0 if mode == "F" else 65535.0
        gray = img.convert("F") if mode != "F" else img
        if size is not None:
            gray = gray.resize((size[1], size[0]), Image.Resampling.BILINEAR)
        plane = np.asarray(gray, dtype=np.float32) / np.float32(scale)
        if np.isnan(plane).any():  # clip keeps NaN; read_image names the file
            raise ValueError("it holds NaN pixel values.")
        plane = np.clip(plane, 0, 1)
        return np.repeat(plane[:, :, None], 3, axis=2)
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif mode in ("PA", "La"):
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "RGBa"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    if img.mode != "RGB":  # converting to its own mode would only copy
        img = img.convert("RGB")
    if size is not None and img.size != (size[1], size[0]):
        img = img.resize((size[1], size[0]), Image.Resampling.BILINEAR)
    return np.asarray(img, dtype=np.uint8)


def check_paths(files, name="files"):
    """``files`` as a list of image paths, or a clear error for anything else.

    The one check of every function that reads files (``load_images``,
    :class:`ImageLoader`, ``read_chunk`` and so :func:`skemo.parallel.map_images`):
    a single path is a ``TypeError``; an empty sequence, or anything other than
    paths (an image array, say) a ``ValueError`` that says what was given.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.io._load import check_paths
    >>> check_paths(("a.jpg", "b.png"))
    ['a.jpg', 'b.png']
    >>> try:
    ...     check_paths(np.zeros((2, 8, 8, 3)), "X")
    ... except ValueError as error:
    ...     print(str(error)[:73])
    X must be a sequence of image file paths (str or PathLike); got an array
    """
    if isinstance(files, (str, bytes, PathLike)):
        raise TypeError(f"{name} must be a sequence of paths, not a single path {files!r}.")
    if isinstance(files, np.ndarray) and files.ndim != 1:
        got = f"an array of shape {files.shape}"
    else:
        files = list(files)
        if not files:
            raise ValueError(f"{name} is empty: there are no images to load.")
        if is_path_list(files):
            return files
        odd = next(f for f in files if not isinstance(f, (str, PathLike)))
        got = f"a sequence holding a {type(odd).__name__}"
    raise ValueError(
        f"{name} must be a sequence of image file paths (str or PathLike); got {got}. "
        "Images already in memory need no loading: give the array to the next step "
        "(every skemo estimator takes image arrays)."
    )


def check_same_size(images, names, reference=None):
    """Refuse decoded images of different sizes, naming the first file and the odd one.

    ``names[i]`` is the file of ``images[i]``; ``reference``, a ``(name, (height,
    width))`` of an earlier image, is what they must all match (default: the first).
    """
    name, shape = reference or (names[0], images[0].shape[:2])
    for other, image in zip(names, images):
        if tuple(image.shape[:2]) != tuple(shape):
            raise ValueError(
                f"images have different sizes: '{name}' is {shape[0]}x{shape[1]} but "
                f"'{other}' is {image.shape[0]}x{image.shape[1]} (height x width); pass "
                "size=(height, width) to resize them."
            )


def _read_all(files, size, n_jobs):
    """``[(image, None) or (None, message)]``, one per file, in order: the input
    pipeline's decoding (``n_jobs`` threads), as float32."""
    from ._pipeline import decode_batches, workers

    _, results = next(decode_batches(files, len(files), size, workers(n_jobs), 0, None))
    return [(None if image is None else as_float(image), error) for image, error in results]


def read_chunk(files, size, n_jobs=None):
    """Read a chunk of files, keeping the failures: ``(images, ok, errors)``.

    ``images`` stacks the readable files (None when there are none), ``ok``
    lists their indices in ``files`` and ``errors`` maps the other indices to
    the message naming the file. The command line and
    :func:`skemo.parallel.map_images` read through it, so that an unreadable
    file becomes an error row, never a lost one.
    """
    results = _read_all(check_paths(files), size, n_jobs)
    ok = [i for i, (image, _) in enumerate(results) if image is not None]
    errors = {i: error for i, (_, error) in enumerate(results) if error is not None}
    images = np.stack([results[i][0] for i in ok]) if ok else None
    return images, ok, errors


@validate_params(
    {
        "files": "no_validation",  # checked below, with a clearer message
        "size": [None, Interval(Integral, 1, None, closed="left"), tuple, list],
        "on_error": [StrOptions(set(_ON_ERROR))],
        "n_jobs": [None, Integral],
        "return_kept": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_images(files, size=None, on_error="raise", n_jobs=None, return_kept=False):
    """Load image files into a ``float32 (n, H, W, 3)`` array in [0, 1].

    Parameters
    ----------
    files : sequence of str or PathLike
        Image files, in the order of the output rows.
    size : None, int or (int, int), default=None
        Resize each image to ``(height, width)`` (an int gives a square).
        With None every image must already have the same size.
    on_error : {"raise", "warn", "skip"}, default="raise"
        What to do with a file that cannot be read: raise a ``ValueError``
        naming the file and the reason, or drop it with or without a warning.
    n_jobs : int, default=None
        Number of threads that decode files (Pillow releases the GIL).
    return_kept : bool, default=False
        Also return the integer indices of the files that loaded, so that
        labels can be aligned with ``y[kept]``.

    Returns
    -------
    images : ndarray of shape (n_kept, height, width, 3), dtype float32
    kept : ndarray of shape (n_kept,), dtype intp
        Only when ``return_kept=True``.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from PIL import Image
    >>> from skemo.io import load_images
    >>> folder = Path(tempfile.mkdtemp())
    >>> Image.new("L", (6, 4), color=128).save(folder / "gray.png")
    >>> (folder / "broken.jpg").write_bytes(b"not an image")
    12
    >>> images, kept = load_images([folder / "gray.png", folder / "broken.jpg"],
    ...                            size=8, on_error="skip", return_kept=True)
    >>> images.shape, kept.tolist(), round(float(images[0, 0, 0, 0]) * 255)
    ((1, 8, 8, 3), [0], 128)
    """
    files = check_paths(files)
    size = check_size(size)
    results = _read_all(files, size, n_jobs)
    images, kept = [], []
    for index, (image, error) in enumerate(results):
        if error is None:
            images.append(image)
            kept.append(index)
        elif on_error == "raise":
            raise ImageReadError(error)
        elif on_error == "warn":
            warnings.warn(f"skipping {error}", UserWarning, stacklevel=2)
    if not images:
        raise ValueError(f"none of the {len(files)} files could be loaded as an image.")
    check_same_size(images, [files[k] for k in kept])
    stacked = np.stack(images)
    if return_kept:
        return stacked, np.asarray(kept, dtype=np.intp)
    return stacked


class ImageLoader(TransformerMixin, BaseEstimator):
    """Transformer that loads image files into a float32 array.

    Put it first in a pipeline whose input is a list of file paths.  Like every
    transformer it returns one row per input, in order: a file that cannot be
    read raises an error naming it, in ``fit_transform`` and in ``transform``
    alike, because a shorter output would misalign labels in training and
    predictions at predict time.  To drop unreadable files, filter the paths
    and their labels first with ``load_images(..., on_error="skip",
    return_kept=True)``.

    Parameters
    ----------
    image_size : None, int or (int, int), default=224
        ``(height, width)`` every image is resized to (an int gives a square);
        None keeps the files' own size, which must then agree.
    n_jobs : int, default=None
        Number of decoding threads.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from PIL import Image
    >>> from skemo.io import ImageLoader
    >>> path = Path(tempfile.mkdtemp()) / "red.png"
    >>> Image.new("RGB", (5, 5), color=(255, 0, 0)).save(path)
    >>> ImageLoader(image_size=3).fit_transform([path]).shape
    (1, 3, 3, 3)
    """

    _parameter_constraints = {
        "image_size": [None, Interval(Integral, 1, None, closed="left"), tuple, list],
        "n_jobs": [None, Integral],
    }

    def __init__(self, image_size=224, n_jobs=None):
        self.image_size = image_size
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        """Validate the parameters; loading happens in :meth:`transform`."""
        self._validate_params()
        check_size(self.image_size, "image_size")
        return self

    def transform(self, X):
        """Load the files in `X`, one row each; see :func:`load_images`."""
        return load_images(check_paths(X, "X"), size=self.image_size, on_error="raise",
                           n_jobs=self.n_jobs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = False
        return tags
