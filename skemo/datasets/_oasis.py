"""Loader for OASIS, the Open Affective Standardized Image Set (Kurdi et al., 2017)."""

import io

import numpy as np
import pandas as pd

from skemo._files import IMAGE_EXTENSIONS

from ._loaders import (
    _check_dir,
    _check_file,
    _check_on_error,
    _drop_or_raise,
    _finish,
    _read_text,
    _require_columns,
)

__all__ = ["load_oasis"]

_TARGET_NAMES = {
    "valence2": ("low valence", "high valence"),
    "valence3": ("negative", "neutral", "positive"),
    "quadrant4": (
        "low valence, low arousal",
        "low valence, high arousal",
        "high valence, low arousal",
        "high valence, high arousal",
    ),
    "valence": ("valence",),
    "arousal": ("arousal",),
}


def _read_oasis_csv(path):
    # OASIS.csv ships with old-Mac "\r" line ends, which _read_text normalises.
    text, _ = _read_text(path, "OASIS.csv")
    frame = pd.read_csv(io.StringIO(text), dtype={"Theme": str})
    first = frame.columns[0]
    if str(first).startswith("Unnamed") or str(first).strip() == "":
        frame = frame.rename(columns={first: "ID"})
    return frame


def _check_target(target):
    """Return the list of target names; a single name gives a 1-D target."""
    names = [target] if isinstance(target, str) else target
    try:
        names = list(names)
    except TypeError:
        names = [names]
    bad = [t for t in names if not isinstance(t, str) or t not in _TARGET_NAMES]
    if bad or not names or len(set(names)) < len(names):
        raise ValueError(
            f"target must be one of {list(_TARGET_NAMES)} or a non-empty list of "
            f"distinct ones; got {target!r}."
        )
    return names


def _oasis_target(frame, target):
    if target == "arousal":
        return frame["Arousal_mean"].to_numpy(dtype=np.float64)
    valence = frame["Valence_mean"].to_numpy(dtype=np.float64)
    if target == "valence":
        return valence
    if target == "valence3":
        return np.where(valence < 3.5, 0, np.where(valence > 4.5, 2, 1))
    high_valence = valence > np.median(valence)
    if target == "valence2":
        return high_valence.astype(np.int64)
    arousal = frame["Arousal_mean"].to_numpy(dtype=np.float64)
    high_arousal = arousal > np.median(arousal)
    return (2 * high_valence + high_arousal).astype(np.int64)


def load_oasis(
    root,
    target="valence2",
    *,
    size=None,
    on_error="raise",
    n_jobs=None,
    return_paths=False,
    return_X_y=False,
):
    """Load OASIS: 900 photographs rated for valence and arousal.

    `root` holds ``OASIS.csv`` and ``images/<Theme>.jpg``. The CSV has old-Mac
    ``\\r`` line endings (read with universal newlines) and an unnamed first
    column with the image ID (``I1`` ... ``I900``), renamed ``ID`` in
    ``frame``. A Theme can differ from its file name by trailing spaces
    (``"Crosswalk 1 "`` is ``Crosswalk 1.jpg``), so both are matched after
    stripping whitespace.

    Ratings are on a 1-7 scale with 4 as the neutral midpoint. Medians are
    taken over every row of the CSV, before any image is dropped, so a bad
    file never changes the labels of the others.

    Parameters
    ----------
    root : str or Path
        The OASIS folder.
    target : str or list of str, default="valence2"
        One of the names below, giving ``target`` of shape (n,), or a list of
        them, giving ``target`` of shape (n, k) with one column per name in
        that order (float64 if any column is continuous, else int64).

        - ``"valence2"``: 1 if ``Valence_mean`` is above the median, else 0;
          an image exactly at the median counts as low (0).
        - ``"valence3"``: 0 (negative) below 3.5, 2 (positive) above 4.5,
          1 (neutral) in the closed band [3.5, 4.5] around the midpoint 4.
        - ``"quadrant4"``: ``2 * high_valence + high_arousal``, both split
          strictly above their medians as in ``"valence2"``: 0 = low valence,
          low arousal; 1 = low valence, high arousal; 2 = high valence, low
          arousal; 3 = high valence, high arousal.
        - ``"valence"``: the raw ``Valence_mean`` (float), for regression.
        - ``"arousal"``: the raw ``Arousal_mean`` (float), for regression.
    size, on_error, n_jobs, return_paths, return_X_y
        As in :func:`load_thesis_csv`.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images`` (absent with `return_paths`), ``filenames``, ``target``,
        ``target_names`` (the class names for a single target, the target
        names themselves for a list), ``frame`` (the CSV columns plus
        ``filename`` and ``target``, or one ``target_<name>`` column per name
        for a list) and ``DESCR``.
    (X, y) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> from skemo.datasets import load_oasis
    >>> data = load_oasis("../shared/data/oasis", size=32)  # doctest: +SKIP
    >>> data.images.shape, data.target.mean()  # doctest: +SKIP
    ((900, 32, 32, 3), 0.5)
    >>> y = load_oasis("../shared/data/oasis", ["valence", "arousal"],
    ...                return_paths=True).target  # doctest: +SKIP
    >>> y.shape, y.dtype  # doctest: +SKIP
    ((900, 2), dtype('float64'))
    """
    _check_on_error(on_error)
    names = _check_target(target)
    root = _check_dir(root, "root")
    csv_path = _check_file(root / "OASIS.csv", "OASIS.csv")
    image_dir = _check_dir(root / "images", "images folder")
    frame = _read_oasis_csv(csv_path)
    needed = ["Theme"]
    if set(names) - {"arousal"}:
        needed.append("Valence_mean")
    if set(names) & {"quadrant4", "arousal"}:
        needed.append("Arousal_mean")
    _require_columns(frame, needed, csv_path)
    if isinstance(target, str):
        y, target_names = _oasis_target(frame, target), _TARGET_NAMES[target]
    else:
        y = np.column_stack([_oasis_target(frame, t) for t in names])
        target_names = names

    by_stem = {}
    for path in sorted(image_dir.iterdir()):
        if path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS:
            by_stem.setdefault(path.stem.strip(), path)
    themes = frame["Theme"].fillna("").astype(str)
    files = [by_stem.get(theme.strip()) for theme in themes]
    unmatched = np.array([f is None for f in files], dtype=bool)
    _drop_or_raise(
        unmatched, [repr(t) for t in themes], on_error,
        f"OASIS theme(s) with no image file in {str(image_dir)!r}",
    )
    keep = np.flatnonzero(~unmatched)
    descr = (
        f"OASIS ({str(root)!r}, target={target!r}): {{n_samples}} images rated for "
        "valence and arousal on a 1-7 scale (Kurdi, Lozano & Banaji, 2017). "
        "target_names: " + ", ".join(target_names) + "."
    )
    return _finish(
        frame.iloc[keep].reset_index(drop=True), [files[i] for i in keep], y[keep],
        target_names, descr, size=size, on_error=on_error, n_jobs=n_jobs,
        return_paths=return_paths, return_X_y=return_X_y,
    )
