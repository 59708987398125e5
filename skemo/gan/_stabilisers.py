"""Stabilisers every GAN architecture shares: EMA, R1, spectral normalisation, ADA.

The training engine (:class:`~skemo.gan._net.GANNet`) applies them when the
estimator's ``ema``, ``r1``, ``spectral_norm`` and ``ada_target`` ask for them:

- an exponential moving average of the generator's weights (Karras et al. 2018;
  FastGAN samples from one), which :meth:`sample` and :meth:`score` use;
- the R1 penalty (Mescheder et al. 2018), :math:`\\frac{\\gamma}{2}
  E[\\lVert \\nabla_x D(x) \\rVert^2]` on real images;
- spectral normalisation of the discriminator's layers (Miyato et al. 2018);
- adaptive discriminator augmentation (Karras et al. 2020): the probability
  ``p`` of each DiffAugment group follows the sign of the discriminator's
  outputs on real images.
"""

import math

import torch
from torch import nn
from torch.nn.utils.spectral_norm import SpectralNorm

__all__ = ["ADA_IMAGES", "ada_adjust", "add_spectral_norm_", "ema_decay", "r1_penalty",
           "update_ema_"]

#: Real images over which ADA's ``p`` may move by 1. StyleGAN2-ADA uses 500,000 for runs of
#: millions of images; a few-shot run on a CPU sees about 10,000, over which ``p`` must be
#: able to rise, and a GPU run's hundreds of thousands still regulate it finely.
ADA_IMAGES = 10_000


def ema_decay(ema, step):
    """The decay of the ``step``-th generator update: ``min(ema, (1 + step) / (10 + step))``.

    The warm-up (TensorFlow's ``num_updates``) lets the average follow the
    generator from the start: with a constant 0.999 it would still be 60 %
    random initialisation after 500 updates, a whole CPU budget.

    Examples
    --------
    >>> from skemo.gan._stabilisers import ema_decay
    >>> ema_decay(0.999, 0), ema_decay(0.999, 90), ema_decay(0.999, 10**6)
    (0.1, 0.91, 0.999)
    """
    return min(ema, (1 + step) / (10 + step))


@torch.no_grad()
def update_ema_(average, model, decay):
    """Move ``average``'s weights towards ``model``'s: ``a = decay * a + (1 - decay) * w``.

    Buffers (batch-norm statistics) are copied, as in StyleGAN2-ADA.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from skemo.gan._stabilisers import update_ema_
    >>> a, w = nn.Linear(1, 1, bias=False), nn.Linear(1, 1, bias=False)
    >>> _ = nn.init.zeros_(a.weight), nn.init.ones_(w.weight)
    >>> update_ema_(a, w, 0.75).weight.item()
    0.25
    """
    for a, w in zip(average.parameters(), model.parameters(), strict=True):
        a.lerp_(w.detach(), 1.0 - decay)
    for a, b in zip(average.buffers(), model.buffers(), strict=True):
        a.copy_(b)
    return average


def r1_penalty(scores, real, weight):
    """The R1 penalty ``weight / 2 * E[|grad_x D(x)|^2]`` (Mescheder et al. 2018).

    Parameters
    ----------
    scores : torch.Tensor of shape (b,) or (b, k)
        The discriminator's outputs on ``real``, computed with ``real``
        requiring gradients; an image's ``k`` patch outputs are summed.
    real : torch.Tensor of shape (b, ...)
        The real images, a leaf with ``requires_grad=True``.
    weight : float
        :math:`\\gamma`.

    Returns
    -------
    torch.Tensor
        The scalar penalty, differentiable in the discriminator's parameters.

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._stabilisers import r1_penalty
    >>> x = torch.randn(4, 2, requires_grad=True)
    >>> w = torch.tensor([3.0, 4.0])  # a linear critic: |grad|^2 = 25 everywhere
    >>> float(r1_penalty(x @ w, x, weight=2.0))
    25.0
    """
    (grad,) = torch.autograd.grad(scores.sum(), real, create_graph=True)
    return weight / 2 * grad.pow(2).flatten(1).sum(1).mean()


_NORMALISED = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)


def add_spectral_norm_(module):
    """Spectrally normalise every convolution and linear layer of ``module``, in place.

    Each weight, reshaped to a matrix (output units by the rest; input units
    first for a transposed convolution), is divided by an estimate of its
    largest singular value, refined by one power iteration per forward pass
    in training mode (torch's ``nn.utils.spectral_norm``, whose hooks pickle,
    unlike its parametrisation). The estimate starts from 15 iterations, as
    the parametrisation's does. Embeddings and batch norms are left alone.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from skemo.gan._stabilisers import add_spectral_norm_
    >>> _ = torch.manual_seed(0)
    >>> layer = add_spectral_norm_(nn.Sequential(nn.Linear(8, 4)))[0]
    >>> round(float(torch.linalg.matrix_norm(layer.weight, ord=2)), 3)
    1.0
    """
    for layer in list(module.modules()):
        if isinstance(layer, _NORMALISED):
            nn.utils.spectral_norm(layer)
            hook = next(h for h in layer._forward_pre_hooks.values()
                        if isinstance(h, SpectralNorm))
            with torch.no_grad():
                matrix = hook.reshape_weight_to_matrix(layer.weight_orig)
                u, v = layer.weight_u, layer.weight_v
                for _ in range(15):
                    v = nn.functional.normalize(matrix.t() @ u, dim=0, eps=hook.eps)
                    u = nn.functional.normalize(matrix @ v, dim=0, eps=hook.eps)
                layer.weight_u.copy_(u)
                layer.weight_v.copy_(v)
                layer.weight = layer.weight_orig / (u @ matrix @ v)
    return module


def ada_adjust(p, d_real, boundary, target, n_images):
    """ADA's next ``p``: up when D calls more than ``target`` of the real images real.

    The overfitting heuristic :math:`r_t = E[\\mathrm{sign}(D(x) - b)]` of
    Karras et al. (2020), with ``b`` the loss's boundary between real and
    fake (0 for logits); ``p`` moves by ``n_images / ADA_IMAGES`` in the
    direction of ``r_t - target`` and stays in [0, 1].

    Examples
    --------
    >>> import torch
    >>> from skemo.gan._stabilisers import ada_adjust
    >>> ada_adjust(0.5, torch.tensor([2.0, 1.0, 3.0, -1.0]), 0.0, 0.6, 100)  # r_t = 0.5
    0.49
    """
    r_t = float(torch.sign(d_real.detach().float() - boundary).mean())
    if r_t == target:
        return p
    return min(max(p + math.copysign(n_images / ADA_IMAGES, r_t - target), 0.0), 1.0)
