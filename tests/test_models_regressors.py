"""The regressors: CVFCRegressor and make_fusion_regressor (TransferRegressor: test_models_transfer)."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import RidgeCV
from sklearn.metrics import r2_score
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from skemo.models import CVFCRegressor, make_fusion_regressor

EXPECTED_FAILED = {
    "check_do_not_raise_errors_in_init_or_set_params": "it passes a parameter literally "
    "named 'kwargs' (from the **kwargs that carries skorch's prefixed parameters); like "
    "skorch, the regressor rejects keyword arguments without a known prefix",
}


@parametrize_with_checks(
    [CVFCRegressor(hidden_units=8, max_epochs=20, lr=0.05, random_state=0)],
    expected_failed_checks=lambda est: EXPECTED_FAILED,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _ratings(n=120, seed=0):
    """Valence and arousal on a 1-7 scale, linear in 4 features, with noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)) * [1.0, 10.0, 0.1, 1000.0] + [0, 5, 0, 300]
    valence = 4 + 0.8 * X[:, 0] + 0.05 * X[:, 1] + rng.normal(0, 0.1, n)
    arousal = 3 + 0.001 * (X[:, 3] - 300) + rng.normal(0, 0.1, n)
    return X, np.c_[valence, arousal]


@pytest.mark.parametrize("loss", ["mse", "huber"])
def test_single_and_multi_output_shapes_and_fit(loss):
    X, Y = _ratings()
    multi = CVFCRegressor(hidden_units=8, max_epochs=150, lr=0.02, loss=loss,
                          random_state=0).fit(X, Y)
    assert multi.n_outputs_ == 2 and multi.predict(X).shape == (120, 2)
    assert r2_score(Y, multi.predict(X)) > 0.8
    single = CVFCRegressor(hidden_units=8, max_epochs=150, lr=0.02, loss=loss,
                           random_state=0).fit(X, Y[:, 0])
    assert single.n_outputs_ == 1 and single.predict(X).shape == (120,)
    assert single.score(X, Y[:, 0]) > 0.8
    criterion = torch.nn.MSELoss if loss == "mse" else torch.nn.HuberLoss
    assert isinstance(multi.net_.criterion_, criterion)


def test_targets_are_standardised_inside_and_predicted_in_their_units():
    X, Y = _ratings()
    reg = CVFCRegressor(max_epochs=2, random_state=0).fit(X, Y)
    np.testing.assert_allclose(reg.target_mean_, Y.mean(axis=0))
    np.testing.assert_allclose(reg.target_scale_, Y.std(axis=0))
    # The network sees standardised targets: its raw output, mapped back, is predict.
    raw = reg._infer(reg._predict_batches(X))
    np.testing.assert_allclose(raw * reg.target_scale_ + reg.target_mean_, reg.predict(X),
                               rtol=1e-6)
    # Round trip: targets shifted and scaled give the same fit, shifted and scaled.
    shifted = CVFCRegressor(max_epochs=2, random_state=0).fit(X, 10 * Y + 100)
    np.testing.assert_allclose(shifted.predict(X), 10 * reg.predict(X) + 100, rtol=1e-5)


def test_constant_target_and_bad_targets():
    X, Y = _ratings(40)
    Y[:, 1] = 5.0
    reg = CVFCRegressor(max_epochs=100, lr=0.05, random_state=0).fit(X, Y)
    # A constant rating keeps its mean and a unit scale: no division by zero.
    assert reg.target_mean_[1] == 5.0 and reg.target_scale_[1] == 1.0
    np.testing.assert_allclose(reg.predict(X)[:, 1], 5.0, atol=0.1)
    Y[0, 0] = np.nan
    with pytest.raises(ValueError):
        CVFCRegressor(max_epochs=1).fit(X, Y)
    with pytest.raises(ValueError, match="loss"):
        CVFCRegressor(loss="l1").fit(X, Y[:, 1])


def test_partial_fit_keeps_the_targets_of_the_first_fit():
    X, Y = _ratings()
    reg = CVFCRegressor(max_epochs=2, random_state=0).fit(X, Y)
    mean = reg.target_mean_.copy()
    reg.partial_fit(X, Y + 1)
    np.testing.assert_array_equal(reg.target_mean_, mean)
    assert len(reg.history_) == 4
    with pytest.raises(ValueError, match="targets"):
        reg.partial_fit(X, Y[:, 0])


def test_fusion_regressor_chooses_ridge_penalty_by_inner_cv():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (30, 32, 32, 3), dtype=np.uint8)
    brightness = X.mean(axis=(1, 2, 3)) / 255
    Y = np.c_[1 + 6 * brightness, 7 - 6 * brightness]
    mean_rgb = FunctionTransformer(lambda images: np.asarray(images).mean(axis=(1, 2)))
    fusion = make_fusion_regressor("resnet18", features=mean_rgb, weights=None, image_size=32,
                                   layers="last", statistics=("mean",), random_state=0)
    assert [name for name, _ in fusion.steps] == ["union", "scale", "reg"]
    reg = fusion.named_steps["reg"]
    assert isinstance(reg, RidgeCV) and reg.cv.n_splits == 3 and len(reg.alphas) > 1
    fusion.fit(X, Y)
    assert fusion.predict(X).shape == (30, 2)
    assert fusion.named_steps["reg"].alpha_ in reg.alphas
    assert fusion.score(X, Y) > 0.5
    assert isinstance(make_fusion_regressor(regressor="cvfc").named_steps["reg"], CVFCRegressor)
    styled = make_fusion_regressor(layers="multi", statistics=("mean", "std"), tta="flip")
    embedding = styled.named_steps["union"].transformer_list[0][1]
    assert (embedding.layers, embedding.statistics, embedding.tta) == (
        "multi", ("mean", "std"), "flip")
    with pytest.raises(ValueError, match="regressor"):
        make_fusion_regressor(regressor="lasso")


def _images(n=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    brightness = X.mean(axis=(1, 2, 3)) / 255
    return X, np.c_[1 + 6 * brightness, 7 - 6 * brightness]


def _transfer(**params):
    from skemo.models import TransferRegressor

    fast = dict(weights=None, image_size=32, hidden_units=8, max_epochs=3, lr=0.01,
                batch_size=4, random_state=0)
    return TransferRegressor("resnet18", **{**fast, **params})


@pytest.mark.parametrize("layers, statistics, tta", [("last", ("mean",), None),
                                                     ("multi", ("mean", "std"), "flip")])
def test_transfer_regressor_on_images_equals_on_embeddings(layers, statistics, tta):
    from skemo.models import BackboneEmbedding

    X, Y = _images()
    params = dict(layers=layers, statistics=statistics, tta=tta)
    on_images = _transfer(**params).fit(X, Y)
    E = BackboneEmbedding("resnet18", weights=None, image_size=32, random_state=0,
                          **params).fit_transform(X)
    on_embeddings = _transfer(**params).fit(E, Y)
    assert on_images.embedding_dim_ == E.shape[1] == on_images.module_.embedding_dim
    assert on_images.predict(X).shape == (12, 2)
    # The same seeded backbone and head: the same model, whichever input it trained on.
    np.testing.assert_allclose(on_images.predict(X), on_embeddings.predict(E), rtol=1e-5)
    np.testing.assert_allclose(on_embeddings.predict(X), on_embeddings.predict(E), rtol=1e-5)
    single = _transfer(**params).fit(X, Y[:, 0])
    assert single.predict(X).shape == (12,)


def test_transfer_regressor_loss_and_module():
    X, Y = _images()
    reg = _transfer(loss="huber").fit(X, Y)
    assert isinstance(reg.net_.criterion_, torch.nn.HuberLoss)
    assert reg.module_.head.layers[-1].out_features == 2
    np.testing.assert_allclose(reg.target_mean_, Y.mean(axis=0))
