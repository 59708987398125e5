"""The input pipeline's knobs, shared by every skorch-backed estimator that reads images."""

from numbers import Integral

from sklearn.utils._param_validation import Interval, StrOptions


class _ReadsImages:
    """Mixin of the skorch estimators that read images: the input pipeline's knobs.

    ``n_jobs`` decoding threads, ``prefetch`` batches decoded ahead, the JPEG
    ``decoder`` and, for training on files, ``cache``; the batches go to ``device``
    (:mod:`skemo.io._pipeline`).
    """

    _parameter_constraints = {
        "n_jobs": [None, Integral],
        "prefetch": [Interval(Integral, 0, 64, closed="both")],
        "decoder": [StrOptions({"pil", "torchvision"})],
        "cache": ["boolean", StrOptions({"auto"})],
    }

    def __init__(self, *, n_jobs=None, prefetch=2, decoder="pil", cache="auto", **kwargs):
        self.n_jobs = n_jobs
        self.prefetch = prefetch
        self.decoder = decoder
        self.cache = cache
        super().__init__(**kwargs)

    def _stream_options(self):
        """The pipeline's keyword arguments: ``n_jobs``, ``prefetch``, ``decoder``, ``device``."""
        return {"n_jobs": self.n_jobs, "prefetch": self.prefetch, "decoder": self.decoder,
                "device": self.device}

    def _training_images(self, X, size):
        """Training images as a float32 tensor (arrays), or from files: cached 8-bit or
        streamed each epoch (:func:`skemo.io._pipeline.training_images`)."""
        from skemo.io._pipeline import training_images

        return training_images(X, size, cache=self.cache, n_jobs=self.n_jobs,
                               prefetch=self.prefetch)
