"""The base of the GAN estimators: parameters, ``fit``, ``sample`` and ``score``.

Each GAN (:mod:`skemo.gan._gans`) is a :class:`~skemo._skorch._SkorchEstimator`
whose ``net_`` is a
:class:`~skemo.gan._net.GANNet`: ``fit`` trains it on images, ``sample`` draws
new ones and ``score`` is the negative KID of samples against held-out images, so
``GridSearchCV`` tunes a GAN without a custom scorer.
"""

import inspect
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from skemo._inputs import _ReadsImages
from skemo._skorch import SKORCH_PREFIXES, _SkorchEstimator
from skemo._torch import forward_batches
from skemo._validation import check_labels
from skemo.io import stream_images

from ._architectures import ARCHITECTURES
from ._losses import LOSSES
from ._metrics import kernel_inception_distance
from ._net import LATENTS, GANLoss, GANNet, draw_latent

__all__ = ["GAN_ATTRIBUTES_DOC", "GAN_PARAMS_DOC", "generate_images"]

GAN_PARAMS_DOC = """\
    latent_dim : int, default=100
        Size of the latent vectors the generator maps to images.
    image_size : int, default=64
        Side of the square images the GAN learns and samples; training
        images are resized to it.
    loss : str, default="non-saturating"
        The adversarial loss, one of the thesis's Table 1 plus hinge:
        ``"minimax"``, ``"non-saturating"``, ``"wgan"`` (weight clipping at
        0.01), ``"wgan-gp"`` (gradient penalty, lambda = 10), ``"lsgan"``,
        ``"dragan"`` or ``"hinge"`` (see :mod:`skemo.gan._losses`).
    label_smoothing : float, default=0.9
        Discriminator target for real images in the BCE-based losses
        (one-sided label smoothing; the thesis used 0.9). 1.0 turns it off.
    latent_distribution : {"normal", "uniform"}, default="normal"
        N(0, 1) latent vectors, or U(-1, 1) as the thesis drew them.
    n_critic : int, default=1
        Discriminator steps per generator step.
    g_every : int, default=1
        Update the generator on every ``g_every``-th batch only (the
        thesis's BasicGAN used 3).
    diffaugment : str or None, default=None
        DiffAugment policy (Zhao et al. 2020), e.g.
        ``"color,translation,cutout"``: every discriminator input, real or
        fake, goes through these differentiable augmentations.
    conditional : bool, default=False
        Learn one generator for all classes: ``fit`` needs ``y``, the label
        embedding is joined to the latent vector, the discriminator is a
        projection discriminator (Miyato & Koyama 2018), and ``sample``
        takes the classes to draw.
    metric_features : transformer or None, default=None
        Features of :meth:`score`'s KID; None is the pooled last layer of
        :class:`~skemo.models.BackboneEmbedding` ("efficientnet_lite0",
        offline ImageNet weights), as in :func:`kernel_inception_distance`.
    ema : float in [0, 1) or None, default=None
        Keep an exponential moving average of the generator's weights with
        this decay (0.999 is usual), and draw :meth:`sample` and
        :meth:`score` from it: the average of a generator that oscillates
        is better than any one of its states. The decay warms up as
        ``min(ema, (1 + t) / (10 + t))`` at the ``t``-th generator step, so
        that a short run averages trained weights rather than the random
        start. None keeps no average.
    r1 : float, default=0.0
        Weight :math:`\\gamma` of the R1 penalty (Mescheder et al. 2018),
        :math:`\\frac{\\gamma}{2} E[\\lVert \\nabla_x D(x) \\rVert^2]` on
        the real images (through DiffAugment when it is on), added to the
        discriminator's loss; logged per epoch as ``r1``. 0 turns it off.
    spectral_norm : bool, default=False
        Spectrally normalise every convolution and linear layer of the
        discriminator (Miyato et al. 2018), which bounds how sharply it can
        change its mind. Separate learning rates for the two networks
        (TTUR, Heusel et al. 2017) need no parameter of their own:
        ``optimizer_d__lr=4e-4`` sets the discriminator's.
    ada_target : float in (0, 1) or None, default=None
        Adaptive discriminator augmentation (Karras et al. 2020): each
        DiffAugment group is applied to each image with probability ``p``,
        which starts at 0 and moves after every batch, up when the
        discriminator calls more than this fraction of the real images
        real (:math:`E[\\mathrm{sign}(D(x))]` above the target; 0.6 in the
        paper), down otherwise; ``p`` is logged per epoch as ``ada_p``. Needs
        ``diffaugment`` and a loss with a real/fake boundary (not the
        Wasserstein ones). None applies DiffAugment always."""


GAN_ATTRIBUTES_DOC = """\
    Attributes
    ----------
    net_ : GANNet
        The skorch net: ``module_`` is the generator, ``discriminator_`` the
        discriminator, ``generator_ema_`` (with ``ema``) the generator's
        weight average, ``optimizer_`` and ``optimizer_d_`` their optimizers,
        ``history`` the per-epoch ``d_loss``, ``g_loss``, ``d_real`` and
        ``d_fake`` (mean discriminator logits on real and generated images),
        and ``r1``, ``d_rec`` and ``ada_p`` when they apply.
    module_ : torch.nn.Module
        The generator being trained, ``net_.module_``.
    history_ : skorch.History
        ``net_.history``.
    classes_ : ndarray
        Class labels, when ``conditional=True``."""


class _GAN(_ReadsImages, _SkorchEstimator):
    """Base of the GAN estimators (not public): parameters, fit, sample, score."""

    _net_class = GANNet
    _criterion = GANLoss
    _architecture = None
    _prefixes = SKORCH_PREFIXES + ("discriminator__", "optimizer_d__")
    _doc_sections = {"gan_params": GAN_PARAMS_DOC, "gan_attributes": GAN_ATTRIBUTES_DOC}

    _parameter_constraints = {
        **_SkorchEstimator._parameter_constraints,
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "image_size": [Interval(Integral, 4, None, closed="left")],
        "loss": [StrOptions(set(LOSSES))],
        "label_smoothing": [Interval(Real, 0, 1, closed="right")],
        "latent_distribution": [StrOptions(set(LATENTS))],
        "n_critic": [Interval(Integral, 1, None, closed="left")],
        "g_every": [Interval(Integral, 1, None, closed="left")],
        "diffaugment": [str, None],
        "conditional": ["boolean"],
        "metric_features": [None, HasMethods(["fit", "transform"])],
        "ema": [None, Interval(Real, 0, 1, closed="left")],
        "r1": [Interval(Real, 0, None, closed="left")],
        "spectral_norm": ["boolean"],
        "ada_target": [None, Interval(Real, 0, 1, closed="neither")],
        **_ReadsImages._parameter_constraints,
    }

    def __init__(
        self,
        latent_dim=100,
        image_size=64,
        loss="non-saturating",
        label_smoothing=0.9,
        latent_distribution="normal",
        n_critic=1,
        g_every=1,
        diffaugment=None,
        conditional=False,
        metric_features=None,
        ema=None,
        r1=0.0,
        spectral_norm=False,
        ada_target=None,
        *,
        max_epochs=100,
        batch_size=64,
        lr=0.0002,
        **kwargs,
    ):
        self.latent_dim = latent_dim
        self.image_size = image_size
        self.loss = loss
        self.label_smoothing = label_smoothing
        self.latent_distribution = latent_distribution
        self.n_critic = n_critic
        self.g_every = g_every
        self.diffaugment = diffaugment
        self.conditional = conditional
        self.metric_features = metric_features
        self.ema = ema
        self.r1 = r1
        self.spectral_norm = spectral_norm
        self.ada_target = ada_target
        super().__init__(max_epochs=max_epochs, batch_size=batch_size, lr=lr, **kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        # fit(X) without y raises for a conditional GAN, and ignores y otherwise.
        tags.target_tags.required = bool(self.conditional)
        return tags

    # -- fitting ------------------------------------------------------------------------
    def fit(self, X, y=None):
        """Train the generator and the discriminator on images.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W, 3) or list of paths
            ``uint8`` or ``[0, 1]`` float images, or image files; resized to
            ``image_size`` and scaled to [-1, 1], the range of the
            generator's tanh output.
        y : array-like of shape (n_samples,), default=None
            Class labels; required when ``conditional=True``, ignored
            otherwise.

        Returns
        -------
        self : object
            The fitted GAN.
        """
        return self._fit(X, y)

    def _fit_data(self, X, y, first, classes=None):
        if self.train_split is not None:
            raise ValueError(
                f"{type(self).__name__} trains on all the images: train_split must be "
                f"None; got {self.train_split!r}. Score a GAN on held-out images with "
                "score(X) instead."
            )
        # [0, 1] floats, or the bytes of files: GANNet scales each batch to [-1, 1].
        data, _ = self._training_images(X, self.image_size)
        if not self.conditional:
            return data, None
        if y is None:
            raise ValueError(f"{type(self).__name__} with conditional=True needs y in fit.")
        y = check_labels(y, len(data))
        return data, torch.from_numpy(self._encode_labels(y, first, classes))

    def _module_params(self):
        n_classes = len(self.classes_) if self.conditional else None
        return {"latent_dim": self.latent_dim, "image_size": self.image_size,
                "n_classes": n_classes}

    def _net_params(self, seed=None):
        params = super()._net_params(seed)
        derived = self._module_params()
        if "betas" in inspect.signature(self.optimizer).parameters:
            # Radford et al.'s Adam momentum, unless the user set another.
            for name in ("optimizer__betas", "optimizer_d__betas"):
                params.setdefault(name, (0.5, 0.999))
        return {
            **params,
            "discriminator": ARCHITECTURES[self._architecture][1],
            "discriminator__image_size": derived["image_size"],
            "discriminator__n_classes": derived["n_classes"],
            "criterion__loss": self.loss,
            "criterion__label_smoothing": self.label_smoothing,
            "latent_dim": self.latent_dim,
            "latent_distribution": self.latent_distribution,
            "n_critic": self.n_critic,
            "g_every": self.g_every,
            "diffaugment": self.diffaugment,
            "conditional": self.conditional,
            "ema": self.ema,
            "r1": self.r1,
            "spectral_norm": self.spectral_norm,
            "ada_target": self.ada_target,
            "seed": seed,
        }

    @property
    def _module(self):
        return ARCHITECTURES[self._architecture][0]

    # -- using the generator --------------------------------------------------------------
    def sample(self, n_samples, y=None, random_state=None):
        """Draw new images from the generator (its weight average, with ``ema``).

        Parameters
        ----------
        n_samples : int
            Number of images.
        y : array-like of shape (n_samples,) or a single label, default=None
            Conditional GANs only: the class of each image (one label
            repeats). None draws the classes uniformly.
        random_state : int, RandomState instance or None, default=None
            Seeds the latent vectors (and the classes when ``y`` is None).

        Returns
        -------
        images : ndarray of shape (n_samples, image_size, image_size, 3), dtype uint8
        """
        check_is_fitted(self, "net_")
        if not isinstance(n_samples, Integral) or isinstance(n_samples, bool) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive int; got {n_samples!r}.")
        rs = check_random_state(random_state)
        labels = self._sample_labels(n_samples, y, rs)
        gen = torch.Generator(device=self.device).manual_seed(int(rs.randint(2**31 - 1)))
        z = draw_latent(n_samples, self.latent_dim, self.latent_distribution, gen, self.device)
        with self._autocast():
            return generate_images(self.net_.sampler, z, labels, self.batch_size, self.device)

    def _sample_labels(self, n_samples, y, rs):
        if not self.conditional:
            if y is not None:
                raise ValueError("y selects classes only when conditional=True.")
            return None
        if y is None:
            return rs.randint(len(self.classes_), size=n_samples).astype(np.int64)
        y = np.asarray(y)
        y = np.repeat(y, n_samples) if y.ndim == 0 else check_labels(y, n_samples, "n_samples")
        return self._encode_labels(y, first=False, classes=None)

    def score(self, X, y=None):
        """Negative kernel inception distance of ``len(X)`` samples against ``X``.

        Higher is better, as scikit-learn scorers expect. The samples are drawn
        with the estimator's ``random_state`` (and, for a conditional GAN, the
        classes in ``y``), and both sets are described by ``metric_features``,
        standardised with the statistics of both sets together. So the score
        is 0 in expectation when the generator matches the held-out images,
        however few they are, and it is bounded: ``|score| < 4 (2 n)**3``
        for ``n`` images (see :func:`~skemo.gan.kernel_inception_distance`).
        A few images still give a noisy score; prefer tens of held-out images.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W, 3) or list of paths
            Held-out real images, resized to ``image_size``.
        y : array-like of shape (n_samples,), default=None
            Their classes, used by conditional GANs only.

        Returns
        -------
        score : float
            ``-KID`` (mean over the random subsets).
        """
        check_is_fitted(self, "net_")
        real = np.concatenate([batch.images for batch in stream_images(
            X, 256, self.image_size, n_jobs=self.n_jobs, prefetch=self.prefetch, device=None)])
        fake = self.sample(len(real), y if self.conditional else None, self.random_state)
        # Both sets as float32 in [0, 1], so that any feature map sees one scale.
        fake = fake.astype(np.float32) / np.float32(255.0)
        features = self.metric_features
        if features is None:
            # kernel_inception_distance's default features, on this GAN's device.
            from skemo.models import BackboneEmbedding

            features = BackboneEmbedding("efficientnet_lite0", layers="last",
                                         statistics=("mean",), device=self.device)
        kid, _ = kernel_inception_distance(
            real, fake, features=features, random_state=self.random_state
        )
        return -kid


def generate_images(generator, z, labels=None, batch_size=64, device="cpu"):
    """``uint8`` images ``(n, H, W, 3)`` from latent vectors ``z`` (and class codes).

    The generator runs in eval mode, without gradients, ``batch_size`` at a time.
    """
    batches = torch.split(z, batch_size)
    if labels is not None:
        batches = zip(batches, torch.split(torch.as_tensor(labels), batch_size))
    images = forward_batches(generator, batches, device)
    images = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return images.permute(0, 2, 3, 1).numpy()
