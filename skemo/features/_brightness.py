"""Perceived brightness of an image from its per-channel RMS (the thesis's feature)."""

import numpy as np

from ._base import _ImageFeatures

# Weights of the "HSP" perceived-brightness model used by the thesis; they sum to 1.
_W_R, _W_G, _W_B = 0.241, 0.691, 0.068


def _channel_mean_squares(image):
    """Mean of the squared 0-255 values of each channel, in float64.

    ``check_images`` turns uint8 data into float32 ``v / 255``; such images are mapped
    back to their exact integers, so uint8 inputs give exactly PIL's integer sums.
    """
    x = image.reshape(-1, 3)
    q = np.rint(x * np.float32(255.0))
    if np.array_equal(q / np.float32(255.0), x):
        c = q.astype(np.float64)
    else:
        c = x.astype(np.float64) * 255.0
    return np.einsum("ij,ij->j", c, c) / c.shape[0]


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
