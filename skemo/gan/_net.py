"""The GAN training engine: a skorch ``NeuralNet`` with two modules and two optimizers.

:class:`GANNet` follows skorch's customisation guide (``initialize_module``,
``initialize_optimizer``, ``get_params_for_optimizer``, ``train_step``):

- ``module_`` is the generator and ``discriminator_`` the discriminator; skorch
  registers both, so ``module__*`` and ``discriminator__*`` parameters reach
  their constructors and ``save_params(f_discriminator=...)`` works;
- ``optimizer_`` updates the generator's parameters only and ``optimizer_d_``
  the discriminator's only; ``optimizer_d__lr`` and the like work through
  ``set_params``, also on a live net;
- ``criterion_`` is :class:`GANLoss`, the loss of the thesis's Table 1 named by
  ``criterion__loss``;
- ``train_step`` makes ``n_critic`` discriminator steps, then a generator step
  on every ``g_every``-th batch; each step zeroes, back-propagates and steps
  its own network only, and notifies ``on_grad_computed`` with that network's
  parameters, so gradient-clipping callbacks work.  It records ``d_loss``,
  ``g_loss``, ``d_real`` and ``d_fake`` (mean discriminator outputs, logits)
  per batch, and their means per epoch; with the stabilisers of
  :mod:`skemo.gan._stabilisers` also ``r1`` (the penalty), ``d_rec`` (a
  self-supervised discriminator's reconstruction error) and ``ada_p``;
- with ``ema``, ``generator_ema_`` is a third module, the generator's weight
  average, which :attr:`GANNet.sampler` returns for drawing images.

Every random draw (latent vectors, DiffAugment, penalties, batch order) comes from
generators re-seeded at the start of each epoch from ``(seed, epoch)``, and the
batch counter behind ``g_every`` and the EMA's warm-up, and ADA's ``p``, are read
from the history, so a run resumed from a checkpoint (skorch's ``Checkpoint`` and
``LoadInitState`` with ``f_discriminator``, ``f_optimizer_d`` and, with ``ema``,
``f_generator_ema``) continues exactly as the uninterrupted run would.
"""

import copy

import numpy as np
import torch
from skorch import NeuralNet
from skorch.dataset import unpack_data
from skorch.utils import TeeGenerator
from torch import nn

from skemo._checkpoint import epoch_seed

from ._diffaugment import check_policy, diff_augment
from ._losses import LOSSES, check_loss
from ._stabilisers import (
    ada_adjust,
    add_spectral_norm_,
    ema_decay,
    r1_penalty,
    update_ema_,
)

__all__ = ["GANLoss", "GANNet", "draw_latent"]

LATENTS = ("normal", "uniform")
# Per-batch records averaged into the epoch's row.
_LOGGED = ("d_loss", "g_loss", "d_real", "d_fake", "d_rec", "r1")


def draw_latent(n, dim, distribution, generator, device):
    """``n`` latent vectors of ``dim``: N(0, 1), or U(-1, 1) for ``"uniform"``."""
    if distribution == "uniform":
        return 2 * torch.rand((n, dim), generator=generator, device=device) - 1
    return torch.randn((n, dim), generator=generator, device=device)


class GANLoss(nn.Module):
    """A loss of the thesis's Table 1, plus hinge, for both networks.

    Parameters
    ----------
    loss : str, default="non-saturating"
        A name of :data:`skemo.gan._losses.LOSSES`.
    label_smoothing : float, default=0.9
        Target of real images in the discriminator's loss (one-sided label
        smoothing, the thesis's 0.9); used by the BCE-based losses only.
    penalty_weight : float, default=10.0
        Weight of the WGAN-GP or DRAGAN gradient penalty.
    """

    def __init__(self, loss="non-saturating", label_smoothing=0.9, penalty_weight=10.0):
        super().__init__()
        self.loss = loss
        self.spec = check_loss(loss)
        self.label_smoothing = label_smoothing
        self.penalty_weight = penalty_weight

    def _real_target(self):
        return self.label_smoothing if self.spec.label_smoothing else 1.0

    def discriminator_loss(self, critic, real, fake, y, d_real, d_fake, generator=None):
        """The discriminator's loss, its gradient penalty included."""
        value = self.spec.value(d_real, d_fake, real_target=self._real_target())
        if self.spec.penalty is not None:
            value = value + self.spec.penalty(
                critic, real, fake=fake, y=y, weight=self.penalty_weight, generator=generator
            )
        return value

    def generator_loss(self, d_fake):
        """The generator's loss from the discriminator's outputs on fakes."""
        return self.spec.value(None, d_fake, generator=True)

    def forward(self, d_real, d_fake):
        return self.spec.value(d_real, d_fake, real_target=self._real_target())


class GANNet(NeuralNet):
    """skorch net that trains a generator (``module``) against a ``discriminator``.

    It trains on images ``(n, 3, H, W)`` in [0, 1], float32 or as uint8 bytes
    (files decoded by :mod:`skemo.io`), and scales each batch to the generator's
    [-1, 1] on the device.

    Parameters
    ----------
    module : torch module class or instance
        The generator: ``forward(z, y=None)`` gives images in [-1, 1].
    discriminator : torch module class or instance
        ``forward(x, y=None)`` gives one logit per image.
    *args, **kwargs
        As for :class:`skorch.NeuralNet`; ``criterion`` defaults to
        :class:`GANLoss`.
    optimizer_d : torch optimizer class, default=None
        The discriminator's optimizer; None uses ``optimizer``.
        ``optimizer_d__*`` parameters reach it (``lr`` is shared unless
        ``optimizer_d__lr`` is given).
    latent_dim : int, default=100
        Size of the latent vectors.
    latent_distribution : {"normal", "uniform"}, default="normal"
        N(0, 1), or U(-1, 1) as the thesis drew them.
    n_critic : int, default=1
        Discriminator steps per generator step.
    g_every : int, default=1
        The generator is updated on every ``g_every``-th batch only (counted
        over the whole training, from 0).
    diffaugment : str or None, default=None
        DiffAugment policy applied to every discriminator input.
    conditional : bool, default=False
        Whether the targets are class indices that both networks take.
    ema : float or None, default=None
        Decay of the generator's weight average ``generator_ema_``; None
        keeps none.
    r1 : float, default=0.0
        Weight of the R1 penalty on real images.
    spectral_norm : bool, default=False
        Spectrally normalise the discriminator's layers.
    ada_target : float or None, default=None
        ADA's target for the sign of D's outputs on real images; None keeps
        DiffAugment's probability at 1.
    seed : int or None, default=None
        Seeds every random draw of training; None draws one at ``initialize``.
    """

    # Seeds its own per-epoch streams: the estimator adds no EpochSeed callback.
    _seeds_epochs = True

    def __init__(
        self,
        module,
        discriminator,
        *args,
        criterion=GANLoss,
        optimizer_d=None,
        latent_dim=100,
        latent_distribution="normal",
        n_critic=1,
        g_every=1,
        diffaugment=None,
        conditional=False,
        ema=None,
        r1=0.0,
        spectral_norm=False,
        ada_target=None,
        seed=None,
        **kwargs,
    ):
        kwargs.setdefault("train_split", None)
        kwargs.setdefault("predict_nonlinearity", None)
        super().__init__(module, *args, criterion=criterion, **kwargs)
        self.discriminator = discriminator
        self.optimizer_d = optimizer_d
        self.latent_dim = latent_dim
        self.latent_distribution = latent_distribution
        self.n_critic = n_critic
        self.g_every = g_every
        self.diffaugment = diffaugment
        self.conditional = conditional
        self.ema = ema
        self.r1 = r1
        self.spectral_norm = spectral_norm
        self.ada_target = ada_target
        self.seed = seed

    # -- initialisation ---------------------------------------------------------------
    def initialize_module(self):
        super().initialize_module()
        params = self.get_params_for("discriminator")
        discriminator = self.initialized_instance(self.discriminator, params)
        self.discriminator_ = (add_spectral_norm_(discriminator) if self.spectral_norm
                               else discriminator)
        if self.ema is not None:
            # Set here, so that skorch registers it as a module: checkpoints, the
            # device and model files handle it as they handle the other two.
            self.generator_ema_ = copy.deepcopy(self.module_).requires_grad_(False).eval()
        return self

    def initialize_optimizer(self, triggered_directly=None):
        args, kwargs = self.get_params_for_optimizer("optimizer", self.module_.named_parameters())
        self.optimizer_ = self.optimizer(*args, **kwargs)
        args, kwargs = self.get_params_for_optimizer(
            "optimizer_d", self.discriminator_.named_parameters()
        )
        self.optimizer_d_ = (self.optimizer_d or self.optimizer)(*args, **kwargs)
        return self

    def initialize(self):
        if self.latent_distribution not in LATENTS:
            raise ValueError(
                f"latent_distribution must be one of {list(LATENTS)}; got "
                f"{self.latent_distribution!r}."
            )
        check_policy(self.diffaugment)
        # An unseeded run draws its seed once, so that its epochs still resume.
        self.seed_ = int(torch.randint(2**31 - 1, ())) if self.seed is None else self.seed
        self.rng_ = torch.Generator(device=self.device)
        self.loader_rng_ = torch.Generator()
        self.ada_p_ = 0.0
        super().initialize()
        if self.ada_target is not None:
            self._check_ada()
        return self

    def _check_ada(self):
        if not check_policy(self.diffaugment):
            raise ValueError("ada_target adjusts the probability of DiffAugment: set "
                             "diffaugment too, e.g. 'color,translation,cutout'.")
        if self.criterion_.spec.boundary is None:
            usable = sorted(k for k, spec in LOSSES.items() if spec.boundary is not None)
            raise ValueError(f"ada_target reads the sign of D's outputs on real images, and a "
                             f"Wasserstein critic's scores have none; loss must be one of "
                             f"{usable}.")

    def get_iterator(self, dataset, training=False):
        if not training:
            return super().get_iterator(dataset, training=training)
        # skorch builds the training DataLoader once per fit; its shuffling draws
        # from loader_rng_, which each epoch re-seeds.
        kwargs = {"generator": self.loader_rng_, "batch_size": self.batch_size,
                  **self.get_params_for("iterator_train")}
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        if len(dataset) > 1 and len(dataset) % kwargs["batch_size"] == 1:
            # A last batch of one image breaks batch normalisation over features
            # (DeconvGAN's first layer); skipping it loses one image an epoch.
            kwargs.setdefault("drop_last", True)
        return self.iterator_train(dataset, **kwargs)

    # -- the epoch and its random streams --------------------------------------------
    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_begin(net, dataset_train, dataset_valid, **kwargs)
        epoch = len(self.history)
        self.rng_.manual_seed(epoch_seed(self.seed_, epoch, 0))
        self.loader_rng_.manual_seed(epoch_seed(self.seed_, epoch, 1))
        # Batches of the earlier epochs: g_every counts over the whole training.
        self.batch_index_ = sum(len(row["batches"]) for row in self.history[:-1])
        if len(self.history) > 1 and "ada_p" in self.history[-2]:
            # The p the last epoch ended with, also after a checkpoint is loaded.
            self.ada_p_ = self.history[-2, "ada_p"]

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        batches = self.history[-1, "batches"]
        for key in _LOGGED:
            values = [row[key] for row in batches if key in row]
            if values:
                self.history.record(key, float(np.mean(values)))
        if self.ada_target is not None:
            self.history.record("ada_p", self.ada_p_)
        super().on_epoch_end(net, dataset_train, dataset_valid, **kwargs)

    @property
    def sampler(self):
        """The generator that draws images: the weight average with ``ema``, else ``module_``."""
        average = getattr(self, "generator_ema_", None)
        return self.module_ if average is None else average

    def latent(self, n):
        """``n`` latent vectors from the training generator ``rng_``."""
        return draw_latent(n, self.latent_dim, self.latent_distribution, self.rng_, self.device)

    def _critic(self, x, y=None, reconstruct=False):
        if self.diffaugment:
            p = 1.0 if self.ada_target is None else self.ada_p_
            x = diff_augment(x, self.diffaugment, self.rng_, p=p)
        args = (x, y) if self.conditional else (x,)
        if reconstruct:
            return self.discriminator_.forward_reconstruct(*args, generator=self.rng_)
        return self.discriminator_(*args)

    def _generate(self, n, y):
        z = self.latent(n)
        return self.module_(z, y) if self.conditional else self.module_(z)

    # -- one batch -------------------------------------------------------------------
    def train_step(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        real = Xi.to(self.device)
        if real.dtype == torch.uint8:  # files' bytes (skemo.io's cache or stream)
            real = real.float() / 255
        real = real * 2 - 1  # the generator's tanh range
        y = yi.to(self.device) if self.conditional else None
        for _ in range(self.n_critic):
            d_loss, d_real, d_fake, fake = self._discriminator_step(real, y, batch)
        self.history.record_batch("d_loss", d_loss.item())
        self.history.record_batch("d_real", d_real.mean().item())
        self.history.record_batch("d_fake", d_fake.mean().item())
        if self.ada_target is not None:
            boundary = self.criterion_.spec.boundary
            self.ada_p_ = ada_adjust(self.ada_p_, d_real, boundary, self.ada_target, len(real))
        if self.batch_index_ % self.g_every == 0:
            fake = self._generator_step(len(real), y, batch)
        self.batch_index_ += 1
        return {"loss": d_loss.detach(), "y_pred": fake.detach()}

    def _discriminator_step(self, real, y, batch):
        discriminator, loss = self.discriminator_, self.criterion_
        with torch.no_grad():
            fake = self._generate(len(real), y)
        if self.r1:
            real = real.detach().requires_grad_(True)
        reconstructs = getattr(discriminator, "reconstructs", False)
        if reconstructs:
            d_real, rec_error = self._critic(real, y, reconstruct=True)
        else:
            d_real = self._critic(real, y)
        d_fake = self._critic(fake, y)
        d_loss = loss.discriminator_loss(
            self._critic, real.detach(), fake, y, d_real, d_fake, generator=self.rng_
        )
        if reconstructs:
            d_loss = d_loss + rec_error
            self.history.record_batch("d_rec", rec_error.item())
        if self.r1:
            penalty = r1_penalty(d_real, real, self.r1)
            d_loss = d_loss + penalty
            self.history.record_batch("r1", penalty.item())
        self.optimizer_d_.zero_grad()
        d_loss.backward()
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(discriminator.named_parameters()),
            batch=batch,
        )
        self.optimizer_d_.step()
        if loss.spec.clip is not None:
            with torch.no_grad():
                for param in discriminator.parameters():
                    param.clamp_(-loss.spec.clip, loss.spec.clip)
        return d_loss, d_real.detach(), d_fake.detach(), fake

    def _generator_step(self, n, y, batch):
        generator = self.module_
        fake = self._generate(n, y)
        g_loss = self.criterion_.generator_loss(self._critic(fake, y))
        self.optimizer_.zero_grad()
        g_loss.backward()
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(generator.named_parameters()),
            batch=batch,
        )
        self.optimizer_.step()
        self.history.record_batch("g_loss", g_loss.item())
        average = getattr(self, "generator_ema_", None)
        if average is not None:
            # The generator steps taken before this one, counted from the history.
            update_ema_(average, generator, ema_decay(self.ema, self.batch_index_ // self.g_every))
        return fake
