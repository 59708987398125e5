"""The classifier and regressor layers of the skorch estimators, and image input helpers.

:class:`_SkorchClassifier` adds to :class:`~skemo._skorch._SkorchEstimator`
what skorch leaves to the user: any labels (strings included), fixed in
``classes_`` by the first fit and encoded for a
:class:`skorch.NeuralNetClassifier` trained with cross-entropy, a softmax
``predict_proba`` whose rows sum to 1 in float64, and ``predict`` in the
original label space. :class:`_SkorchRegressor` does the same for ratings:
one or several targets, standardised inside ``fit`` and predicted in their
original units, with an MSE or Huber loss.

A model family (CV+FC, transfer learning) adds its torch module and its input
handling, once for both: ``_fit_input`` (training data, learning what stays
fixed on the first fit), ``_module_params`` (with ``self._n_outputs()``
outputs) and ``_predict_batches`` (tensor batches for prediction).
"""

import numpy as np
import torch
from scipy.special import softmax
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.utils import to_tensor

from skemo._inputs import _ReadsImages
from skemo._skorch import _SkorchEstimator
from skemo._torch import forward_batches
from skemo.io import stream_images


class _TakesBytes:
    """skorch nets whose image input may come as uint8 (files cached or streamed):
    converted on the device to float32 in [0, 1], as numpy divides, before the module."""

    def infer(self, x, **fit_params):
        x = to_tensor(x, device=self.device)
        if isinstance(x, torch.Tensor) and x.dtype == torch.uint8:
            x = x.float() / 255
        return super().infer(x, **fit_params)


class ImageClassifierNet(_TakesBytes, NeuralNetClassifier):
    """skorch's ``NeuralNetClassifier``, taking uint8 images too."""


class ImageRegressorNet(_TakesBytes, NeuralNetRegressor):
    """skorch's ``NeuralNetRegressor``, taking uint8 images too."""


class _SkorchClassifier(ClassifierMixin, _SkorchEstimator):
    """Base of skemo's skorch classifiers (not public)."""

    _net_class = ImageClassifierNet
    _criterion = torch.nn.CrossEntropyLoss
    _multi_output_y = False

    def _fit_data(self, X, y, first, classes=None):
        data, y = self._fit_input(X, y, first=first)
        check_classification_targets(y)
        return data, self._encode_labels(y, first, classes)

    def _n_outputs(self):
        return len(self.classes_)

    def _net_params(self, seed=None):
        return {**super()._net_params(seed), "classes": list(range(len(self.classes_)))}

    def predict_proba(self, X):
        """Class probabilities (softmax of the logits), rows summing to 1.

        Parameters
        ----------
        X : array-like
            Input in the format ``fit`` accepts.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        check_is_fitted(self)
        logits = self._infer(self._predict_batches(X))
        return softmax(logits.astype(np.float64), axis=1)

    def predict(self, X):
        """Predict labels in the original label space.

        Parameters
        ----------
        X : array-like
            Input in the format ``fit`` accepts.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class _SkorchRegressor(RegressorMixin, _SkorchEstimator):
    """Base of skemo's skorch regressors (not public).

    Targets are standardised with the mean and standard deviation of the first
    fit (``target_mean_``, ``target_scale_``), so the loss weighs valence and
    arousal alike and the head's initialisation suits any rating scale;
    ``predict`` maps back to the original units.
    """

    _net_class = ImageRegressorNet
    _multi_output_y = True
    _LOSSES = {"mse": torch.nn.MSELoss, "huber": torch.nn.HuberLoss}
    _parameter_constraints = {
        **_SkorchEstimator._parameter_constraints,
        "loss": [StrOptions(set(_LOSSES))],
    }

    def __init__(self, *, loss="mse", **kwargs):
        self.loss = loss
        super().__init__(**kwargs)

    @property
    def _criterion(self):
        return self._LOSSES[self.loss]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _n_outputs(self):
        return self.n_outputs_

    def _fit_data(self, X, y, first, classes=None):
        data, y = self._fit_input(X, y, first=first)
        y = np.asarray(y, dtype=np.float64)
        if y.ndim not in (1, 2) or not np.isfinite(y).all():
            raise ValueError(
                f"y must be a finite 1-D or 2-D array of ratings; got shape {y.shape}"
                f"{'' if np.isfinite(y).all() else ' with NaN or infinite values'}."
            )
        y2 = y.reshape(len(y), -1)
        if first:
            self.n_outputs_ = y2.shape[1]
            self.target_mean_ = y2.mean(axis=0)
            scale = y2.std(axis=0)
            self.target_scale_ = np.where(scale > 0, scale, 1.0)
        elif y2.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y2.shape[1]} targets but the first fit had {self.n_outputs_}."
            )
        standard = (y2 - self.target_mean_) / self.target_scale_
        return data, torch.from_numpy(standard.astype(np.float32))

    def predict(self, X):
        """Predict the ratings in their original units.

        Parameters
        ----------
        X : array-like
            Input in the format ``fit`` accepts.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            One column per target; 1-D for a single target, as scikit-learn's
            regressors do.
        """
        check_is_fitted(self)
        out = self._infer(self._predict_batches(X)).astype(np.float64)
        out = out * self.target_scale_ + self.target_mean_
        return out[:, 0] if self.n_outputs_ == 1 else out


class _ImageClassifier(_ReadsImages, _SkorchClassifier):
    """Base of the skorch classifiers that take images (not public)."""

    _parameter_constraints = {**_SkorchClassifier._parameter_constraints,
                              **_ReadsImages._parameter_constraints}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        return tags


def image_batches(X, batch_size, size, sizes=None, **stream):
    """Yield ``(b, 3, H, W)`` float32 tensors of images or image files, in order.

    Through the input pipeline (:func:`skemo.io.stream_images`; ``stream`` holds its
    ``n_jobs``, ``prefetch`` and ``device``): files are decoded ahead in parallel,
    at most ``prefetch`` batches ahead, so memory stays flat in the number of files.
    The ``(height, width)`` of each batch is appended to ``sizes`` when given.
    """
    for batch in stream_images(X, batch_size, size, **stream):
        images = batch.images
        del batch  # no reference may outlive the consumer's, or the heap trim is in vain
        if sizes is not None:
            sizes.append(tuple(int(s) for s in images.shape[2:4]))
        yield images
        del images


def embed_images(embed, X, size, batch_size, device, verbose=0, module=None, **stream):
    """Run ``embed`` (tensor ``(b, 3, H, W)`` -> ``(b, d)``) over images in batches.

    ``module`` (e.g. the one ``embed`` belongs to) is held in eval mode
    meanwhile. Returns a float32 CPU tensor ``(n, d)`` and the
    ``(height, width)`` the images had.
    """
    from tqdm.auto import tqdm

    sizes = []
    batches = tqdm(
        image_batches(X, batch_size, size, sizes, device=device, **stream),
        disable=not verbose, desc="embedding", unit="batch",
    )
    return forward_batches(embed, batches, device, module=module), sizes[-1]
