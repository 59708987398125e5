"""Loaders for the thesis CSV and for one-folder-per-class image trees.

The helpers at the top are shared by every loader in this subpackage, so that
missing files, unreadable images and ``return_X_y`` behave the same way
everywhere.
"""

import base64
import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from skemo.io import load_images

from skemo._files import IMAGE_EXTENSIONS, image_files

from ._taxonomy import TARGET_NAMES, group_emotions

__all__ = ["load_image_folder", "load_thesis_csv"]

_ON_ERROR = ("raise", "warn", "skip")


def _check_on_error(on_error):
    if on_error not in _ON_ERROR:
        raise ValueError(
            f"on_error must be one of {list(_ON_ERROR)}; got {on_error!r}."
        )


def _check_file(path, name):
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{name} {str(path)!r} does not exist or is not a file.")
    return path


def _check_dir(path, name):
    path = Path(path)
    if not path.is_dir():
        raise ValueError(f"{name} {str(path)!r} does not exist or is not a directory.")
    return path


def _require_columns(frame, columns, path, how=""):
    """Raise naming every missing column; `how` tells how the table was read."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"Required column(s) {missing} are missing from {str(path)!r}{how}; "
            f"found columns {list(frame.columns)}."
        )


def _read_text(path, name, encoding=None):
    """Decode a text table; return ``(text, encoding_used)``.

    ``encoding=None`` tries UTF-8 (a byte-order mark is dropped) and then
    Latin-1, which decodes any byte. Line ends are read as universal newlines,
    so the old-Mac ``\\r`` files of OASIS parse like any other.
    """
    raw = path.read_bytes()
    if encoding is None:
        try:
            text, encoding = raw.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = raw.decode("latin-1"), "latin-1"
    else:
        try:
            text = raw.decode(encoding)
        except LookupError as exc:
            raise ValueError(f"encoding={encoding!r} is not a known codec.") from exc
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"{name} {str(path)!r} is not valid {encoding!r}: {exc.reason} at "
                f"byte {exc.start}. Pass encoding=None to try utf-8, then latin-1."
            ) from exc
    return io.StringIO(text, newline=None).read(), encoding


def _drop_or_raise(bad_mask, files, on_error, reason):
    """Handle files that cannot be used before decoding starts."""
    if not bad_mask.any():
        return
    bad = [str(f) for f, b in zip(files, bad_mask) if b]
    message = f"{len(bad)} {reason}: {bad[:5]}{' ...' if len(bad) > 5 else ''}"
    if on_error == "raise":
        raise ValueError(f"{message}. Pass on_error='warn' or 'skip' to drop them.")
    if on_error == "warn":
        warnings.warn(f"Dropping {message}.", UserWarning, stacklevel=3)


def _finish(
    frame,
    files,
    target,
    target_names,
    descr,
    *,
    size,
    on_error,
    n_jobs,
    return_paths,
    return_X_y,
    extra=None,
):
    """Drop missing or unreadable images and build the returned Bunch.

    ``frame``, ``files``, ``target`` and every array in ``extra`` are aligned
    row by row on entry, and stay aligned on exit whatever gets dropped.
    ``frame`` gains ``filename`` and ``target``, or, for a 2-D target, one
    column ``target_<name>`` per entry of `target_names`.
    """
    files = [str(f) for f in files]
    target = np.asarray(target)
    extra = dict(extra or {})
    missing = np.array([not Path(f).is_file() for f in files], dtype=bool)
    _drop_or_raise(missing, files, on_error, "image file(s) do not exist")
    keep = np.flatnonzero(~missing)

    if return_paths:
        X = np.asarray([files[i] for i in keep], dtype=str)
    else:
        kept_files = [files[i] for i in keep]
        if kept_files:
            X, kept = load_images(
                kept_files, size=size, on_error=on_error, n_jobs=n_jobs,
                return_kept=True,
            )
            keep = keep[np.asarray(kept, dtype=int)]
        else:
            X = np.empty((0, 0, 0, 3), dtype=np.float32)
    if keep.size == 0:
        raise ValueError(
            "No usable image is left: every referenced file is missing or unreadable "
            f"(first: {files[:3]})."
        )

    frame = frame.iloc[keep].reset_index(drop=True)
    frame["filename"] = [files[i] for i in keep]
    target = target[keep]
    if target.ndim == 1:
        frame["target"] = target
    else:
        for j, name in enumerate(target_names):
            frame[f"target_{name}"] = target[:, j]
    extra = {key: np.asarray(value)[keep] for key, value in extra.items()}
    if return_X_y:
        return X, target
    data = {"filenames": frame["filename"].to_numpy(dtype=str)}
    if not return_paths:
        data["images"] = X
    return Bunch(
        **data,
        target=target,
        target_names=np.asarray(target_names),
        frame=frame,
        # replace, not format: paths and titles may contain braces.
        DESCR=descr.replace("{n_samples}", str(len(target))),
        **extra,
    )


def _thesis_filename(title):
    """Image file name the thesis gives a painting: URL-safe base64 of its title."""
    return base64.urlsafe_b64encode(str(title).encode("utf-8")).decode("ascii") + ".jpg"


def load_thesis_csv(
    csv_path,
    image_dir,
    genre=None,
    scheme="thesis4",
    *,
    unknown=None,
    size=None,
    on_error="raise",
    n_jobs=None,
    return_paths=False,
    return_X_y=False,
):
    """Load paintings listed in the thesis's own ``|``-separated CSV.

    The CSV has the columns ``TitleNames``, ``Emotion`` and ``Genre`` (the last
    is only needed when `genre` is given). Each painting's image is
    ``image_dir / (urlsafe_b64encode(title.encode("utf-8")) + ".jpg")``, the
    title taken exactly as written (no stripping), since that is how the files
    were named when they were downloaded.

    Parameters
    ----------
    csv_path : str or Path
        The CSV file.
    image_dir : str or Path
        Folder holding the base64-named JPEG files.
    genre : str, list of str or None, default=None
        Keep only rows whose ``Genre`` matches (case-insensitive, whitespace
        stripped), e.g. ``"PORTRAIT"``. None keeps every row.
    scheme : {"thesis4", "binary"}, default="thesis4"
        Emotion grouping, see :func:`group_emotions`.
    unknown : int or None, default=None
        Group for emotion words outside the thesis vocabulary; None raises.
    size : None, int or (int, int), default=None
        Resize images to this size (see :func:`skemo.io.load_images`).
    on_error : {"raise", "warn", "skip"}, default="raise"
        What to do with a missing or unreadable image: raise a ``ValueError``
        naming the file, or drop the row (with or without a warning).
    n_jobs : int or None, default=None
        Parallel image decoding, passed to :func:`skemo.io.load_images`.
    return_paths : bool, default=False
        Return file names instead of decoded images.
    return_X_y : bool, default=False
        Return ``(images, target)`` (or ``(filenames, target)``).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images`` float32 (n, H, W, 3) in [0, 1] (absent with
        `return_paths`), ``filenames``, ``target`` int (n,), ``target_names``,
        ``frame`` (the kept CSV rows plus ``filename`` and ``target``) and
        ``DESCR``.
    (X, y) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> import base64, tempfile, pathlib
    >>> from PIL import Image
    >>> from skemo.datasets import load_thesis_csv
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "art.csv").write_text(
    ...     "TitleNames|Emotion|Genre\\nMona|joy|portrait\\nSea|fear|landscape\\n")
    >>> for title in ["Mona", "Sea"]:
    ...     name = base64.urlsafe_b64encode(title.encode("utf-8")).decode() + ".jpg"
    ...     Image.new("RGB", (8, 8)).save(root / name)
    >>> data = load_thesis_csv(root / "art.csv", root, genre="PORTRAIT")
    >>> data.images.shape, data.target, data.target_names.tolist()
    ((1, 8, 8, 3), array([3]), ['negative', 'neutral', 'ambivalent', 'positive'])
    """
    _check_on_error(on_error)
    csv_path = _check_file(csv_path, "csv_path")
    image_dir = _check_dir(image_dir, "image_dir")
    # Everything as text so that a title such as "NA" stays a title; missing
    # emotions are recognised by group_emotions.
    frame = pd.read_csv(
        csv_path, sep="|", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    frame.columns = [str(c).strip() for c in frame.columns]
    _require_columns(frame, ["TitleNames", "Emotion"], csv_path)
    if genre is not None:
        _require_columns(frame, ["Genre"], csv_path)
        wanted = {genre} if isinstance(genre, str) else set(genre)
        wanted = {str(g).strip().lower() for g in wanted}
        mask = frame["Genre"].str.strip().str.lower().isin(wanted)
        if not mask.any():
            found = sorted(frame["Genre"].str.strip().unique())
            raise ValueError(
                f"genre={genre!r} matches no row of {str(csv_path)!r}; "
                f"genres found: {found}."
            )
        frame = frame[mask].reset_index(drop=True)
    target = group_emotions(frame["Emotion"].to_numpy(), scheme=scheme, unknown=unknown)
    files = [image_dir / _thesis_filename(t) for t in frame["TitleNames"]]
    descr = (
        f"Thesis paintings from {csv_path.name} (genre={genre!r}, scheme={scheme!r}): "
        "{n_samples} paintings. Images are named by the URL-safe base64 of the "
        "UTF-8 title. target_names: " + ", ".join(TARGET_NAMES[scheme]) + "."
    )
    return _finish(
        frame, files, target, TARGET_NAMES[scheme], descr, size=size,
        on_error=on_error, n_jobs=n_jobs, return_paths=return_paths,
        return_X_y=return_X_y,
    )


def load_image_folder(
    root,
    *,
    size=None,
    on_error="raise",
    n_jobs=None,
    return_paths=False,
    return_X_y=False,
):
    """Load images stored as one subfolder per class.

    Class names are the subfolder names, sorted; ``target`` is the index of
    the class in that order. Images are found recursively inside each class
    folder by extension (jpg, jpeg, png, gif, bmp, tif, tiff, webp, any
    case). Hidden files and folders (starting with ``.``) are ignored, and so
    are files lying directly in `root`.

    Parameters
    ----------
    root : str or Path
        Folder whose subfolders are the classes.
    size : None, int or (int, int), default=None
        Resize images to this size (see :func:`skemo.io.load_images`).
    on_error : {"raise", "warn", "skip"}, default="raise"
        What to do with an unreadable image.
    n_jobs : int or None, default=None
        Parallel image decoding, passed to :func:`skemo.io.load_images`.
    return_paths : bool, default=False
        Return file names instead of decoded images.
    return_X_y : bool, default=False
        Return ``(images, target)`` (or ``(filenames, target)``).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images`` (absent with `return_paths`), ``filenames``, ``target``,
        ``target_names`` (the folder names), ``frame`` (``label``,
        ``filename``, ``target``) and ``DESCR``.
    (X, y) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> from skemo.datasets import load_image_folder
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for label in ["sad", "joy"]:
    ...     (root / label).mkdir()
    ...     Image.new("RGB", (6, 4)).save(root / label / "a.png")
    >>> X, y = load_image_folder(root, size=4, return_X_y=True)
    >>> X.shape, y
    ((2, 4, 4, 3), array([0, 1]))
    >>> load_image_folder(root, return_paths=True).target_names.tolist()
    ['joy', 'sad']
    """
    _check_on_error(on_error)
    root = _check_dir(root, "root")
    classes = sorted(
        p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
    )
    if not classes:
        raise ValueError(f"root {str(root)!r} has no class subfolders.")
    files, target = [], []
    for index, name in enumerate(classes):
        found = image_files(root / name)
        files.extend(found)
        target.extend([index] * len(found))
    if not files:
        raise ValueError(
            f"No image files under the class folders of {str(root)!r}; looked for "
            f"extensions {sorted(IMAGE_EXTENSIONS)}."
        )
    target = np.asarray(target, dtype=np.int64)
    frame = pd.DataFrame({"label": [classes[t] for t in target]})
    descr = (
        f"Image folder {str(root)!r}: {{n_samples}} images in {len(classes)} "
        f"classes ({', '.join(classes)})."
    )
    return _finish(
        frame, files, target, classes, descr, size=size, on_error=on_error,
        n_jobs=n_jobs, return_paths=return_paths, return_X_y=return_X_y,
    )
