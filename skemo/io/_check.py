"""Image inputs of every estimator: arrays or file paths, validated in one place.

:mod:`skemo._validation` checks arrays and knows nothing of files; this module adds
the path dispatch (decoding with :func:`~skemo.io.load_images`), so the lowest layer
imports nothing above it.
"""

import ctypes
import functools
import sys
import threading
from os import PathLike

from skemo._validation import (
    check_image_array,
    check_labels,
    check_size,
    image_chunks,
    is_path_list,
    n_images,
    resize_images,
)

from ._load import load_images

__all__ = ["check_images", "check_images_y", "iter_image_chunks"]


def check_images(X, size=None, *, name="X"):
    """Validate images and return them as ``float32 (n, H, W, 3)`` in [0, 1].

    Parameters
    ----------
    X : array-like of shape (n, H, W, 3) or sequence of paths
        ``uint8`` values in [0, 255], floating values in [0, 1], or file
        paths loaded with :func:`load_images`.
    size : None, int or (int, int), default=None
        Resize every image to this ``(height, width)``; None keeps the size.
    name : str, default="X"
        Name used in error messages.

    Returns
    -------
    images : ndarray of shape (n, height, width, 3), dtype float32

    Raises
    ------
    ValueError
        For an empty input, a wrong number of dimensions or channels,
        non-finite values or floats outside [0, 1]; for files, the message
        names the file that failed and why.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.io import check_images
    >>> X = np.full((2, 4, 4, 3), 255, dtype=np.uint8)
    >>> images = check_images(X, size=2)
    >>> images.dtype, images.shape, float(images.max())
    (dtype('float32'), (2, 2, 2, 3), 1.0)
    """
    size = check_size(size)
    if isinstance(X, (str, bytes, PathLike)):
        raise TypeError(
            f"{name} must be a sequence of image paths or an array of images, "
            f"not a single path {X!r}; wrap it in a list."
        )
    if is_path_list(X):
        return load_images(list(X), size=size)
    return resize_images(check_image_array(X, name), size)


def check_images_y(X, y, size=None, *, name="X"):
    """Validate images and labels together; their lengths must agree.

    Returns
    -------
    images : ndarray of shape (n, height, width, 3), dtype float32
    y : ndarray of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.io import check_images_y
    >>> images, y = check_images_y(np.zeros((3, 4, 4, 3)), ["a", "b", "a"])
    >>> images.shape, y.tolist()
    ((3, 4, 4, 3), ['a', 'b', 'a'])
    """
    y = check_labels(y, n_images(X, name), name)
    return check_images(X, size=size, name=name), y


# Private switch, turned off only by benchmarks/bench_memory.py to measure the "before".
_RELEASE_BETWEEN_CHUNKS = True
_TRIM_LOCK = threading.Lock()


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, Windows, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_freed_memory():
    """Give the heap's free pages back to the OS (glibc ``malloc_trim(0)``); else a no-op.

    Decoding files of different sizes leaves freed decode buffers of every
    size scattered through glibc's heap, which glibc keeps rather than returns,
    so without this the resident size of a chunked loop over files creeps up
    with the number of files though nothing is kept (issue 11: about 230 KB
    per file over 23,185 JPEGs). Called after each chunk of files, where it
    costs far less than decoding the chunk. Unlike
    ``mallopt(M_MMAP_THRESHOLD)`` it changes no allocator setting of the
    user's process; benchmarks/bench_memory.py measures peaks with and without it.

    One thread trims at a time, and a thread that finds a trim under way skips
    its own: ``malloc_trim`` walks every arena under its locks, so many decoding
    threads trimming after every chunk would queue behind each other (issue 17).
    """
    if _RELEASE_BETWEEN_CHUNKS:
        trim = _malloc_trim()
        if trim is not None and _TRIM_LOCK.acquire(blocking=False):
            try:
                trim(0)
            finally:
                _TRIM_LOCK.release()


def iter_image_chunks(X, chunk_size=64, size=None, *, name="X"):
    """Yield ``(start, images)`` chunks of validated images.

    Path lists are loaded one chunk at a time, so peak memory does not grow
    with the number of files: the chunk before is released and the heap
    trimmed (:func:`release_freed_memory`) before the next is decoded.
    Arrays are validated chunk by chunk.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.io import iter_image_chunks
    >>> [(start, c.shape[0]) for start, c in iter_image_chunks(np.zeros((5, 4, 4, 3)), 2)]
    [(0, 2), (2, 2), (4, 1)]
    """
    for start, raw in image_chunks(X, chunk_size, name=name):
        images = check_images(raw, size=size, name=name)
        yield start, images
        if isinstance(raw, list):  # decoded files
            del images  # the consumer drops its reference before asking for the next chunk
            release_freed_memory()
