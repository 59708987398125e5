"""Shared base class of the image feature transformers in :mod:`skemo.features`.

``_ImageFeatures`` is private: subclasses live in this subpackage only.  A subclass
implements

- ``__init__`` storing its parameters untouched, including ``n_jobs=None`` and
  ``verbose=0`` (and ``random_state`` when stochastic, ``image_size`` when it works
  at a fixed resolution);
- ``_parameter_constraints``: merge ``_ImageFeatures._parameter_constraints``
  (``{"n_jobs": [None, Integral], "verbose": ["verbose"]}``) with its own;
- ``_transform_images(images)``: float32 ``(m, H, W, 3)`` in [0, 1] -> float64
  ``(m, n_out)`` (REQUIRED).  It runs in worker threads, so heavy work belongs in
  numpy calls or ``nogil`` numba kernels;
- ``_feature_names()``: list of str, valid after ``fit`` (REQUIRED);
- ``_fit_images(X, y)``: optional learning hook.  ``X`` is the raw input (array or
  paths); iterate it with ``self._loaded_chunks(X)`` to keep memory flat.

A block with an ``image_size`` parameter gets its images resized to it before
``_transform_images``; ``None`` (and blocks without one) keep them as given.
``PaintingFeatures`` sets ``_union_image_size`` on its fitted blocks: the resolution
the union loads images at, so a block that learns from ``X`` in ``fit`` sees what it
will see in the union's ``transform``.

Every transformer requires ``fit`` (the scikit-learn convention), even a stateless one:
``fit`` validates the parameters once and records ``n_features_out_``; ``fit_transform``
does both in one call.  ``transform`` works in chunks of at most ``_chunk_size`` images
(fewer when several workers would otherwise get uneven shares): a list of paths is
loaded chunk by chunk inside the workers (flat peak memory, parallel JPEG decoding),
an array is sliced.  Chunks run through ``joblib.Parallel(n_jobs, prefer="threads")``:
decoding and the feature kernels release the GIL, so threads scale without a process
start-up or a per-worker compilation, and the results are bit-identical to
``n_jobs=1``.  About an eighth of a chunk's time still holds the GIL (per-image Python
work, Pillow's conversions, small numpy reductions), which caps threads near 6x, so
more than ``_max_threads`` (8) workers on files run in processes (joblib's loky), each
decoding and computing its chunks; the results are the same.  ``prefer`` is only a
hint, so an enclosing
``joblib.parallel_backend(...)`` (e.g. Dask or Ray) is still honoured; a backend
that cannot stream results (Ray's) returns them all at once.
"""

from numbers import Integral

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import check_is_fitted

from skemo._validation import check_size, image_chunks, is_path_list, resize_images
from skemo.io import check_images
from skemo.io._check import release_freed_memory
from skemo.io._pipeline import THREAD_LIMIT


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
    """Base class: chunked, threaded ``transform`` over images; see the module docstring."""

    _parameter_constraints: dict = {"n_jobs": [None, Integral], "verbose": ["verbose"]}
    # Set by PaintingFeatures on its blocks: the resolution the whole union loads at.
    _union_image_size = None
    # Small chunks keep a chunk's images in the core's cache from one block to the
    # next (8 images at 224 px are 4.8 MB of float32): threads make them cheap, and
    # two workers ran 1.85x one, against 1.68x with chunks of 32.
    _chunk_size = 8
    # Worker threads up to this many; more workers on files are processes.
    _max_threads = THREAD_LIMIT

    # -- hooks ----------------------------------------------------------------------
    def _fit_images(self, X, y):
        """Learn from the images; stateless transformers keep this no-op."""

    def _transform_images(self, images):  # pragma: no cover - abstract
        raise NotImplementedError

    def _feature_names(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _load_size(self):
        """Size the raw chunks are loaded at (the union overrides it)."""
        if self._union_image_size is not None:
            return self._union_image_size
        return getattr(self, "image_size", None)

    def _transform_loaded(self, images):
        """Features of a loaded float32 stack (the union overrides it)."""
        return self._transform_images(resize_images(images, getattr(self, "image_size", None)))

    # -- machinery ------------------------------------------------------------------
    def _chunks(self, X, n_workers=1):
        """``(start, raw chunk)`` pairs; with several workers, about four chunks each."""
        n = len(X) if is_path_list(X) or isinstance(X, np.ndarray) else None
        step = self._chunk_size
        if n_workers > 1 and n:
            step = max(1, min(step, -(-n // (4 * n_workers))))
        return image_chunks(X, step)

    def _loaded_chunks(self, X):
        """Yield ``(start, float32 chunk)`` loaded at ``_load_size()``.

        A chunk of native-size paths with mixed shapes is yielded as a list of stacks.
        """
        size = self._load_size()
        for start, raw in self._chunks(X):
            images = _load(raw, size)
            yield start, images
            if isinstance(raw, list):  # decoded files: keep the heap flat
                del images
                release_freed_memory()

    def _process_raw(self, raw):
        images = _load(raw, self._load_size())
        if isinstance(images, list):
            out = np.vstack([self._transform_loaded(img) for img in images])
        else:
            out = np.asarray(self._transform_loaded(images), dtype=np.float64)
        if isinstance(raw, list):
            # Decoding files of varied sizes fragments the heap; hand the free
            # pages back so the resident size stays flat in the number of files.
            del images
            release_freed_memory()
        return out

    @_fit_context(prefer_skip_nested_validation=False)
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
        self._load_kernels()
        return self

    def _load_kernels(self):
        """Run transform's kernels once, on one small synthetic image.

        In a fresh process, numba loads its compiled kernels from the cache on their
        first call: about half a second, under a lock, whatever ``n_jobs`` is. Paid
        here, in ``fit``, the first ``transform`` is all work that parallelises.
        """
        height, width = check_size(self._load_size()) or (16, 16)
        ramp = np.linspace(0.0, 1.0, height * width, dtype=np.float32).reshape(height, width)
        image = np.stack([ramp, ramp.T if height == width else ramp[::-1], ramp ** 2], axis=-1)
        self._transform_loaded(image[None])

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
        n_workers = effective_n_jobs(self.n_jobs)
        chunks = list(self._chunks(X, n_workers))
        n_images = sum(len(raw) for _, raw in chunks)
        # Files past _max_threads workers go to processes: each decodes and computes a
        # chunk with no GIL to share (in threads, the 12 % of a chunk's time that holds
        # the GIL caps the speed-up near 6x; see skemo.io._pipeline.THREAD_LIMIT).
        prefer = "processes" if n_workers > self._max_threads and is_path_list(X) else "threads"
        try:
            parallel = Parallel(n_jobs=self.n_jobs, prefer=prefer, return_as="generator")
        except ValueError as exc:
            # A backend without result generators (Ray's): the results come as a list.
            if "return_as" not in str(exc):
                raise
            parallel = Parallel(n_jobs=self.n_jobs, prefer=prefer)
        results = parallel(delayed(self._process_raw)(raw) for _, raw in chunks)
        out = []
        bar = None
        if self.verbose:
            from tqdm.auto import tqdm

            bar = tqdm(total=n_images, desc=type(self).__name__, unit="img")
        for block in results:
            out.append(block)
            if bar is not None:
                bar.update(len(block))
        if bar is not None:
            bar.close()
        return np.vstack(out).reshape(n_images, self.n_features_out_)

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
