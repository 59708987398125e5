"""Which files in a folder are images: one rule for the loaders and the command line.

Only the standard library is imported, so that ``skemo --help`` stays fast.
"""

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
