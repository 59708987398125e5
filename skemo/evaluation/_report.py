"""The ``skemo compare`` report: table, CSV and figures from :func:`compare_models`.

The figures are drawn on :class:`matplotlib.figure.Figure` objects, not through
pyplot: writing a report neither switches the backend nor leaves figures open
in a notebook or script that calls it.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from skemo.inspection import (
    class_activation_map,
    plot_confusion_matrix,
    plot_image_grid,
    plot_palettes,
    plot_texture_references,
)
from skemo.io import check_images

from ._compare import COLUMNS

__all__ = ["format_table", "write_report"]


def format_table(summary):
    """The comparison as a fixed-width text table (means ± std over folds).

    Parameters
    ----------
    summary : DataFrame
        ``compare_models(...).summary``.

    Returns
    -------
    table : str

    Examples
    --------
    >>> import pandas as pd
    >>> from skemo.evaluation import format_table
    >>> summary = pd.DataFrame({
    ...     "model": ["majority"], "train_accuracy_mean": [0.25], "train_accuracy_std": [0.0],
    ...     "test_accuracy_mean": [0.25], "test_accuracy_std": [0.0],
    ...     "balanced_accuracy_mean": [0.25], "balanced_accuracy_std": [0.0],
    ...     "fit_seconds_mean": [0.001], "fit_seconds_std": [0.0]})
    >>> print(format_table(summary))
    model           train acc        test acc    balanced acc   fit s
    majority    0.250 ± 0.000   0.250 ± 0.000   0.250 ± 0.000     0.0
    """
    lines = [f"{'model':<12}{'train acc':>13}{'test acc':>16}{'balanced acc':>16}{'fit s':>8}"]
    for row in summary.itertuples(index=False):
        lines.append(
            f"{row.model:<12}"
            f"{row.train_accuracy_mean:>7.3f} ± {row.train_accuracy_std:.3f}"
            f"{row.test_accuracy_mean:>10.3f} ± {row.test_accuracy_std:.3f}"
            f"{row.balanced_accuracy_mean:>10.3f} ± {row.balanced_accuracy_std:.3f}"
            f"{row.fit_seconds_mean:>8.1f}"
        )
    return "\n".join(lines)


def _file_name(model):
    return model.replace("+", "-")


def _results_frame(result):
    per_fold = result.results.copy()
    per_fold["fold"] = per_fold["fold"].astype(str)
    summary = result.summary
    extra = []
    for stat in ("mean", "std"):
        part = summary[["model"] + [c for c in summary if c.endswith(f"_{stat}")]].copy()
        part.columns = [c.removesuffix(f"_{stat}") for c in part.columns]
        part["fold"] = stat
        extra.append(part)
    frame = pd.concat([per_fold, *extra], ignore_index=True)[COLUMNS]
    return frame.astype({"n_train": "Int64", "n_test": "Int64"})


def _cam_indices(y_test, n):
    """Up to ``n`` test positions, taking the classes in turn."""
    by_class = [np.flatnonzero(y_test == c).tolist() for c in np.unique(y_test)]
    picked = []
    while len(picked) < n and any(by_class):
        for positions in by_class:
            if positions and len(picked) < n:
                picked.append(positions.pop(0))
    return np.array(picked, dtype=int)


def _figure(figsize):
    from matplotlib.figure import Figure

    # Not plt.figure: pyplot would register the figure (shown, and kept open
    # in a notebook) and would need an interactive-capable backend.
    return Figure(figsize=figsize)


def _save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def _cam_figures(result, images, y, out, names, n_cam):
    from skemo.models import ShallNet, TransferClassifier

    paths = []
    _, test = result.last_split
    picked = test[_cam_indices(y[test], n_cam)]
    # The fold models themselves: the cached "transfer" row is a real
    # TransferClassifier, so its maps explain exactly what was scored.
    explain = {
        name: result.estimators[name]
        for name, kind in (("shallnet", ShallNet), ("transfer", TransferClassifier))
        if isinstance(result.estimators.get(name), kind)
    }
    for name, model in explain.items():
        pred = model.predict(images[picked])
        maps = class_activation_map(model, images[picked], target=pred, method="gradcam")
        titles = [f"{names(t)} → {names(p)}" for t, p in zip(y[picked], pred)]
        fig = _figure((1.7 * len(picked), 3.8))
        top, bottom = fig.subplots(2, 1)
        plot_image_grid(images[picked], titles=titles, ncols=len(picked), ax=top)
        plot_image_grid(images[picked], cams=maps, ncols=len(picked), ax=bottom)
        fig.suptitle(f"{name}: Grad-CAM of the predicted class (true → predicted)", fontsize=9)
        paths.append(_save(fig, out / f"cam_{_file_name(name)}.png"))
    return paths


def _feature_figures(images, y, out, names, seed):
    from skemo.features import ColorPaletteFeatures, TextureFeatures, extract_palette

    texture = TextureFeatures().fit(images[:1])
    fig = _figure((11, 2.3))
    axes = fig.subplots(1, len(texture.references_), squeeze=False)
    plot_texture_references(texture.references_, texture.hard_soft_, axes=axes)
    fig.suptitle("Perlin texture references (Hard-Soft scale: harder is lower)", fontsize=9)
    paths = [_save(fig, out / "texture_references.png")]

    palette = ColorPaletteFeatures().fit(images[:1])
    examples = [np.flatnonzero(y == c)[0] for c in np.unique(y)]
    extracted = [extract_palette(images[i], random_state=seed, return_weights=True)
                 for i in examples]
    fig = _figure((10, 0.8 + 0.45 * max(len(examples), 6)))
    axes = fig.subplots(1, 2)
    plot_palettes(palette.references_, names=palette.reference_names_, ax=axes[0])
    axes[0].set_title("reference palettes", fontsize=9)
    plot_palettes([p for p, _ in extracted], weights=[w for _, w in extracted],
                  names=[names(y[i]) for i in examples], ax=axes[1])
    axes[1].set_title("extracted palette of one image per class", fontsize=9)
    paths.append(_save(fig, out / "palettes.png"))
    return paths


def write_report(result, X, y, out, *, target_names=None, n_cam=6, random_state=0, log=None):
    """Write the comparison report to the folder ``out``.

    Files: ``results.csv`` (one row per model and fold, then ``fold`` =
    ``"mean"`` and ``"std"`` rows), ``report.txt`` (the table and notes),
    ``confusion_<model>.png`` (summed over folds), ``cam_shallnet.png`` and
    ``cam_transfer.png`` (Grad-CAM of test images of the last fold),
    ``texture_references.png`` and ``palettes.png``.

    Parameters
    ----------
    result : Bunch
        From :func:`compare_models`.
    X : array-like of images
        The images ``result`` was computed on.
    y : array-like of shape (n_samples,)
        Their labels.
    out : str or Path
        Report folder, created if needed.
    target_names : list of str, default=None
        Names of the labels when they are class indices.
    n_cam : int, default=6
        Test images shown in each CAM figure.
    random_state : int, default=0
        Seeds the palette extraction.
    log : callable, default=None
        Called with progress messages (the CLI prints them).

    Returns
    -------
    paths : list of Path
        The files written.

    Notes
    -----
    The figures are drawn without pyplot, so the matplotlib backend and the
    open pyplot figures are left as they were.

    Examples
    --------
    >>> import tempfile
    >>> from skemo.datasets import make_paintings
    >>> from skemo.evaluation import compare_models, write_report
    >>> X, y = make_paintings(n_samples=24, n_classes=2, image_size=32, random_state=0,
    ...                       return_X_y=True)
    >>> result = compare_models(X, y, ["majority"], n_splits=2)
    >>> paths = write_report(result, X, y, tempfile.mkdtemp(), target_names=["a", "b"])
    >>> sorted(p.name for p in paths)  # doctest: +NORMALIZE_WHITESPACE
    ['confusion_majority.png', 'palettes.png', 'report.txt', 'results.csv',
     'texture_references.png']
    """
    log = log or (lambda message: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    images, y = check_images(X), np.asarray(y)

    def names(label):
        if target_names is not None and np.issubdtype(np.asarray(label).dtype, np.integer):
            return str(target_names[int(label)])
        return str(label)

    paths = [out / "results.csv", out / "report.txt"]
    _results_frame(result).to_csv(paths[0], index=False)
    text = [format_table(result.summary), ""]
    text += [f"- {note}" for note in result.notes]
    text += [f"- shared {key} pass: {sec:.1f} s" for key, sec in result.shared_seconds.items()
             if key in ("features", "embedding")]
    paths[1].write_text("\n".join(text) + "\n", encoding="utf-8")
    labels = [names(c) for c in result.classes]
    for model, matrix in result.confusion.items():
        fig = _figure((1.6 + 0.8 * len(labels), 1.4 + 0.8 * len(labels)))
        ax = fig.subplots()
        plot_confusion_matrix(matrix, labels, ax=ax, title=f"{model} (summed over folds)")
        paths.append(_save(fig, out / f"confusion_{_file_name(model)}.png"))
    log("confusion matrices written; computing class activation maps")
    paths += _cam_figures(result, images, y, out, names, n_cam)
    paths += _feature_figures(images, y, out, names, random_state)
    return paths
