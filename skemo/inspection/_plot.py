"""Matplotlib helpers: CAM overlays, palettes, texture references, losses, grids.

Every function draws on the Axes it is given (or a new pyplot figure) and
returns the Axes, so it composes with ``plt.subplots``. Given Axes, they use no
pyplot state: they draw as well on a :class:`matplotlib.figure.Figure` made
without pyplot, which is how :func:`skemo.evaluation.write_report` draws.
"""

import numpy as np

from skemo.io import check_images, tile_images

__all__ = [
    "plot_cam",
    "plot_confusion_matrix",
    "plot_image_grid",
    "plot_loss_curves",
    "plot_palettes",
    "plot_texture_references",
]


def _axes(ax, figsize=None):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_cam(image, cam, ax=None, alpha=0.5, cmap="jet"):
    """Overlay a class activation map on its image.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3)
        uint8 in [0, 255] or float in [0, 1].
    cam : ndarray of shape (H, W)
        A map from :func:`class_activation_map`, in [0, 1].
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    alpha : float, default=0.5
        Opacity of the map over the image, in [0, 1].
    cmap : str or Colormap, default="jet"
        Colormap of the map.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.inspection import plot_cam
    >>> ax = plot_cam(np.zeros((8, 8, 3)), np.linspace(0, 1, 64).reshape(8, 8))
    >>> len(ax.images)
    2
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1]; got {alpha!r}.")
    picture = check_images(np.asarray(image)[None], name="image")[0]
    cam = np.asarray(cam, dtype=np.float32)
    if cam.shape != picture.shape[:2]:
        raise ValueError(
            f"cam must have the image's shape {picture.shape[:2]}; got {cam.shape}."
        )
    ax = _axes(ax)
    ax.imshow(picture)
    ax.imshow(cam, cmap=cmap, alpha=alpha, vmin=0.0, vmax=1.0)
    ax.set_axis_off()
    return ax


def plot_palettes(palettes, names=None, weights=None, ax=None):
    """Draw colour palettes as rows of swatches.

    Parameters
    ----------
    palettes : array-like of shape (n_palettes, n_colors, 3)
        Colours in [0, 1], e.g. from :func:`skemo.features.extract_palette` or
        ``ColorPaletteFeatures().fit(X).references_``.
    names : list of str, default=None
        Row labels.
    weights : array-like of shape (n_palettes, n_colors), default=None
        Swatch widths (e.g. the palette weights); equal widths when None.
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from skemo.inspection import plot_palettes
    >>> ax = plot_palettes([[[1, 0, 0], [0, 0, 1]]], names=["red-blue"])
    >>> len(ax.patches)
    2
    """
    from matplotlib.patches import Rectangle

    palettes = np.clip(np.asarray(palettes, dtype=float), 0, 1)
    if palettes.ndim != 3 or palettes.shape[2] != 3:
        raise ValueError(f"palettes must have shape (n_palettes, n_colors, 3); got {palettes.shape}.")
    n, k = palettes.shape[:2]
    widths = np.full((n, k), 1.0 / k) if weights is None else np.asarray(weights, dtype=float)
    if widths.shape != (n, k):
        raise ValueError(f"weights must have shape {(n, k)}; got {widths.shape}.")
    widths = widths / widths.sum(axis=1, keepdims=True)
    ax = _axes(ax, figsize=(5, 0.5 + 0.45 * n))
    for row in range(n):
        left = 0.0
        for col in range(k):
            ax.add_patch(Rectangle((left, n - 1 - row), widths[row, col], 0.9,
                                   color=palettes[row, col]))
            left += widths[row, col]
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.1, n)
    ax.set_xticks([])
    ax.set_yticks(np.arange(n) + 0.45)
    ax.set_yticklabels(list(names)[::-1] if names is not None else [""] * n)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    return ax


def plot_texture_references(references, hard_soft=None, axes=None):
    """Show gray texture references, titled with their Hard-Soft value.

    Parameters
    ----------
    references : array-like of shape (n_refs, size, size)
        E.g. ``TextureFeatures().fit(X).references_``.
    hard_soft : array-like of shape (n_refs,), default=None
        E.g. ``TextureFeatures().fit(X).hard_soft_``.
    axes : array of matplotlib Axes, default=None
        One per reference; a new one-row figure when None.

    Returns
    -------
    axes : ndarray of matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.inspection import plot_texture_references
    >>> axes = plot_texture_references(np.zeros((3, 8, 8)), hard_soft=[1.0, 2.0, 3.0])
    >>> [ax.get_title() for ax in axes]
    ['HS = 1.00', 'HS = 2.00', 'HS = 3.00']
    """
    refs = np.asarray(references, dtype=float)
    if refs.ndim != 3:
        raise ValueError(f"references must have shape (n_refs, size, size); got {refs.shape}.")
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(1, len(refs), figsize=(1.8 * len(refs), 2.2), squeeze=False)
    axes = np.asarray(axes).ravel()
    if len(axes) < len(refs):
        raise ValueError(f"axes must hold at least {len(refs)} Axes; got {len(axes)}.")
    for k, (ax, ref) in enumerate(zip(axes, refs)):
        ax.imshow(ref, cmap="gray")
        ax.set_axis_off()
        if hard_soft is not None and np.isfinite(hard_soft[k]):
            ax.set_title(f"HS = {float(hard_soft[k]):.2f}", fontsize=9)
    return axes[: len(refs)]


def plot_loss_curves(history, keys=("train_loss", "valid_loss"), ax=None):
    """Plot per-epoch losses from a skorch history (e.g. ``clf.history_``).

    Parameters
    ----------
    history : skorch History or list of dict
        One dict per epoch.
    keys : tuple of str, default=("train_loss", "valid_loss")
        Entries to plot; those absent from the history are skipped.
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from skemo.inspection import plot_loss_curves
    >>> ax = plot_loss_curves([{"train_loss": 1.0}, {"train_loss": 0.5}])
    >>> ax.lines[0].get_ydata().tolist()
    [1.0, 0.5]
    """
    ax = _axes(ax)
    epochs = list(history)
    for key in keys:
        values = [row[key] for row in epochs if key in row]
        if values:
            ax.plot(np.arange(1, len(values) + 1), values, marker="o", label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if ax.lines:
        ax.legend()
    return ax


def plot_confusion_matrix(matrix, labels, ax=None, title=None):
    """Draw a confusion matrix with counts and row-normalised shading.

    Parameters
    ----------
    matrix : array-like of shape (n_classes, n_classes)
        Counts, true classes in rows (``sklearn.metrics.confusion_matrix``).
    labels : list of str
        Class names in row order.
    ax : matplotlib Axes, default=None
    title : str, default=None

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from skemo.inspection import plot_confusion_matrix
    >>> ax = plot_confusion_matrix([[3, 1], [0, 4]], ["calm", "tense"])
    >>> [t.get_text() for t in ax.texts]
    ['3', '1', '0', '4']
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or len(labels) != len(matrix):
        raise ValueError(
            f"matrix must be square with one row per label; got shape {matrix.shape} "
            f"and {len(labels)} labels."
        )
    rates = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    ax = _axes(ax, figsize=(1.2 + 0.7 * len(labels), 1 + 0.7 * len(labels)))
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, str(count), ha="center", va="center",
                color="white" if rates[i, j] > 0.5 else "black")
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks, [str(x) for x in labels], rotation=45, ha="right")
    ax.set_yticks(ticks, [str(x) for x in labels])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
    return ax


def plot_image_grid(images, titles=None, ncols=8, cams=None, *, alpha=0.5, cmap="jet",
                    padding=2, ax=None):
    """Show images (optionally with CAM overlays) as one contact sheet.

    The sheet is :func:`skemo.io.tile_images` of the images, drawn on a single
    Axes; each title is written in the top-left corner of its image.

    Parameters
    ----------
    images : array-like of shape (n, H, W, 3)
    titles : list of str, default=None
        One per image.
    ncols : int, default=8
        Images per row.
    cams : array-like of shape (n, H, W), default=None
        Maps in [0, 1] (from :func:`class_activation_map`) blended over the
        images, as :func:`plot_cam` overlays one.
    alpha : float, default=0.5
        Opacity of the maps, in [0, 1].
    cmap : str or Colormap, default="jet"
        Colormap of the maps.
    padding : int, default=2
        Pixels between the images.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.inspection import plot_image_grid
    >>> ax = plot_image_grid(np.zeros((3, 8, 8, 3)), titles=list("abc"), ncols=2)
    >>> ax.images[0].get_array().shape  # 2 rows of 2 images of 8 px, 2 px padding
    (22, 22, 3)
    >>> [t.get_text() for t in ax.texts]
    ['a', 'b', 'c']
    """
    import matplotlib

    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1]; got {alpha!r}.")
    pictures = check_images(images, name="images")
    n, height, width = pictures.shape[:3]
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles must hold one title per image ({n}); got {len(titles)}.")
    if cams is not None:
        cams = np.asarray(cams, dtype=np.float32)
        if cams.shape != pictures.shape[:3]:
            raise ValueError(
                f"cams must have shape (n, H, W) = {pictures.shape[:3]}; got {cams.shape}."
            )
        # The same compositing as plot_cam's two imshow layers.
        colors = matplotlib.colormaps.get_cmap(cmap)(np.clip(cams, 0, 1))[..., :3]
        pictures = (1 - alpha) * pictures + alpha * colors.astype(np.float32)
    sheet = tile_images(pictures, ncols=ncols, padding=padding)
    # The sheet's size tells how many rows and columns tile_images used.
    rows = (sheet.shape[0] - padding) // (height + padding)
    cols = (sheet.shape[1] - padding) // (width + padding)
    ax = _axes(ax, figsize=(1.6 * cols, 1.6 * rows))
    ax.imshow(sheet)
    ax.set_axis_off()
    for i, title in enumerate(titles if titles is not None else []):
        row, col = divmod(i, cols)
        ax.text(padding + col * (width + padding) + 0.5, padding + row * (height + padding) + 0.5,
                str(title), ha="left", va="top", fontsize=7,
                bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "alpha": 0.75,
                      "linewidth": 0})
    return ax
