"""Perceived brightness of an image from its per-channel RMS (the thesis's feature)."""

import numba as nb
import numpy as np

from ._base import _ImageFeatures

# Weights of the "HSP" perceived-brightness model used by the thesis; they sum to 1.
_W_R, _W_G, _W_B = 0.241, 0.691, 0.068


@nb.njit(cache=True, nogil=True)
def _channel_mean_squares(image):
    """Mean of the squared 0-255 values of each channel of one (H, W, 3) image, float64.

    ``check_images`` turns uint8 data into float32 ``v / 255``; when every value is
    such a quotient the exact integers are used, so uint8 inputs give exactly PIL's
    integer sums (exact in float64).  Otherwise the values are scaled by 255.
    """
    scale32 = np.float32(255.0)
    exact = True
    sq_int = np.zeros(3)
    sq_val = np.zeros(3)
    n_rows, n_cols, n_ch = image.shape
    for i in range(n_rows):
        for j in range(n_cols):
            for c in range(n_ch):
                x = image[i, j, c]
                q = np.rint(x * scale32)
                if exact and q / scale32 != x:
                    exact = False
                v = np.float64(x) * 255.0
                sq_int[c] += np.float64(q) * np.float64(q)
                sq_val[c] += v * v
    return (sq_int if exact else sq_val) / (n_rows * n_cols)


class BrightnessFeatures(_ImageFeatures):
    """Perceived brightness of each image, in 0-255 units.

    With R, G and B the root mean square of each channel in 0-255 units (what
    ``PIL.ImageStat.Stat(img).rms`` gives), the feature is
    ``sqrt(0.241 R**2 + 0.691 G**2 + 0.068 B**2)``.  The weights sum to one, so a
    constant grey image of value ``v`` gives exactly ``v``.

    The transformer is stateless, but like every scikit-learn transformer it must be
    fitted (``fit`` only validates the parameters) or used through ``fit_transform``.

    Parameters
    ----------
    n_jobs : int, default=None
        Number of joblib jobs over chunks of images; ``None`` means 1 unless in a
        :func:`joblib.parallel_backend` context, ``-1`` means all processors.
    verbose : int, default=0
        Show a progress bar over images when positive.

    Attributes
    ----------
    n_features_out_ : int
        Number of output features (1).

    See Also
    --------
    TextureFeatures : SSIM to Perlin-noise reference textures.
    PaintingFeatures : The thesis's 13 features together.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.features import BrightnessFeatures
    >>> grey = np.full((2, 8, 8, 3), 100, dtype=np.uint8)
    >>> BrightnessFeatures().fit_transform(grey)
    array([[100.],
           [100.]])
    >>> BrightnessFeatures().fit(grey).get_feature_names_out()
    array(['brightness'], dtype=object)
    """

    _parameter_constraints: dict = {**_ImageFeatures._parameter_constraints}

    def __init__(self, *, n_jobs=None, verbose=0):
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _feature_names(self):
        return ["brightness"]

    def _transform_images(self, images):
        out = np.empty((len(images), 1))
        for i, image in enumerate(images):
            r2, g2, b2 = _channel_mean_squares(image)
            # Written around G**2 so that equal channels give exactly G (weights sum to 1).
            out[i, 0] = np.sqrt(max(g2 + _W_R * (r2 - g2) + _W_B * (b2 - g2), 0.0))
        return out
