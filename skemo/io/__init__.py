"""Images in and out: decoding files into arrays, and contact sheets."""

from ._grid import save_image_grid
from ._load import ImageLoader, ImageReadError, load_images, read_image

__all__ = ["ImageLoader", "ImageReadError", "load_images", "read_image", "save_image_grid"]
