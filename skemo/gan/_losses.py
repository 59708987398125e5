"""GAN losses on discriminator logits, the two gradient penalties, and their registry.

Each loss is one function of the discriminator's raw outputs (logits, shape
``(b,)``) for real images, ``d_real``, and generated ones, ``d_fake``. With
``generator=False`` it returns the discriminator's (or critic's) loss; with
``generator=True`` it returns the generator's loss, which needs only
``d_fake``. In the formulas below :math:`D` is the logit, :math:`\\sigma` the
sigmoid and :math:`E` the mean over the batch.

:data:`LOSSES` maps the names the estimators accept (``loss=...``) to a
:class:`LossSpec`: the loss, an optional penalty on the critic's input
gradient, WGAN's weight-clipping bound, and whether one-sided label smoothing
(``real_target``) applies.

BEGAN (Berthelot et al. 2017) is not offered: its loss is the reconstruction
error of an auto-encoder discriminator, which the discriminators here are not.
"""

from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F

__all__ = [
    "LOSSES",
    "LossSpec",
    "check_loss",
    "dragan_penalty",
    "gradient_penalty",
    "hinge",
    "least_squares",
    "minimax",
    "non_saturating",
    "wasserstein",
]


def _bce(logits, target):
    # Through the logits, never log(sigmoid(.)): that underflows to -inf for
    # confident discriminators, which are exactly the ones worth training on.
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def minimax(d_real, d_fake, *, generator=False, real_target=1.0):
    """Minimax GAN loss (Goodfellow et al. 2014; the thesis's Equation 2).

    Discriminator, with :math:`t` = ``real_target``:

    .. math:: L_D = -E[t \\log\\sigma(D(x)) + (1 - t)\\log(1 - \\sigma(D(x)))]
              - E[\\log(1 - \\sigma(D(G(z))))]

    Generator (target always 1): :math:`L_G = E[\\log(1 - \\sigma(D(G(z))))]`,
    minimised. Its gradient vanishes when the discriminator confidently rejects
    the fakes, early in training; :func:`non_saturating` avoids that.

    Parameters
    ----------
    d_real : torch.Tensor of shape (b,) or None
        Logits on real images; ignored (may be None) when ``generator=True``.
    d_fake : torch.Tensor of shape (b,)
        Logits on generated images.
    generator : bool, default=False
        Return the generator's loss instead of the discriminator's.
    real_target : float, default=1.0
        The discriminator's target for real images; below 1 it is one-sided
        label smoothing (the thesis used 0.9).

    Returns
    -------
    torch.Tensor
        The scalar loss.

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._losses import minimax
    >>> d_real, d_fake = torch.tensor([2.0, 1.0]), torch.tensor([-1.0, 0.0])
    >>> round(float(minimax(d_real, d_fake)), 4)
    0.7233
    >>> round(float(minimax(None, d_fake, generator=True)), 4)
    -0.5032
    """
    if generator:
        return -_bce(d_fake, 0.0)
    return _bce(d_real, real_target) + _bce(d_fake, 0.0)


def non_saturating(d_real, d_fake, *, generator=False, real_target=1.0):
    """Non-saturating GAN loss (Goodfellow et al. 2014; the thesis's Equation 3).

    The discriminator's loss is :func:`minimax`'s. The generator instead
    maximises :math:`\\log\\sigma(D(G(z)))`:

    .. math:: L_G = -E[\\log\\sigma(D(G(z)))]

    which has a strong gradient exactly when the fakes are rejected.

    Parameters
    ----------
    d_real : torch.Tensor of shape (b,) or None
        Logits on real images; ignored (may be None) when ``generator=True``.
    d_fake : torch.Tensor of shape (b,)
        Logits on generated images.
    generator : bool, default=False
        Return the generator's loss instead of the discriminator's.
    real_target : float, default=1.0
        The discriminator's target for real images (one-sided label smoothing).

    Returns
    -------
    torch.Tensor
        The scalar loss.

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._losses import non_saturating
    >>> d_fake = torch.tensor([-1.0, 0.0])
    >>> round(float(non_saturating(None, d_fake, generator=True)), 4)
    1.0032
    """
    if generator:
        return _bce(d_fake, 1.0)
    return _bce(d_real, real_target) + _bce(d_fake, 0.0)


def wasserstein(d_real, d_fake, *, generator=False, real_target=1.0):
    """Wasserstein critic loss (Arjovsky et al. 2017).

    .. math:: L_D = E[D(G(z))] - E[D(x)], \\qquad L_G = -E[D(G(z))]

    The critic must be kept (roughly) 1-Lipschitz, by weight clipping
    (``"wgan"``) or :func:`gradient_penalty` (``"wgan-gp"``).

    Parameters
    ----------
    d_real : torch.Tensor of shape (b,) or None
        Critic scores on real images; ignored (may be None) when
        ``generator=True``.
    d_fake : torch.Tensor of shape (b,)
        Critic scores on generated images.
    generator : bool, default=False
        Return the generator's loss instead of the critic's.
    real_target : float, default=1.0
        Ignored: scores have no target to smooth.

    Returns
    -------
    torch.Tensor
        The scalar loss.

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._losses import wasserstein
    >>> float(wasserstein(torch.tensor([2.0, 1.0]), torch.tensor([-1.0, 0.0])))
    -2.0
    """
    if generator:
        return -d_fake.mean()
    return d_fake.mean() - d_real.mean()


def least_squares(d_real, d_fake, *, generator=False, real_target=1.0):
    """Least-squares GAN loss (Mao et al. 2017).

    With the paper's codes :math:`a = 0` for fakes, :math:`b` = ``real_target``
    for real images and :math:`c = 1` for the generator:

    .. math:: L_D = \\tfrac12 E[(D(x) - b)^2] + \\tfrac12 E[(D(G(z)) - a)^2],
              \\qquad L_G = \\tfrac12 E[(D(G(z)) - c)^2]

    Parameters
    ----------
    d_real : torch.Tensor of shape (b,) or None
        Raw discriminator outputs on real images; ignored (may be None) when
        ``generator=True``.
    d_fake : torch.Tensor of shape (b,)
        Raw discriminator outputs on generated images.
    generator : bool, default=False
        Return the generator's loss instead of the discriminator's.
    real_target : float, default=1.0
        The code :math:`b` for real images (one-sided label smoothing).

    Returns
    -------
    torch.Tensor
        The scalar loss.

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._losses import least_squares
    >>> float(least_squares(torch.tensor([2.0, 1.0]), torch.tensor([-1.0, 0.0])))
    0.5
    """
    if generator:
        return 0.5 * ((d_fake - 1.0) ** 2).mean()
    return 0.5 * ((d_real - real_target) ** 2).mean() + 0.5 * (d_fake**2).mean()


def hinge(d_real, d_fake, *, generator=False, real_target=1.0):
    """Hinge loss (Lim & Ye 2017; Miyato et al. 2018).

    .. math:: L_D = E[\\max(0, 1 - D(x))] + E[\\max(0, 1 + D(G(z)))],
              \\qquad L_G = -E[D(G(z))]

    Parameters
    ----------
    d_real : torch.Tensor of shape (b,) or None
        Logits on real images; ignored (may be None) when ``generator=True``.
    d_fake : torch.Tensor of shape (b,)
        Logits on generated images.
    generator : bool, default=False
        Return the generator's loss instead of the discriminator's.
    real_target : float, default=1.0
        Ignored: the margins are fixed at 1.

    Returns
    -------
    torch.Tensor
        The scalar loss.

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._losses import hinge
    >>> float(hinge(torch.tensor([2.0, 0.5]), torch.tensor([-1.0, 0.0])))
    0.75
    """
    if generator:
        return -d_fake.mean()
    return F.relu(1.0 - d_real).mean() + F.relu(1.0 + d_fake).mean()


def _input_gradient_penalty(critic, x_hat, y, weight):
    x_hat.requires_grad_(True)
    scores = critic(x_hat) if y is None else critic(x_hat, y)
    # create_graph so that the penalty itself can be backpropagated into the
    # critic's parameters; the samples are independent, so the gradient of
    # the sum holds each sample's own input gradient.
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norms = grad.flatten(1).norm(2, dim=1)
    return weight * ((norms - 1.0) ** 2).mean()


def _per_sample_uniform(x, generator):
    return torch.rand(
        (x.shape[0],) + (1,) * (x.ndim - 1), generator=generator, device=x.device, dtype=x.dtype
    )


def gradient_penalty(critic, real, fake, y=None, *, weight=10.0, generator=None):
    """WGAN-GP gradient penalty (Gulrajani et al. 2017).

    On random interpolates :math:`\\hat x = \\epsilon x + (1 - \\epsilon)
    G(z)`, with :math:`\\epsilon \\sim U(0, 1)` drawn once per sample:

    .. math:: \\lambda \\, E[(\\lVert \\nabla_{\\hat x} D(\\hat x) \\rVert_2 - 1)^2]

    The gradient is built with ``create_graph=True``, so the penalty trains
    the critic when added to its loss.

    Parameters
    ----------
    critic : callable
        ``critic(x)``, or ``critic(x, y)`` when ``y`` is given, returning
        scores of shape (b,).
    real, fake : torch.Tensor of shape (b, ...)
        Real and generated images; they are detached first, so no gradient
        reaches the generator.
    y : torch.Tensor or None, default=None
        Conditioning labels passed to the critic.
    weight : float, default=10.0
        The penalty weight :math:`\\lambda`.
    generator : torch.Generator or None, default=None
        Source of :math:`\\epsilon` (drawn as ``torch.rand((b, 1, ..., 1))``
        on the images' device and dtype); None uses the global RNG.

    Returns
    -------
    torch.Tensor
        The scalar penalty.

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._losses import gradient_penalty
    >>> w = torch.tensor([3.0, 4.0])  # a linear critic: its gradient norm is 5 everywhere
    >>> real, fake = torch.randn(4, 2), torch.randn(4, 2)
    >>> float(gradient_penalty(lambda x: x @ w, real, fake, weight=1.0))
    16.0
    """
    real, fake = real.detach(), fake.detach()
    eps = _per_sample_uniform(real, generator)
    x_hat = eps * real + (1.0 - eps) * fake
    return _input_gradient_penalty(critic, x_hat, y, weight)


def dragan_penalty(critic, real, y=None, *, fake=None, weight=10.0, generator=None):
    """DRAGAN gradient penalty around the real data (Kodali et al. 2017).

    Perturbs the real images, :math:`x_p = x + 0.5\\,\\mathrm{std}(x)\\,u`
    with :math:`u \\sim U(0, 1)` elementwise and the standard deviation over
    the whole batch, then penalises the critic's gradient on
    :math:`\\hat x = x + \\alpha (x_p - x)`, :math:`\\alpha \\sim U(0, 1)` per
    sample:

    .. math:: \\lambda \\, E[(\\lVert \\nabla_{\\hat x} D(\\hat x) \\rVert_2 - 1)^2]

    Parameters
    ----------
    critic : callable
        ``critic(x)``, or ``critic(x, y)`` when ``y`` is given, returning
        scores of shape (b,).
    real : torch.Tensor of shape (b, ...)
        Real images (detached first).
    y : torch.Tensor or None, default=None
        Conditioning labels passed to the critic.
    fake : torch.Tensor or None, default=None
        Ignored: DRAGAN looks at the real data only. Accepted so that both
        penalties take the same keyword call.
    weight : float, default=10.0
        The penalty weight :math:`\\lambda`.
    generator : torch.Generator or None, default=None
        Source of :math:`u` (drawn first, ``torch.rand(real.shape)``) and then
        :math:`\\alpha` (``torch.rand((b, 1, ..., 1))``), on the images' device
        and dtype; None uses the global RNG.

    Returns
    -------
    torch.Tensor
        The scalar penalty.

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._losses import dragan_penalty
    >>> w = torch.tensor([3.0, 4.0])  # a linear critic: its gradient norm is 5 everywhere
    >>> float(dragan_penalty(lambda x: x @ w, torch.randn(4, 2), weight=0.5))
    8.0
    """
    real = real.detach()
    noise = torch.rand(real.shape, generator=generator, device=real.device, dtype=real.dtype)
    perturbed = real + 0.5 * real.std() * noise
    alpha = _per_sample_uniform(real, generator)
    x_hat = real + alpha * (perturbed - real)
    return _input_gradient_penalty(critic, x_hat, y, weight)


class LossSpec(NamedTuple):
    """How the training engine runs one named loss.

    Attributes
    ----------
    value : callable
        The loss, ``value(d_real, d_fake, generator=..., real_target=...)``.
    penalty : callable or None
        Added to the discriminator's loss: ``penalty(critic, real, fake, y,
        generator=...)`` (:func:`gradient_penalty`) or ``penalty(critic, real,
        y, generator=...)`` (:func:`dragan_penalty`).
    clip : float or None
        WGAN's bound :math:`c`: the critic's parameters are clipped to
        :math:`[-c, c]` after each discriminator step.
    label_smoothing : bool
        Whether ``real_target`` changes the discriminator's loss.

    Examples
    --------
    >>> from skemo.gan._losses import LOSSES
    >>> LOSSES["wgan"].clip
    0.01
    """

    value: Callable
    penalty: Callable | None
    clip: float | None
    label_smoothing: bool


LOSSES = {
    "minimax": LossSpec(minimax, None, None, True),
    "non-saturating": LossSpec(non_saturating, None, None, True),
    "wgan": LossSpec(wasserstein, None, 0.01, False),
    "wgan-gp": LossSpec(wasserstein, gradient_penalty, None, False),
    "lsgan": LossSpec(least_squares, None, None, True),
    "dragan": LossSpec(non_saturating, dragan_penalty, None, True),
    "hinge": LossSpec(hinge, None, None, False),
}


def check_loss(name):
    """Return the :class:`LossSpec` registered as ``name``.

    Parameters
    ----------
    name : str
        One of the keys of :data:`LOSSES`.

    Returns
    -------
    LossSpec

    Raises
    ------
    ValueError
        When ``name`` is not a registered loss; the message lists them.

    Examples
    --------
    >>> from skemo.gan._losses import check_loss
    >>> check_loss("wgan-gp").penalty.__name__
    'gradient_penalty'
    >>> check_loss("began")
    Traceback (most recent call last):
    ...
    ValueError: loss must be one of 'dragan', 'hinge', ...; got 'began'.
    """
    if not isinstance(name, str) or name not in LOSSES:
        allowed = ", ".join(repr(n) for n in sorted(LOSSES))
        raise ValueError(f"loss must be one of {allowed}; got {name!r}.")
    return LOSSES[name]
