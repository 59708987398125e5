"""Fused SSIM of images against gray references (numba kernels for TextureFeatures).

The value is exactly skimage's ``structural_similarity(image, ref3, channel_axis=-1,
data_range=data_range)`` with its defaults: 7x7 uniform window, sample covariance
(``cov_norm = 49 / 48``), K1 = 0.01, K2 = 0.03, the SSIM map averaged over the interior
left after cropping 3 pixels on each side, then averaged over the channels.  Because
skimage crops exactly the window radius, every kept window lies inside the image, so
the border mode of its filter never matters and only "valid" window sums are needed.

Window sums are separable: a running sum down the rows (``v += p[i + 7] - p[i]``,
one vector update per row) followed by a 7-tap sum along the row.  Both loops run
over contiguous rows with no loop-carried dependency, so they vectorise; the SSIM map
is folded into its mean as each row is produced and never stored.  The image's local
means and variances are computed once per channel and the reference's once per call
(the three channels of a gray reference are identical), so each (reference, channel)
pair costs one pass over the products ``x * r``.  The kernels release the GIL, so a
thread pool runs them in parallel.
"""

import numba as nb
import numpy as np

_WIN = 7
_NP = _WIN * _WIN
_CN = _NP / (_NP - 1.0)
_K1, _K2 = 0.01, 0.03


@nb.njit(cache=True, fastmath=True, error_model="numpy", nogil=True, inline="always")
def _hsum7(v, j):
    return v[j] + v[j + 1] + v[j + 2] + v[j + 3] + v[j + 4] + v[j + 5] + v[j + 6]


@nb.njit(cache=True, fastmath=True, error_model="numpy", nogil=True)
def _mean_var(a, mean, var):
    """Window means and sample variances of ``a`` (H, W) into (H - 6, W - 6) arrays."""
    n_rows, n_cols = a.shape
    h, w = n_rows - _WIN + 1, n_cols - _WIN + 1
    v1 = np.zeros(n_cols)
    v2 = np.zeros(n_cols)
    for t in range(_WIN):
        for j in range(n_cols):
            x = a[t, j]
            v1[j] += x
            v2[j] += x * x
    for i in range(h):
        for j in range(w):
            m = _hsum7(v1, j) / _NP
            mean[i, j] = m
            var[i, j] = _CN * (_hsum7(v2, j) / _NP - m * m)
        if i + _WIN < n_rows:
            for j in range(n_cols):
                x_in = a[i + _WIN, j]
                x_out = a[i, j]
                v1[j] += x_in - x_out
                v2[j] += x_in * x_in - x_out * x_out


@nb.njit(cache=True, fastmath=True, error_model="numpy", nogil=True)
def _ssim_pair(x, ux, vx, r, ur, vr, c1, c2):
    """Mean SSIM of one channel ``x`` against one gray reference ``r``."""
    n_rows, n_cols = x.shape
    h, w = n_rows - _WIN + 1, n_cols - _WIN + 1
    v = np.zeros(n_cols)
    for t in range(_WIN):
        for j in range(n_cols):
            v[j] += x[t, j] * r[t, j]
    acc = 0.0
    for i in range(h):
        for j in range(w):
            mx = ux[i, j]
            my = ur[i, j]
            mxy = mx * my
            cov = _CN * (_hsum7(v, j) / _NP - mxy)
            acc += ((2.0 * mxy + c1) * (2.0 * cov + c2)) / (
                (mx * mx + my * my + c1) * (vx[i, j] + vr[i, j] + c2)
            )
        if i + _WIN < n_rows:
            for j in range(n_cols):
                v[j] += x[i + _WIN, j] * r[i + _WIN, j] - x[i, j] * r[i, j]
    return acc / (h * w)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def _ssim_images(images, refs, ref_mean, ref_var, c1, c2, out):
    """SSIM of each image (m, H, W, 3) against each reference (K, H, W) into ``out``."""
    m, n_rows, n_cols, n_ch = images.shape
    h, w = n_rows - _WIN + 1, n_cols - _WIN + 1
    ux = np.empty((n_ch, h, w))
    vx = np.empty((n_ch, h, w))
    x = np.empty((n_ch, n_rows, n_cols))  # float64 copy: one kernel type, exact sums
    for n in range(m):
        for c in range(n_ch):
            x[c] = images[n, :, :, c]
            _mean_var(x[c], ux[c], vx[c])
        for k in range(refs.shape[0]):
            acc = 0.0
            for c in range(n_ch):
                acc += _ssim_pair(x[c], ux[c], vx[c], refs[k], ref_mean[k], ref_var[k], c1, c2)
            out[n, k] = acc / n_ch


def reference_stats(refs):
    """Window means and sample variances of gray references (K, H, W), float64."""
    refs = np.ascontiguousarray(refs, dtype=np.float64)
    k, n_rows, n_cols = refs.shape
    shape = (k, n_rows - _WIN + 1, n_cols - _WIN + 1)
    mean, var = np.empty(shape), np.empty(shape)
    for i in range(k):
        _mean_var(refs[i], mean[i], var[i])
    return mean, var


def ssim_to_references(images, refs, data_range=1.0, stats=None):
    """SSIM of each image (m, H, W, 3) to each gray reference (K, H, W).

    Parameters
    ----------
    images : ndarray of shape (m, H, W, 3)
        Floating images (float32 is read as is, other dtypes are converted).
    refs : ndarray of shape (K, H, W)
        Gray references; each is compared on all three channels.
    data_range : float, default=1.0
        skimage's ``data_range``: sets the constants ``C1 = (0.01 L)**2`` and
        ``C2 = (0.03 L)**2``.
    stats : tuple of ndarray, default=None
        ``reference_stats(refs)`` when already computed.

    Returns
    -------
    ssim : ndarray of shape (m, K), float64
    """
    refs = np.ascontiguousarray(refs, dtype=np.float64)
    if images.shape[1:3] != refs.shape[1:]:
        raise ValueError(
            f"images of size {images.shape[1:3]} do not match references of size "
            f"{refs.shape[1:]}."
        )
    if min(refs.shape[1:]) < _WIN:
        raise ValueError(f"SSIM needs images of at least {_WIN}x{_WIN} pixels.")
    mean, var = reference_stats(refs) if stats is None else stats
    if images.dtype not in (np.float32, np.float64):
        images = images.astype(np.float64)
    out = np.empty((len(images), len(refs)))
    c1, c2 = (_K1 * data_range) ** 2, (_K2 * data_range) ** 2
    _ssim_images(np.ascontiguousarray(images), refs, mean, var, c1, c2, out)
    return out
