"""Which files in a folder are images: one rule for the loaders and the command line.

Only the standard library is imported, so that ``skemo --help`` stays fast.
"""

import os
import stat
from pathlib import Path

#: Lower-case suffixes of the files skemo reads from a folder.
IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp"}
)


def image_files(folder):
    """The image files under ``folder``, recursively and sorted, skipping hidden ones.

    A file or folder whose name starts with ``.`` (below ``folder``) is hidden.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from skemo._files import image_files
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ["b.JPG", "a.png", "notes.txt", ".hidden.png", ".cache/c.png", "sub/d.webp"]:
    ...     (root / name).parent.mkdir(parents=True, exist_ok=True)
    ...     _ = (root / name).write_bytes(b"")
    >>> [p.relative_to(root).as_posix() for p in image_files(root)]
    ['a.png', 'b.JPG', 'sub/d.webp']
    """
    folder = Path(folder)
    return sorted(
        path for path in folder.rglob("*")
        if path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def file_kind(mode):
    """What a ``st_mode`` is, in words (``"a FIFO"``, ``"a directory"``, ...)."""
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISREG, "a regular file")):
        if test(mode):
            return kind
    return "a special file"


class NotARegularFile(OSError):
    """A path that names a FIFO, device, socket or directory where a file is read."""


def open_regular(path):
    """Open ``path`` for binary reading, only if it is a regular file.

    The path is checked before it is opened, so that a FIFO, a device or a
    socket is never opened (opening a FIFO blocks until a writer comes; opening
    some devices has effects); it is then opened without blocking and checked
    again, in case it was swapped in between. Symbolic links are followed.

    Raises
    ------
    NotARegularFile
        An ``OSError`` whose message says what the path is instead.
    FileNotFoundError, PermissionError
        As :func:`open` raises them.

    Examples
    --------
    >>> import os, tempfile
    >>> from skemo._files import NotARegularFile, open_regular
    >>> folder = tempfile.mkdtemp()
    >>> os.mkfifo(os.path.join(folder, "pipe"))
    >>> try:
    ...     open_regular(os.path.join(folder, "pipe"))
    ... except NotARegularFile as error:
    ...     print(error)
    not a regular file (a FIFO)
    """
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotARegularFile(f"not a regular file ({file_kind(mode)})")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
        | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotARegularFile(f"not a regular file ({file_kind(mode)})")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
