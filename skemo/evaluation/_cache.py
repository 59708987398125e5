"""Keys of the shared passes :func:`~skemo.evaluation.compare_models` caches.

A cache entry is reused only when its key equals the key of the pass about to
run, so the key holds everything that determines the matrix: the kind of
pass, the settings it depends on, and a fingerprint of the images.
"""

import hashlib
from pathlib import Path

import numpy as np

__all__ = ["images_fingerprint", "params_key", "weights_key"]

# Pixels sampled per image side for the fingerprint: 16 x 16 x 3 values per
# image hash in about 15 ms for 900 images of 224 px.
_SAMPLES_PER_SIDE = 16


def images_fingerprint(images):
    """A cheap identity of an image stack, for cache keys.

    It is the stack's shape and dtype plus a hash of, per image, the float64
    sum of all its pixels and a strided 16 x 16 subsample of them (about
    0.1 s for 900 images of 224 x 224). It changes when images are added,
    removed, reordered or replaced, resized, flipped or rotated, and when any
    pixel changes an image's sum. It misses only an edit that keeps every
    image's sum and avoids every sampled pixel (say, swapping two unsampled
    pixels).

    Parameters
    ----------
    images : ndarray of shape (n_samples, H, W, C)

    Returns
    -------
    fingerprint : tuple
        ``(shape, dtype name, hex digest)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.evaluation._cache import images_fingerprint
    >>> X = np.random.default_rng(0).random((4, 32, 32, 3), dtype=np.float32)
    >>> images_fingerprint(X) == images_fingerprint(X.copy())
    True
    >>> images_fingerprint(X) == images_fingerprint(X[::-1])
    False
    """
    images = np.asarray(images)
    n, height, width = images.shape[:3]
    rows = max(1, height // _SAMPLES_PER_SIDE)
    cols = max(1, width // _SAMPLES_PER_SIDE)
    sums = images.reshape(n, -1).sum(axis=1, dtype=np.float64)
    digest = hashlib.blake2b(digest_size=16)
    digest.update(sums.tobytes())
    digest.update(np.ascontiguousarray(images[:, ::rows, ::cols]).tobytes())
    return images.shape, images.dtype.name, digest.hexdigest()


def params_key(estimator, ignore=("verbose", "n_jobs")):
    """The parameters of ``estimator`` that shape its output, as a hashable key.

    ``ignore`` lists those that only change how it runs (progress, threads).

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skemo.evaluation._cache import params_key
    >>> params_key(StandardScaler())
    ('StandardScaler', (('copy', 'True'), ('with_mean', 'True'), ('with_std', 'True')))
    """
    params = estimator.get_params(deep=False)
    return type(estimator).__name__, tuple(
        sorted((name, repr(value)) for name, value in params.items() if name not in ignore)
    )


def weights_key(weights):
    """Backbone weights as a key: a file's path, size and modification time.

    So that a weights file overwritten in place is not mistaken for the old
    one; ``"DEFAULT"``, a weights name or None stand for themselves.

    Examples
    --------
    >>> from skemo.evaluation._cache import weights_key
    >>> weights_key("DEFAULT"), weights_key(None)
    ('DEFAULT', None)
    """
    if weights is None:
        return None
    path = Path(weights)
    if path.is_file():
        stat = path.stat()
        return str(path.resolve()), stat.st_size, stat.st_mtime_ns
    return str(weights)
