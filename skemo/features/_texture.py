"""Texture features: SSIM between an image and gray Perlin-noise reference textures."""

from functools import lru_cache
from numbers import Integral

import noise
import numpy as np
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import _ImageFeatures
from ._ssim import reference_stats, ssim_to_references

# (scale, octaves, persistence, lacunarity) of the thesis's six reference textures.
THESIS_REFERENCES = (
    (200.0, 100, 0.75, 2.0),
    (100.0, 4, 0.5, 6.0),
    (80.0, 75, 0.05, 2.0),
    (75.0, 1, 0.75, 3.0),
    (10.0, 1, 0.90, 0.1),
    (2.0, 1, 0.95, 0.01),
)


def hard_soft_scale(scale, octaves, persistence, lacunarity):
    """Hard-Soft value of a Perlin texture from its generation parameters.

    ``HS = 586.33 - 178.78 octaves**0.01 - 84.20 scale**0.01
    - 106.83 persistence**0.02 - 213.89 lacunarity**0.01``, the thesis's fit of
    perceived hardness (low) to softness (high).

    Parameters
    ----------
    scale, octaves, persistence, lacunarity : float or array-like
        Perlin-noise parameters, as passed to ``noise.pnoise2`` (scale divides the
        pixel coordinates).  Arrays broadcast.

    Returns
    -------
    hs : float or ndarray
        The Hard-Soft value(s).

    Examples
    --------
    >>> from skemo.features import hard_soft_scale
    >>> round(hard_soft_scale(1, 1, 1, 1), 2)
    2.63
    """
    hs = (
        586.33
        - 178.78 * np.power(octaves, 0.01)
        - 84.20 * np.power(scale, 0.01)
        - 106.83 * np.power(persistence, 0.02)
        - 213.89 * np.power(lacunarity, 0.01)
    )
    return float(hs) if np.ndim(hs) == 0 else hs


@lru_cache(maxsize=64)
def _perlin_reference(scale, octaves, persistence, lacunarity, size):
    """Gray Perlin texture (size, size), generated once per process and read-only."""
    ref = np.array(
        [
            [
                noise.pnoise2(
                    i / scale,
                    j / scale,
                    octaves=octaves,
                    persistence=persistence,
                    lacunarity=lacunarity,
                    repeatx=size,
                    repeaty=size,
                    base=0,
                )
                for j in range(size)
            ]
            for i in range(size)
        ]
    )
    ref.flags.writeable = False
    return ref


def perlin_references(params, size):
    """Stack the Perlin references of a sequence of (scale, octaves, persistence, lacunarity)."""
    return np.stack(
        [_perlin_reference(float(s), int(o), float(p), float(lac), int(size)) for s, o, p, lac in params]
    )


def min_max_normalize(image, normalize):
    """Scale one image (H, W, 3) to [0, 1] as float64: over the whole image or per column.

    ``"column"`` is what the thesis code did: sklearn's ``MinMaxScaler`` on the image
    as a 2-D ``(H, W * 3)`` array, i.e. each (column, channel) scaled over the rows.
    A constant image (or column) maps to 0, as ``MinMaxScaler`` does.
    """
    image = np.asarray(image, dtype=np.float64)
    if normalize == "column":
        h, w, c = image.shape
        return MinMaxScaler().fit_transform(image.reshape(h, w * c)).reshape(h, w, c)
    lo, hi = image.min(), image.max()
    return (image - lo) / (hi - lo if hi > lo else 1.0)


class TextureFeatures(_ImageFeatures):
    """SSIM between each image and gray Perlin-noise reference textures.

    Each image is resized to ``size`` x ``size`` (the resize of
    :func:`skemo._validation.check_images`), min-max scaled to [0, 1], and compared,
    as a 3-channel colour image, with each gray reference repeated on three channels.
    Feature ``k`` equals ``skimage.metrics.structural_similarity(image, ref_k3,
    channel_axis=-1, data_range=1.0)`` with skimage's defaults (7x7 uniform window,
    sample covariance, K1 = 0.01, K2 = 0.03), but computed by a fused kernel: the
    reference statistics once per chunk, one pass per (reference, channel) per image.

    Reference ``k`` has pixel ``(i, j) = noise.pnoise2(i / scale, j / scale,
    octaves=octaves, persistence=persistence, lacunarity=lacunarity, repeatx=size,
    repeaty=size, base=0)``; it is not rescaled.  References are generated once per
    (parameters, size) and cached for the process.  The transformer must be fitted
    (``fit`` builds the references and learns nothing from the images).

    Parameters
    ----------
    references : "thesis", array-like of shape (n_refs, 4) or (n_refs, size, size)
        ``"thesis"`` gives the thesis's six (scale, octaves, persistence, lacunarity)
        sets; a list of such tuples gives others; an array of gray images gives the
        references directly (their Hard-Soft value is unknown: NaN).
    size : int, default=224
        Side of the square images and references (at least 7, the SSIM window).
    normalize : {"global", "column"}, default="global"
        Min-max scaling of the image before SSIM: over the whole image, or
        per column as the thesis's ``MinMaxScaler`` did (see Notes).
    n_jobs : int, default=None
        Number of joblib jobs over chunks of images.
    verbose : int, default=0
        Show a progress bar over images when positive.

    Attributes
    ----------
    references_ : ndarray of shape (n_refs, size, size)
        The gray reference textures.
    hard_soft_ : ndarray of shape (n_refs,)
        Hard-Soft value of each reference (:func:`hard_soft_scale`).
    n_features_out_ : int
        Number of references.

    Notes
    -----
    ``normalize="column"`` applies ``MinMaxScaler`` to the image reshaped to
    ``(size, size * 3)``: each image column and channel is scaled over the rows.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.features import TextureFeatures
    >>> X = np.random.default_rng(0).integers(0, 256, (2, 16, 16, 3), dtype=np.uint8)
    >>> texture = TextureFeatures(size=16).fit(X)
    >>> texture.transform(X).shape
    (2, 6)
    >>> texture.hard_soft_.round(1)
    array([-11.3,  -6.2,  -4.3,  -2.8,   5.8,  11.8])
    """

    _parameter_constraints: dict = {
        **_ImageFeatures._parameter_constraints,
        "references": [StrOptions({"thesis"}), "array-like"],
        "size": [Interval(Integral, 7, None, closed="left")],
        "normalize": [StrOptions({"global", "column"})],
    }

    def __init__(self, references="thesis", size=224, normalize="global", *, n_jobs=None, verbose=0):
        self.references = references
        self.size = size
        self.normalize = normalize
        self.n_jobs = n_jobs
        self.verbose = verbose

    @property
    def _image_size(self):
        return self.size

    def _fit_images(self, X, y):
        if isinstance(self.references, str):
            params = np.array(THESIS_REFERENCES, dtype=float)
        else:
            params = np.asarray(self.references, dtype=float)
        if params.ndim == 2 and params.shape[1] == 4:
            self.references_ = perlin_references(params.tolist(), self.size)
            self.hard_soft_ = hard_soft_scale(*params.T)
        elif params.ndim == 3 and params.shape[1:] == (self.size, self.size):
            self.references_ = params.copy()
            self.hard_soft_ = np.full(len(params), np.nan)
        else:
            raise ValueError(
                "references must be 'thesis', a list of (scale, octaves, persistence, "
                f"lacunarity) tuples or an array of shape (n_refs, {self.size}, {self.size}) "
                f"matching size={self.size}; got an array of shape {params.shape}."
            )
        if len(params) == 0:
            raise ValueError("references must hold at least one reference; got none.")

    def _feature_names(self):
        return [f"texture_ssim_{k}" for k in range(len(self.references_))]

    def _transform_images(self, images):
        normalized = np.stack([min_max_normalize(img, self.normalize) for img in images])
        return ssim_to_references(normalized, self.references_, reference_stats(self.references_))
