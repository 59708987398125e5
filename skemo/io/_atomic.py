"""Output files: one rule for every file skemo writes, and atomic writing.

:func:`check_output` says which file a path writes, or refuses it, before any
work is done; :func:`atomic_write` applies the same rule again and writes a
temporary file beside the target, then renames it onto the target.
"""

import contextlib
import os
import secrets
import stat
from pathlib import Path

from skemo._files import file_kind


class OutputError(OSError):
    """A file could not be written (a full disk, no permission); the old file was kept."""

    def __str__(self):
        return self.strerror


def check_output(path, inputs=()):
    """The file that writing ``path`` replaces, or a ``ValueError`` why it must not.

    The rule, for every file skemo writes:

    - a symbolic link is written through: its target gets the new content and
      the link stays a link (as a shell's ``>`` does);
    - an existing directory, FIFO, device or socket is refused, and so is any
      file that is also one of ``inputs`` (the same file under any name, a hard
      link or a symbolic link included), so an input is never replaced;
    - the folder must exist.

    Parameters
    ----------
    path : str or PathLike
        The output path as given.
    inputs : iterable of str or PathLike, default=()
        Files the same run reads.

    Returns
    -------
    target : Path
        The file that will be replaced or created (the link's target for a link).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from skemo.io._atomic import check_output
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "a.png").write_bytes(b"...")
    3
    >>> check_output(folder / "out.csv", inputs=[folder / "a.png"]).name
    'out.csv'
    >>> try:
    ...     check_output(folder / "a.png", inputs=[folder / "a.png"])
    ... except ValueError as error:
    ...     print(str(error).split(": ", 1)[1])
    it is one of the input files; choose another name.
    """
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if not target.parent.is_dir():
        raise FileNotFoundError(f"cannot write '{path}': folder '{target.parent}' does not exist.")
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return target
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"cannot write '{path}': it is {file_kind(info.st_mode)}; name a "
                         "file to write.")
    for name in inputs:
        with contextlib.suppress(OSError):
            other = os.stat(name)
            if (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino):
                raise ValueError(f"cannot write '{path}': it is one of the input files; "
                                 "choose another name.")
    return target


def _umask():
    # The only portable way to read the umask is to set it; put it back at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path, mode="wb", *, inputs=(), **kwargs):
    """Open a temporary file beside ``path`` and rename it onto ``path`` on success.

    ``path`` follows :func:`check_output`'s rule (a link is written through;
    a directory, special file or input is refused). An interrupted or failed
    write leaves ``path`` as it was (absent, or its old content), never half
    written, and no temporary file behind; a failure to write (a full disk, no
    permission) is an :class:`OutputError` (an ``OSError``) saying so in one line. A new file gets the mode
    ``open()`` would give it under the user's umask; a replaced file keeps its
    mode. The rename is :func:`os.replace`, atomic on POSIX and Windows within
    one file system.

    Parameters
    ----------
    path : str or PathLike
        Final file. Its folder must exist.
    mode : {"wb", "w"}, default="wb"
        Binary or text.
    inputs : iterable of str or PathLike, default=()
        Files the same run reads, which ``path`` must not be.
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
    target = check_output(path, inputs)
    try:
        keep = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        keep = None
    tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.part"
    try:
        # Created as open() creates a file: mode 0o666, less the umask.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
                     | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise OutputError(exc.errno, f"cannot write '{path}': {exc.strerror}.") from None
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            if keep is not None and keep != 0o666 & ~_umask() and hasattr(os, "fchmod"):
                os.fchmod(fd, keep)
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno is not None:
            raise OutputError(exc.errno, f"cannot write '{path}': {exc.strerror}; it was "
                                         "left as it was.") from None
        raise
