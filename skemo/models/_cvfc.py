"""CVFC and CVFCRegressor: the thesis's "computer vision features + fully connected" model."""

from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import validate_data

from skemo._skorch import _SkorchEstimator

from ._base import _SkorchClassifier, _SkorchRegressor
from ._modules import CVFCModule


class _CVFCFamily(_SkorchEstimator):
    """The tabular input and the module of CVFC and CVFCRegressor (not public)."""

    _module = CVFCModule
    _parameter_constraints = {
        "hidden_units": [Interval(Integral, 1, None, closed="left")],
        "standardize": ["boolean"],
    }

    def __init__(
        self, hidden_units=4, standardize=True, *, max_epochs=100, batch_size=32, lr=0.01,
        **kwargs,
    ):
        self.hidden_units = hidden_units
        self.standardize = standardize
        super().__init__(max_epochs=max_epochs, batch_size=batch_size, lr=lr, **kwargs)

    def fit(self, X, y):
        """Learn the standardization, then train the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Feature matrix, e.g. the output of ``PaintingFeatures``.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Labels of any hashable type (CVFC), or ratings (CVFCRegressor).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y)

    def _fit_input(self, X, y, first):
        X, y = validate_data(
            self, X, y, reset=first, dtype=np.float64, multi_output=self._multi_output_y
        )
        if first and self.standardize:
            self.mean_ = X.mean(axis=0)
            scale = X.std(axis=0)
            self.scale_ = np.where(scale > 1e-12 * np.maximum(1.0, np.abs(self.mean_)), scale, 1.0)
        elif first:
            self.mean_ = np.zeros(X.shape[1])
            self.scale_ = np.ones(X.shape[1])
        return torch.from_numpy(self._standardize(X)), y

    def _module_params(self):
        return {
            "n_features": self.n_features_in_,
            "hidden_units": self.hidden_units,
            "n_outputs": self._n_outputs(),
        }

    def _standardize(self, X):
        return ((X - self.mean_) / self.scale_).astype(np.float32)

    def _predict_batches(self, X):
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return torch.split(torch.from_numpy(self._standardize(X)), self.batch_size)


class CVFC(_CVFCFamily, _SkorchClassifier):
    """Small multilayer perceptron on tabular features (the thesis's CV+FC).

    Linear(n_features, hidden_units) -> ReLU -> Linear(hidden_units,
    n_classes), trained with cross-entropy on ``n_classes`` logits
    (``module__dropout=p`` adds dropout on the hidden units). The
    thesis used 13 hand-crafted features -> 4 units -> softmax, with Adam.
    Standardization is learned in ``fit``, so
    ``Pipeline([("feat", PaintingFeatures()), ("clf", CVFC())])`` needs no
    extra scaler.

    Parameters
    ----------
    hidden_units : int, default=4
        Width of the hidden layer.
    standardize : bool, default=True
        Center and scale each feature with statistics learned in ``fit``.
%(skorch_params)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels seen in ``fit``, in the order of ``predict_proba`` columns.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when ``X`` is a DataFrame with string column names.
    mean_ : ndarray of shape (`n_features_in_`,)
        Feature means (zeros when ``standardize=False``).
    scale_ : ndarray of shape (`n_features_in_`,)
        Feature standard deviations, 1 where a feature is constant.
    net_ : skorch.NeuralNetClassifier
        The fitted skorch net; ``module_`` is its torch module and
        ``history_`` its training history.

    See Also
    --------
    ShallNet : A shallow CNN on the images themselves.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.models import CVFC
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 3))
    >>> y = np.where(X[:, 0] > 0, "calm", "tense")
    >>> clf = CVFC(max_epochs=60, lr=0.05, batch_size=64, random_state=0).fit(X, y)
    >>> clf.classes_
    array(['calm', 'tense'], dtype='<U5')
    >>> float(clf.score(X, y)) > 0.9
    True

    ``partial_fit`` (or ``warm_start=True``) trains on from these weights:

    >>> len(clf.partial_fit(X, y).history_)
    120
    """

    _parameter_constraints = {
        **_SkorchClassifier._parameter_constraints,
        **_CVFCFamily._parameter_constraints,
    }


class CVFCRegressor(_CVFCFamily, _SkorchRegressor):
    """CV+FC for ratings: the thesis's small perceptron, predicting valence and arousal.

    Linear(n_features, hidden_units) -> ReLU -> Linear(hidden_units,
    n_outputs), trained on standardised targets with a mean squared error (or
    Huber) loss. ``y`` of shape ``(n_samples,)`` predicts one rating,
    ``(n_samples, 2)`` valence and arousal together. Features are standardised
    in ``fit`` as in :class:`CVFC`.

    Parameters
    ----------
    hidden_units : int, default=4
        Width of the hidden layer.
    standardize : bool, default=True
        Center and scale each feature with statistics learned in ``fit``.
    loss : {"mse", "huber"}, default="mse"
        Mean squared error, or the Huber loss (quadratic within one standard
        deviation of the target, linear beyond), which lets a few odd ratings
        pull less.
%(skorch_params)s

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    target_mean_, target_scale_ : ndarray of shape (n_outputs,)
        Mean and standard deviation of each target in the first fit.
    n_features_in_ : int
        Number of features seen in ``fit``.
    mean_, scale_ : ndarray of shape (`n_features_in_`,)
        Feature standardisation.
    net_ : skorch.NeuralNetRegressor
        The fitted skorch net.

    See Also
    --------
    CVFC : The classifier twin.
    TransferRegressor : Ratings from a pretrained backbone.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.models import CVFCRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(80, 3))
    >>> y = np.c_[4 + X[:, 0], 3 - X[:, 1]]          # valence and arousal on a 1-7 scale
    >>> reg = CVFCRegressor(hidden_units=8, max_epochs=100, lr=0.05, random_state=0).fit(X, y)
    >>> reg.predict(X).shape, bool(reg.score(X, y) > 0.8)
    ((80, 2), True)
    """

    _parameter_constraints = {
        **_SkorchRegressor._parameter_constraints,
        **_CVFCFamily._parameter_constraints,
    }
