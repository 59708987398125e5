"""Global affective image features after Machajdik & Hanbury (2010)."""

from numbers import Integral, Real

import numpy as np
from scipy.ndimage import gaussian_filter
from skimage.color import rgb2gray, rgb2hsv, rgb2lab
from skimage.feature import canny, graycomatrix, graycoprops
from sklearn.utils._param_validation import Interval

from skemo.features._base import _ImageFeatures

__all__ = ["AffectiveFeatures"]

# Basic colour terms (Berlin & Kay) that Machajdik & Hanbury count; prototypes in sRGB.
_COLOUR_NAMES = {
    "black": (0.0, 0.0, 0.0),
    "blue": (0.10, 0.25, 0.80),
    "brown": (0.50, 0.30, 0.15),
    "gray": (0.50, 0.50, 0.50),
    "green": (0.15, 0.55, 0.15),
    "orange": (1.00, 0.55, 0.05),
    "pink": (1.00, 0.70, 0.80),
    "purple": (0.50, 0.15, 0.60),
    "red": (0.85, 0.10, 0.10),
    "white": (1.0, 1.0, 1.0),
    "yellow": (1.00, 0.95, 0.15),
}
_COLOUR_LAB = rgb2lab(np.array(list(_COLOUR_NAMES.values()))[None])[0]
_GLCM_PROPS = ("contrast", "correlation", "energy", "homogeneity")
_GLCM_ANGLES = (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)
_GLCM_DISTANCES = (1, 2)

_NAMES = (
    ["saturation_mean", "saturation_std", "brightness_mean", "brightness_std"]
    + ["pleasure", "arousal", "dominance"]
    + ["hue_cos", "hue_sin", "hue_circular_variance", "colourfulness"]
    + [f"glcm_{p}" for p in _GLCM_PROPS]
    + ["edge_density", "thirds_saturation", "thirds_brightness"]
    + ["dark_fraction", "bright_fraction", "warm_fraction", "cool_fraction"]
    + ["detail_fine", "detail_mid", "detail_coarse", "dof_center_ratio"]
    + ["brightness_top_bottom", "saturation_top_bottom"]
    + [f"hue_hist_{start}" for start in range(0, 360, 45)]
    + [f"colour_{name}" for name in _COLOUR_NAMES]
)


def _inner(a):
    """Central third of an (m, H, W) stack: Machajdik & Hanbury's inner rectangle."""
    h, w = a.shape[1:3]
    return a[:, h // 3 : h - h // 3, w // 3 : w - w // 3]


def _top_bottom(a):
    """Mean of the top half minus the bottom half (sky above, ground below)."""
    half = a.shape[1] // 2
    return [a[:, :half].mean((1, 2)) - a[:, a.shape[1] - half :].mean((1, 2))]


def _glcm(gray, levels):
    # Clip before the cast: with 256 levels, white (256) would wrap to 0 in uint8.
    q = np.minimum((gray * levels).astype(np.intp), levels - 1).astype(np.uint8)
    out = np.empty((len(q), len(_GLCM_PROPS)))
    for i, img in enumerate(q):
        P = graycomatrix(img, _GLCM_DISTANCES, _GLCM_ANGLES, levels, symmetric=True, normed=True)
        out[i] = [graycoprops(P, prop).mean() for prop in _GLCM_PROPS]
    return out


def _hue_stats(h, s):
    """Saturation-weighted circular mean (cos, sin) of hue and circular variance."""
    angle = 2 * np.pi * h
    weight = s.sum((1, 2))
    # A grey image has no hue: its mean vector is 0 and its variance 1.
    safe = np.where(weight > 0, weight, 1.0)
    c = (s * np.cos(angle)).sum((1, 2)) / safe
    sn = (s * np.sin(angle)).sum((1, 2)) / safe
    return c, sn, 1.0 - np.hypot(c, sn)


def _colourfulness(images):
    """Hasler & Süsstrunk (2003) colourfulness, in [0, 1] RGB units."""
    r, g, b = images[..., 0], images[..., 1], images[..., 2]
    rg = r - g
    yb = 0.5 * (r + g) - b
    std = np.hypot(rg.std((1, 2)), yb.std((1, 2)))
    mean = np.hypot(rg.mean((1, 2)), yb.mean((1, 2)))
    return std + 0.3 * mean


def _details(gray):
    """Mean band-pass energy at three scales and its central concentration (depth of field)."""
    blur1 = gaussian_filter(gray, (0, 1, 1))
    blur2 = gaussian_filter(gray, (0, 2, 2))
    blur4 = gaussian_filter(gray, (0, 4, 4))
    fine = np.abs(gray - blur1)
    bands = [
        fine.mean((1, 2)),
        np.abs(blur1 - blur2).mean((1, 2)),
        np.abs(blur2 - blur4).mean((1, 2)),
    ]
    h, w = gray.shape[1:3]
    centre = fine[:, h // 4 : h - h // 4, w // 4 : w - w // 4]
    # A flat image has no detail anywhere: the ratio falls back to the area share.
    area = centre[0].size / fine[0].size
    total = fine.sum((1, 2))
    ratio = np.where(total > 0, centre.sum((1, 2)) / np.where(total > 0, total, 1.0), area)
    return bands + [ratio]


class AffectiveFeatures(_ImageFeatures):
    """Global affective image features of Machajdik & Hanbury (2010).

    Images are resized to ``image_size`` x ``image_size``; then, with H, S and V from HSV
    in [0, 1], each image gives these named features:

    - ``saturation_mean``, ``saturation_std``, ``brightness_mean``,
      ``brightness_std``: statistics of S and V;
    - ``pleasure`` = 0.69 V + 0.22 S, ``arousal`` = -0.31 V + 0.60 S and
      ``dominance`` = -0.76 V + 0.32 S (Valdez & Mehrabian 1994), with the
      mean V and S;
    - ``hue_cos``, ``hue_sin``: the saturation-weighted circular mean of hue
      (mean of S cos 2piH and S sin 2piH over the sum of S), and
      ``hue_circular_variance``, one minus that vector's length (a grey image
      gives 0, 0 and 1);
    - ``colourfulness``: Hasler & Süsstrunk (2003),
      sqrt(std_rg² + std_yb²) + 0.3 sqrt(mean_rg² + mean_yb²) with
      rg = R - G and yb = (R + G) / 2 - B, in [0, 1] units;
    - ``glcm_contrast``, ``glcm_correlation``, ``glcm_energy``,
      ``glcm_homogeneity``: :func:`skimage.feature.graycoprops` of the
      symmetric, normalised co-occurrence matrix of the gray image quantised
      to ``glcm_levels`` levels, averaged over distances 1 and 2 and angles
      0, 45, 90 and 135 degrees;
    - ``edge_density``: fraction of Canny edge pixels
      (:func:`skimage.feature.canny` with ``sigma=edge_sigma``);
    - ``thirds_saturation``, ``thirds_brightness``: mean S and V of the inner
      rectangle of the rule-of-thirds grid;
    - ``dark_fraction`` (V < 0.25), ``bright_fraction`` (V > 0.75),
      ``warm_fraction`` (S > 0.2 and hue within 0-90 or 330-360 degrees) and
      ``cool_fraction`` (S > 0.2 and hue within 150-270 degrees): pixel shares;
    - ``detail_fine``, ``detail_mid``, ``detail_coarse``: mean absolute
      band-pass energy of the gray image between Gaussian blurs of
      sigma 0-1, 1-2 and 2-4 pixels (a stand-in for M&H's wavelet textures),
      and ``dof_center_ratio``: the share of fine detail in the central half
      of the image (their low depth-of-field cue; the area share, 0.25, for
      a flat image);
    - ``brightness_top_bottom``, ``saturation_top_bottom``: mean V and S of
      the top half minus those of the bottom half (a layout cue);
    - ``hue_hist_<start>``: saturation-weighted hue histogram, eight 45-degree
      bins starting at ``<start>`` degrees, each the sum of S over the pixels
      whose hue falls in the bin divided by the number of pixels: each pixel
      votes for its hue with its saturation, so the bins sum to
      ``saturation_mean``, a bin grows with both the area and the saturation
      of its hues, and a grey image gives zeros (dividing by the pixels of the
      bin instead would let a few stray saturated pixels fill a bin);
    - ``colour_<name>``: share of pixels nearest, in CIELAB, to each of the
      eleven basic colour terms black, blue, brown, gray, green, orange,
      pink, purple, red, white and yellow (M&H's colour-name amounts).

    Parameters
    ----------
    image_size : int, default=128
        Working resolution; images are resized to ``image_size`` x
        ``image_size`` first.
    glcm_levels : int, default=16
        Gray levels of the co-occurrence matrix.
    edge_sigma : float, default=1.0
        Gaussian sigma of the Canny detector.
    n_jobs : int, default=None
        Parallel jobs over chunks of images (joblib).
    verbose : int, default=0
        Show a progress bar over images when positive.

    Attributes
    ----------
    n_features_out_ : int
        Number of features (47).

    References
    ----------
    J. Machajdik and A. Hanbury, "Affective image classification using
    features inspired by psychology and art theory", ACM Multimedia, 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.features import AffectiveFeatures
    >>> X = np.full((2, 32, 32, 3), 128, dtype=np.uint8)
    >>> feat = AffectiveFeatures(image_size=32).set_output(transform="pandas")
    >>> df = feat.fit_transform(X)
    >>> df.shape
    (2, 47)
    >>> df[["saturation_mean", "colourfulness", "edge_density"]].iloc[0].tolist()
    [0.0, 0.0, 0.0]
    """

    _parameter_constraints: dict = {
        **_ImageFeatures._parameter_constraints,
        "image_size": [Interval(Integral, 8, None, closed="left")],
        "glcm_levels": [Interval(Integral, 2, 256, closed="both")],
        "edge_sigma": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, image_size=128, glcm_levels=16, edge_sigma=1.0, n_jobs=None, verbose=0):
        self.image_size = image_size
        self.glcm_levels = glcm_levels
        self.edge_sigma = edge_sigma
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _feature_names(self):
        return list(_NAMES)

    def _transform_images(self, images):
        images = images.astype(np.float64)
        hsv = rgb2hsv(images)
        h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
        gray = rgb2gray(images)
        s_mean, v_mean = s.mean((1, 2)), v.mean((1, 2))
        hue_deg = 360.0 * h
        chromatic = s > 0.2
        warm = chromatic & ((hue_deg < 90) | (hue_deg >= 330))
        cool = chromatic & (hue_deg >= 150) & (hue_deg < 270)
        edges = np.array([canny(g, sigma=self.edge_sigma).mean() for g in gray])
        lab = rgb2lab(images)
        nearest = ((lab[..., None, :] - _COLOUR_LAB) ** 2).sum(-1).argmin(-1)
        names = np.stack([(nearest == k).mean((1, 2)) for k in range(len(_COLOUR_NAMES))], 1)
        columns = [
            s_mean, s.std((1, 2)), v_mean, v.std((1, 2)),
            0.69 * v_mean + 0.22 * s_mean,
            -0.31 * v_mean + 0.60 * s_mean,
            -0.76 * v_mean + 0.32 * s_mean,
            *_hue_stats(h, s),
            _colourfulness(images),
            *_glcm(gray, self.glcm_levels).T,
            edges,
            _inner(s).mean((1, 2)), _inner(v).mean((1, 2)),
            (v < 0.25).mean((1, 2)), (v > 0.75).mean((1, 2)),
            warm.mean((1, 2)), cool.mean((1, 2)),
            *_details(gray),
            *_top_bottom(v), *_top_bottom(s),
        ]  # fmt: skip
        bins = np.minimum((h * 8).astype(np.intp), 7)
        hist = np.stack([(s * (bins == k)).mean((1, 2)) for k in range(8)], 1)
        return np.column_stack([np.column_stack(columns), hist, names])
