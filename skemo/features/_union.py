"""PaintingFeatures: the thesis's 13 hand-crafted features, computed in one pass."""

from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, Interval

from skemo._validation import check_size, resize_images

from ._affective import AffectiveFeatures
from ._base import _ImageFeatures
from ._brightness import BrightnessFeatures
from ._palette import ColorPaletteFeatures
from ._texture import TextureFeatures

# Block name -> default transformer, in the thesis's column order.
_BLOCKS = {
    "brightness": BrightnessFeatures,
    "texture": TextureFeatures,
    "palette": ColorPaletteFeatures,
    "affective": AffectiveFeatures,
}


def _is_transformer(value):
    return hasattr(value, "_transform_images") and hasattr(value, "get_params")


class PaintingFeatures(_ImageFeatures):
    """Brightness, texture and palette features (and optionally affective ones) together.

    The columns follow the thesis's order: ``brightness``, the six texture SSIMs
    (:class:`TextureFeatures`), then the six palette distances
    (:class:`ColorPaletteFeatures`): 13 features with the defaults, followed by
    :class:`AffectiveFeatures` when ``affective=True``.

    Each image is loaded once per chunk, at the working resolution ``image_size``,
    and every block is computed on that chunk; a block that works at its own
    resolution (texture and affective: their ``image_size``) gets the chunk
    resized in memory, which costs nothing when the sizes agree (texture's
    default is 224, as is the union's).  Parameters of the blocks are reachable with
    ``set_params`` and grid searches as ``<block>__<param>`` (e.g.
    ``palette__n_colors``), even while the block is ``True``: setting one replaces
    ``True`` by a default instance carrying the new value.

    Parameters
    ----------
    image_size : int, (height, width) or None, default=224
        Working resolution: every image is resized to it before any block
        runs, so a JPEG is decoded once, at reduced scale (see
        :func:`skemo.io.load_images`), and brightness and the palette are
        computed on the same pixels as the texture.  224 is the thesis's
        working size.  Brightness and the palette are global statistics, so
        they change only slightly with the resolution; ``None`` computes them
        on the images as given (native size, as the standalone
        :class:`BrightnessFeatures` and :class:`ColorPaletteFeatures` do),
        which is several times slower on large files.  Files are resized by
        the loader and arrays by :func:`skemo._validation.resize_images`, so
        a file and its decoded array agree exactly only when no resize
        happens, and otherwise to about 1/255.
    brightness, texture, palette, affective : bool or transformer
        ``True`` uses the block's default transformer, ``False`` drops the block,
        and a transformer instance (e.g. ``TextureFeatures(image_size=128)``) is used as
        given (cloned at ``fit``).  ``affective`` defaults to ``False``.
    n_jobs : int, default=None
        Number of threads over chunks of images (``-1``: one per core).
        Decoding and the feature kernels release the GIL, so threads scale
        from the first call and give bit-identical results to ``n_jobs=1``;
        an enclosing :func:`joblib.parallel_backend` (e.g. Dask) replaces
        them.
    verbose : int, default=0
        Show a progress bar over images when positive.
    random_state : int, RandomState instance or None, default=None
        Given to each stochastic block (the palette's k-means) whose own
        ``random_state`` is None.

    Attributes
    ----------
    transformers_ : list of (str, transformer)
        The fitted blocks, in column order.
    n_features_out_ : int
        Total number of features.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.features import PaintingFeatures
    >>> X = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    >>> feat = PaintingFeatures(image_size=32, random_state=0).set_params(texture__image_size=32)
    >>> feat.fit_transform(X).shape
    (3, 13)
    >>> feat.get_feature_names_out()[:3]
    array(['brightness', 'texture_ssim_0', 'texture_ssim_1'], dtype=object)
    """

    _parameter_constraints: dict = {
        **_ImageFeatures._parameter_constraints,
        **{name: ["boolean", HasMethods(["fit", "_transform_images"])] for name in _BLOCKS},
        "image_size": [None, Interval(Integral, 1, None, closed="left"), tuple],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        brightness=True,
        texture=True,
        palette=True,
        affective=False,
        *,
        image_size=224,
        n_jobs=None,
        verbose=0,
        random_state=None,
    ):
        self.brightness = brightness
        self.texture = texture
        self.palette = palette
        self.affective = affective
        self.image_size = image_size
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    # -- nested parameters ------------------------------------------------------------
    def get_params(self, deep=True):
        params = super().get_params(deep=False)
        if deep:
            for name in _BLOCKS:
                value = params[name]
                block = _BLOCKS[name]() if value is True else value
                if _is_transformer(block):
                    for key, sub in block.get_params(deep=True).items():
                        params[f"{name}__{key}"] = sub
        return params

    def set_params(self, **params):
        own = {k: v for k, v in params.items() if "__" not in k}
        super().set_params(**own)
        nested = {}
        for key, value in params.items():
            if "__" in key:
                name, sub = key.split("__", 1)
                nested.setdefault(name, {})[sub] = value
        for name, sub in nested.items():
            if name not in _BLOCKS:
                raise ValueError(
                    f"Invalid parameter {name!r} for PaintingFeatures; blocks are "
                    f"{sorted(_BLOCKS)}."
                )
            block = getattr(self, name)
            if block is False:
                raise ValueError(
                    f"Cannot set {name}__{next(iter(sub))}: the {name!r} block is "
                    f"disabled ({name}=False)."
                )
            if block is True:
                # Materialise the default so the nested value has somewhere to live.
                block = _BLOCKS[name]()
                setattr(self, name, block)
            block.set_params(**sub)
        return self

    # -- hooks --------------------------------------------------------------------------
    def _blocks(self):
        for name in _BLOCKS:
            value = getattr(self, name)
            if value is True:
                yield name, _BLOCKS[name]()
            elif value is not False:
                yield name, clone(value)

    def _fit_images(self, X, y):
        fitted = []
        for name, block in self._blocks():
            # A block that learns from X (the learned palettes) sees the images at
            # the working resolution, as its transform inside the union will.
            self._share_working_size(block)
            if (
                self.random_state is not None
                and "random_state" in block.get_params(deep=False)
                and block.random_state is None
            ):
                block.set_params(random_state=self.random_state)
            fitted.append((name, block.fit(X, y)))
        if not fitted:
            raise ValueError(
                "PaintingFeatures needs at least one block; brightness, texture, "
                "palette and affective are all False."
            )
        self.transformers_ = fitted

    def _share_working_size(self, *blocks):
        """Give blocks the union's working resolution (in fit, and on a loaded model's
        fitted blocks: skemo.model_file recomputes it rather than read it)."""
        size = check_size(self.image_size)
        for block in blocks or [block for _, block in self.transformers_]:
            block._union_image_size = size

    def _feature_names(self):
        return [n for _, block in self.transformers_ for n in block._feature_names()]

    def _load_size(self):
        if self.image_size is not None:
            return check_size(self.image_size)
        sizes = {check_size(getattr(block, "image_size", None)) for _, block in self.transformers_}
        return sizes.pop() if len(sizes) == 1 else None

    def _transform_loaded(self, images):
        images = resize_images(images, self.image_size)
        return np.hstack(
            [
                block._transform_images(resize_images(images, getattr(block, "image_size", None)))
                for _, block in self.transformers_
            ]
        )

