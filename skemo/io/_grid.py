"""Write a batch of images as one PNG contact sheet."""

from numbers import Integral
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.utils._param_validation import Interval, validate_params

from skemo._validation import check_images


@validate_params(
    {
        "images": ["array-like"],
        "path": [str, Path],
        "ncols": [Interval(Integral, 1, None, closed="left")],
        "padding": [Interval(Integral, 0, None, closed="left")],
        "background": [tuple, list],
    },
    prefer_skip_nested_validation=True,
)
def save_image_grid(images, path, ncols=8, padding=2, background=(255, 255, 255)):
    """Save images as a PNG contact sheet, row by row.

    Parameters
    ----------
    images : array-like of shape (n, H, W, 3) or sequence of paths
        Images in any form :func:`skemo._validation.check_images` accepts.
        Paths of different sizes are not resized: pass an array instead.
    path : str or Path
        Output file; parent folders are created. Written as PNG.
    ncols : int, default=8
        Images per row; fewer when there are fewer images.
    padding : int, default=2
        Pixels between images and around the sheet.
    background : tuple of 3 ints, default=(255, 255, 255)
        Colour of the padding.

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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(sheet).save(path, format="PNG")
    return path
