"""The shared passes :func:`~skemo.evaluation.compare_models` caches, and their keys.

A pass computes one label-free matrix for all the images (the painting
features, the backbone embeddings, the resized images). A cache entry is reused
only when its key equals the key of the pass about to run, so the key holds
everything that determines the matrix: the kind of pass, the settings it
depends on, and a fingerprint of the images.
"""

import hashlib
from pathlib import Path

import numpy as np

from skemo.io import check_images

__all__ = ["EMBEDDING", "cache_key", "images_fingerprint", "painting_features", "params_key", "precompute",
           "weights_key"]

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


# The embedding of compare_models' "transfer" and "fusion" rows: the pooled last
# block, the thesis's transfer-learning input, which class activation maps can
# explain in the report. (skemo's own default embedding reads four blocks.)
EMBEDDING = {"layers": "last", "statistics": ("mean",)}


def painting_features(seed, verbose=0):
    """The PaintingFeatures every compare_models pass and pipeline uses."""
    from skemo.features import PaintingFeatures

    return PaintingFeatures(random_state=seed, verbose=verbose)


def cache_key(
    kind, fingerprint, backbone, weights, backbone_image_size, shallnet_image_size, seed
):
    """Everything that determines the matrix of the ``kind`` pass."""
    if kind == "none":
        return kind, fingerprint
    if kind == "small":
        return kind, fingerprint, shallnet_image_size
    if kind == "features":
        return kind, fingerprint, params_key(painting_features(seed))
    # The seed only matters for random weights, but keying on it always is
    # cheap and never wrong.
    return kind, fingerprint, backbone, weights_key(weights), backbone_image_size, seed


def precompute(
    kind, images, backbone, weights, backbone_image_size, shallnet_image_size, seed, verbose
):
    """The matrix of the ``kind`` pass over all the images."""
    from skemo.models import BackboneEmbedding

    if kind == "none":
        return np.zeros((len(images), 1))
    if kind == "small":
        # Resized once, not per fold (nor 4x after augmentation).
        if shallnet_image_size is None:
            return images
        return check_images(images, size=shallnet_image_size)
    if kind == "features":
        return painting_features(seed, verbose).fit_transform(images)
    return BackboneEmbedding(
        backbone, weights=weights, image_size=backbone_image_size, verbose=verbose,
        random_state=seed, **EMBEDDING,
    ).fit_transform(images)
