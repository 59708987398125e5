"""The one input pipeline: images in batches, decoded ahead in parallel, onto the device.

Everything in skemo that reads image files batch by batch goes through
:func:`stream_images` (models, the GANs, KID, the command line), and training on
files through :func:`training_images`. Files are decoded by ``n_jobs`` threads
(Pillow releases the GIL while it decodes and resizes) while the caller works on
the batch before: at most ``prefetch`` batches are decoded ahead, so memory stays
bounded. 8-bit images travel as bytes, through pinned memory to a CUDA device,
and become float32 there. With ``n_jobs=1`` and the Pillow decoder, the values
are exactly those of :func:`~skemo.io.load_images`.
"""

import collections
import os
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from skemo._validation import (
    check_image_array,
    check_size,
    image_chunks,
    is_path_list,
    resize_images,
)

from ._check import release_freed_memory
from ._load import ImageReadError, as_float, check_same_size, decode_image

DECODERS = ("pil", "torchvision")
#: Decoding and feature workers up to this many are threads; more are processes. The
#: GIL-held share of a file's work (7 % decoding, 12 % computing the painting features,
#: measured with py-spy --gil) caps threads near 8x and 6x.
THREAD_LIMIT = 8


class ImageBatch(NamedTuple):
    """One batch of a stream: where it starts, its images, and what could not be read.

    ``images`` is a float32 ``(n_ok, 3, H, W)`` tensor in [0, 1] on the device,
    or an ``(n_ok, H, W, 3)`` array with ``device=None`` (None when no file of the
    batch could be read); ``ok`` lists the positions, within the batch, of the rows
    it holds, and ``errors`` maps the other positions to the message naming the file.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.io import stream_images
    >>> batch = next(stream_images(np.zeros((3, 8, 8, 3), np.uint8), batch_size=2))
    >>> batch.start, tuple(batch.images.shape), batch.ok, batch.errors
    (0, (2, 3, 8, 8), [0, 1], {})
    """

    start: int
    images: object
    ok: list
    errors: dict


def workers(n_jobs):
    """Decoding threads for ``n_jobs`` (joblib's meaning: None is 1, -1 all cores)."""
    from joblib import effective_n_jobs

    return max(1, effective_n_jobs(n_jobs))


def to_device(images, device="cpu"):
    """A ``(n, H, W, 3)`` stack, uint8 or float32, as a float32 ``(n, 3, H, W)`` tensor in
    [0, 1] on ``device``; with ``device=None``, as a float32 ``(n, H, W, 3)`` array.

    On the CPU the division happens in numpy, exactly as :func:`~skemo.io.load_images`
    does. To a CUDA device uint8 travels as bytes, from pinned memory and without
    blocking, and is converted there: a quarter of the float32 traffic.
    """
    if device is None:
        return as_float(images)
    import torch

    device = torch.device(device)
    if device.type == "cpu":
        return torch.from_numpy(np.ascontiguousarray(as_float(images).transpose(0, 3, 1, 2)))
    tensor = torch.from_numpy(np.ascontiguousarray(images))
    if device.type == "cuda":
        tensor = tensor.pin_memory()
    tensor = tensor.to(device, non_blocking=True).permute(0, 3, 1, 2).contiguous()
    return tensor.float() / 255 if tensor.dtype == torch.uint8 else tensor


def stream_images(X, batch_size, size=None, *, n_jobs=None, prefetch=2, device="cpu",
                  decoder="pil", on_error="raise", name="X"):
    """Yield :class:`ImageBatch` es of images or image files, in order.

    Parameters
    ----------
    X : array-like of shape (n, H, W, 3) or sequence of paths
        Images (validated a batch at a time) or image files.
    batch_size : int
        Images per batch.
    size : None, int or (int, int), default=None
        ``(height, width)`` every image is resized to.
    n_jobs : int, default=None
        Threads decoding files (None: 1; -1: all cores).
    prefetch : int, default=2
        Batches decoded ahead of the one being used. With one worker and the
        CPU as ``device`` (or None), or with 0, the files are decoded in the
        calling thread, between batches: a decoding thread beside a model on the
        CPU only takes turns with it for the same cores.
    device : str, torch.device or None, default="cpu"
        Where the batches are delivered, as float32 ``(n, 3, H, W)`` tensors; None
        delivers float32 ``(n, H, W, 3)`` numpy arrays (what scikit-learn
        estimators take).
    decoder : {"pil", "torchvision"}, default="pil"
        ``"torchvision"`` decodes baseline JPEG files with
        :func:`torchvision.io.decode_jpeg` on ``device`` (nvJPEG on a CUDA
        device) and resizes them there; other files, and any JPEG it fails on,
        are decoded with Pillow. See the user guide for how its pixels differ.
    on_error : {"raise", "keep"}, default="raise"
        A file that cannot be read raises its :class:`~skemo.io.ImageReadError`,
        or is kept out of ``images`` and reported in the batch's ``errors``.
    name : str, default="X"
        Name used in error messages.

    Yields
    ------
    batch : ImageBatch

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from PIL import Image
    >>> from skemo.io import stream_images
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for k in range(3):
    ...     Image.new("RGB", (20, 10), (80 * k, 0, 0)).save(folder / f"{k}.png")
    >>> (folder / "3.png").write_bytes(b"broken")
    6
    >>> files = sorted(folder.iterdir())
    >>> for batch in stream_images(files, 2, size=8, n_jobs=2, on_error="keep"):
    ...     print(batch.start, tuple(batch.images.shape), batch.ok, list(batch.errors))
    0 (2, 3, 8, 8) [0, 1] []
    2 (1, 3, 8, 8) [0] [1]
    """
    size = check_size(size)
    if decoder not in DECODERS:
        raise ValueError(f"decoder must be one of {DECODERS}; got {decoder!r}.")
    if not is_path_list(X):
        for start, raw in image_chunks(X, batch_size, name=name):
            images = resize_images(check_image_array(raw, name), size)
            yield ImageBatch(start, to_device(images, device), list(range(len(images))), {})
        return
    files = list(X)
    read = _torch_reader(size, device) if decoder == "torchvision" else None
    n_workers = workers(n_jobs)
    if n_workers == 1 and (device is None or str(device).startswith("cpu")):
        # One decoder beside a model on the CPU only takes turns with it for the same
        # cores (measured slower on 2 cores): decode between batches, as before.
        prefetch = 0
    for start, results in decode_batches(files, batch_size, size, n_workers, prefetch, read):
        ok = [i for i, (_, error) in enumerate(results) if error is None]
        errors = {i: error for i, (_, error) in enumerate(results) if error is not None}
        if errors and on_error == "raise":
            raise ImageReadError(errors[min(errors)])
        yield ImageBatch(start, _assemble([results[i][0] for i in ok], files, start, ok,
                                          device), ok, errors)
        del results  # before decode_batches trims the heap


def decode_batches(files, batch_size, size, n_workers, prefetch, read):
    """``(start, [(image, error), ...])`` per batch, decoded ``prefetch`` batches ahead.

    Up to :data:`THREAD_LIMIT` workers are threads, each decoding a file at a time;
    more are processes (joblib's reusable loky pool), each decoding a share of a
    batch: the Python work around Pillow's decoder holds the GIL for about 7 % of a
    file's time, which caps threads near 8x. When the consumer asks for the next
    batch it has dropped the last one, so the heap is trimmed then
    (:func:`~skemo.io._check.release_freed_memory`): decoding files of many sizes
    must not make the resident size creep up.
    """
    decode = read or _decode_or_error
    starts = range(0, len(files), batch_size)
    if n_workers == 1 and (prefetch == 0 or len(starts) == 1) and read is None:
        # In the caller's thread: nothing to overlap with.
        for start in starts:
            results = [decode(f, size) for f in files[start:start + batch_size]]
            yield start, results
            del results
            release_freed_memory()
        return
    processes = n_workers > THREAD_LIMIT and read is None
    if processes:
        from joblib.externals.loky import get_reusable_executor

        pool, shares = get_reusable_executor(max_workers=n_workers), n_workers
    else:
        pool = ThreadPoolExecutor(n_workers, thread_name_prefix="skemo-decode")
        shares = batch_size  # a file each
    pending = collections.deque()
    upcoming = iter(starts)

    def submit():
        start = next(upcoming, None)
        if start is not None:
            batch = files[start:start + batch_size]
            step = -(-len(batch) // min(shares, len(batch)))
            pending.append((start, [pool.submit(_decode_files, batch[i:i + step], size, decode)
                                    for i in range(0, len(batch), step)]))

    try:
        for _ in range(max(prefetch, 0) + 1):  # the next batch, and prefetch ahead of it
            submit()
        while pending:
            start, futures = pending.popleft()
            results = [entry for future in futures for entry in future.result()]
            yield start, results
            del results, futures
            release_freed_memory()
            submit()
    finally:  # a consumer that stops early must not leave decoding behind
        for _, futures in pending:
            for future in futures:
                future.cancel()
        if not processes:  # the process pool is joblib's, kept for the next caller
            pool.shutdown(wait=False)


def _decode_files(files, size, decode):
    return [decode(f, size) for f in files]


def _decode_or_error(path, size):
    try:
        return decode_image(path, size), None
    except ImageReadError as exc:
        return None, str(exc)


def _assemble(images, files, start, ok, device):
    """The decoded images of a batch as one tensor on ``device``; None when there are none."""
    if not images:
        return None
    if not all(isinstance(image, np.ndarray) for image in images):  # decoded on the device
        import torch

        return torch.stack([image if not isinstance(image, np.ndarray)
                            else to_device(image[None], device)[0] for image in images])
    check_same_size(images, [files[start + i] for i in ok])
    return to_device(_stack(images), device)


def _torch_reader(size, device):
    """Decode a JPEG with torchvision on ``device`` (nvJPEG on CUDA), else with Pillow."""
    from ._torch_decode import TorchJPEGReader

    return TorchJPEGReader(size, device)



def _stack(images):
    """One array of decoded images: uint8, or float32 where 8- and 16-bit files meet."""
    if len({image.dtype for image in images}) > 1:
        images = [as_float(image) for image in images]
    return np.stack(images)


# -- training on files --------------------------------------------------------------------------
def cache_budget():
    """Bytes of decoded images ``cache="auto"`` keeps: a quarter of the machine's memory."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4
    except (AttributeError, OSError, ValueError):
        return 2 * 2**30


def training_images(X, size=None, *, cache="auto", n_jobs=None, prefetch=2, name="X"):
    """The images an estimator trains on for several epochs, and their ``(height, width)``.

    An array gives a float32 ``(n, 3, H, W)`` tensor, as it always did. Files
    are decoded once, in parallel, into a uint8 ``(n, 3, H, W)`` tensor (the
    cache: a quarter of the float32 bytes), or, when ``cache`` is False or
    ``"auto"`` and they would not fit in :func:`cache_budget`, wrapped in a
    :class:`~skemo.io._streamed.StreamedImages` data set that decodes them again every epoch. The
    networks convert uint8 on their device (``x.float() / 255``), so the values,
    and the training, are the same in all three cases.
    """
    import torch

    from skemo._torch import images_to_tensor

    from ._check import check_images

    if not is_path_list(X):
        images = check_images(X, size=size, name=name)
        return images_to_tensor(images), tuple(int(s) for s in images.shape[1:3])
    files = list(X)
    if not files:
        raise ValueError(f"{name} is empty: it must contain at least one image.")
    first = decode_image(files[0], size)
    shape = first.shape[:2]
    if cache is False or cache == "auto" and len(files) * first.size > cache_budget():
        from ._streamed import StreamedImages

        return StreamedImages(files, size, shape, n_jobs), tuple(int(s) for s in shape)
    buffer = None
    for start, results in decode_batches(files, 64, size, workers(n_jobs), prefetch, None):
        errors = [error for _, error in results if error is not None]
        if errors:
            raise ImageReadError(errors[0])
        images = [image for image, _ in results]
        check_same_size(images, files[start:start + len(images)], (files[0], shape))
        batch = torch.from_numpy(np.ascontiguousarray(_stack(images).transpose(0, 3, 1, 2)))
        if buffer is None:
            buffer = torch.empty((len(files), *batch.shape[1:]), dtype=batch.dtype)
        elif batch.dtype != buffer.dtype:  # a 16-bit file among 8-bit ones: all as float
            buffer = buffer.float() / 255 if buffer.dtype == torch.uint8 else buffer
            batch = batch.float() / 255 if batch.dtype == torch.uint8 else batch
        buffer[start:start + len(batch)] = batch
        del results, images, batch
    return buffer, tuple(int(s) for s in shape)
