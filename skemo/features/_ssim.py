"""Fused SSIM of images against gray references (numba kernels for TextureFeatures).

The value is exactly skimage's ``structural_similarity(image, ref3, channel_axis=-1,
data_range=1.0)`` with its defaults: 7x7 uniform window, sample covariance
(``cov_norm = 49 / 48``), K1 = 0.01, K2 = 0.03, the SSIM map averaged over the interior
left after cropping 3 pixels on each side, then averaged over the channels.  Because
skimage crops exactly the window radius, every kept window lies inside the image, so
the border mode of its filter never matters and only "valid" window sums are needed.

One pass per (reference, channel) computes the box sums of ``x * r`` with running sums
and folds the SSIM map into the mean without materialising it; the image's local means
and variances per channel and the reference's (shared by its three identical channels)
are computed once.
"""

import numba as nb
import numpy as np

_WIN = 7
_NP = _WIN * _WIN
_CN = _NP / (_NP - 1.0)
_C1 = (0.01 * 1.0) ** 2
_C2 = (0.03 * 1.0) ** 2


@nb.njit(cache=True, fastmath=True)
def _hsum(a, b, hs):
    """``hs[i, j] = sum_t a[i, j+t] * b[i, j+t]`` over the 7-wide valid windows."""
    n_rows, n_cols = a.shape
    for i in range(n_rows):
        s = 0.0
        for t in range(_WIN):
            s += a[i, t] * b[i, t]
        hs[i, 0] = s
        for j in range(1, n_cols - _WIN + 1):
            s += a[i, j + _WIN - 1] * b[i, j + _WIN - 1] - a[i, j - 1] * b[i, j - 1]
            hs[i, j] = s


@nb.njit(cache=True, fastmath=True)
def _vmean(hs, out):
    """Vertical 7-tall valid window sums of ``hs``, divided by 49 (the window mean)."""
    n_rows, w = hs.shape
    vs = np.zeros(w)
    for t in range(_WIN):
        for j in range(w):
            vs[j] += hs[t, j]
    for i in range(n_rows - _WIN + 1):
        for j in range(w):
            out[i, j] = vs[j] / _NP
        if i + _WIN < n_rows:
            for j in range(w):
                vs[j] += hs[i + _WIN, j] - hs[i, j]


@nb.njit(cache=True, fastmath=True)
def _mean_var(a, ones, hs, mean, var):
    _hsum(a, ones, hs)
    _vmean(hs, mean)
    _hsum(a, a, hs)
    _vmean(hs, var)
    h, w = mean.shape
    for i in range(h):
        for j in range(w):
            var[i, j] = _CN * (var[i, j] - mean[i, j] * mean[i, j])


@nb.njit(cache=True, fastmath=True)
def _ssim_image(x, refs, ref_mean, ref_var, out):
    """SSIM of one image ``x`` (3, H, W) against each reference; writes ``out`` (K,)."""
    n_ch, n_rows, n_cols = x.shape
    h, w = n_rows - _WIN + 1, n_cols - _WIN + 1
    ux = np.empty((n_ch, h, w))
    vx = np.empty((n_ch, h, w))
    hs = np.empty((n_rows, w))
    ones = np.ones((n_rows, n_cols))
    vs = np.empty(w)
    for c in range(n_ch):
        _mean_var(x[c], ones, hs, ux[c], vx[c])
    for k in range(refs.shape[0]):
        acc = 0.0
        for c in range(n_ch):
            _hsum(x[c], refs[k], hs)
            vs[:] = 0.0
            for t in range(_WIN):
                for j in range(w):
                    vs[j] += hs[t, j]
            for i in range(h):
                for j in range(w):
                    mx = ux[c, i, j]
                    my = ref_mean[k, i, j]
                    mxy = mx * my
                    num = (2.0 * mxy + _C1) * (2.0 * _CN * (vs[j] / _NP - mxy) + _C2)
                    den = (mx * mx + my * my + _C1) * (vx[c, i, j] + ref_var[k, i, j] + _C2)
                    acc += num / den
                if i + _WIN < n_rows:
                    for j in range(w):
                        vs[j] += hs[i + _WIN, j] - hs[i, j]
        out[k] = acc / (n_ch * h * w)


def reference_stats(refs):
    """Local means and sample variances of gray references (K, H, W), float64."""
    refs = np.ascontiguousarray(refs, dtype=np.float64)
    k, n_rows, n_cols = refs.shape
    shape = (k, n_rows - _WIN + 1, n_cols - _WIN + 1)
    mean, var = np.empty(shape), np.empty(shape)
    hs = np.empty((n_rows, shape[2]))
    ones = np.ones((n_rows, n_cols))
    for i in range(k):
        _mean_var(refs[i], ones, hs, mean[i], var[i])
    return mean, var


def ssim_to_references(images, refs, stats=None):
    """SSIM of each image (m, H, W, 3) in [0, 1] to each gray reference (K, H, W).

    Returns float64 (m, K); ``stats`` is ``reference_stats(refs)`` when precomputed.
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
    out = np.empty((len(images), len(refs)))
    for i, image in enumerate(images):
        x = np.ascontiguousarray(np.moveaxis(image, -1, 0), dtype=np.float64)
        _ssim_image(x, refs, mean, var, out[i])
    return out
