"""Input checks shared by every skemo estimator: the ground floor, importing nothing of skemo.

Images follow one convention (the user guide's "Images" section): either a numpy
array of shape ``(n, H, W, 3)`` -- ``uint8`` in [0, 255] or floating in [0, 1] -- or a
sequence of file paths.  This module checks arrays (:func:`check_image_array`), sizes,
labels, and slices inputs into chunks (:func:`image_chunks`); decoding files is
:mod:`skemo.io`'s job, and :func:`skemo.io.check_images` dispatches between the two.
"""

from numbers import Integral
from os import PathLike

import numpy as np
from PIL import Image

__all__ = [
    "check_image_array",
    "check_labels",
    "check_sampler_target",
    "check_size",
    "image_chunks",
    "is_path_list",
    "n_images",
    "resize_images",
]


#: The largest image side skemo accepts from untrusted input (a size typed on the command
#: line, a model file's image_size): models work at 16-512 px, and a typo must not ask
#: for terabytes.
MAX_IMAGE_SIDE = 4096


def check_size(size, name="size"):
    """Validate an image size.

    Parameters
    ----------
    size : None, int or (int, int)
        An int gives a square image; a pair is ``(height, width)``.
    name : str, default="size"
        Parameter name used in error messages.

    Returns
    -------
    size : None or tuple of (int, int)
        ``(height, width)``, or None when `size` is None.

    Examples
    --------
    >>> from skemo._validation import check_size
    >>> check_size(32)
    (32, 32)
    >>> check_size((48, 64))
    (48, 64)
    """
    if size is None:
        return None
    if isinstance(size, Integral) and not isinstance(size, bool):
        pair = (size, size)
    elif (
        isinstance(size, (tuple, list))
        and len(size) == 2
        and all(isinstance(s, Integral) and not isinstance(s, bool) for s in size)
    ):
        pair = tuple(size)
    else:
        raise ValueError(
            f"{name} must be None, a positive int or a (height, width) pair of "
            f"positive ints; got {size!r}."
        )
    if min(pair) < 1:
        raise ValueError(f"{name} must be positive; got {size!r}.")
    return int(pair[0]), int(pair[1])


def is_path_list(X):
    """Return True when `X` is a sequence of file paths (str or PathLike).

    Examples
    --------
    >>> from skemo._validation import is_path_list
    >>> is_path_list(["a.jpg", "b.png"]), is_path_list([[0, 1]])
    (True, False)
    """
    if isinstance(X, (str, bytes, PathLike)):
        return False
    if isinstance(X, np.ndarray):
        return X.ndim == 1 and X.size > 0 and all(_is_path(x) for x in X)
    try:
        n = len(X)
    except TypeError:
        return False
    return n > 0 and all(_is_path(x) for x in X)


def _is_path(x):
    return isinstance(x, (str, PathLike))


def resize_images(images, size):
    """Resize a float32 ``(n, H, W, 3)`` batch to ``size`` with antialiasing.

    Each channel is resized as a 32-bit float image with Pillow's bilinear
    filter, which averages over the footprint when shrinking, so no
    precision is lost to an 8-bit round trip.  ``size=None``, or the size
    the images already have, returns them unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo._validation import resize_images
    >>> resize_images(np.ones((2, 8, 8, 3), dtype="float32"), 4).shape
    (2, 4, 4, 3)
    """
    if size is None:
        return images
    height, width = check_size(size)
    n, h, w, c = images.shape
    if (h, w) == (height, width):
        return images
    out = np.empty((n, height, width, c), dtype=np.float32)
    for i in range(n):
        for ch in range(c):
            plane = Image.fromarray(np.ascontiguousarray(images[i, :, :, ch]), mode="F")
            plane = plane.resize((width, height), Image.Resampling.BILINEAR)
            out[i, :, :, ch] = np.asarray(plane)
    # Bilinear weights are convex, so clipping only removes float rounding.
    return np.clip(out, 0.0, 1.0, out=out)


def check_image_array(X, name="X"):
    """Validate an image array and return it as ``float32 (n, H, W, 3)`` in [0, 1].

    ``uint8`` values are divided by 255; floating values must be finite and lie in
    [0, 1].  The error messages name ``name`` and say what was wrong.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo._validation import check_image_array
    >>> check_image_array(np.full((1, 2, 2, 3), 51, dtype=np.uint8)).max()
    np.float32(0.2)
    """
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged nested lists and the like
        raise ValueError(f"{name} could not be converted to an image array: {exc}") from exc
    if arr.dtype == object:
        raise ValueError(
            f"{name} must be an array of shape (n, H, W, 3) or a sequence of "
            "image paths; got an object array (mixed types or ragged images)."
        )
    if arr.size == 0:
        raise ValueError(f"{name} is empty: got an array of shape {arr.shape}.")
    if arr.ndim != 4:
        hint = " (a single image? use X[None])" if arr.ndim == 3 else ""
        raise ValueError(
            f"{name} must have 4 dimensions (n, H, W, 3); got {arr.ndim} "
            f"dimensions with shape {arr.shape}{hint}."
        )
    if arr.shape[-1] != 3:
        raise ValueError(
            f"{name} must have 3 colour channels (RGB) in the last axis; got "
            f"{arr.shape[-1]} channels with shape {arr.shape}. Convert grayscale "
            "or RGBA images to RGB first, or pass file paths."
        )
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / np.float32(255.0)
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(
            f"{name} must be uint8 in [0, 255] or floating in [0, 1]; got dtype "
            f"{arr.dtype}."
        )
    images = arr.astype(np.float32, copy=True)
    # min and max propagate NaN and reach any infinity: no separate isfinite pass.
    lo, hi = float(images.min()), float(images.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    if lo < 0.0 or hi > 1.0:
        raise ValueError(
            f"{name} has floating values in [{lo:g}, {hi:g}], outside [0, 1]. "
            "Pass uint8 images for the [0, 255] range, or divide by 255."
        )
    return images


def check_labels(y, n, name="X", multi_output=False, what="images"):
    """Validate targets for ``n`` inputs named ``name``: of the same length.

    Labels are 1-D (a column vector is flattened); with ``multi_output`` an
    ``(n, k)`` table of targets (several ratings per image) is kept as it is.
    """
    if y is None:
        raise ValueError("y is required: got None.")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1 and not multi_output:
        y = y.ravel()
    if y.ndim != 1 and not (multi_output and y.ndim == 2):
        shape = "1- or 2-dimensional" if multi_output else "1-dimensional"
        raise ValueError(f"y must be {shape}; got shape {y.shape}.")
    if len(y) != n:
        raise ValueError(
            f"{name} has {n} {what} but y has {len(y)} labels; they must have "
            "the same length."
        )
    return y


def check_sampler_target(y):
    """Class labels of a sampler's ``fit_resample``, as imbalanced-learn takes them.

    Class labels, or their one-vs-all (one-hot) encoding; continuous and
    multilabel targets raise a ``ValueError``, as in imbalanced-learn's
    samplers. (Whether one class is enough is the sampler's to say.)

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_classes)

    Returns
    -------
    labels : ndarray of shape (n_samples,)
        The class of each sample (the column index for one-hot ``y``).
    encode : callable
        Turns resampled labels back into ``y``'s encoding: one-hot ``y`` comes
        back one-hot, with as many columns, as imbalanced-learn's samplers return it.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo._validation import check_sampler_target
    >>> labels, encode = check_sampler_target(np.eye(3, dtype=int)[[0, 2, 2]])
    >>> labels.tolist(), encode(labels[[0, 0]]).tolist()
    ([0, 2, 2], [[1, 0, 0], [1, 0, 0]])
    """
    from imblearn.utils import check_target_type
    from sklearn.utils.multiclass import check_classification_targets

    if y is None:
        raise ValueError("y is required: got None.")
    check_classification_targets(y)
    labels, one_vs_all = check_target_type(y, indicate_one_vs_all=True)
    if not one_vs_all:
        return labels, lambda resampled: resampled
    # As many columns as y had (label_binarize would give two classes one column,
    # and drop a class without samples), in y's dtype.
    one_hot = np.eye(np.shape(y)[1], dtype=np.asarray(y).dtype)
    return labels, lambda resampled: one_hot[resampled]


def n_images(X, name="X"):
    """Number of images in an array or path list, without loading anything."""
    if isinstance(X, (str, bytes, PathLike)):
        raise TypeError(f"{name} must be a sequence of image paths, not a single path {X!r}.")
    try:
        return len(X)
    except TypeError as exc:
        raise TypeError(f"{name} must be an array of images or a sequence of paths.") from exc


def image_chunks(X, chunk_size=64, *, name="X"):
    """Yield ``(start, raw chunk)`` slices of images without loading anything.

    A path list gives lists of paths and an array gives array slices, each
    still to be validated (:func:`skemo.io.check_images`), so the loading can
    happen inside a worker.  Anything else (a list of arrays, say) is validated
    once as a whole and then sliced.  This is the one chunker of skemo:
    :func:`skemo.io.iter_image_chunks` loads what it yields.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo._validation import image_chunks
    >>> [(start, len(raw)) for start, raw in image_chunks(["a.jpg", "b.jpg", "c.jpg"], 2)]
    [(0, 2), (2, 1)]
    """
    if not (isinstance(chunk_size, Integral) and chunk_size >= 1):
        raise ValueError(f"chunk_size must be a positive int; got {chunk_size!r}.")
    if isinstance(X, (str, bytes, PathLike)):
        raise TypeError(
            f"{name} must be a sequence of image paths or an array of images, "
            f"not a single path {X!r}; wrap it in a list."
        )
    if is_path_list(X):
        X = list(X)
    elif not isinstance(X, np.ndarray):
        X = check_image_array(X, name)
    if len(X) == 0:
        raise ValueError(f"{name} is empty: it must contain at least one image.")
    for start in range(0, len(X), chunk_size):
        yield start, X[start : start + chunk_size]
