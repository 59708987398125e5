"""Synthetic paintings whose class is carried by global and local cues."""

import colorsys
from functools import lru_cache
from numbers import Integral, Real

import noise
import numpy as np
import pandas as pd
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, validate_params

# Shapes of the local figure, in class order. More classes cycle through them,
# so classes k and k + len(SHAPES) share a shape and only global cues split them.
SHAPES = ("circle", "square", "triangle", "cross", "saltire", "diamond", "equals", "chevron")

# Figures are line drawings with the same total stroke length (twice the box
# side) and the same ink area: a filled disc and a filled cross differ in area
# and edge length, which plain global statistics (mean colour, gradient
# energy) would pick up even with global_cue=0.
_INK_AREA = 0.28
_SUPERSAMPLE = 4
# A third of the side and a near black-or-white ink: ShallNet's 4x4 filters
# then see the strokes well above the Perlin texture, which a quarter-side,
# lower-contrast figure left buried (ShallNet near chance at global_cue=0).
# Larger figures start to show in global statistics.
_FIGURE_FRACTION = 0.33  # figure box side / image side
_FIGURE_TINT = 0.2  # weight of the background's complement in the figure colour


def _shape_segments(shape):
    """Stroke segments ((x0, y0), (x1, y1)) in the unit box centred on 0."""
    def polygon(points):
        return [(points[i], points[(i + 1) % len(points)]) for i in range(len(points))]

    h = np.sqrt(3) / 2 * (2 / 3)  # equilateral triangle with side 2/3
    return {
        "square": polygon([(-0.25, -0.25), (0.25, -0.25), (0.25, 0.25), (-0.25, 0.25)]),
        "diamond": polygon([(0, -0.3536), (0.3536, 0), (0, 0.3536), (-0.3536, 0)]),
        "triangle": polygon([(0, -2 * h / 3), (1 / 3, h / 3), (-1 / 3, h / 3)]),
        "cross": [((-0.5, 0), (0.5, 0)), ((0, -0.5), (0, 0.5))],
        "saltire": [((-0.3536, -0.3536), (0.3536, 0.3536)),
                    ((-0.3536, 0.3536), (0.3536, -0.3536))],
        "equals": [((-0.5, -0.2), (0.5, -0.2)), ((-0.5, 0.2), (0.5, 0.2))],
        "chevron": [((-0.5, -0.433), (0, 0.433)), ((0, 0.433), (0.5, -0.433))],
    }[shape]


def _distance(shape, n):
    """Distance from the centres of an n x n grid over the unit box to the stroke."""
    c = (np.arange(n) + 0.5) / n - 0.5
    y, x = np.meshgrid(c, c, indexing="ij")
    if shape == "circle":
        return np.abs(np.hypot(x, y) - 1 / np.pi)  # circumference 2
    p = np.stack([x, y], axis=-1)[..., None, :]
    seg = np.asarray(_shape_segments(shape), dtype=float)
    a, b = seg[:, 0], seg[:, 1]
    ab = b - a
    t = np.clip(((p - a) * ab).sum(-1) / (ab**2).sum(-1), 0, 1)
    return np.linalg.norm(p - a - t[..., None] * ab, axis=-1).min(-1)


@lru_cache(maxsize=64)
def _shape_mask(shape, size):
    """Anti-aliased coverage in [0, 1] of ``shape`` in a ``size`` x ``size`` box.

    The stroke width is solved per (shape, size) so that the rasterised ink is
    exactly ``_INK_AREA`` of the box: caps, crossings and pixel rounding would
    otherwise give each shape its own area.
    """
    ss = _SUPERSAMPLE
    d = _distance(shape, size * ss).reshape(size, ss, size, ss)

    def coverage(width):
        return (d <= width / 2).mean(axis=(1, 3), dtype=np.float32)

    lo, hi = 0.0, 0.5
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if coverage(mid).mean() < _INK_AREA else (lo, mid)
    mask = coverage(hi)
    mask *= _INK_AREA / mask.mean()  # remove the last sub-pixel of mismatch
    mask = np.minimum(mask, 1.0)
    # A light blur gives every edge the same profile whatever its angle to the
    # pixel grid; grid-aligned strokes would otherwise be crisper, which
    # squared-gradient statistics notice. The border keeps the ink unclipped.
    mask = np.pad(mask, 1)
    k = np.array([0.25, 0.5, 0.25], dtype=np.float32)
    for axis in (0, 1):
        mask = np.apply_along_axis(np.convolve, axis, mask, k, mode="same")
    mask.setflags(write=False)
    return mask


def _texture_params(style, n_classes):
    """Perlin octaves and persistence of a style: rougher as the index grows."""
    t = style / max(n_classes - 1, 1)
    return 1 + int(round(5 * t)), round(0.3 + 0.4 * t, 3)


@lru_cache(maxsize=128)
def _noise_field(octaves, persistence, image_size):
    """Zero-mean, unit-variance Perlin field twice the image size, cached.

    Images take random crops (65**2 offsets at 64 px) and dihedral transforms
    of it, so the costly ``pnoise2`` calls happen once per (texture, size), not
    once per image. The randomness is all in the crops: the field is fixed.
    """
    side = 2 * image_size
    scale = image_size / 4.0
    field = np.array(
        [
            noise.pnoise2(
                i / scale,
                j / scale,
                octaves=octaves,
                persistence=persistence,
                lacunarity=2.0,
                base=0,
            )
            for i in range(side)
            for j in range(side)
        ],
        dtype=np.float32,
    ).reshape(side, side)
    field = (field - field.mean()) / (field.std() + 1e-12)
    field.setflags(write=False)
    return field


def _hsv(h, s, v):
    return colorsys.hsv_to_rgb(h % 1.0, min(max(s, 0.0), 1.0), min(max(v, 0.0), 1.0))


def _flip_labels(true_class, n_flip, n_classes, rng):
    """Flip exactly ``n_flip`` labels to another class, keeping counts when possible."""
    n = true_class.shape[0]
    target = true_class.copy()
    flipped = np.zeros(n, dtype=bool)
    if n_flip == 0:
        return target, flipped
    # Take the flipped samples evenly from the classes (random members, random
    # class order for the remainder), then permute their labels among
    # themselves: the class counts stay balanced.
    rank = np.empty(n, dtype=int)
    for k in range(n_classes):
        members = np.flatnonzero(true_class == k)
        rank[rng.permutation(members)] = np.arange(members.size)
    priority = rng.permutation(n_classes)[true_class]
    idx = np.lexsort((priority, rank))[:n_flip]
    old = true_class[idx]
    new = old[rng.permutation(n_flip)]
    for i in range(n_flip):
        if new[i] != old[i]:
            continue
        swap = np.flatnonzero((new != old[i]) & (old != new[i]))
        if swap.size:
            j = rng.choice(swap)
            new[i], new[j] = new[j], new[i]
        else:  # no derangement keeps the counts (e.g. 2 classes, odd n_flip)
            others = np.setdiff1d(np.arange(n_classes), [old[i]])
            new[i] = rng.choice(others)
    target[idx] = new
    flipped[idx] = True
    return target, flipped


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_classes": [Interval(Integral, 2, None, closed="left")],
        "image_size": [Interval(Integral, 16, None, closed="left")],
        "global_cue": [Interval(Real, 0, 1, closed="both")],
        "local_cue": [Interval(Real, 0, 1, closed="both")],
        "label_noise": [Interval(Real, 0, 1, closed="both")],
        "return_X_y": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_paintings(
    n_samples=400,
    n_classes=4,
    image_size=64,
    global_cue=1.0,
    local_cue=1.0,
    label_noise=0.1,
    return_X_y=False,
    random_state=None,
):
    """Generate synthetic "paintings" whose class shows globally and locally.

    Each image is a Perlin-noise textured background painted with a two-colour
    palette, plus one line-drawn, high-contrast figure (a box a third of the
    image side) at a random position. Two independent cues carry the class:

    - **global** (palette hue, brightness and texture roughness): each sample
      draws a *style*; with probability ``global_cue`` the style is its class,
      otherwise a class drawn uniformly at random. Style ``k`` of ``K`` has hue
      ``k / K`` on the colour wheel, brightness decreasing with ``k``, and a
      Perlin texture with ``1 + round(5 k / (K - 1))`` octaves and persistence
      ``0.3 + 0.4 k / (K - 1)`` (smooth to rough).
    - **local** (the figure's shape): with probability ``local_cue`` the shape
      is the class's (circle, square, triangle, cross, saltire, diamond,
      equals, chevron; more than 8 classes cycle, so classes 8 apart share a
      shape), otherwise a shape drawn uniformly. All shapes have the same
      stroke length and exactly the same ink area, with equally soft edges,
      and the figure's colour is derived from the background alone (a
      contrasting complement), so the figure adds little global signal.

    With ``global_cue=0`` the background's distribution is identical for every
    class, and with ``local_cue=0`` so is the figure's, so each cue can be
    switched off exactly. Classes are balanced (the counts differ by at most
    one), and ``label_noise`` then flips exactly ``round(label_noise *
    n_samples)`` labels to another class, permuting labels among the flipped
    samples so that the class counts stay balanced when possible.

    Parameters
    ----------
    n_samples : int, default=400
        Number of images.
    n_classes : int, default=4
        Number of classes, at least 2.
    image_size : int, default=64
        Side of the square images in pixels, at least 16.
    global_cue : float in [0, 1], default=1.0
        Probability that a sample's palette, brightness and texture follow its
        class; 0 makes them independent of the class.
    local_cue : float in [0, 1], default=1.0
        Probability that the figure's shape follows the class; 0 makes it
        independent of the class.
    label_noise : float in [0, 1], default=0.1
        Fraction of labels flipped to a different class.
    return_X_y : bool, default=False
        If True, return ``(images, target)`` instead of a Bunch.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible output.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With ``images`` (uint8, ``(n_samples, image_size, image_size, 3)``),
        ``target`` (int, the possibly flipped label), ``target_names``,
        ``frame`` (a DataFrame, one row per image: ``target``, ``true_class``,
        ``flipped``, ``style_class``, ``shape_class``, ``shape``, ``hue``,
        ``brightness``, ``octaves``, ``persistence``, ``figure_row``,
        ``figure_col``, ``figure_size``) and ``DESCR``.
    (images, target) : tuple of ndarray
        If ``return_X_y`` is True.

    Examples
    --------
    >>> from skemo.datasets import make_paintings
    >>> data = make_paintings(n_samples=40, image_size=32, random_state=0)
    >>> data.images.shape, data.images.dtype
    ((40, 32, 32, 3), dtype('uint8'))
    >>> import numpy as np
    >>> np.bincount(data.target)
    array([10, 10, 10, 10])
    >>> int(data.frame["flipped"].sum())
    4
    >>> X, y = make_paintings(n_samples=8, image_size=16, return_X_y=True,
    ...                       random_state=0)
    >>> X.shape, y.shape
    ((8, 16, 16, 3), (8,))
    """
    if n_samples < n_classes:
        raise ValueError(
            f"The 'n_samples' parameter of make_paintings must be at least "
            f"n_classes={n_classes} so that every class appears. Got {n_samples}."
        )
    rng = check_random_state(random_state)
    n, size, K = n_samples, image_size, n_classes

    true_class = rng.permutation(np.arange(n) % K)
    style = np.where(rng.random(n) < global_cue, true_class, rng.randint(0, K, n))
    shape_class = np.where(
        rng.random(n) < local_cue, true_class, rng.randint(0, K, n)
    )

    # Global cues: palette, brightness and roughness of each sample's style.
    hue = (style / K + 0.05 + rng.uniform(-0.15, 0.15, n) / K) % 1.0
    value = 0.78 - 0.4 * style / max(K - 1, 1) + rng.uniform(-0.05, 0.05, n)
    sat = rng.uniform(0.45, 0.7, n)
    c1 = np.array([_hsv(h, s, v - 0.17) for h, s, v in zip(hue, sat, value)], np.float32)
    c2 = np.array(
        [_hsv(h + 0.09, 0.8 * s, v + 0.17) for h, s, v in zip(hue, sat, value)], np.float32
    )

    params = [_texture_params(s, K) for s in range(K)]
    offsets = rng.randint(0, size + 1, (n, 2))
    dihedral = rng.randint(0, 8, n)
    field = np.empty((n, size, size), dtype=np.float32)
    for i in range(n):
        octaves, persistence = params[style[i]]
        full = _noise_field(octaves, persistence, size)
        r, c = offsets[i]
        crop = full[r : r + size, c : c + size]
        crop = np.rot90(crop, dihedral[i] % 4)
        field[i] = crop.T if dihedral[i] >= 4 else crop
    field *= 0.22
    field += 0.5
    t = np.clip(field, 0.0, 1.0, out=field)[..., None]
    images = t * (c2 - c1)[:, None, None, :]
    images += c1[:, None, None, :]

    # Local cue: the figure, coloured from its background only.
    box = max(8, int(round(size * _FIGURE_FRACTION)))
    fig_size = box + 2  # the blurred mask's border
    pos = rng.randint(0, size - fig_size + 1, (n, 2))
    bg = 0.5 * (c1 + c2)
    lum = bg @ np.array([0.299, 0.587, 0.114])
    fig_colour = _FIGURE_TINT * (1 - bg) + np.where(lum < 0.5, 1 - _FIGURE_TINT, 0.0)[:, None]
    shape_names = np.array([SHAPES[k % len(SHAPES)] for k in shape_class])
    for i in range(n):
        alpha = _shape_mask(shape_names[i], box)[..., None]
        r, c = pos[i]
        patch = images[i, r : r + fig_size, c : c + fig_size]
        patch *= 1 - alpha
        patch += alpha * fig_colour[i]
    images *= 255
    images = np.rint(np.clip(images, 0, 255, out=images), out=images).astype(np.uint8)

    target, flipped = _flip_labels(true_class, int(round(label_noise * n)), K, rng)
    target_names = np.array([f"class_{k}" for k in range(K)])
    frame = pd.DataFrame(
        {
            "target": target,
            "true_class": true_class,
            "flipped": flipped,
            "style_class": style,
            "shape_class": shape_class,
            "shape": shape_names,
            "hue": hue,
            "brightness": value,
            "octaves": [params[s][0] for s in style],
            "persistence": [params[s][1] for s in style],
            "figure_row": pos[:, 0],
            "figure_col": pos[:, 1],
            "figure_size": fig_size,
        }
    )
    if return_X_y:
        return images, target
    descr = (
        f"Synthetic paintings: {n} RGB images of {size}x{size} px in {K} "
        f"balanced classes. Global cue (palette hue, brightness, Perlin texture "
        f"roughness) strength {global_cue}; local cue (figure shape) strength "
        f"{local_cue}; {int(flipped.sum())} labels flipped "
        f"(label_noise={label_noise}). See make_paintings for the generator."
    )
    return Bunch(
        images=images,
        target=target,
        target_names=target_names,
        frame=frame,
        DESCR=descr,
    )
