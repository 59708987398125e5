"""Loaders for the two public art-emotion data sets: WikiArt Emotions and ArtEmis."""

import numpy as np
import pandas as pd

from ._loaders import (
    _check_dir,
    _check_file,
    _check_on_error,
    _finish,
    _require_columns,
)
from ._taxonomy import ARTEMIS_EMOTIONS, TARGET_NAMES, WIKIART_EMOTIONS, group_emotions

__all__ = ["load_artemis", "load_wikiart_emotions"]

_SCENARIOS = {
    "imageonly": "ImageOnly",
    "image": "ImageOnly",
    "art (image+title)": "Art (image+title)",
    "art": "Art (image+title)",
    "titleonly": "TitleOnly",
    "title": "TitleOnly",
}


def _dominant(scores, names, fallback):
    """Arg-max of each row; ties: first in `names`; all-zero rows: `fallback`."""
    dominant = np.asarray(names, dtype=object)[np.argmax(scores, axis=1)]
    dominant[~(scores > 0).any(axis=1)] = fallback
    return dominant.astype(str)


def load_wikiart_emotions(
    tsv_path,
    image_dir,
    scenario="ImageOnly",
    scheme="thesis4",
    *,
    size=None,
    on_error="raise",
    n_jobs=None,
    return_paths=False,
    return_X_y=False,
):
    """Load the WikiArt Emotions data set (Mohammad & Kiritchenko, 2018).

    The published TSV files (``WikiArt-Emotions-Ag3.tsv``, ``-Ag4``, ``-Ag5``
    and ``-All``) have the columns ``ID, Style, Category, Artist, Title,
    Year, Is painting, Face/body, Ave. art rating``, then, for each of the 20
    emotions in :data:`WIKIART_EMOTIONS`, the three columns
    ``Art (image+title): <emotion>``, ``ImageOnly: <emotion>`` and
    ``TitleOnly: <emotion>``. They hold 0/1 in the Ag files and the share of
    raters in the All file. The image of row ``ID`` is ``image_dir/<ID>.jpg``.

    The dominant emotion of a painting is the emotion with the highest score
    in the chosen scenario. Ties, common with 0/1 scores, go to the emotion
    that comes first in the TSV's column order (``np.argmax``'s rule; that
    order is alphabetical with ``neutral`` last). A row with no positive score
    is ``"neutral"``. ``target`` is the thesis group of the dominant emotion,
    through :data:`WIKIART_TO_THESIS4`.

    Parameters
    ----------
    tsv_path : str or Path
        One of the published TSV files.
    image_dir : str or Path
        Folder holding ``<ID>.jpg``.
    scenario : {"ImageOnly", "Art (image+title)", "TitleOnly"}, default="ImageOnly"
        Which annotation to use: raters who saw the image only, the image and
        its title, or the title only. The aliases ``"image"``, ``"art"`` and
        ``"title"`` are accepted, in any case.
    scheme : {"thesis4", "binary"}, default="thesis4"
        Emotion grouping, see :func:`group_emotions`.
    size, on_error, n_jobs, return_paths, return_X_y
        As in :func:`load_thesis_csv`.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images`` (absent with `return_paths`), ``filenames``, ``target``,
        ``target_names``, ``frame`` (the TSV rows plus ``dominant_emotion``,
        ``filename`` and ``target``), ``DESCR``, and
        ``emotions`` float (n, 20), ``emotion_names`` (20,) and
        ``dominant_emotion`` str (n,).
    (X, y) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from skemo.datasets import load_wikiart_emotions, WIKIART_EMOTIONS
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> row = {"ID": "a1", "Title": "Storm"}
    >>> for scenario in ["Art (image+title)", "ImageOnly", "TitleOnly"]:
    ...     row.update({f"{scenario}: {e}": int(e == "fear") for e in WIKIART_EMOTIONS})
    >>> pd.DataFrame([row]).to_csv(root / "Ag4.tsv", sep="\\t", index=False)
    >>> (root / "a1.jpg").touch()
    >>> data = load_wikiart_emotions(root / "Ag4.tsv", root, return_paths=True)
    >>> data.emotions.shape, data.dominant_emotion.tolist(), data.target
    ((1, 20), ['fear'], array([0]))
    """
    _check_on_error(on_error)
    key = str(scenario).strip().lower()
    if key not in _SCENARIOS:
        raise ValueError(
            "scenario must be one of ['ImageOnly', 'Art (image+title)', 'TitleOnly'] "
            f"or an alias in ['image', 'art', 'title']; got {scenario!r}."
        )
    scenario = _SCENARIOS[key]
    tsv_path = _check_file(tsv_path, "tsv_path")
    image_dir = _check_dir(image_dir, "image_dir")
    frame = pd.read_csv(tsv_path, sep="\t", encoding="utf-8-sig", dtype={"ID": str})
    frame.columns = [str(c).strip() for c in frame.columns]
    # Headers vary in case and spacing between releases; match loosely.
    lookup = {" ".join(c.lower().split()): c for c in frame.columns}
    columns = []
    for emotion in WIKIART_EMOTIONS:
        wanted = f"{scenario}: {emotion}"
        if " ".join(wanted.lower().split()) not in lookup:
            _require_columns(frame, [wanted], tsv_path)
        columns.append(lookup[" ".join(wanted.lower().split())])
    _require_columns(frame, ["ID"], tsv_path)
    try:
        emotions = frame[columns].apply(pd.to_numeric).to_numpy(dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"The {scenario!r} emotion columns of {str(tsv_path)!r} must be numeric: "
            f"{exc}"
        ) from exc
    if np.isnan(emotions).any():
        raise ValueError(
            f"The {scenario!r} emotion columns of {str(tsv_path)!r} contain missing "
            "values."
        )
    dominant = _dominant(emotions, WIKIART_EMOTIONS, "neutral")
    target = group_emotions(dominant, scheme=scheme, vocabulary="wikiart")
    frame["dominant_emotion"] = dominant
    files = [image_dir / f"{str(i).strip()}.jpg" for i in frame["ID"]]
    descr = (
        f"WikiArt Emotions ({tsv_path.name}, scenario={scenario!r}, "
        f"scheme={scheme!r}): {{n_samples}} pieces of art. `emotions` holds the "
        "20 per-emotion scores; `dominant_emotion` is their arg-max (ties: first "
        "in column order; all zero: neutral); `target` is its thesis group "
        f"({', '.join(TARGET_NAMES[scheme])})."
    )
    result = _finish(
        frame, files, target, TARGET_NAMES[scheme], descr, size=size,
        on_error=on_error, n_jobs=n_jobs, return_paths=return_paths,
        return_X_y=return_X_y,
        extra={"emotions": emotions, "dominant_emotion": dominant},
    )
    if not return_X_y:
        result["emotion_names"] = np.asarray(WIKIART_EMOTIONS)
    return result


def load_artemis(
    csv_path,
    image_root,
    scheme="thesis4",
    *,
    size=None,
    on_error="raise",
    n_jobs=None,
    return_paths=False,
    return_X_y=False,
):
    """Load ArtEmis annotations (Achlioptas et al., 2021), one row per painting.

    The CSV (``artemis_dataset_release_v0.csv``) has one row per annotation
    with the columns ``art_style, painting, emotion, utterance, repetition``;
    only the first three are needed. Annotations are grouped by
    ``(art_style, painting)``, in order of first appearance, into a 9-bin
    histogram over :data:`ARTEMIS_EMOTIONS`. The dominant emotion is the
    most frequent one; ties go to the emotion listed first in
    :data:`ARTEMIS_EMOTIONS` (``np.argmax``'s rule). ``target`` is its thesis
    group, through :data:`ARTEMIS_TO_THESIS4`. The image of a painting is
    ``image_root/<art_style>/<painting>.jpg``, the layout of the WikiArt dump
    that ArtEmis refers to.

    Parameters
    ----------
    csv_path : str or Path
        The ArtEmis CSV.
    image_root : str or Path
        Folder with one subfolder per art style.
    scheme : {"thesis4", "binary"}, default="thesis4"
        Emotion grouping, see :func:`group_emotions`.
    size, on_error, n_jobs, return_paths, return_X_y
        As in :func:`load_thesis_csv`.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images`` (absent with `return_paths`), ``filenames``, ``target``,
        ``target_names``, ``frame`` (``art_style``, ``painting``,
        ``n_annotations``, one count column per emotion, ``dominant_emotion``,
        ``filename``, ``target``), ``DESCR``, and ``emotion_histogram`` int
        (n, 9), ``emotion_names`` (9,) and ``dominant_emotion`` str (n,).
    (X, y) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skemo.datasets import load_artemis
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "artemis.csv").write_text(
    ...     "art_style,painting,emotion,utterance,repetition\\n"
    ...     "Baroque,night,fear,dark,5\\nBaroque,night,awe,grand,5\\n"
    ...     "Baroque,night,fear,eerie,5\\n")
    >>> (root / "Baroque").mkdir()
    >>> (root / "Baroque" / "night.jpg").touch()
    >>> data = load_artemis(root / "artemis.csv", root, return_paths=True)
    >>> data.emotion_histogram, data.dominant_emotion.tolist(), data.target
    (array([[0, 1, 0, 0, 0, 0, 2, 0, 0]]), ['fear'], array([0]))
    """
    _check_on_error(on_error)
    csv_path = _check_file(csv_path, "csv_path")
    image_root = _check_dir(image_root, "image_root")
    raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw.columns = [str(c).strip() for c in raw.columns]
    _require_columns(raw, ["art_style", "painting", "emotion"], csv_path)
    emotion = raw["emotion"].str.strip().str.lower()
    code = {name: i for i, name in enumerate(ARTEMIS_EMOTIONS)}
    unknown = sorted(set(emotion) - set(code))
    if unknown:
        raise ValueError(
            f"Unknown ArtEmis emotion(s) {unknown[:10]} in {str(csv_path)!r}; known "
            f"emotions: {list(ARTEMIS_EMOTIONS)}."
        )
    keys = pd.MultiIndex.from_arrays([raw["art_style"], raw["painting"]])
    painting_index, uniques = pd.factorize(keys, sort=False)
    histogram = np.zeros((len(uniques), len(ARTEMIS_EMOTIONS)), dtype=np.int64)
    np.add.at(histogram, (painting_index, emotion.map(code).to_numpy()), 1)
    dominant = _dominant(histogram, ARTEMIS_EMOTIONS, "something else")
    target = group_emotions(dominant, scheme=scheme, vocabulary="artemis")
    styles = [u[0] for u in uniques]
    paintings = [u[1] for u in uniques]
    frame = pd.DataFrame({"art_style": styles, "painting": paintings})
    frame["n_annotations"] = histogram.sum(axis=1)
    for i, name in enumerate(ARTEMIS_EMOTIONS):
        frame[name] = histogram[:, i]
    frame["dominant_emotion"] = dominant
    files = [image_root / s / f"{p}.jpg" for s, p in zip(styles, paintings)]
    descr = (
        f"ArtEmis ({csv_path.name}, scheme={scheme!r}): {{n_samples}} paintings from "
        f"{len(raw)} annotations. `emotion_histogram` counts the 9 emotions per "
        "painting; `dominant_emotion` is its arg-max (ties: first in "
        "emotion_names); `target` is its thesis group "
        f"({', '.join(TARGET_NAMES[scheme])})."
    )
    result = _finish(
        frame, files, target, TARGET_NAMES[scheme], descr, size=size,
        on_error=on_error, n_jobs=n_jobs, return_paths=return_paths,
        return_X_y=return_X_y,
        extra={"emotion_histogram": histogram, "dominant_emotion": dominant},
    )
    if not return_X_y:
        result["emotion_names"] = np.asarray(ARTEMIS_EMOTIONS)
    return result
