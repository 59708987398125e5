"""Gradient penalties on the critic's input: WGAN-GP's and DRAGAN's.

Both penalise the critic's input-gradient norm for straying from 1 on points
near the data, :math:`\\lambda \\, E[(\\lVert \\nabla_{\\hat x} D(\\hat x)
\\rVert_2 - 1)^2]`; they differ in where :math:`\\hat x` lies. They take the
same keyword call, so the training engine adds either to the critic's loss.
"""

import torch

__all__ = ["dragan_penalty", "gradient_penalty"]


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
    >>> from skemo.gan._penalties import gradient_penalty
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
    >>> from skemo.gan._penalties import dragan_penalty
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
