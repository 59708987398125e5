"""JPEG decoding with torchvision on the device: nvJPEG on a CUDA GPU, libjpeg on the CPU.

The pipeline's ``decoder="torchvision"``. The file's bytes are read on the CPU
and its header checked there with Pillow (format, mode, the decompression-bomb
limit); a baseline RGB or grayscale JPEG is then decoded by
:func:`torchvision.io.decode_jpeg` on the device, its EXIF orientation applied,
and resized there with antialiased bilinear interpolation, rounded to 8 bits as
Pillow's resize is. Any other file (PNG, CMYK or progressive JPEG, ...) and any
JPEG the device decoder fails on are decoded with Pillow, file by file.

Pixels differ from Pillow's: Pillow decodes a large JPEG at a reduced DCT scale
(``draft``) before its resize, and the two IDCTs and resampling kernels are not
the same. ``tests/test_pipeline.py`` measures the difference on the CPU and holds
it to a mean of 2 grey levels (``benchmarks/bench_pipeline.py`` prints it too).
"""

import io

import numpy as np

from skemo._files import open_regular

from ._load import ImageReadError, _check_pixel_count, decode_image


class TorchJPEGReader:
    """``reader(path, size) -> (image, error)`` for :func:`~skemo.io._pipeline.stream_images`.

    ``image`` is a float32 ``(3, H, W)`` tensor in [0, 1] on ``device`` for a JPEG
    decoded there, or Pillow's ``(H, W, 3)`` array for any other file.
    """

    def __init__(self, size, device):
        import torch

        self.device = torch.device(device)

    def __call__(self, path, size):
        try:
            with open_regular(path) as file:
                data = file.read()
        except FileNotFoundError:
            return None, f"cannot read image '{path}': no such file."
        except OSError as exc:
            return None, f"cannot read image '{path}': {exc.strerror or exc}."
        try:
            if self._is_plain_jpeg(data, path):
                return self._decode(data, size), None
        except ImageReadError as exc:
            return None, str(exc)
        except Exception:  # noqa: BLE001 - any device-decoder failure falls back to Pillow
            pass
        try:
            return decode_image(path, size), None
        except ImageReadError as exc:
            return None, str(exc)

    @staticmethod
    def _is_plain_jpeg(data, path):
        from PIL import Image

        if not data.startswith(b"\xff\xd8\xff"):
            return False
        with Image.open(io.BytesIO(data)) as img:  # the header only
            _check_pixel_count(img, path)
            return img.format == "JPEG" and img.mode in ("RGB", "L") \
                and not img.info.get("progressive") and not img.info.get("progression")

    def _decode(self, data, size):
        import torch
        from torch.nn.functional import interpolate
        from torchvision.io import ImageReadMode, decode_jpeg

        encoded = torch.frombuffer(bytearray(data), dtype=torch.uint8)
        image = decode_jpeg(encoded, mode=ImageReadMode.RGB, device=self.device,
                            apply_exif_orientation=True)
        if size is not None and tuple(image.shape[1:]) != tuple(size):
            resized = interpolate(image[None].float(), size=tuple(size), mode="bilinear",
                                  antialias=True, align_corners=False)[0]
            image = resized.round_().clamp_(0, 255).to(torch.uint8)
        return image.float() / 255


def pixel_difference(a, b):
    """Mean and largest absolute difference, in grey levels, of two [0, 1] stacks."""
    diff = np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) * 255
    return float(diff.mean()), float(diff.max())
