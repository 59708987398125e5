"""GANAugmenter: GAN-made images as an imbalanced-learn over-sampler."""

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_sampling_strategy
from sklearn.base import _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods

from skemo._validation import check_sampler_target, resize_images
from skemo.io import check_images_y

from ._gans import DCGAN

__all__ = ["GANAugmenter"]


class GANAugmenter(BaseOverSampler):
    """Add GAN-generated images to the training set (an over-sampler).

    The thesis's plan: train a GAN on the training paintings and add its
    samples as extra training data. :meth:`fit_resample` trains one
    conditional GAN on all the training images (or one unconditional GAN
    per class with ``per_class=True``), draws as many images per class as
    ``sampling_strategy`` asks for, and returns the original images followed
    by the generated ones, resized to the originals' size, with their labels.

    It follows imbalanced-learn's sampler contract, so it works inside
    :class:`imblearn.pipeline.Pipeline` and inside
    :class:`~skemo.augment.AugmentedClassifier`; either way only the
    training part of each split is resampled, and no generated image reaches
    a validation or test fold. It has no ``transform`` (imbalanced-learn's
    Pipeline refuses a step with both).

    Parameters
    ----------
    gan : GAN estimator or None, default=None
        The GAN to train (cloned; its ``conditional`` and ``random_state``
        are set here); None is :class:`DCGAN` with its defaults.
        ``augmenter__gan__max_epochs`` and the like reach it in a grid search.
    sampling_strategy : float, str, dict or callable, default="auto"
        imbalanced-learn's meaning for over-samplers: ``"auto"`` adds images
        to every class but the majority until the classes are balanced; a
        float (binary problems only) is the minority/majority ratio to reach;
        a dict maps classes to the number of samples wanted; a callable
        returns such a dict from ``y``.
    per_class : bool, default=False
        Train one unconditional GAN per class that gets samples, instead of
        one conditional GAN.
    random_state : int, RandomState instance or None, default=None
        Seeds the GANs and their samples.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of images added per class.
    gans_ : dict
        The fitted GANs: ``{None: gan}`` for the conditional GAN, or
        ``{class: gan}`` with ``per_class=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.gan import DCGAN, GANAugmenter
    >>> X = np.random.default_rng(0).integers(0, 256, (12, 16, 16, 3), dtype=np.uint8)
    >>> y = np.array([0] * 8 + [1] * 4)
    >>> gan = DCGAN(image_size=16, max_epochs=1, batch_size=8)
    >>> X_res, y_res = GANAugmenter(gan, random_state=0).fit_resample(X, y)
    >>> X_res.shape, np.bincount(y_res).tolist()
    ((16, 16, 16, 3), [8, 8])
    """

    _parameter_constraints = {
        **BaseOverSampler._parameter_constraints,
        "gan": [None, HasMethods(["fit", "sample"])],
        "per_class": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(self, gan=None, sampling_strategy="auto", per_class=False, random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.gan = gan
        self.per_class = per_class
        self.random_state = random_state

    def _check_X_y(self, X, y, accept_sparse=None):
        # imblearn's own check accepts 2-D tables only: images are 4-D or paths.
        labels, encode = check_sampler_target(y)
        X, labels = check_images_y(X, labels)
        return X, labels, encode

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_resample(self, X, y):
        """Train the GAN(s) on ``(X, y)`` and add their samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W, 3) or list of paths
            Training images.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Their classes, or the classes' one-hot encoding.

        Returns
        -------
        X_resampled : ndarray of shape (n_samples + n_added, H, W, 3), dtype float32
            The original images, then the generated ones.
        y_resampled : ndarray of shape (n_samples + n_added,) or (..., n_classes)
            Their labels, in ``y``'s encoding (one-hot stays one-hot, as with
            imbalanced-learn's over-samplers).
        """
        X, y, encode = self._check_X_y(X, y)
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y, self._sampling_type
        )
        # imblearn's ArraysTransformer would turn the images back into a list
        # when X was a list of paths: the arrays are returned as they are.
        X_res, y_res = self._fit_resample(X, y)
        return X_res, encode(y_res)

    def _fit_resample(self, X, y):
        rs = check_random_state(self.random_state)
        wanted = {c: n for c, n in self.sampling_strategy_.items() if n > 0}
        base = DCGAN() if self.gan is None else self.gan
        self.gans_ = {}
        new_images, new_labels = [], []
        if self.per_class:
            for label, n in wanted.items():
                gan = clone(base).set_params(conditional=False, random_state=_seed(rs))
                self.gans_[label] = gan.fit(X[y == label])
                new_images.append(gan.sample(n, random_state=_seed(rs)))
                new_labels.append(np.full(n, label, dtype=y.dtype))
        elif wanted:
            gan = clone(base).set_params(conditional=True, random_state=_seed(rs))
            self.gans_[None] = gan.fit(X, y)
            labels = np.concatenate([np.full(n, c, dtype=y.dtype) for c, n in wanted.items()])
            new_images.append(gan.sample(len(labels), y=labels, random_state=_seed(rs)))
            new_labels.append(labels)
        if not new_images:
            return X, y
        generated = np.concatenate(new_images).astype(np.float32) / np.float32(255.0)
        generated = resize_images(generated, X.shape[1:3])
        return np.concatenate([X, generated]), np.concatenate([y, *new_labels])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.sparse = False
        tags.input_tags.dataframe = False
        return tags


def _seed(rs):
    return int(rs.randint(np.iinfo(np.int32).max))
