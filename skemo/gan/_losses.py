"""GAN losses on discriminator logits, and the registry of the named losses.

Each loss is one function of the discriminator's raw outputs (logits, shape
``(b,)``) for real images, ``d_real``, and generated ones, ``d_fake``. With
``generator=False`` it returns the discriminator's (or critic's) loss; with
``generator=True`` it returns the generator's loss, which needs only
``d_fake``. In the formulas below :math:`D` is the logit, :math:`\\sigma` the
sigmoid and :math:`E` the mean over the batch.

:data:`LOSSES` maps the names the estimators accept (``loss=...``) to a
:class:`LossSpec`: the loss, an optional penalty on the critic's input
gradient, WGAN's weight-clipping bound, whether one-sided label smoothing
(``real_target``) applies, and the output that separates "real" from "fake".

The two gradient penalties are in :mod:`skemo.gan._penalties`.

BEGAN (Berthelot et al. 2017) is not offered: its loss is the reconstruction
error of an auto-encoder discriminator, which the discriminators here are not.
"""

from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F

from ._penalties import dragan_penalty, gradient_penalty

__all__ = [
    "LOSSES",
    "LossSpec",
    "check_loss",
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


class LossSpec(NamedTuple):
    """How the training engine runs one named loss.

    Attributes
    ----------
    value : callable
        The loss, ``value(d_real, d_fake, generator=..., real_target=...)``.
    penalty : callable or None
        Added to the discriminator's loss, called as ``penalty(critic, real,
        fake=..., y=..., weight=..., generator=...)``
        (:func:`~skemo.gan._penalties.gradient_penalty` or
        :func:`~skemo.gan._penalties.dragan_penalty`).
    clip : float or None
        WGAN's bound :math:`c`: the critic's parameters are clipped to
        :math:`[-c, c]` after each discriminator step.
    label_smoothing : bool
        Whether ``real_target`` changes the discriminator's loss.
    boundary : float or None
        The discriminator output between "fake" and "real": 0 for the
        logit and hinge losses, 0.5 for least squares (between its codes 0
        and 1), None for the Wasserstein critics, whose scores have no fixed
        zero. ADA (``ada_target``) reads the sign of ``d_real - boundary``.

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
    boundary: float | None


#: ``loss=`` name -> ``LossSpec`` (value function, gradient penalty,
#: weight clipping, one-sided label smoothing, real/fake boundary).
LOSSES = {
    "minimax": LossSpec(minimax, None, None, True, 0.0),
    "non-saturating": LossSpec(non_saturating, None, None, True, 0.0),
    "wgan": LossSpec(wasserstein, None, 0.01, False, None),
    "wgan-gp": LossSpec(wasserstein, gradient_penalty, None, False, None),
    "lsgan": LossSpec(least_squares, None, None, True, 0.5),
    "dragan": LossSpec(non_saturating, dragan_penalty, None, True, 0.0),
    "hinge": LossSpec(hinge, None, None, False, 0.0),
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
