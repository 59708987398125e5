"""Exact flip and right-angle rotation copies of images (a sampler)."""

from numbers import Integral

import numpy as np
from imblearn.base import BaseSampler
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

from skemo._validation import check_sampler_target
from skemo.io import check_images_y

# Each transform is an exact pixel permutation of an (n, H, W, C) batch.
_TRANSFORMS = {
    "hflip": lambda x: np.flip(x, axis=2),
    "vflip": lambda x: np.flip(x, axis=1),
    "rot90": lambda x: np.rot90(x, 1, axes=(1, 2)),
    "rot180": lambda x: np.rot90(x, 2, axes=(1, 2)),
    "rot270": lambda x: np.rot90(x, 3, axes=(1, 2)),
}


class FlipRotateAugmenter(BaseSampler):
    """Add flipped and right-angle-rotated copies of each image.

    A sampler in the imbalanced-learn sense: :meth:`fit_resample` returns the
    original images followed by ``n_copies`` transformed copies of each image,
    with the labels copied, as the thesis grew 500 portraits to 2,000. As
    imbalanced-learn's samplers do, it takes class labels (or their one-hot
    encoding, returned one-hot) and refuses continuous and multilabel targets;
    unlike a balancing sampler it also takes a single class, since it copies
    every image whatever its class. Every
    transform is an exact pixel permutation (no interpolation, no blur).
    Each image gets ``n_copies`` *distinct* transforms drawn at random from the
    allowed set: a horizontal and a vertical flip when ``flips`` is True, plus
    one rotation per angle in ``rotations`` (counter-clockwise). Use it in an
    :class:`imblearn.pipeline.Pipeline`, or wrap it with
    :class:`~skemo.augment.AugmentedClassifier` in a plain sklearn pipeline;
    either way only training folds are augmented.

    Parameters
    ----------
    n_copies : int, default=3
        Transformed copies per image; 0 returns the originals only. At most
        the number of allowed transforms.
    flips : bool, default=True
        Whether horizontal and vertical flips are allowed.
    rotations : tuple of {90, 180, 270}, default=(90, 180, 270)
        Allowed rotations in degrees. Rotations by 90 and 270 degrees change the
        shape of non-square images, so they raise a ``ValueError`` on such
        images: resize them to a square first, or use ``rotations=(180,)``.
    random_state : int, RandomState instance or None, default=None
        Controls which transforms each image gets.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of images added per class by the last :meth:`fit_resample`
        (``n_copies`` times the class's count), as imbalanced-learn's
        over-samplers report it.
    transforms_ : ndarray of str, shape (n_samples * (1 + n_copies),)
        Transform applied to each output image of the last
        :meth:`fit_resample` ("identity" for the originals).
    sample_indices_ : ndarray of int, shape (n_samples * (1 + n_copies),)
        Index of the original image each output image comes from.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.augment import FlipRotateAugmenter
    >>> X = np.random.default_rng(0).integers(0, 256, (4, 8, 8, 3), dtype=np.uint8)
    >>> X_res, y_res = FlipRotateAugmenter(random_state=0).fit_resample(X, [0, 1, 0, 1])
    >>> X_res.shape, X_res.dtype, y_res.tolist()
    ((16, 8, 8, 3), dtype('float32'), [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
    """

    # imbalanced-learn's kind for a sampler that follows no sampling_strategy.
    _sampling_type = "bypass"

    _parameter_constraints = {
        "n_copies": [Interval(Integral, 0, None, closed="left")],
        "flips": ["boolean"],
        "rotations": ["array-like"],
        "random_state": ["random_state"],
    }

    def __init__(self, n_copies=3, flips=True, rotations=(90, 180, 270), random_state=None):
        # No super().__init__: BaseSampler's sampling_strategy is no parameter here.
        self.n_copies = n_copies
        self.flips = flips
        self.rotations = rotations
        self.random_state = random_state

    def _allowed_transforms(self, height, width):
        rotations = list(self.rotations)
        bad = [r for r in rotations if r not in (90, 180, 270)]
        if bad or len(set(rotations)) != len(rotations):
            raise ValueError(
                "rotations must hold distinct angles from {90, 180, 270}; "
                f"got {tuple(self.rotations)!r}."
            )
        if height != width and ({90, 270} & set(rotations)):
            raise ValueError(
                f"rotations={tuple(self.rotations)!r} include 90 or 270 degrees, "
                f"which change the shape of non-square {height}x{width} images. "
                "Resize the images to a square or use rotations=(180,)."
            )
        names = ["hflip", "vflip"] if self.flips else []
        names += [f"rot{r}" for r in sorted(rotations)]
        if self.n_copies > len(names):
            raise ValueError(
                f"n_copies={self.n_copies} exceeds the {len(names)} distinct "
                f"transforms allowed by flips={self.flips} and "
                f"rotations={tuple(self.rotations)!r} ({', '.join(names) or 'none'})."
            )
        return names

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Check the images, labels and parameters.

        Parameters
        ----------
        X : array-like of shape (n_samples, height, width, 3) or list of paths
            Images (see :func:`skemo.io.check_images`).
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or their one-hot encoding.

        Returns
        -------
        self : FlipRotateAugmenter
            The checked sampler.

        Examples
        --------
        >>> import numpy as np
        >>> from skemo.augment import FlipRotateAugmenter
        >>> FlipRotateAugmenter().fit(np.zeros((2, 4, 4, 3)), [0, 1])
        FlipRotateAugmenter()
        """
        images, labels, _ = self._check_images_labels(X, y)
        self._allowed_transforms(*images.shape[1:3])
        self.sampling_strategy_ = self._added_per_class(labels)
        return self

    def _check_images_labels(self, X, y):
        labels, encode = check_sampler_target(y)
        images, labels = check_images_y(X, labels)
        return images, labels, encode

    def _added_per_class(self, labels):
        classes, counts = np.unique(labels, return_counts=True)
        return {c: int(self.n_copies * k) for c, k in zip(classes, counts)}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y):
        """Return the images followed by their transformed copies.

        Parameters
        ----------
        X : array-like of shape (n_samples, height, width, 3) or list of paths
            Images (see :func:`skemo.io.check_images`).
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or their one-hot encoding.

        Returns
        -------
        X_resampled : ndarray of shape (n_samples * (1 + n_copies), height, width, 3)
            float32 in [0, 1]: the originals, then copy 1 of every image, then
            copy 2, and so on.
        y_resampled : ndarray of shape (n_samples * (1 + n_copies),) or (..., n_classes)
            The labels, repeated in the same order, in ``y``'s encoding.

        Examples
        --------
        >>> import numpy as np
        >>> from skemo.augment import FlipRotateAugmenter
        >>> X = np.arange(24, dtype=np.uint8).reshape(2, 2, 2, 3)
        >>> aug = FlipRotateAugmenter(n_copies=1, flips=False, rotations=(180,))
        >>> X_res, y_res = aug.fit_resample(X, ["a", "b"])
        >>> bool((X_res[2] == X_res[0][::-1, ::-1]).all()), y_res.tolist()
        (True, ['a', 'b', 'a', 'b'])
        >>> aug.transforms_.tolist()
        ['identity', 'identity', 'rot180', 'rot180']
        """
        images, labels, encode = self._check_images_labels(X, y)
        self.sampling_strategy_ = self._added_per_class(labels)
        out, labels = self._fit_resample(images, labels)
        return out, encode(labels)

    def _fit_resample(self, images, labels):
        n = images.shape[0]
        names = self._allowed_transforms(*images.shape[1:3])
        rng = check_random_state(self.random_state)
        # Row i of `chosen`: the distinct transforms of image i, in copy order.
        chosen = np.argsort(rng.random_sample((n, len(names))), axis=1)[:, : self.n_copies]

        out = np.empty((n * (1 + self.n_copies),) + images.shape[1:], dtype=np.float32)
        out[:n] = images
        transforms = np.full(out.shape[0], "identity", dtype=object)
        for copy in range(self.n_copies):
            block = slice(n * (copy + 1), n * (copy + 2))
            for t, name in enumerate(names):
                idx = np.flatnonzero(chosen[:, copy] == t)
                if idx.size:
                    out[block][idx] = _TRANSFORMS[name](images[idx])
                    transforms[block][idx] = name
        self.transforms_ = transforms.astype(str)
        self.sample_indices_ = np.tile(np.arange(n), 1 + self.n_copies)
        return out, np.tile(labels, 1 + self.n_copies)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()  # imbalanced-learn's: a sampler, y required
        # Images are 4-D (n, height, width, 3), not a 2-D, sparse or pandas table.
        tags.input_tags.two_d_array = False
        tags.input_tags.sparse = False
        tags.input_tags.dataframe = False
        tags.sampler_tags.sample_indices = True
        return tags
