"""Looking inside the models: class activation maps and plotting helpers.

:func:`class_activation_map` computes CAM or Grad-CAM maps of the image
classifiers; the ``plot_*`` helpers draw them and the other figures of a
``skemo compare`` report (palettes, texture references, confusion matrices,
loss curves, image grids). :func:`compare_models` runs the comparison itself.
"""

from ._cam import class_activation_map
from ._compare import MODEL_NAMES, compare_models, default_backbone
from ._plot import (
    plot_cam,
    plot_confusion_matrix,
    plot_image_grid,
    plot_loss_curves,
    plot_palettes,
    plot_texture_references,
)
from ._report import format_table, write_report

__all__ = [
    "MODEL_NAMES",
    "class_activation_map",
    "compare_models",
    "default_backbone",
    "format_table",
    "plot_cam",
    "plot_confusion_matrix",
    "plot_image_grid",
    "plot_loss_curves",
    "plot_palettes",
    "plot_texture_references",
    "write_report",
]
