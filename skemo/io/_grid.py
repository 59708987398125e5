"""Tile a batch of images into one contact sheet, as an array or a PNG file.

:func:`tile_images` is the one place that lays images out on a grid: the PNG
sheets of ``skemo demo`` and :func:`skemo.inspection.plot_image_grid` both
draw what it returns.
"""

from numbers import Integral
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.utils._param_validation import Interval, validate_params

from ._atomic import atomic_write
from ._check import check_images

__all__ = ["save_image_grid", "tile_images"]


_SHEET_PARAMS = {
    "images": ["array-like"],
    "ncols": [Interval(Integral, 1, None, closed="left")],
    "padding": [Interval(Integral, 0, None, closed="left")],
    "background": [tuple, list],
}


@validate_params(_SHEET_PARAMS, prefer_skip_nested_validation=True)
def tile_images(images, ncols=8, padding=2, background=(255, 255, 255)):
    """Lay images out row by row on one RGB sheet.

    Parameters
    ----------
    images : array-like of shape (n, H, W, 3) or sequence of paths
        Images in any form :func:`~skemo.io.check_images` accepts.
        Paths of different sizes are not resized: pass an array instead.
    ncols : int, default=8
        Images per row; fewer when there are fewer images.
    padding : int, default=2
        Pixels between images and around the sheet.
    background : tuple of 3 ints, default=(255, 255, 255)
        Colour of the padding.

    Returns
    -------
    sheet : ndarray of shape (sheet_height, sheet_width, 3)
        ``uint8``. With ``cols = min(ncols, n)`` and ``rows = ceil(n / cols)``,
        the sheet is ``rows * (H + padding) + padding`` pixels high and
        ``cols * (W + padding) + padding`` wide; image ``i`` sits in row
        ``i // cols``, column ``i % cols``.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.io import tile_images
    >>> tile_images(np.zeros((5, 8, 8, 3)), ncols=4).shape  # 2 rows of 4, 2 px padding
    (22, 42, 3)
    """
    images = check_images(images, name="images")
    n, height, width, _ = images.shape
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    sheet = np.empty(
        (nrows * (height + padding) + padding, ncols * (width + padding) + padding, 3),
        dtype=np.uint8,
    )
    sheet[:] = np.asarray(background, dtype=np.uint8)
    pixels = np.round(images * 255).astype(np.uint8)
    for i, image in enumerate(pixels):
        row, col = divmod(i, ncols)
        top = padding + row * (height + padding)
        left = padding + col * (width + padding)
        sheet[top : top + height, left : left + width] = image
    return sheet


@validate_params({**_SHEET_PARAMS, "path": [str, Path]}, prefer_skip_nested_validation=True)
def save_image_grid(images, path, ncols=8, padding=2, background=(255, 255, 255)):
    """Save images as a PNG contact sheet, row by row (see :func:`tile_images`).

    Parameters
    ----------
    images : array-like of shape (n, H, W, 3) or sequence of paths
        As in :func:`tile_images`.
    path : str or Path
        Output file; parent folders are created. Written as PNG, atomically
        (a temporary file, then a rename).
    ncols, padding, background
        The layout of the sheet, as in :func:`tile_images`.

    Returns
    -------
    path : Path
        The file written.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from PIL import Image
    >>> from skemo.io import save_image_grid
    >>> out = save_image_grid(np.zeros((5, 8, 8, 3)), Path(tempfile.mkdtemp()) / "grid.png",
    ...                       ncols=4)
    >>> Image.open(out).size  # 4 columns, 2 rows of 8 px with 2 px padding
    (42, 22)
    """
    sheet = tile_images(images, ncols=ncols, padding=padding, background=background)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path, "wb") as f:
        Image.fromarray(sheet).save(f, format="PNG")
    return path
