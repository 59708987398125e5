"""CVFC: the thesis's "computer vision features + fully connected" classifier."""

from numbers import Integral

import numpy as np
import torch
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import NeuralClassifierMixin, check_skorch_kwargs, seeded, skorch_params_doc
from ._modules import CVFCModule


class CVFC(NeuralClassifierMixin):
    """Small multilayer perceptron on tabular features (the thesis's CV+FC).

    Linear(n_features, hidden_units) -> ReLU -> Linear(hidden_units,
    n_classes), trained with cross-entropy on ``n_classes`` logits. The
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
    """

    _parameter_constraints = {
        **NeuralClassifierMixin._parameter_constraints,
        "hidden_units": [Interval(Integral, 1, None, closed="left")],
        "standardize": ["boolean"],
    }

    def __init__(
        self,
        hidden_units=4,
        standardize=True,
        *,
        max_epochs=100,
        batch_size=32,
        lr=0.01,
        optimizer=torch.optim.Adam,
        callbacks=None,
        train_split=None,
        device="cpu",
        verbose=0,
        random_state=None,
        **kwargs,
    ):
        self.hidden_units = hidden_units
        self.standardize = standardize
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.callbacks = callbacks
        self.train_split = train_split
        self.device = device
        self.verbose = verbose
        self.random_state = random_state
        self._skorch_kwargs = check_skorch_kwargs(kwargs, "CVFC")

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn the standardization, then train the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Feature matrix, e.g. the output of ``PaintingFeatures``.
        y : array-like of shape (n_samples,)
            Labels of any hashable type.

        Returns
        -------
        self : CVFC
            The fitted classifier.
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        y_enc = self._encode_labels(y)
        if self.standardize:
            self.mean_ = X.mean(axis=0)
            scale = X.std(axis=0)
            self.scale_ = np.where(scale > 1e-12 * np.maximum(1.0, np.abs(self.mean_)), scale, 1.0)
        else:
            self.mean_ = np.zeros(X.shape[1])
            self.scale_ = np.ones(X.shape[1])
        Xt = torch.from_numpy(self._standardize(X))
        with seeded(self.random_state, self.device) as seed:
            module = CVFCModule(X.shape[1], self.hidden_units, len(self.classes_))
            self.net_ = self._make_net(module, seed)
            self.net_.fit(Xt, y_enc)
        return self

    def _standardize(self, X):
        return ((X - self.mean_) / self.scale_).astype(np.float32)

    def _logits(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        Xt = torch.from_numpy(self._standardize(X))
        return self._forward_batches(torch.split(Xt, self.batch_size))


CVFC.__doc__ = CVFC.__doc__ % {"skorch_params": skorch_params_doc(100, 32, 0.01)}
