"""Looking inside fitted models: class activation maps and plotting helpers.

:func:`class_activation_map` computes CAM or Grad-CAM maps of the image
classifiers; the ``plot_*`` helpers draw them and the other figures of a
``skemo compare`` report (palettes, texture references, confusion matrices,
loss curves, image grids). Comparing models is :mod:`skemo.evaluation`.
"""

from ._cam import class_activation_map
from ._plot import (
    plot_cam,
    plot_confusion_matrix,
    plot_image_grid,
    plot_loss_curves,
    plot_palettes,
    plot_texture_references,
)

__all__ = [
    "class_activation_map",
    "plot_cam",
    "plot_confusion_matrix",
    "plot_image_grid",
    "plot_loss_curves",
    "plot_palettes",
    "plot_texture_references",
]
