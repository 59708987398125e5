"""Backbone embeddings: pooled statistics of one or several backbone blocks.

This is the one place that turns a backbone's block outputs into the
embedding that :class:`~skemo.models.BackboneEmbedding` returns and that the
head of :class:`~skemo.models._modules.TransferModule` reads:
:func:`embed_stages` pools the maps of the blocks :func:`embedding_blocks`
picks with :func:`pool_statistics`, in the column order of
:func:`embedding_layout`. ``"std"`` carries style: the channel statistics
AdaIN transfers between images (Huang & Belongie, 2017).
"""

import torch

__all__ = [
    "check_embedding_params",
    "embed_stages",
    "embedding_blocks",
    "embedding_layout",
    "pool_statistics",
]

LAYERS = ("last", "multi")
STATISTICS = ("mean", "std", "max")
N_MULTI_BLOCKS = 4

# The default embedding of BackboneEmbedding, the transfer estimators and the
# fusion pipelines, chosen to carry over from photographs to paintings rather
# than for OASIS alone: an offline backbone; several depths, so that colour,
# texture and brushwork count next to objects; and each channel's spatial
# spread next to its mean, the statistics that carry style (Huang & Belongie
# 2017). On OASIS (benchmarks/bench_oasis_models.py) the last four blocks beat
# the last one for every backbone, EfficientNet-Lite1 beat Lite0 at 1.3x the
# cost, and the spread neither helped nor hurt; no flip averaging, which
# doubles the cost for no consistent gain.
DEFAULT_BACKBONE = "efficientnet_lite1"
DEFAULT_LAYERS = "multi"
DEFAULT_STATISTICS = ("mean", "std")


def check_embedding_params(layers, statistics, tta):
    """Check ``layers``, ``statistics`` and ``tta``; return ``statistics`` as a tuple.

    A single name is accepted for ``statistics``.

    Examples
    --------
    >>> from skemo.models._pooling import check_embedding_params
    >>> check_embedding_params("multi", "std", "flip")
    ('std',)
    """
    if layers not in LAYERS:
        raise ValueError(f"layers must be one of {list(LAYERS)}; got {layers!r}.")
    names = (statistics,) if isinstance(statistics, str) else statistics
    try:
        names = tuple(names)
    except TypeError:
        names = ()
    if not names or len(set(names)) != len(names) or not set(names) <= set(STATISTICS):
        raise ValueError(
            f"statistics must be a non-empty tuple of distinct names from "
            f"{list(STATISTICS)}; got {statistics!r}."
        )
    if tta is not None and tta != "flip":
        raise ValueError(f"tta must be None or 'flip'; got {tta!r}.")
    return names


def embedding_blocks(n_blocks, layers):
    """Indices of the blocks ``layers`` pools: the last one, or the last four."""
    if layers == "last":
        return [n_blocks - 1]
    return list(range(max(n_blocks - N_MULTI_BLOCKS, 0), n_blocks))


def embedding_layout(channels, layers="last", statistics=("mean",)):
    """The embedding's columns, in order, as ``(block, statistic, n_channels)`` runs.

    ``channels`` are a backbone's per-block channel counts
    (``BackboneFeatures.channels``). Column ``j`` of a run is channel ``j`` of
    that block's maps, pooled with that statistic. Blocks go shallow to deep
    and, within a block, the statistics keep their order.

    Examples
    --------
    >>> from skemo.models._pooling import embedding_layout
    >>> embedding_layout([64, 64, 128, 256, 512], "multi", ("mean", "std"))[:3]
    [(1, 'mean', 64), (1, 'std', 64), (2, 'mean', 128)]
    >>> sum(n for _, _, n in embedding_layout([64, 64, 128, 256, 512]))
    512
    """
    blocks = embedding_blocks(len(channels), layers)
    return [(b, s, int(channels[b])) for b in blocks for s in statistics]


def pool_statistics(maps, statistics=("mean",)):
    """Per-channel spatial statistics of ``(n, C, h, w)`` maps, ``(n, len(statistics) * C)``.

    ``"mean"`` and ``"max"`` are the global average and max pooling;
    ``"std"`` is the *population* standard deviation over the ``h * w``
    positions (``torch.std(..., correction=0)``: 0, not NaN, on ``1 x 1``
    maps), with a finite gradient where it is 0.
    """
    pooled = []
    for name in statistics:
        if name == "mean":
            pooled.append(maps.mean(dim=(2, 3)))
        elif name == "max":
            pooled.append(maps.amax(dim=(2, 3)))
        else:
            var = maps.var(dim=(2, 3), correction=0)
            # sqrt has an infinite slope at 0: keep constant maps out of its backward.
            positive = var > 0
            safe = torch.where(positive, var, torch.ones_like(var)).sqrt()
            pooled.append(torch.where(positive, safe, torch.zeros_like(var)))
    return torch.cat(pooled, dim=1)


def embed_stages(backbone, x, layers="last", statistics=("mean",), tta=None):
    """The embedding of ``[0, 1]`` images ``x``: pooled statistics of backbone stages.

    The maps of the blocks :func:`embedding_blocks` picks (``layers="last"``:
    the last block; ``"multi"``: the last four, or all when there are fewer)
    are each pooled with :func:`pool_statistics` and concatenated in the order
    of :func:`embedding_layout`. ``tta="flip"`` averages the embeddings of
    ``x`` and of its horizontal mirror.

    Parameters
    ----------
    backbone : BackboneFeatures
        The convolutional base, which normalizes ``x`` itself.
    x : torch.Tensor of shape (n, 3, H, W)
        Images in ``[0, 1]``.
    layers : {"last", "multi"}, default="last"
    statistics : tuple of {"mean", "std", "max"}, default=("mean",)
    tta : None or "flip", default=None

    Returns
    -------
    embedding : torch.Tensor of shape (n, d)

    Examples
    --------
    >>> import torch
    >>> from skemo.models._backbones import build_backbone
    >>> from skemo.models._pooling import embed_stages
    >>> backbone = build_backbone("resnet18", weights=None)
    >>> embed_stages(backbone, torch.rand(2, 3, 32, 32), "multi", ("mean", "std")).shape
    torch.Size([2, 1920])
    """
    if tta == "flip":
        return (
            embed_stages(backbone, x, layers, statistics)
            + embed_stages(backbone, x.flip(-1), layers, statistics)
        ) / 2
    if layers == "last":
        maps = [backbone(x)]
    else:
        maps = backbone.stages(x, embedding_blocks(len(backbone.blocks), layers))
    return torch.cat([pool_statistics(m, statistics) for m in maps], dim=1)
