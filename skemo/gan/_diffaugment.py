"""DiffAugment: differentiable augmentations for data-efficient GAN training.

Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN
Training", augment both the real and the generated images with the same
family of random transformations before the discriminator sees them. Because
each transformation is differentiable, the generator is trained through it,
and the discriminator cannot memorise a small training set as easily.

The three transformation groups of the paper are offered, each with its
random parameters drawn independently for every image of the batch:

- ``"color"``: random brightness, saturation and contrast;
- ``"translation"``: a shift of up to 1/8 of the image side, zero filled;
- ``"cutout"``: a square of half the image side set to zero.

Images are ``(b, C, H, W)`` tensors in [-1, 1], where zero is mid-grey, so
zero filling adds no bright or dark edges.

With ``p`` below 1, each group is applied to each image with probability ``p``
only: the knob that adaptive discriminator augmentation (ADA, Karras et al.
2020) turns while training (``ada_target`` of the GAN estimators).
"""

import torch

__all__ = ["POLICIES", "check_policy", "diff_augment"]

POLICIES = ("color", "translation", "cutout")


def check_policy(policy):
    """Validate a DiffAugment policy and return its names in order.

    Parameters
    ----------
    policy : str, sequence of str or None
        Comma-separated names from :data:`POLICIES` (for example
        ``"color,translation,cutout"``), or a sequence of them. None or ``""``
        means no augmentation.

    Returns
    -------
    tuple of str
        The names, in the order they will be applied.

    Raises
    ------
    ValueError
        When a name is unknown or repeated; the message lists the allowed names.

    Examples
    --------
    >>> from skemo.gan._diffaugment import check_policy
    >>> check_policy("color, translation,cutout")
    ('color', 'translation', 'cutout')
    >>> check_policy(None)
    ()
    >>> check_policy("colour")
    Traceback (most recent call last):
    ...
    ValueError: diffaugment must be None or comma-separated names from 'color', ...; got 'colour'.
    """
    if policy is None:
        return ()
    if isinstance(policy, str):
        names = tuple(n.strip() for n in policy.split(",")) if policy.strip() else ()
    else:
        try:
            names = tuple(policy)
        except TypeError:
            names = None
    if (
        names is None
        or any(n not in POLICIES for n in names)
        or len(set(names)) != len(names)
    ):
        allowed = ", ".join(repr(n) for n in POLICIES)
        raise ValueError(
            f"diffaugment must be None or comma-separated names from {allowed}, "
            f"each at most once; got {policy!r}."
        )
    return names


def diff_augment(x, policy, generator=None, p=1.0):
    """Apply the DiffAugment ``policy`` to a batch of images, differentiably.

    Parameters
    ----------
    x : torch.Tensor of shape (b, C, H, W)
        Floating images in [-1, 1] (usually C = 3).
    policy : str, sequence of str or None
        The transformation groups, applied in the given order (see
        :func:`check_policy`). None or ``""`` returns ``x`` itself.
    generator : torch.Generator or None, default=None
        Source of every random parameter, on ``x``'s device; None uses the
        global RNG. The draws, in order, for a batch of ``b`` images:

        - ``"color"``: ``rand(b)`` for brightness, then ``rand(b)`` for
          saturation, then ``rand(b)`` for contrast (shaped ``(b, 1, 1, 1)``,
          ``x``'s dtype);
        - ``"translation"``: ``randint(-s, s + 1, (b,))`` for the vertical
          shift, then the same for the horizontal one;
        - ``"cutout"``: ``randint(0, H, (b,))`` for the square's centre row,
          then ``randint(0, W, (b,))`` for its centre column;
        - with ``p < 1``, after each group's draws, ``rand(b)`` picks the
          images it applies to (those below ``p``).
    p : float, default=1.0
        Probability, in [0, 1], that each group is applied to each image;
        1 applies every group to every image and draws nothing more.

    Returns
    -------
    torch.Tensor of shape (b, C, H, W)
        The augmented images, same dtype and device as ``x``.

    Notes
    -----
    ``"color"`` adds ``u - 0.5`` (brightness, ``u ~ U(0, 1)``), then scales the
    deviation from the per-pixel channel mean by ``U(0, 2)`` (saturation), then
    the deviation from the per-image mean by ``U(0.5, 1.5)`` (contrast).
    ``"translation"`` moves the content by integer offsets in
    ``[-s, s]`` rows and ``[-t, t]`` columns, ``s = round(H / 8)`` and
    ``t = round(W / 8)`` (halves rounded up), filling with zeros.
    ``"cutout"`` zeroes an ``H // 2`` by ``W // 2`` square centred at a
    uniformly random pixel, so it may be partly outside the image.

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._diffaugment import diff_augment
    >>> x = torch.rand(4, 3, 16, 16, requires_grad=True) * 2 - 1
    >>> g = torch.Generator().manual_seed(0)
    >>> out = diff_augment(x, "color,translation,cutout", generator=g)
    >>> out.shape
    torch.Size([4, 3, 16, 16])
    >>> out.sum().backward()  # gradients flow back to the images
    >>> bool(torch.equal(diff_augment(x, "color", generator=g, p=0.0), x))
    True
    """
    names = check_policy(policy)
    if not names:
        return x
    if x.ndim != 4:
        raise ValueError(f"x must be a (b, C, H, W) tensor; got shape {tuple(x.shape)}.")
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be a probability in [0, 1]; got {p!r}.")
    for name in names:
        augmented = _AUGMENTS[name](x, generator)
        if p < 1.0:
            chosen = torch.rand(x.shape[0], generator=generator, device=x.device) < p
            augmented = torch.where(chosen[:, None, None, None], augmented, x)
        x = augmented
    return x


def _uniform(x, generator):
    return torch.rand((x.shape[0], 1, 1, 1), generator=generator, device=x.device, dtype=x.dtype)


def _color(x, generator):
    x = x + (_uniform(x, generator) - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (_uniform(x, generator) * 2.0) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (_uniform(x, generator) + 0.5) + mean


def _translation(x, generator):
    b, _, h, w = x.shape
    # Halves rounded up; Python's round() would send 20 / 8 = 2.5 down to 2.
    sh, sw = int(h / 8 + 0.5), int(w / 8 + 0.5)
    kw = dict(generator=generator, device=x.device)
    dy = torch.randint(-sh, sh + 1, (b,), **kw)
    dx = torch.randint(-sw, sw + 1, (b,), **kw)
    # Gather from a zero-padded copy: out[i, j] = x[i - dy, j - dx], where the
    # padding supplies the zeros; indexing keeps the result differentiable.
    padded = torch.nn.functional.pad(x, (sw, sw, sh, sh))
    rows = torch.arange(h, device=x.device) - dy[:, None] + sh
    cols = torch.arange(w, device=x.device) - dx[:, None] + sw
    batch = torch.arange(b, device=x.device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]
    return out.permute(0, 3, 1, 2).contiguous()


def _cutout(x, generator):
    b, _, h, w = x.shape
    ch, cw = h // 2, w // 2
    kw = dict(generator=generator, device=x.device)
    top = torch.randint(0, h, (b,), **kw) - ch // 2
    left = torch.randint(0, w, (b,), **kw) - cw // 2
    rows = torch.arange(h, device=x.device)
    cols = torch.arange(w, device=x.device)
    in_rows = (rows >= top[:, None]) & (rows < top[:, None] + ch)
    in_cols = (cols >= left[:, None]) & (cols < left[:, None] + cw)
    # A multiplicative mask, so the kept pixels pass their gradient unchanged.
    keep = ~(in_rows[:, :, None] & in_cols[:, None, :])
    return x * keep[:, None].to(x.dtype)


_AUGMENTS = {"color": _color, "translation": _translation, "cutout": _cutout}
