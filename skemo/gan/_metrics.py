"""Sample-quality metrics of generated images: KID and FID on pluggable features.

Both metrics compare two sets of images through a feature map. The published
scores use Inception-v3 features, whose weights must be downloaded; skemo
defaults to the offline ImageNet weights of ``efficientnet_lite0`` (the
``pretrained`` extra) and accepts any transformer, so scores are comparable
between runs of skemo, not with published numbers.
"""

import warnings
from numbers import Integral

import numpy as np
from scipy import linalg
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted

from skemo._validation import n_images
from skemo.models import BackboneEmbedding

__all__ = ["frechet_distance", "kernel_inception_distance"]

# The whole-set kernel matrices are cached below this many float64 entries
# (128 MiB); above it each subset gets its own Gram matrices.
_MAX_CACHED_KERNEL_ENTRIES = 2**24

# As in the reference FID implementation (pytorch-fid), added to both
# covariances when the square root of their product is not finite.
_FID_EPS = 1e-6

_FEATURES_CONSTRAINT = [None, StrOptions({"precomputed"}), HasMethods(["fit", "transform"])]


def _check_features_matrix(F, name):
    F = np.asarray(F) if not hasattr(F, "toarray") else F.toarray()
    if F.ndim != 2:
        raise ValueError(
            f"{name} must give a 2-D feature matrix (n_samples, n_features); got "
            f"shape {F.shape}. Pass images with features=None or a transformer, or "
            "feature matrices with features='precomputed'."
        )
    F = check_array(F, dtype=np.float64, input_name=name)
    if F.shape[0] < 2:
        raise ValueError(f"{name} needs at least 2 samples; got {F.shape[0]}.")
    return F


def _feature_pair(real, fake, features, standardize):
    """Both sets as float64 feature matrices, scaled by their union if asked."""
    if not isinstance(features, str):
        # Checked before any image is read, so a backbone never runs on a set
        # too small to score.
        for name, X in (("real", real), ("fake", fake)):
            n = n_images(X, name)
            if n < 2:
                raise ValueError(f"{name} needs at least 2 samples; got {n}.")
        # The plain pooled last layer, as Inception features are for FID and KID.
        transformer = (BackboneEmbedding("efficientnet_lite0", layers="last", statistics=("mean",))
                       if features is None else features)
        try:
            check_is_fitted(transformer)
        except NotFittedError:
            # The real set alone defines the feature space, so that a scaler
            # or palette fitted inside the transformer cannot be pulled
            # towards the generator's samples.
            transformer = clone(transformer).fit(real)
        real, fake = transformer.transform(real), transformer.transform(fake)
    real = _check_features_matrix(real, "real")
    fake = _check_features_matrix(fake, "fake")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"real and fake must have the same number of features; got "
            f"{real.shape[1]} and {fake.shape[1]}."
        )
    if standardize:
        real, fake = _standardize_pooled(real, fake)
    return real, fake


def _standardize_pooled(real, fake):
    """Scale every column by the mean and std of the union of both sets.

    Each row counts once, whichever set it comes from, so the statistics are a
    symmetric function of the union: under the null the rows stay
    exchangeable and the unbiased MMD² keeps expectation 0 (see the Notes of
    :func:`kernel_inception_distance`). Weighting each *set* equally instead
    would break that when the sizes differ.
    """
    union = np.vstack([real, fake])
    mean, std = union.mean(axis=0), union.std(axis=0)
    std[std == 0] = 1.0  # a column constant over both sets is only centred
    return (real - mean) / std, (fake - mean) / std


def _polynomial_kernel(a, b):
    return (a @ b.T / a.shape[1] + 1.0) ** 3


def _mmd2_unbiased(k_xx, k_yy, k_xy):
    m = k_xx.shape[0]
    pairs = m * (m - 1)
    return (
        (k_xx.sum() - np.trace(k_xx)) / pairs
        + (k_yy.sum() - np.trace(k_yy)) / pairs
        - 2.0 * k_xy.mean()
    )


_SHARED_PARAMS = {
    "real": ["array-like"],
    "fake": ["array-like"],
    "features": _FEATURES_CONSTRAINT,
    "standardize": ["boolean"],
}


@validate_params(
    {
        **_SHARED_PARAMS,
        "n_subsets": [Interval(Integral, 1, None, closed="left")],
        "subset_size": [None, Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def kernel_inception_distance(
    real,
    fake,
    features=None,
    n_subsets=100,
    subset_size=None,
    standardize=True,
    random_state=None,
):
    """Kernel Inception Distance (KID) between real and generated images.

    KID (Bińkowski et al., 2018) is the unbiased estimate of the squared
    maximum mean discrepancy between the two feature distributions, with the
    cubic polynomial kernel ``k(x, y) = (x @ y / d + 1) ** 3`` (``d`` features).
    It is averaged over ``n_subsets`` random subsets of ``subset_size`` rows
    drawn without replacement from each set. Unlike FID it is unbiased, so it
    suits the small sets of paintings skemo works with: its expectation is 0
    when both sets come from one distribution, and a single estimate can be
    slightly negative.

    Parameters
    ----------
    real : array-like of shape (n_real, H, W, 3), list of paths, or (n_real, d)
        Real images (``uint8`` or ``[0, 1]`` floats, or image files), or
        their features when ``features="precomputed"``.
    fake : array-like of shape (n_fake, H, W, 3), list of paths, or (n_fake, d)
        Generated images, in the same form as ``real``.
    features : None, "precomputed" or transformer, default=None
        The feature map. None uses
        ``skemo.models.BackboneEmbedding("efficientnet_lite0", layers="last",
        statistics=("mean",))``, the pooled last layer, whose
        ImageNet weights work offline (``pretrained`` extra); Inception
        weights, which the published scores use, would need a download. A
        transformer that is already fitted is used as is; an unfitted one is
        cloned and fitted on ``real`` only (e.g.
        :class:`~skemo.features.PaintingFeatures`). Images are handed to the
        transformer unchanged, so path lists are loaded by it.
        ``"precomputed"`` takes ``real`` and ``fake`` as feature matrices.
    n_subsets : int, default=100
        Number of random subsets the estimate is averaged over.
    subset_size : int or None, default=None
        Rows drawn from each set per subset, at least 2 and at most the size
        of the smaller set. None means ``min(1000, n_real, n_fake)``.
        torchmetrics and torch-fidelity refuse sets smaller than their default
        of 1000; skemo scores the tens to hundreds of images its users have.
        When both sets have exactly ``subset_size`` rows every subset is the
        whole set and the std is 0; pass a smaller ``subset_size`` (half the
        set, say) to see the spread.
    standardize : bool, default=True
        Scale every feature column by the mean and std (``ddof=0``) of the
        union of both sets, each row counted once (a column constant over
        both sets is only centred), before the kernel. The polynomial kernel
        is not scale invariant: without this, columns with large values
        dominate, as the 0-255 brightness features of
        :class:`~skemo.features.PaintingFeatures` do next to its SSIM values
        in [-1, 1]. Both sets are scaled alike, so the estimate stays
        unbiased (see Notes).
    random_state : int, RandomState instance or None, default=None
        Seeds the subset draws.

    Returns
    -------
    mean : float
        KID averaged over the subsets; lower is better.
    std : float
        Standard deviation of the subset estimates (``ddof=0``, as in
        torch-fidelity). It measures the subsampling spread, not the
        uncertainty of the two sets themselves.

    Raises
    ------
    ValueError
        When a set has fewer than 2 samples, the feature dimensions differ, or
        ``subset_size`` is larger than a set.

    See Also
    --------
    frechet_distance : FID on the same features.

    Notes
    -----
    *Why the standardised estimate is unbiased.* Let the two sets hold
    ``N = n_real + n_fake`` rows that, under the null hypothesis, are
    independent draws from one distribution, hence exchangeable: any
    permutation of the ``N`` rows has the same joint law. The column means
    and stds of the union are symmetric functions of the rows (a permutation
    leaves them unchanged), so the scaled rows are exchangeable too, even
    though every scaled row now depends on all ``N`` rows. The subsets are
    drawn independently of the values. Every term of the unbiased MMD² is a
    kernel value between two *distinct* rows (the within-set diagonals are
    left out), and by exchangeability all such pairs have one common
    expectation ``c``. The estimate is therefore ``c + c - 2c = 0`` in
    expectation, for every set size and subset size. The expectation exists:
    each scaled column has sum of squares at most ``N``, so every value is at
    most ``sqrt(N - 1)`` in size and ``|KID| < 4 N**3`` on any input.

    Scaling by the real set's own statistics, as skemo did before, breaks the
    symmetry: the real rows are centred and scaled by themselves, the fake
    ones are not. The within-real term is then systematically different from
    the other two, which biased KID upwards by 0.37 at ``n = 8`` on 2,048-d
    Gaussians (mean over 20 seeds), and a column nearly constant on a few
    real images blew the fake values up without bound.

    Statistics of neither set (those of a reference set fixed in advance)
    would also be unbiased, and would keep the scaling the same when several
    generators are compared with one real set; the pooled ones need no such
    reference. Under the alternative they estimate the MMD² of the features
    scaled by the mixture of both distributions, weighted by the set sizes.

    References
    ----------
    M. Bińkowski, D. J. Sutherland, M. Arbel and A. Gretton, "Demystifying
    MMD GANs", ICLR 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.gan._metrics import kernel_inception_distance
    >>> rng = np.random.default_rng(0)
    >>> real, fake = rng.normal(size=(100, 8)), rng.normal(size=(100, 8))
    >>> same, std = kernel_inception_distance(
    ...     real, fake, features="precomputed", subset_size=50, random_state=0
    ... )
    >>> shifted, _ = kernel_inception_distance(
    ...     real, fake + 1.0, features="precomputed", subset_size=50, random_state=0
    ... )
    >>> print(f"{same:.2f} +/- {std:.2f}, shifted by 1 std: {shifted:.1f}")
    -0.02 +/- 0.06, shifted by 1 std: 2.9
    """
    real, fake = _feature_pair(real, fake, features, standardize)
    n_real, n_fake = real.shape[0], fake.shape[0]
    m = min(1000, n_real, n_fake) if subset_size is None else subset_size
    if m > min(n_real, n_fake):
        raise ValueError(
            f"subset_size={m} is larger than a set: real has {n_real} samples and "
            f"fake has {n_fake}; pass subset_size <= {min(n_real, n_fake)} or None."
        )
    rng = check_random_state(random_state)
    draws = [
        (rng.choice(n_real, m, replace=False), rng.choice(n_fake, m, replace=False))
        for _ in range(n_subsets)
    ]
    whole = n_real**2 + n_fake**2 + n_real * n_fake
    # The whole-set kernels cost one Gram of each pair of sets; the subsets
    # cost 3 m² per subset. Cache when that is cheaper and fits in memory.
    if whole <= _MAX_CACHED_KERNEL_ENTRIES and whole <= 3 * m * m * n_subsets:
        k_rr = _polynomial_kernel(real, real)
        k_ff = _polynomial_kernel(fake, fake)
        k_rf = _polynomial_kernel(real, fake)
        values = [
            _mmd2_unbiased(k_rr[np.ix_(i, i)], k_ff[np.ix_(j, j)], k_rf[np.ix_(i, j)])
            for i, j in draws
        ]
    else:
        values = []
        for i, j in draws:
            x, y = real[i], fake[j]
            values.append(
                _mmd2_unbiased(
                    _polynomial_kernel(x, x), _polynomial_kernel(y, y), _polynomial_kernel(x, y)
                )
            )
    values = np.asarray(values)
    return float(values.mean()), float(values.std())


@validate_params(_SHARED_PARAMS, prefer_skip_nested_validation=True)
def frechet_distance(real, fake, features=None, standardize=True):
    """Fréchet distance (FID) between real and generated images.

    The Fréchet distance (Heusel et al., 2017) between two Gaussians fitted to
    the features: ``||mu_r - mu_f||² + Tr(S_r + S_f - 2 (S_r S_f)^(1/2))``.
    With the default features it is the FID recipe on EfficientNet-Lite0
    instead of Inception-v3 features, so values are not comparable with
    published FIDs. FID is biased upwards for small sets; prefer
    :func:`kernel_inception_distance` below a few thousand images.

    Parameters
    ----------
    real : array-like of shape (n_real, H, W, 3), list of paths, or (n_real, d)
        Real images (``uint8`` or ``[0, 1]`` floats, or image files), or
        their features when ``features="precomputed"``.
    fake : array-like of shape (n_fake, H, W, 3), list of paths, or (n_fake, d)
        Generated images, in the same form as ``real``.
    features : None, "precomputed" or transformer, default=None
        As in :func:`kernel_inception_distance`: None is
        the pooled last layer of ``efficientnet_lite0``, an unfitted transformer
        is cloned and fitted on ``real`` only, a fitted one is used as is.
    standardize : bool, default=True
        Scale every feature column by the mean and std of the union of both
        sets first (a column constant over both is only centred), as
        :func:`kernel_inception_distance` does, so that no feature counts
        more for being measured in larger units and the distance stays
        symmetric in its two sets.

    Returns
    -------
    distance : float
        The Fréchet distance, at least 0 (tiny negative round-off is clipped).

    Warns
    -----
    UserWarning
        When a set has fewer samples than features: its covariance is then
        rank-deficient and the distance is unreliable.

    Notes
    -----
    The covariances use ``ddof=1``. The matrix square root is
    :func:`scipy.linalg.sqrtm` of ``S_r @ S_f``, real part kept; when it is
    not finite (a singular product), ``1e-6 * I`` is added to both
    covariances and it is taken again, as the reference implementation
    (pytorch-fid) does.

    See Also
    --------
    kernel_inception_distance : KID, unbiased on small sets.

    References
    ----------
    M. Heusel, H. Ramsauer, T. Unterthiner, B. Nessler and S. Hochreiter,
    "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
    Equilibrium", NeurIPS 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.gan._metrics import frechet_distance
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(2000, 2))

    Same covariance, means 5 apart: the distance is 5² = 25.

    >>> fid = frechet_distance(real, real + [3.0, 4.0], features="precomputed", standardize=False)
    >>> round(fid, 2)
    25.0
    """
    real, fake = _feature_pair(real, fake, features, standardize)
    d = real.shape[1]
    if min(real.shape[0], fake.shape[0]) < d:
        warnings.warn(
            f"frechet_distance with {real.shape[0]} real and {fake.shape[0]} fake samples "
            f"of {d} features: a set with fewer samples than features has a "
            "rank-deficient covariance, so the distance is unreliable. Use more "
            "samples or kernel_inception_distance.",
            UserWarning,
            stacklevel=3,  # past the validate_params wrapper, to the caller
        )
    mu_r, mu_f = real.mean(axis=0), fake.mean(axis=0)
    sigma_r = np.atleast_2d(np.cov(real, rowvar=False))
    sigma_f = np.atleast_2d(np.cov(fake, rowvar=False))
    covmean = linalg.sqrtm(sigma_r @ sigma_f)
    if not np.isfinite(covmean).all():
        offset = np.eye(d) * _FID_EPS
        covmean = linalg.sqrtm((sigma_r + offset) @ (sigma_f + offset))
    diff = mu_r - mu_f
    distance = diff @ diff + np.trace(sigma_r) + np.trace(sigma_f) - 2.0 * np.trace(covmean.real)
    return max(float(distance), 0.0)
