"""Shared base class of the image feature transformers in :mod:`skemo.features`.

``_ImageFeatures`` (alias ``ImageFeatureTransformer``) is private: subclasses live in
this subpackage only.  A subclass implements

- ``__init__`` storing its parameters untouched, including ``n_jobs=None`` and
  ``verbose=0`` (and ``random_state`` when stochastic);
- ``_parameter_constraints``: merge ``_ImageFeatures._parameter_constraints``
  (``{"n_jobs": [None, Integral], "verbose": ["verbose"]}``) with its own;
- ``_transform_images(images)``: float32 ``(m, H, W, 3)`` in [0, 1] -> float64 ``(m, n_out)``
  (REQUIRED);
- ``_feature_names()``: list of str, valid after ``fit`` (REQUIRED);
- ``_fit_images(X, y)``: optional learning hook.  ``X`` is the raw input (array or
  paths); iterate it with ``self._iter_chunks(X)`` to keep memory flat;
- ``_image_size``: optional ``None | int | (h, w)`` the images are resized to before
  ``_transform_images`` (``None`` keeps them as given).  May be a property.

``PaintingFeatures`` sets ``_working_size`` on its fitted blocks: the size the union
loads images at, so a block that learns from ``X`` in ``fit`` sees what it will see in
the union's ``transform``.

Every transformer requires ``fit`` (the scikit-learn convention), even a stateless one:
``fit`` validates the parameters once and records ``n_features_out_``; ``fit_transform``
does both in one call.  ``transform`` works in chunks of at most ``_chunk_size`` images
(smaller when several workers would otherwise get uneven shares): a list
of paths is loaded chunk by chunk inside the workers (flat peak memory, parallel JPEG
decoding), an array is sliced.  Chunks run through ``joblib.Parallel(n_jobs=self.n_jobs)``
with the default backend, so an enclosing ``joblib.parallel_backend(...)`` (e.g. Dask)
is honoured.
"""

from numbers import Integral

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import check_is_fitted

from skemo._validation import check_images, check_size, is_path_list


def _resize(images, size):
    """Resize a float32 image stack in memory through the shared ``check_images`` path."""
    if size is None:
        return images
    h, w = check_size(size)
    if images.shape[1:3] == (h, w):
        return images
    return check_images(images, size=(h, w))


def _load(raw, size):
    """Load/validate one raw chunk.

    Returns a float32 stack, or a list of single-image stacks when a path chunk loaded
    at native size holds images of different shapes (they cannot be stacked).
    """
    if size is None and is_path_list(raw):
        images = [check_images([path]) for path in raw]
        if len({img.shape for img in images}) == 1:
            return np.concatenate(images)
        return images
    return check_images(raw, size=size)


class _ImageFeatures(TransformerMixin, BaseEstimator):
    """Base class: chunked, parallel ``transform`` over images; see the module docstring."""

    _parameter_constraints: dict = {"n_jobs": [None, Integral], "verbose": ["verbose"]}
    _image_size = None
    # Set by PaintingFeatures on its blocks: the resolution the whole union loads at.
    _working_size = None
    _chunk_size = 64

    # -- hooks ----------------------------------------------------------------------
    def _fit_images(self, X, y):
        """Learn from the images; stateless transformers keep this no-op."""

    def _transform_images(self, images):  # pragma: no cover - abstract
        raise NotImplementedError

    def _feature_names(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _load_size(self):
        """Size the raw chunks are loaded at (the union overrides it)."""
        return self._image_size if self._working_size is None else self._working_size

    def _transform_loaded(self, images):
        """Features of a loaded float32 stack (the union overrides it)."""
        return self._transform_images(_resize(images, self._image_size))

    # -- machinery ------------------------------------------------------------------
    def _raw_chunks(self, X, n_workers=1):
        """Yield ``(start, raw_chunk)`` without loading anything.

        With several workers the chunks shrink (down from ``_chunk_size``) so that
        each worker gets about four: a few large chunks would leave one idle at the end.
        """
        if not is_path_list(X) and not isinstance(X, np.ndarray):
            # A list of arrays (or anything else) is validated once, as a whole.
            X = check_images(X)
        n = len(X)
        if n == 0:
            raise ValueError("X must contain at least one image, got 0.")
        step = self._chunk_size
        if n_workers > 1:
            step = max(1, min(step, -(-n // (4 * n_workers))))
        for start in range(0, n, step):
            yield start, X[start : start + step]

    def _iter_chunks(self, X, size="auto"):
        """Yield ``(start, float32 chunk)`` loaded at ``size`` (default: ``_load_size()``).

        A chunk of native-size paths with mixed shapes is yielded as a list of stacks.
        """
        size = self._load_size() if size == "auto" else size
        for start, raw in self._raw_chunks(X):
            yield start, _load(raw, size)

    def _process_raw(self, raw):
        images = _load(raw, self._load_size())
        if isinstance(images, list):
            return np.vstack([self._transform_loaded(img) for img in images])
        return self._transform_loaded(images)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the transformer (validates the parameters; stateless ones learn nothing).

        Parameters
        ----------
        X : ndarray of shape (n_images, height, width, 3) or list of paths
            Images: uint8 in [0, 255], float in [0, 1], or image file paths.
        y : array-like of shape (n_images,), default=None
            Labels, used only by transformers that learn per-class references.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._fit_images(X, y)
        self.n_features_out_ = len(self._feature_names())
        return self

    def transform(self, X):
        """Compute the features of each image.

        Parameters
        ----------
        X : ndarray of shape (n_images, height, width, 3) or list of paths
            Images: uint8 in [0, 255], float in [0, 1], or image file paths.

        Returns
        -------
        features : ndarray of shape (n_images, n_features_out_)
            float64 features, rows in input order.
        """
        check_is_fitted(self)
        chunks = list(self._raw_chunks(X, effective_n_jobs(self.n_jobs)))
        n_images = sum(len(raw) for _, raw in chunks)
        results = Parallel(n_jobs=self.n_jobs, return_as="generator")(
            delayed(self._process_raw)(raw) for _, raw in chunks
        )
        out = []
        bar = None
        if self.verbose:
            from tqdm.auto import tqdm

            bar = tqdm(total=n_images, desc=type(self).__name__, unit="img")
        for block in results:
            out.append(np.asarray(block, dtype=np.float64))
            if bar is not None:
                bar.update(len(block))
        if bar is not None:
            bar.close()
        features = np.vstack(out)
        return features.reshape(n_images, self.n_features_out_)

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : None
            Ignored; the inputs are images, not named columns.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per output column.
        """
        check_is_fitted(self)
        return np.asarray(self._feature_names(), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = False
        tags.requires_fit = True
        tags.target_tags.required = False
        return tags


ImageFeatureTransformer = _ImageFeatures
