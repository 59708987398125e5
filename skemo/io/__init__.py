"""Images in and out: decoding files into arrays, validating image inputs, contact sheets,
atomic output files; ``save_model`` and ``load_model`` of :mod:`skemo.model_file` are
importable from here too.

Every reader raises :class:`ImageReadError`, a ``ValueError`` that names the
file and the reason, for a file it cannot decode.

Examples
--------
>>> import pathlib, tempfile
>>> from skemo.io import ImageReadError, read_image
>>> bad = pathlib.Path(tempfile.mkdtemp()) / "broken.jpg"
>>> _ = bad.write_bytes(b"not a jpeg")
>>> try:
...     read_image(bad)
... except ImageReadError as error:
...     print(isinstance(error, ValueError), "broken.jpg" in str(error))
True True
"""

from ._check import check_images, check_images_y, iter_image_chunks
from ._grid import save_image_grid, tile_images
from ._load import ImageLoader, ImageReadError, load_images, read_image
from ._pipeline import ImageBatch, stream_images

__all__ = [
    "ImageBatch",
    "ImageLoader",
    "ImageReadError",
    "check_images",
    "check_images_y",
    "iter_image_chunks",
    "load_images",
    "read_image",
    "save_image_grid",
    "stream_images",
    "tile_images",
]


def __getattr__(name):
    # The model-file readers live above the estimators they rebuild (skemo.model_file);
    # importing them here lazily keeps skemo.io below skemo.models.
    if name in ("load_model", "save_model"):
        import skemo.model_file

        return getattr(skemo.model_file, name)
    raise AttributeError(f"module 'skemo.io' has no attribute {name!r}")
