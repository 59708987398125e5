"""A meta-classifier that augments its training data, and only that."""

from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, column_or_1d


def _estimator_has(attr):
    def check(self):
        est = self.estimator_ if hasattr(self, "estimator_") else self.estimator
        getattr(est, attr)  # AttributeError hides the method, as available_if wants
        return True

    return check


class AugmentedClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Fit a classifier on resampled (augmented) data; predict on the data as is.

    :meth:`fit` clones ``augmenter`` and ``estimator``, calls
    ``augmenter.fit_resample(X, y)`` and fits the estimator on the result.
    :meth:`predict`, :meth:`predict_proba`, :meth:`decision_function` and
    :meth:`score` call the fitted estimator on the *unaugmented* ``X``. So in a
    plain sklearn :class:`~sklearn.pipeline.Pipeline`, ``cross_validate`` or
    :class:`~sklearn.model_selection.GridSearchCV`, synthetic samples are made
    from, and only seen by, the training folds, never a validation fold.

    Parameters
    ----------
    augmenter : object with ``fit_resample(X, y)``
        Any sampler: :class:`~skemo.augment.FlipRotateAugmenter`, or an
        imbalanced-learn sampler such as ``RandomOverSampler``.
    estimator : classifier
        The classifier fitted on the resampled data.

    Attributes
    ----------
    augmenter_ : object
        The fitted clone of ``augmenter``.
    estimator_ : classifier
        The fitted clone of ``estimator``.
    classes_ : ndarray of shape (n_classes,)
        The estimator's classes.

    Examples
    --------
    >>> from imblearn.over_sampling import RandomOverSampler
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skemo.augment import AugmentedClassifier
    >>> X, y = [[0.0], [0.1], [0.2], [1.0], [1.1]], [0, 0, 0, 1, 1]
    >>> clf = AugmentedClassifier(RandomOverSampler(random_state=0), LogisticRegression())
    >>> clf.fit(X, y).predict([[0.05], [1.05]]).tolist()
    [0, 1]
    >>> clf.classes_.tolist()
    [0, 1]
    """

    _parameter_constraints = {
        "augmenter": [HasMethods(["fit_resample"])],
        "estimator": [HasMethods(["fit", "predict"])],
    }

    def __init__(self, augmenter, estimator):
        self.augmenter = augmenter
        self.estimator = estimator

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Resample ``X, y`` with the augmenter, then fit the estimator on it.

        Parameters
        ----------
        X : array-like
            Training data, in whatever form the augmenter takes.
        y : array-like of shape (n_samples,)
            Labels.
        **fit_params : dict
            Passed to the estimator's ``fit``.

        Returns
        -------
        self : AugmentedClassifier
            The fitted meta-estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> from skemo.augment import AugmentedClassifier, FlipRotateAugmenter
        >>> X = np.random.default_rng(0).random((6, 4, 4, 3))
        >>> class Flat(DecisionTreeClassifier):
        ...     def fit(self, X, y):
        ...         return super().fit(X.reshape(len(X), -1), y)
        >>> clf = AugmentedClassifier(FlipRotateAugmenter(random_state=0), Flat())
        >>> clf.fit(X, [0, 1, 0, 1, 0, 1]).estimator_.n_features_in_
        48
        """
        # Single-output: a column vector y is flattened with the usual warning,
        # which a sampler in between would otherwise swallow.
        y = column_or_1d(y, warn=True)
        self.augmenter_ = clone(self.augmenter)
        X_res, y_res = self.augmenter_.fit_resample(X, y)
        self.estimator_ = clone(self.estimator).fit(X_res, y_res, **fit_params)
        return self

    @property
    def classes_(self):
        """Class labels, from the fitted estimator."""
        check_is_fitted(self)
        return self.estimator_.classes_

    @property
    def n_features_in_(self):
        """Number of features seen by the estimator (when it records it)."""
        check_is_fitted(self)
        return self.estimator_.n_features_in_

    @property
    def feature_names_in_(self):
        """Feature names seen by the estimator (when it records them)."""
        check_is_fitted(self)
        return self.estimator_.feature_names_in_

    def predict(self, X):
        """Predict labels with the fitted estimator on ``X`` as is.

        Parameters
        ----------
        X : array-like
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.

        Examples
        --------
        >>> from imblearn.over_sampling import RandomOverSampler
        >>> from sklearn.dummy import DummyClassifier
        >>> from skemo.augment import AugmentedClassifier
        >>> clf = AugmentedClassifier(RandomOverSampler(), DummyClassifier())
        >>> clf.fit([[0], [1], [2]], ["a", "a", "b"]).predict([[5]]).tolist()
        ['a']
        """
        check_is_fitted(self)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the fitted estimator on ``X`` as is.

        Parameters
        ----------
        X : array-like
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.

        Examples
        --------
        >>> from imblearn.over_sampling import RandomOverSampler
        >>> from sklearn.dummy import DummyClassifier
        >>> from skemo.augment import AugmentedClassifier
        >>> clf = AugmentedClassifier(RandomOverSampler(random_state=0), DummyClassifier())
        >>> clf.fit([[0], [1], [2]], ["a", "a", "b"]).predict_proba([[5]])
        array([[0.5, 0.5]])
        """
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities from the fitted estimator on ``X`` as is.

        Parameters
        ----------
        X : array-like
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns in the order of ``classes_``.

        Examples
        --------
        >>> from imblearn.over_sampling import RandomOverSampler
        >>> from sklearn.dummy import DummyClassifier
        >>> from skemo.augment import AugmentedClassifier
        >>> clf = AugmentedClassifier(RandomOverSampler(random_state=0), DummyClassifier())
        >>> clf.fit([[0], [1], [2]], [0, 0, 1]).predict_log_proba([[5]]).round(3)
        array([[-0.693, -0.693]])
        """
        check_is_fitted(self)
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the fitted estimator on ``X`` as is.

        Parameters
        ----------
        X : array-like
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The estimator's decision values.

        Examples
        --------
        >>> from imblearn.over_sampling import RandomOverSampler
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skemo.augment import AugmentedClassifier
        >>> clf = AugmentedClassifier(RandomOverSampler(random_state=0), LogisticRegression())
        >>> clf.fit([[0], [1], [2]], [0, 0, 1]).decision_function([[2]]).shape
        (1,)
        """
        check_is_fitted(self)
        return self.estimator_.decision_function(X)

    def score(self, X, y, sample_weight=None):
        """Score of the fitted estimator on ``X``, ``y`` as is (accuracy by default).

        Parameters
        ----------
        X : array-like
            Samples.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            The estimator's ``score``.

        Examples
        --------
        >>> from imblearn.over_sampling import RandomOverSampler
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skemo.augment import AugmentedClassifier
        >>> X, y = [[0.0], [0.1], [1.0], [1.1]], [0, 0, 1, 1]
        >>> clf = AugmentedClassifier(RandomOverSampler(random_state=0), LogisticRegression())
        >>> clf.fit(X, y).score(X, y)
        1.0
        """
        check_is_fitted(self)
        if sample_weight is None:
            return self.estimator_.score(X, y)
        return self.estimator_.score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        est_tags = get_tags(self.estimator)
        aug_tags = get_tags(self.augmenter)
        tags.input_tags.sparse = est_tags.input_tags.sparse and aug_tags.input_tags.sparse
        tags.input_tags.allow_nan = (
            est_tags.input_tags.allow_nan and aug_tags.input_tags.allow_nan
        )
        tags.input_tags.two_d_array = aug_tags.input_tags.two_d_array
        return tags
