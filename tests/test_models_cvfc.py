"""CVFC: sklearn estimator checks, skorch parameter routing, GridSearchCV."""

import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from skemo.models import CVFC

EXPECTED_FAILED = {
    "check_do_not_raise_errors_in_init_or_set_params": "it passes a parameter literally "
    "named 'kwargs' (from the **kwargs that carries skorch's prefixed parameters); like "
    "skorch, CVFC rejects keyword arguments without a known prefix",
}


def _check_instance():
    return CVFC(max_epochs=10, lr=0.05, batch_size=64, random_state=0)


@parametrize_with_checks(
    [_check_instance()], expected_failed_checks=lambda est: EXPECTED_FAILED
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _data(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)) * [1.0, 10.0, 0.1, 1000.0] + [0, 5, 0, 300]
    y = np.where(X[:, 0] + X[:, 1] / 10 > 0.5, "tense", "calm")
    return X, y


def test_learns_separable_data():
    X, y = _data()
    clf = CVFC(max_epochs=100, lr=0.05, batch_size=128, random_state=0).fit(X, y)
    assert clf.score(X, y) >= 0.9
    assert list(clf.classes_) == ["calm", "tense"]
    assert set(clf.predict(X)) <= {"calm", "tense"}
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    # predict is the argmax of predict_proba, mapped back to the labels
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


def test_standardization_learned_in_fit():
    X, y = _data()
    clf = CVFC(max_epochs=1, random_state=0).fit(X, y)
    np.testing.assert_allclose(clf.mean_, X.mean(axis=0))
    np.testing.assert_allclose(clf.scale_, X.std(axis=0))
    raw = CVFC(standardize=False, max_epochs=1, random_state=0).fit(X, y)
    np.testing.assert_array_equal(raw.mean_, 0.0)
    np.testing.assert_array_equal(raw.scale_, 1.0)


def test_random_state_reproducible_and_global_rng_untouched():
    X, y = _data()
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = CVFC(max_epochs=5, random_state=7).fit(X, y).predict_proba(X)
    after = torch.rand(1)
    b = CVFC(max_epochs=5, random_state=7).fit(X, y).predict_proba(X)
    c = CVFC(max_epochs=5, random_state=8).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert before == after  # fitting did not consume the global torch RNG


def test_pickle_joblib_clone(tmp_path):
    X, y = _data()
    clf = CVFC(max_epochs=3, random_state=0, optimizer__weight_decay=1e-4).fit(X, y)
    expected = clf.predict_proba(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict_proba(X), expected)
    joblib.dump(clf, tmp_path / "cvfc.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "cvfc.joblib").predict_proba(X), expected)
    cloned = clone(clf)
    assert cloned.get_params()["optimizer__weight_decay"] == 1e-4
    assert not hasattr(cloned, "net_")


def test_skorch_kwargs_reach_the_optimizer():
    X, y = _data()
    clf = CVFC(max_epochs=1, optimizer=torch.optim.SGD, lr=0.1, optimizer__momentum=0.7)
    clf.fit(X, y)
    group = clf.net_.optimizer_.param_groups[0]
    assert isinstance(clf.net_.optimizer_, torch.optim.SGD)
    assert group["momentum"] == 0.7 and group["lr"] == 0.1
    clf.set_params(optimizer__lr=0.02, max_epochs=2)
    assert clf.get_params()["optimizer__lr"] == 0.02 and clf.max_epochs == 2
    clf.fit(X, y)
    assert clf.net_.optimizer_.param_groups[0]["lr"] == 0.02
    assert len(clf.history_) == 2


def test_unknown_kwarg_is_rejected():
    with pytest.raises(TypeError, match=r"\['momentum'\].*'module__', 'optimizer__'"):
        CVFC(momentum=0.9)


def test_module_params_reach_the_module_and_gridsearch():
    X, y = _data(n=60)
    clf = CVFC(max_epochs=1, module__dropout=0.3, random_state=0).fit(X, y)
    assert clf.module_.dropout.p == 0.3 and clf.net_.module__dropout == 0.3
    pipe = Pipeline([("clf", CVFC(max_epochs=2, random_state=0))])
    search = GridSearchCV(pipe, {"clf__module__dropout": [0.0, 0.5]}, cv=2, error_score="raise")
    best = search.fit(X, y).best_estimator_.named_steps["clf"]
    assert best.module_.dropout.p == best.get_params()["module__dropout"]
    # Arguments the estimator derives itself cannot be overridden.
    with pytest.raises(ValueError, match=r"module__hidden_units.*hidden_units"):
        CVFC(max_epochs=1, module__hidden_units=8).fit(X, y)


def test_partial_fit_classes_fixes_the_label_set():
    X, y = _data()
    clf = CVFC(max_epochs=1, random_state=0)
    calm = y == "calm"
    clf.partial_fit(X[calm], y[calm], classes=["tense", "calm", "other"])
    assert list(clf.classes_) == ["calm", "other", "tense"]
    assert clf.predict_proba(X).shape == (len(X), 3)
    clf.partial_fit(X[~calm], y[~calm], classes=["calm", "other", "tense"])
    assert len(clf.history_) == 2
    with pytest.raises(ValueError, match=r"classes=\['calm', 'tense'\] differs"):
        clf.partial_fit(X, y, classes=["calm", "tense"])
    with pytest.raises(ValueError, match="at least 2 classes"):
        CVFC(max_epochs=1).partial_fit(X, y, classes=["calm"])


def test_labels_unseen_at_first_fit_are_rejected():
    X, y = _data()
    y_new = np.where(X[:, 2] > 0.1, "surprise", y)
    clf = CVFC(max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"labels \['surprise'\] that are not in classes_"):
        clf.partial_fit(X, y_new)
    clf.set_params(warm_start=True)
    with pytest.raises(ValueError, match="not in classes_"):
        clf.fit(X, y_new)
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:, :3], y)  # n_features_in_ is fixed too
    # Without warm_start, fit starts over and learns the new label set.
    assert list(clf.set_params(warm_start=False).fit(X, y_new).classes_) == [
        "calm", "surprise", "tense"
    ]


def test_settings_changed_between_partial_fits_apply():
    X, y = _data()
    clf = CVFC(max_epochs=2, lr=0.01, random_state=0).fit(X, y)
    module = clf.module_
    clf.set_params(max_epochs=1, lr=0.5, optimizer__weight_decay=0.1).partial_fit(X, y)
    group = clf.net_.optimizer_.param_groups[0]
    assert len(clf.history_) == 3 and group["lr"] == 0.5 and group["weight_decay"] == 0.1
    clf.set_params(optimizer=torch.optim.SGD, optimizer__momentum=0.9).partial_fit(X, y)
    group = clf.net_.optimizer_.param_groups[0]
    assert isinstance(clf.net_.optimizer_, torch.optim.SGD)
    assert (group["lr"], group["weight_decay"], group["momentum"]) == (0.5, 0.1, 0.9)
    lines = []
    clf.set_params(iterator_train__shuffle=False, callbacks__print_log__sink=lines.append)
    clf.partial_fit(X, y)
    assert clf.module_ is module and len(clf.history_) == 5 and lines
    assert clf.net_.iterator_train__shuffle is False
    assert {id(p) for g in clf.net_.optimizer_.param_groups for p in g["params"]} == {
        id(p) for p in module.parameters()
    }


def test_single_class_is_rejected():
    with pytest.raises(ValueError, match="at least 2 classes"):
        CVFC(max_epochs=1).fit(np.zeros((4, 2)), ["a"] * 4)


def test_pipeline_without_scaler():
    X, y = _data(n=60)
    pipe = Pipeline([("feat", FunctionTransformer()), ("clf", CVFC(max_epochs=80, lr=0.05,
                                                                     batch_size=128,
                                                                     random_state=0))])
    assert pipe.fit(X, y).score(X, y) >= 0.85


def test_gridsearch_over_optimizers():
    X, y = _data(n=60)
    pipe = Pipeline([("clf", CVFC(max_epochs=3, train_split=None, random_state=0))])
    grid = [
        {"clf__optimizer": [torch.optim.Adam], "clf__optimizer__lr": [1e-3, 1e-2]},
        {
            "clf__optimizer": [torch.optim.SGD],
            "clf__optimizer__lr": [1e-2],
            "clf__optimizer__momentum": [0.0, 0.9],
        },
    ]
    search = GridSearchCV(pipe, grid, cv=2, error_score="raise").fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    # The Adam points never saw a momentum left over from the SGD points.
    best = search.best_estimator_.named_steps["clf"]
    opt = best.net_.optimizer_
    assert isinstance(opt, best.get_params()["optimizer"])
    if isinstance(opt, torch.optim.Adam):
        assert "optimizer__momentum" not in best.get_params()
    else:
        assert opt.param_groups[0]["momentum"] == best.get_params()["optimizer__momentum"]
    assert "optimizer__momentum" not in pipe.named_steps["clf"].get_params()


def test_valid_split_is_seeded():
    from skorch.dataset import ValidSplit

    X, y = _data()
    fits = [
        CVFC(max_epochs=2, train_split=ValidSplit(0.25), random_state=3).fit(X, y)
        for _ in range(2)
    ]
    losses = [f.history_[:, "valid_loss"] for f in fits]
    assert losses[0] == losses[1]


def test_painting_features_pipeline_beats_majority():
    # The thesis's CV+FC as written: features then CVFC, no extra scaler.
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import train_test_split

    from skemo.datasets import make_paintings
    from skemo.features import PaintingFeatures

    X, y = make_paintings(n_samples=120, n_classes=4, image_size=48, local_cue=0.0,
                          return_X_y=True, random_state=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.4, stratify=y, random_state=0)
    pipe = Pipeline([("feat", PaintingFeatures()),
                     ("clf", CVFC(max_epochs=150, lr=0.05, batch_size=128,
                                 random_state=0))])
    score = balanced_accuracy_score(y_te, pipe.fit(X_tr, y_tr).predict(X_te))
    assert score >= 0.25 + 0.25  # majority baseline has balanced accuracy 1/4
