"""Images in and out: decoding files into arrays, validating image inputs, and contact sheets."""

from ._check import check_images, check_images_y, iter_image_chunks
from ._grid import save_image_grid, tile_images
from ._load import ImageLoader, ImageReadError, load_images, read_image

__all__ = [
    "ImageLoader",
    "ImageReadError",
    "check_images",
    "check_images_y",
    "iter_image_chunks",
    "load_images",
    "read_image",
    "save_image_grid",
    "tile_images",
]
