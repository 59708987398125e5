"""Generic loader for a table of per-image ratings (valence, arousal, liking, ...)."""

import csv
import io

import numpy as np
import pandas as pd

from ._loaders import (
    _check_dir,
    _check_file,
    _check_on_error,
    _finish,
    _read_text,
    _require_columns,
)

__all__ = ["load_ratings"]

# pandas' default missing-value markers: a rating written so is missing, not bad.
_MISSING = frozenset(
    {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
     "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
)
_SEPARATORS = ",;\t|"


def _sniff_separator(text, path):
    # Only common separators are candidates, so that a header such as
    # "image id;mean rating" is never split on its spaces.
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=_SEPARATORS).delimiter
    except csv.Error as exc:
        raise ValueError(
            f"Could not detect the separator of {str(path)!r} among "
            f"{list(_SEPARATORS)}; pass sep explicitly."
        ) from exc


def _parse_ratings(values, column, ids, decimal, path):
    """Turn one text column into float64, naming the first bad value if any."""
    text = values.str.strip()
    missing = text.isin(_MISSING).to_numpy()
    wrong_decimal = np.zeros(len(text), dtype=bool)
    if decimal != ".":
        # As pandas does with decimal=",": "3.5" is then not a number.
        wrong_decimal = text.str.contains(".", regex=False).to_numpy()
        text = text.str.replace(decimal, ".", regex=False)
    numbers = pd.to_numeric(text.where(~missing), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    bad = (~missing & ~np.isfinite(numbers)) | wrong_decimal
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"Rating column {column!r} of {str(path)!r} must hold numbers "
            f"(decimal={decimal!r}); {int(bad.sum())} value(s) are not, the first "
            f"{values.iloc[row]!r} for ID {ids[row]!r}."
        )
    if missing.any():
        where = [ids[i] for i in np.flatnonzero(missing)[:5]]
        raise ValueError(
            f"Rating column {column!r} of {str(path)!r} has {int(missing.sum())} "
            f"missing value(s), for ID(s) {where}; drop or fill those rows first."
        )
    return numbers


def _check_pattern(file_pattern):
    try:
        distinct = file_pattern.format("a") != file_pattern.format("b")
    except (AttributeError, IndexError, KeyError, ValueError):
        distinct = False
    if not distinct:
        raise ValueError(
            "file_pattern must be a str.format pattern with one '{}' for the ID, "
            f"such as '{{}}.jpg'; got {file_pattern!r}."
        )


def load_ratings(
    csv_path,
    image_dir,
    *,
    file_column,
    target_columns,
    sep=None,
    decimal=".",
    encoding=None,
    file_pattern="{}",
    on_error="raise",
    size=None,
    n_jobs=None,
    return_paths=False,
    return_X_y=False,
):
    """Load images together with a table of their ratings.

    Any delimited text table with one row per image works: a column that
    names the image (`file_column`) and one or more numeric rating columns
    (`target_columns`). The image of a row is
    ``image_dir / file_pattern.format(ID)``, the ID stripped of surrounding
    whitespace. Every column is read as text, so IDs such as ``"007"`` or
    ``"NA"`` stay as written; only the rating columns become numbers.

    A row whose image is missing or unreadable is dropped or raises,
    following `on_error`; ``target``, ``filenames``, ``images`` and
    ``frame`` always stay aligned. The table must not repeat an ID (one
    image, one row): average or drop repeated rows before loading, e.g. with
    ``pandas.DataFrame.groupby``.

    Parameters
    ----------
    csv_path : str or Path
        The ratings table (CSV, TSV, semicolon-separated, ...).
    image_dir : str or Path
        Folder that the file names built from `file_pattern` are relative to.
    file_column : str
        Column holding each image's ID. IDs must be distinct and non-empty.
    target_columns : str or list of str
        Rating column(s). A single name gives ``target`` of shape (n,), a
        list gives shape (n, k) in the list's order; always float64. A
        missing or non-numeric rating raises a ``ValueError`` naming the
        column, the value and the ID.
    sep : str or None, default=None
        Column separator. None detects it among ``,``, ``;``, tab and ``|``.
    decimal : str, default="."
        Decimal mark of the ratings, e.g. ``","`` for ``3,5``.
    encoding : str or None, default=None
        Text encoding. None tries UTF-8 (with or without a byte-order mark),
        then Latin-1.
    file_pattern : str, default="{}"
        ``str.format`` pattern mapping an ID to a file name relative to
        `image_dir`, e.g. ``"{}.jpg"`` or ``"images/{}.png"``.
    on_error : {"raise", "warn", "skip"}, default="raise"
        What to do with a row whose image is missing or unreadable: raise a
        ``ValueError`` naming the file, or drop the row (with or without a
        warning).
    size : None, int or (int, int), default=None
        Resize images to this size. None keeps their native size, which must
        then be the same for all (see :func:`skemo.io.load_images`).
    n_jobs : int or None, default=None
        Parallel image decoding, passed to :func:`skemo.io.load_images`.
    return_paths : bool, default=False
        Return file names instead of decoded images; missing files are still
        handled by `on_error`, unreadable ones are not detected.
    return_X_y : bool, default=False
        Return ``(images, target)`` (or ``(filenames, target)``).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images`` float32 (n, H, W, 3) in [0, 1] (absent with
        `return_paths`), ``filenames``, ``target``, ``target_names`` (the
        rating column names), ``frame`` and ``DESCR``. ``frame`` holds the
        kept rows of the table in table order with a fresh 0..n-1 index, the
        rating columns as float64 and the others as text, plus ``filename``
        (the resolved path, replacing a table column of that name) and
        ``target``, or ``target_<name>`` per column for a list.
        ``frame.attrs`` records the ``sep``, ``decimal`` and ``encoding``
        used, which ``DESCR`` also states.
    (X, y) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> from skemo.datasets import load_ratings
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "ratings.csv").write_text("image;valence;arousal\\n"
    ...                                       "sea;5,5;2,25\\nfire;1,75;6\\n")
    >>> for name in ["sea", "fire"]:
    ...     Image.new("RGB", (8, 6)).save(root / f"{name}.jpg")
    >>> data = load_ratings(root / "ratings.csv", root, file_column="image",
    ...                     target_columns=["valence", "arousal"],
    ...                     decimal=",", file_pattern="{}.jpg")
    >>> data.images.shape, data.target.tolist(), data.frame.attrs["sep"]
    ((2, 6, 8, 3), [[5.5, 2.25], [1.75, 6.0]], ';')
    """
    _check_on_error(on_error)
    _check_pattern(file_pattern)
    if not isinstance(decimal, str) or len(decimal) != 1:
        raise ValueError(
            f"decimal must be a single character such as ','; got {decimal!r}."
        )
    csv_path = _check_file(csv_path, "csv_path")
    image_dir = _check_dir(image_dir, "image_dir")
    single = isinstance(target_columns, str)
    columns = [target_columns] if single else list(target_columns)
    if not columns or len(set(columns)) < len(columns):
        raise ValueError(
            "target_columns must be a column name or a non-empty list of distinct "
            f"names; got {target_columns!r}."
        )
    text, encoding = _read_text(csv_path, "csv_path", encoding)
    if sep is None:
        sep = _sniff_separator(text, csv_path)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except pd.errors.ParserError as exc:
        raise ValueError(f"Cannot parse {str(csv_path)!r} with sep={sep!r}: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    _require_columns(
        frame, [file_column, *columns], csv_path,
        f" (read with sep={sep!r}, encoding={encoding!r})",
    )
    added = ["target"] if single else [f"target_{c}" for c in columns]
    clash = [c for c in added if c in frame.columns and c != target_columns]
    if clash:
        raise ValueError(
            f"{str(csv_path)!r} has column(s) {clash}, the name(s) that frame gives "
            "the target; rename them in the table."
        )

    ids = frame[file_column].str.strip().to_numpy(dtype=object)
    empty = np.flatnonzero(ids == "")
    if empty.size:
        raise ValueError(
            f"file_column {file_column!r} of {str(csv_path)!r} is empty on "
            f"{empty.size} row(s) (first data rows {(empty[:5] + 1).tolist()})."
        )
    repeated = pd.Series(ids).duplicated(keep=False).to_numpy()
    if repeated.any():
        raise ValueError(
            f"file_column {file_column!r} of {str(csv_path)!r} repeats the ID(s) "
            f"{sorted(set(ids[repeated]))[:10]}; keep one row per image, e.g. average "
            "the ratings with DataFrame.groupby before loading."
        )
    for column in columns:
        frame[column] = _parse_ratings(frame[column], column, ids, decimal, csv_path)
    target = frame[columns].to_numpy(dtype=np.float64)
    if single:
        target = target[:, 0]
    files = [image_dir / file_pattern.format(i) for i in ids]
    descr = (
        f"Ratings from {csv_path.name} (sep={sep!r}, decimal={decimal!r}, "
        f"encoding={encoding!r}): {{n_samples}} images with ID column "
        f"{file_column!r} and rating column(s) {', '.join(columns)}."
    )
    result = _finish(
        frame, files, target, columns, descr, size=size, on_error=on_error,
        n_jobs=n_jobs, return_paths=return_paths, return_X_y=return_X_y,
    )
    if not return_X_y:
        result.frame.attrs.update(sep=sep, decimal=decimal, encoding=encoding)
    return result
