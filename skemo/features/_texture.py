"""Texture features: SSIM between an image and gray Perlin-noise reference textures."""

from functools import lru_cache
from numbers import Integral, Real

import noise
import numpy as np
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import _ImageFeatures
from ._ssim import ssim_to_references

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


def min_max_scale(a, scaling):
    """Min-max scale a 2-D or (H, W, C) array to [0, 1] in float64.

    ``"global"`` scales over the whole array.  ``"column"`` is scikit-learn's
    ``MinMaxScaler`` on the array as 2-D ``(H, W * C)``: each column (and channel)
    is scaled over the rows; this is what the thesis's ``gen_perlin`` did to each
    reference.  A constant array or column maps to 0, as ``MinMaxScaler`` does.
    ``None`` returns the values unchanged.
    """
    a = np.asarray(a, dtype=np.float64)
    if scaling is None:
        return a
    if scaling == "column":
        flat = a.reshape(a.shape[0], -1)
        return MinMaxScaler().fit_transform(flat).reshape(a.shape)
    lo, hi = a.min(), a.max()
    return (a - lo) / (hi - lo if hi > lo else 1.0)


class TextureFeatures(_ImageFeatures):
    """SSIM between each image and gray Perlin-noise reference textures.

    With the defaults this is the thesis's feature (Annex D, ``gen_perlin`` and
    ``texture``), exactly:

    - reference ``k`` has pixel ``(i, j) = noise.pnoise2(i / scale, j / scale,
      octaves=octaves, persistence=persistence, lacunarity=lacunarity,
      repeatx=image_size, repeaty=image_size, base=0)``, is min-max scaled column
      by column (``MinMaxScaler().fit_transform`` on the square array, so each
      column spans [0, 1] over its rows) and is repeated on three channels;
    - the image is resized to ``image_size`` x ``image_size`` (the resize of
      :func:`skemo.io.check_images`) and used as it comes, in [0, 1], with no
      rescaling (the thesis divided the 8-bit values by 255);
    - feature ``k`` is ``skimage.metrics.structural_similarity(image, ref_k3,
      channel_axis=-1, data_range=2.0)`` with skimage's other defaults (7x7
      uniform window, sample covariance, K1 = 0.01, K2 = 0.03).

    The thesis called ``compare_ssim(img, ref, multichannel=True)`` on float64
    arrays without a ``data_range``; the skimage of 2019 then took the range
    from the dtype, ``dtype_range[float64] = (-1, 1)``, i.e. ``data_range=2``.
    That only sets the stabilising constants ``C1 = (0.01 L)**2`` and
    ``C2 = (0.03 L)**2``; ``data_range=1.0`` gives the SSIM of images known
    to lie in [0, 1].  The values are computed by a fused kernel (reference
    statistics once, one pass per reference and channel) that matches skimage
    to about 1e-12.

    Parameters
    ----------
    references : "thesis", array-like of shape (n_refs, 4) or \
(n_refs, image_size, image_size)
        ``"thesis"`` gives the thesis's six (scale, octaves, persistence, lacunarity)
        sets; a list of such tuples gives others; an array of gray images gives the
        references directly (their Hard-Soft value is unknown: NaN).
    image_size : int, default=224
        Side of the square images and references (at least 7, the SSIM
        window); 224 is the thesis's.
    reference_scaling : {"column", "global"} or None, default="column"
        Min-max scaling of each gray reference: per column as the thesis did,
        over the whole reference, or none (raw Perlin values, about
        [-0.75, 0.75]).
    image_scaling : {"global", "column"} or None, default=None
        Min-max scaling of each image before the SSIM: none (the thesis), over
        the whole image, or per column and channel (``MinMaxScaler`` on the
        image as ``(image_size, image_size * 3)``).  Scaling makes the feature blind to
        global brightness and contrast, which the brightness feature covers.
    data_range : float, default=2.0
        skimage's ``data_range`` (see above; 2.0 reproduces the thesis).
    n_jobs : int, default=None
        Number of threads over chunks of images (see :class:`PaintingFeatures`).
    verbose : int, default=0
        Show a progress bar over images when positive.

    Attributes
    ----------
    references_ : ndarray of shape (n_refs, image_size, image_size)
        The gray reference textures, scaled as ``reference_scaling`` says.
    hard_soft_ : ndarray of shape (n_refs,)
        Hard-Soft value of each reference (:func:`hard_soft_scale`).
    n_features_out_ : int
        Number of references.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.features import TextureFeatures
    >>> X = np.random.default_rng(0).integers(0, 256, (2, 16, 16, 3), dtype=np.uint8)
    >>> texture = TextureFeatures(image_size=16).fit(X)
    >>> texture.transform(X).shape
    (2, 6)
    >>> float(texture.references_.min()), float(texture.references_.max())
    (0.0, 1.0)
    >>> texture.hard_soft_.round(1)
    array([-11.3,  -6.2,  -4.3,  -2.8,   5.8,  11.8])
    """

    _parameter_constraints: dict = {
        **_ImageFeatures._parameter_constraints,
        "references": [StrOptions({"thesis"}), "array-like"],
        "image_size": [Interval(Integral, 7, None, closed="left")],
        "reference_scaling": [StrOptions({"column", "global"}), None],
        "image_scaling": [StrOptions({"column", "global"}), None],
        "data_range": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        references="thesis",
        image_size=224,
        reference_scaling="column",
        image_scaling=None,
        data_range=2.0,
        *,
        n_jobs=None,
        verbose=0,
    ):
        self.references = references
        self.image_size = image_size
        self.reference_scaling = reference_scaling
        self.image_scaling = image_scaling
        self.data_range = data_range
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _fit_images(self, X, y):
        if isinstance(self.references, str):
            params = np.array(THESIS_REFERENCES, dtype=float)
        else:
            params = np.asarray(self.references, dtype=float)
        if len(params) == 0:
            raise ValueError("references must hold at least one reference; got none.")
        if params.ndim == 2 and params.shape[1] == 4:
            raw = perlin_references(params.tolist(), self.image_size)
            self.hard_soft_ = hard_soft_scale(*params.T)
        elif params.ndim == 3 and params.shape[1:] == (self.image_size, self.image_size):
            raw = params
            self.hard_soft_ = np.full(len(params), np.nan)
        else:
            raise ValueError(
                "references must be 'thesis', a list of (scale, octaves, persistence, "
                "lacunarity) tuples or an array of shape (n_refs, image_size, image_size) "
                f"with image_size={self.image_size}; got an array of shape {params.shape}."
            )
        self.references_ = np.stack([min_max_scale(r, self.reference_scaling) for r in raw])

    def _feature_names(self):
        return [f"texture_ssim_{k}" for k in range(len(self.references_))]

    def _transform_images(self, images):
        if self.image_scaling is not None:
            images = np.stack([min_max_scale(img, self.image_scaling) for img in images])
        return ssim_to_references(images, self.references_, self.data_range)
