"""Tests for skemo.augment: FlipRotateAugmenter and AugmentedClassifier."""

import pickle

import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
    parametrize_with_checks,
)

from skemo.io import check_images
from skemo.augment import AugmentedClassifier, FlipRotateAugmenter

# Oracles for each transform, on a single (H, W, C) image.
REFERENCE = {
    "identity": lambda im: im,
    "hflip": lambda im: np.flip(im, axis=1),
    "vflip": lambda im: np.flip(im, axis=0),
    "rot90": lambda im: np.rot90(im, 1),
    "rot180": lambda im: np.rot90(im, 2),
    "rot270": lambda im: np.rot90(im, 3),
}


def _images(n=12, h=8, w=8, seed=0):
    # Distinct pixel values make every non-identity transform visible.
    return np.random.default_rng(seed).integers(0, 256, size=(n, h, w, 3), dtype=np.uint8)


def _flatten(X):
    # Like every skemo image estimator, scale uint8 and [0, 1] input alike:
    # the augmenter hands float32 to fit, predict gets the caller's dtype.
    return check_images(X).reshape(len(X), -1)


class FlatLogisticRegression(LogisticRegression):
    """Logistic regression on flattened images."""

    def fit(self, X, y, sample_weight=None):
        return super().fit(_flatten(X), y, sample_weight)

    def decision_function(self, X):  # predict and predict_proba go through it
        return super().decision_function(_flatten(X))


class Recorder(ClassifierMixin, BaseEstimator):
    """Predicts the first class; records what fit and predict see."""

    log = []

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.n_fit_ = len(X)
        self.X_fit_ = np.array(X)
        Recorder.log.append(("fit", np.array(X)))
        return self

    def predict(self, X):
        Recorder.log.append(("predict", np.array(X)))
        return np.full(len(X), self.classes_[0])


# ---------------------------------------------------------------- augmenter


@pytest.mark.parametrize("n_copies", [0, 1, 3, 5])
def test_fit_resample_counts_labels_and_exact_permutations(n_copies):
    X = _images()
    y = np.arange(len(X)) % 3
    aug = FlipRotateAugmenter(n_copies=n_copies, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    n = len(X)
    assert X_res.shape == (n * (1 + n_copies), 8, 8, 3)
    assert X_res.dtype == np.float32
    np.testing.assert_array_equal(y_res, np.tile(y, 1 + n_copies))
    np.testing.assert_array_equal(aug.sample_indices_, np.tile(np.arange(n), 1 + n_copies))
    originals = X.astype(np.float32) / 255
    for k, (i, name) in enumerate(zip(aug.sample_indices_, aug.transforms_)):
        # Exact equality: a transform never interpolates or blurs.
        np.testing.assert_array_equal(X_res[k], REFERENCE[name](originals[i]))
        assert y_res[k] == y[i]
    assert (aug.transforms_[:n] == "identity").all()
    assert set(aug.transforms_[n:]) <= {"hflip", "vflip", "rot90", "rot180", "rot270"}
    for i in range(n):
        names = aug.transforms_[n:][aug.sample_indices_[n:] == i]
        assert len(set(names)) == n_copies  # distinct transforms per image


def test_float_input_kept_exactly():
    X = np.random.default_rng(1).random((3, 6, 6, 3))
    X_res, _ = FlipRotateAugmenter(n_copies=2, random_state=0).fit_resample(X, [0, 1, 0])
    np.testing.assert_array_equal(X_res[:3], X.astype(np.float32))
    for k in range(3, 9):  # each copy holds the same multiset of pixel values
        same_values = np.sort(X_res[k], axis=None), np.sort(X_res[k % 3], axis=None)
        np.testing.assert_array_equal(*same_values)


def test_allowed_transforms_respected():
    X = _images()
    aug = FlipRotateAugmenter(n_copies=2, flips=False, rotations=(90, 270), random_state=0)
    aug.fit_resample(X, np.zeros(len(X)))
    assert set(aug.transforms_[len(X):]) == {"rot90", "rot270"}
    aug = FlipRotateAugmenter(n_copies=2, rotations=(), random_state=0)
    aug.fit_resample(X, np.zeros(len(X)))
    assert set(aug.transforms_[len(X):]) == {"hflip", "vflip"}


def test_non_square_images():
    X = _images(h=6, w=10)
    with pytest.raises(ValueError, match=r"rotations=.*non-square 6x10"):
        FlipRotateAugmenter().fit_resample(X, np.zeros(len(X)))
    aug = FlipRotateAugmenter(n_copies=3, rotations=(180,), random_state=0)
    X_res, _ = aug.fit_resample(X, np.zeros(len(X)))
    assert X_res.shape == (4 * len(X), 6, 10, 3)
    assert set(aug.transforms_[len(X):]) == {"hflip", "vflip", "rot180"}


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_copies": -1}, "n_copies"),
        ({"n_copies": 1.5}, "n_copies"),
        ({"flips": "yes"}, "flips"),
        ({"rotations": 90}, "rotations"),
        ({"rotations": (45,)}, "rotations"),
        ({"rotations": (90, 90)}, "rotations"),
        ({"n_copies": 4, "flips": False}, "n_copies=4 exceeds the 3"),
    ],
)
def test_augmenter_parameter_errors_name_the_parameter(params, match):
    with pytest.raises((ValueError, InvalidParameterError), match=match):
        FlipRotateAugmenter(**params).fit_resample(_images(n=2), [0, 1])


def test_augmenter_input_errors():
    with pytest.raises(ValueError, match="y"):
        FlipRotateAugmenter().fit_resample(_images(n=3), [0, 1])
    with pytest.raises(ValueError):
        FlipRotateAugmenter().fit_resample(np.zeros((3, 8, 8)), [0, 1, 2])


def test_augmenter_random_state_reproducible():
    X, y = _images(n=20), np.zeros(20)
    a1, a2 = FlipRotateAugmenter(random_state=3), FlipRotateAugmenter(random_state=3)
    np.testing.assert_array_equal(a1.fit_resample(X, y)[0], a2.fit_resample(X, y)[0])
    np.testing.assert_array_equal(a1.transforms_, a2.transforms_)
    a1.fit_resample(X, y)  # an int seed gives the same draw on every call
    np.testing.assert_array_equal(a1.transforms_, a2.transforms_)
    other = FlipRotateAugmenter(random_state=4)
    other.fit_resample(X, y)
    assert (other.transforms_ != a1.transforms_).any()


def test_augmenter_clone_params_pickle():
    aug = FlipRotateAugmenter(n_copies=2, flips=False, rotations=(90, 180), random_state=0)
    cloned = clone(aug)
    assert cloned.get_params() == aug.get_params()
    cloned.set_params(n_copies=1)
    assert cloned.n_copies == 1 and aug.n_copies == 2
    X, y = _images(n=5), np.arange(5)
    before = aug.fit_resample(X, y)
    restored = pickle.loads(pickle.dumps(aug))
    np.testing.assert_array_equal(restored.transforms_, aug.transforms_)
    after = restored.fit_resample(X, y)
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_array_equal(before[1], after[1])


# The estimator checks that need no data. The others feed 2-D feature matrices
# (or 1-D / sparse / NaN-filled variants of them), which an image sampler
# rightly rejects: FlipRotateAugmenter takes (n, height, width, 3) images only,
# and returns more samples than it receives, so transformer/classifier checks
# on the shape of its output do not apply either.
@pytest.mark.parametrize(
    "check",
    [
        check_get_params_invariance,
        check_set_params,
        check_parameters_default_constructible,
        check_no_attributes_set_in_init,
    ],
)
def test_augmenter_applicable_estimator_checks(check):
    check("FlipRotateAugmenter", FlipRotateAugmenter())


def test_augmenter_in_imblearn_pipeline():
    X, y = _images(n=10), np.arange(10) % 2
    Recorder.log.clear()
    pipe = make_imb_pipeline(
        FlipRotateAugmenter(n_copies=2, random_state=0), FunctionTransformer(_flatten), Recorder()
    )
    pipe.fit(X, y)
    assert pipe[-1].n_fit_ == 30
    pipe.predict(X)  # samplers are skipped at predict time
    assert Recorder.log[-1][0] == "predict"
    np.testing.assert_array_equal(Recorder.log[-1][1], X.reshape(10, -1) / np.float32(255))
    clf = make_imb_pipeline(FlipRotateAugmenter(random_state=0), FlatLogisticRegression())
    assert clf.fit(X, y).score(X, y) == 1.0


# ------------------------------------------------------- AugmentedClassifier


def test_augmented_classifier_fits_on_resampled_and_predicts_on_raw():
    X, y = _images(n=10), np.array(["a", "b"] * 5)
    clf = AugmentedClassifier(FlipRotateAugmenter(n_copies=3, random_state=0), Recorder())
    clf.fit(X, y)
    assert clf.estimator_.n_fit_ == 40
    np.testing.assert_array_equal(clf.estimator_.X_fit_[:10], X.astype(np.float32) / 255)
    np.testing.assert_array_equal(clf.classes_, ["a", "b"])
    assert clf.augmenter.__dict__.get("transforms_") is None  # the original is not fitted
    Recorder.log.clear()
    assert clf.predict(X).tolist() == ["a"] * 10
    np.testing.assert_array_equal(Recorder.log[0][1], X)


def test_augmented_classifier_delegates_optional_methods():
    X, y = _images(n=10), np.arange(10) % 2
    clf = AugmentedClassifier(FlipRotateAugmenter(random_state=0), FlatLogisticRegression())
    clf.fit(X, y)
    Xf = X.astype(np.float32) / 255
    np.testing.assert_allclose(clf.predict_proba(Xf), clf.estimator_.predict_proba(Xf))
    np.testing.assert_allclose(clf.decision_function(Xf), clf.estimator_.decision_function(Xf))
    assert clf.score(Xf, y) == clf.estimator_.score(Xf, y)
    plain = AugmentedClassifier(FlipRotateAugmenter(), Recorder())
    assert not hasattr(plain, "predict_proba")  # Recorder has none
    assert not hasattr(plain, "decision_function")


def test_augmented_classifier_parameter_errors():
    with pytest.raises(InvalidParameterError, match="augmenter"):
        AugmentedClassifier(LogisticRegression(), LogisticRegression()).fit([[0], [1]], [0, 1])
    with pytest.raises(InvalidParameterError, match="estimator"):
        AugmentedClassifier(RandomOverSampler(), "svm").fit([[0], [1]], [0, 1])


def test_synthetic_samples_never_reach_a_validation_fold():
    X, y = _images(n=18), np.arange(18) % 3
    n_copies = 2
    clf = AugmentedClassifier(FlipRotateAugmenter(n_copies=n_copies, random_state=0), Recorder())
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    Recorder.log.clear()
    res = cross_validate(clf, X, y, cv=cv, return_estimator=True, return_indices=True)
    for est, train, test in zip(res["estimator"], res["indices"]["train"], res["indices"]["test"]):
        assert est.estimator_.n_fit_ == len(train) * (1 + n_copies)
        originals = X[train] / np.float32(255)
        np.testing.assert_array_equal(est.estimator_.X_fit_[: len(train)], originals)
    predicted = [x for kind, x in Recorder.log if kind == "predict"]
    assert len(predicted) == 3
    for seen, test in zip(predicted, res["indices"]["test"]):
        np.testing.assert_array_equal(seen, X[test])  # exactly the held-out originals


def test_grid_search_counts_and_params():
    X, y = _images(n=12), np.arange(12) % 2
    splits = list(StratifiedKFold(3).split(X, y))
    grid = {"augmenter__n_copies": [1, 3], "estimator__C": [0.1, 1.0]}
    search = GridSearchCV(
        AugmentedClassifier(FlipRotateAugmenter(random_state=0), Recorder()), grid, cv=splits
    )
    Recorder.log.clear()
    search.fit(X, y)
    log = list(Recorder.log)
    # One fit then one predict per (candidate, split), then the refit.
    candidates = search.cv_results_["params"]
    assert len(log) == 2 * len(candidates) * len(splits) + 1
    k = 0
    for params in candidates:
        for train, test in splits:
            assert log[k][0] == "fit"
            assert len(log[k][1]) == len(train) * (1 + params["augmenter__n_copies"])
            assert log[k + 1][0] == "predict"
            np.testing.assert_array_equal(log[k + 1][1], X[test])
            k += 2
    assert log[-1][0] == "fit"
    assert len(log[-1][1]) == len(X) * (1 + search.best_params_["augmenter__n_copies"])
    assert search.best_estimator_.estimator_.C == search.best_params_["estimator__C"]


def test_in_plain_sklearn_pipeline_and_grid_search():
    rng = np.random.default_rng(0)
    y = np.arange(16) % 2
    # Class 1 images are brighter: learnable after any flip or rotation.
    X = (rng.random((16, 6, 6, 3)) * 0.5 + 0.5 * y[:, None, None, None]).astype(np.float32)
    pipe = Pipeline(
        [
            ("scale", FunctionTransformer(lambda X: X * 1.0)),
            (
                "clf",
                AugmentedClassifier(
                    FlipRotateAugmenter(random_state=0), FlatLogisticRegression()
                ),
            ),
        ]
    )
    assert pipe.fit(X, y).score(X, y) == 1.0
    search = GridSearchCV(
        pipe, {"clf__augmenter__n_copies": [0, 2], "clf__estimator__C": [0.1, 1.0]}, cv=2
    ).fit(X, y)
    assert search.best_estimator_.score(X, y) == 1.0
    assert set(search.best_params_) == {"clf__augmenter__n_copies", "clf__estimator__C"}


def test_with_random_over_sampler_balances_training_data():
    X = np.r_[np.zeros((8, 1)), np.ones((2, 1))]
    y = np.r_[np.zeros(8, int), np.ones(2, int)]
    clf = AugmentedClassifier(RandomOverSampler(random_state=0), Recorder()).fit(X, y)
    assert clf.estimator_.n_fit_ == 16  # 8 + 8 after oversampling the minority


@parametrize_with_checks(
    [AugmentedClassifier(RandomOverSampler(random_state=0), LogisticRegression())],
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
