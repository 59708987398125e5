"""Hand-crafted painting features as scikit-learn transformers.

Brightness, Perlin/SSIM texture and colour-palette features (the thesis's "CV"
features), the affective features of Machajdik & Hanbury (2010), and
:class:`PaintingFeatures`, which computes them together in one pass.
"""

from ._affective import AffectiveFeatures
from ._brightness import BrightnessFeatures
from ._palette import ColorPaletteFeatures, extract_palette
from ._texture import TextureFeatures, hard_soft_scale
from ._union import PaintingFeatures

__all__ = [
    "AffectiveFeatures",
    "BrightnessFeatures",
    "ColorPaletteFeatures",
    "PaintingFeatures",
    "TextureFeatures",
    "extract_palette",
    "hard_soft_scale",
]
