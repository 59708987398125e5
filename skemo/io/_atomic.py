"""Atomic file output: write a temporary file beside the target, then rename it."""

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_write(path, mode="wb", **kwargs):
    """Open a temporary file beside ``path`` and rename it onto ``path`` on success.

    An interrupted or failed write leaves ``path`` as it was (absent, or its old
    content), never half written; the temporary file is removed. The rename is
    :func:`os.replace`, atomic on POSIX and Windows within one file system.

    Parameters
    ----------
    path : str or PathLike
        Final file. Its folder must exist.
    mode : {"wb", "w"}, default="wb"
        Binary or text.
    **kwargs
        Passed to :func:`open` (``encoding``, ``newline``, ...).

    Yields
    ------
    file
        The open temporary file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from skemo.io._atomic import atomic_write
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.csv"
    >>> with atomic_write(target, "w") as f:
    ...     _ = f.write("a,b\\n")
    >>> target.read_text()
    'a,b\\n'
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w'; got {mode!r}.")
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write '{path}': folder '{path.parent}' does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
