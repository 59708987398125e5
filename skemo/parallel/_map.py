"""map_images: a function over chunks of image files, locally or on a Dask cluster."""

from itertools import islice
from numbers import Integral

__all__ = ["map_images"]


def _chunks(paths, chunk_size):
    """Lists of at most ``chunk_size`` paths, read lazily from any iterable."""
    iterator = iter(paths)
    while chunk := list(islice(iterator, chunk_size)):
        yield chunk


def _failure(path, exc):
    return f"cannot compute '{path}': {type(exc).__name__}: {exc}"


def _apply(func, files, indices, images, entries):
    """Fill ``entries[i]`` for the images of ``indices`` with ``(row, None)``.

    ``func`` runs on the whole stack; when it raises, it runs image by image,
    so that only the images it fails on become error rows.
    """
    import numpy as np

    try:
        values = np.asarray(func(images))
    except Exception as exc:
        if len(indices) == 1:
            entries[indices[0]] = (None, _failure(files[indices[0]], exc))
            return
        for k, index in enumerate(indices):
            _apply(func, files, [index], images[k : k + 1], entries)
        return
    if values.ndim == 0 or len(values) != len(indices):
        got = "a scalar" if values.ndim == 0 else f"{len(values)} rows"
        raise ValueError(
            f"func must return one row per image: it got {len(indices)} images and "
            f"returned {got}."
        )
    for k, index in enumerate(indices):
        entries[index] = (values[k], None)


def _run_chunk(func, files, size, n_jobs):
    """``[(row, None) or (None, error)]``, one entry per file of ``files``, in order.

    The chunk's files are read with :func:`skemo.io._load.read_chunk`; the
    readable ones go through ``func`` as one float32 stack, or one stack per
    shape when ``size`` is None.
    """
    from skemo.io._load import read_chunk

    entries = [None] * len(files)
    if size is None:
        groups = {}
        for index, path in enumerate(files):
            image, _, error = read_chunk([path], None)
            if image is None:
                entries[index] = (None, error[0])
            else:
                groups.setdefault(image.shape[1:], []).append((index, image))
        stacks = [([i for i, _ in group], [img for _, img in group]) for group in groups.values()]
        import numpy as np

        stacks = [(indices, np.concatenate(images)) for indices, images in stacks]
    else:
        images, ok, errors = read_chunk(files, size, n_jobs)
        for index, message in errors.items():
            entries[index] = (None, message)
        stacks = [(ok, images)] if images is not None else []
    for indices, images in stacks:
        _apply(func, files, indices, images, entries)
    return entries


def _check(func, chunk_size, client, retries, max_in_flight):
    if not callable(func):
        raise TypeError(f"func must be callable; got {type(func).__name__}.")
    for name, value, low in (("chunk_size", chunk_size, 1), ("retries", retries, 0)):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
            raise ValueError(f"{name} must be an int >= {low}; got {value!r}.")
    if max_in_flight is not None and (
        isinstance(max_in_flight, bool) or not isinstance(max_in_flight, Integral)
        or max_in_flight < 1
    ):
        raise ValueError(f"max_in_flight must be None or an int >= 1; got {max_in_flight!r}.")
    if client is not None and not hasattr(client, "submit"):
        raise TypeError(
            f"client must be None or a dask.distributed.Client; got {type(client).__name__}."
        )


def map_images(func, paths, chunk_size=64, client=None, *, size=None, n_jobs=None,
               retries=2, max_in_flight=None):
    """Apply ``func`` to chunks of image files and stream one result per file, in order.

    The files are cut into chunks of ``chunk_size`` paths. Each chunk is read
    at ``size`` (unreadable files are set aside with the reason), and ``func``
    gets the readable images of the chunk as one ``float32`` array of shape
    ``(m, H, W, 3)`` in [0, 1] and returns one row per image (an array-like of
    length ``m``, e.g. a fitted transformer's ``transform``). A file whose
    image ``func`` fails on (``func`` raises for the stack; it is then called
    image by image) becomes an error row too, so one bad file never stops
    the run.

    With a Dask ``client`` the chunks are tasks on its cluster: ``func`` is
    sent to every worker once (:meth:`~distributed.Client.scatter`), at most
    ``max_in_flight`` chunks are submitted or waiting to be yielded at any
    time (memory stays flat however many files there are), and the results
    are reordered into input order as they complete. The workers must see
    the files at the same paths. A task lost with its worker is re-run
    elsewhere by the scheduler (up to its ``allowed-failures``); ``retries``
    re-runs a task that raised. Without a client the chunks run one after
    the other in this process: the same function on the same chunks, so the
    same rows in the same order.

    Parameters
    ----------
    func : callable
        ``func(images) -> rows``: ``images`` is ``float32 (m, H, W, 3)``,
        ``m >= 1``; ``rows`` has ``m`` entries. With a client it must pickle
        (a fitted estimator's method or a module-level function does).
    paths : iterable of str or PathLike
        Image files; read lazily, so a generator over a huge folder works.
    chunk_size : int, default=64
        Files per chunk (per task).
    client : dask.distributed.Client or None, default=None
        Where the chunks run; None runs them here, without Dask.
    size : None, int or (int, int), default=None
        ``(height, width)`` the files are resized to on reading (an int gives
        a square). With None each file keeps its size, and ``func`` gets one
        stack per distinct shape within a chunk.
    n_jobs : int, default=None
        Threads decoding the files of a chunk.
    retries : int, default=2
        Dask's ``retries`` for each task (ignored without a client).
    max_in_flight : int or None, default=None
        Chunks submitted but not yet yielded, at most; None is twice the
        cluster's worker threads (at least 2). Ignored without a client.

    Yields
    ------
    path : str or PathLike
        The element of ``paths``, in input order.
    row : ndarray or None
        ``numpy.asarray(func(images))[i]`` for this file's image; None when
        the file failed.
    error : str or None
        Why the file failed (it could not be read, or ``func`` raised on it):
        a message naming the file; None when it succeeded.

    Raises
    ------
    ValueError
        When ``func`` returns a number of rows other than its number of images.

    See Also
    --------
    skemo.features.PaintingFeatures : Its fitted ``transform`` is a typical ``func``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from PIL import Image
    >>> from skemo.parallel import map_images
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> Image.new("RGB", (8, 8), (255, 0, 0)).save(folder / "red.png")
    >>> _ = (folder / "broken.png").write_bytes(b"not a png")
    >>> Image.new("RGB", (8, 8), (0, 0, 255)).save(folder / "blue.png")
    >>> files = [folder / name for name in ("red.png", "broken.png", "blue.png")]
    >>> def mean_rgb(images):
    ...     return images.mean(axis=(1, 2))
    >>> for path, row, error in map_images(mean_rgb, files, chunk_size=2, size=4):
    ...     print(path.name, row, "ok" if error is None else "error")
    red.png [1. 0. 0.] ok
    broken.png None error
    blue.png [0. 0. 1.] ok
    """
    _check(func, chunk_size, client, retries, max_in_flight)
    if size is not None:
        from skemo._validation import check_size

        size = check_size(size)
    chunks = _chunks(paths, chunk_size)
    if client is None:
        for files in chunks:
            entries = _run_chunk(func, files, size, n_jobs)
            for path, (row, error) in zip(files, entries):
                yield path, row, error
        return
    yield from _map_dask(func, chunks, client, size, n_jobs, retries, max_in_flight)


def _map_dask(func, chunks, client, size, n_jobs, retries, max_in_flight):
    from distributed import as_completed

    if max_in_flight is None:
        max_in_flight = max(2, 2 * sum(client.nthreads().values()))
    remote_func = client.scatter(func, broadcast=True, hash=False)
    pending = {}  # future -> chunk index
    submitted = {}  # chunk index -> its paths, until yielded
    ready = {}  # chunk index -> entries, completed but not yet yielded
    futures = as_completed()
    next_yield = 0
    exhausted = False

    def fill():
        nonlocal exhausted
        while not exhausted and len(submitted) < max_in_flight:
            files = next(chunks, None)
            if files is None:
                exhausted = True
                return
            index = next_yield + len(submitted)
            future = client.submit(
                _run_chunk, remote_func, [str(p) for p in files], size, n_jobs,
                retries=retries, pure=False,
            )
            pending[future] = index
            submitted[index] = files
            futures.add(future)

    try:
        fill()
        for future in futures:
            ready[pending.pop(future)] = future.result()
            future.release()
            while next_yield in ready:
                entries = ready.pop(next_yield)
                files = submitted.pop(next_yield)
                next_yield += 1
                fill()
                for path, (row, error) in zip(files, entries):
                    yield path, row, error
            fill()
    finally:
        for future in pending:
            future.cancel()
        remote_func.release()
