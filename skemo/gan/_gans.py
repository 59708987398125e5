"""The GAN estimators: the thesis's BasicGAN and DeconvGAN, DCGAN and FastGAN.

Each names its architecture (:data:`~skemo.gan._architectures.ARCHITECTURES`)
and inherits everything else from :class:`~skemo.gan._estimators._GAN`; FastGAN
also changes the defaults to its paper's few-shot recipe.
"""

from ._estimators import _GAN

__all__ = ["DCGAN", "BasicGAN", "DeconvGAN", "FastGAN"]


class BasicGAN(_GAN):
    """The thesis's fully connected GAN (Annex B), on skorch.

    G: z -> Linear(width) -> LeakyReLU -> Linear(width) -> LeakyReLU ->
    Linear(H*W*3) -> tanh; D: flatten -> Linear(width) -> LeakyReLU ->
    Linear(width) -> LeakyReLU -> Linear(1), with ``width`` the image side
    (``module__width`` and ``discriminator__width`` change it). The thesis
    trained it 175 epochs on 7,000 portraits at 224 px, batch 200, with the
    generator updated every third batch (``g_every=3``).

    Parameters
    ----------
%(gan_params)s
%(skorch_params)s

%(gan_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.gan import BasicGAN
    >>> X = np.random.default_rng(0).integers(0, 256, (16, 8, 8, 3), dtype=np.uint8)
    >>> gan = BasicGAN(image_size=8, max_epochs=2, batch_size=8, random_state=0).fit(X)
    >>> gan.sample(5, random_state=0).shape
    (5, 8, 8, 3)
    >>> sorted(gan.history_[-1].keys() & {"d_loss", "g_loss", "d_real", "d_fake"})
    ['d_fake', 'd_loss', 'd_real', 'g_loss']
    """

    _architecture = "basic"


class DeconvGAN(_GAN):
    """The thesis's "GANDeconv-Conv" (Annex C), on skorch.

    G: Linear(z -> 4*4*128) -> BatchNorm -> ReLU, then 5x5 stride-2 transposed
    convolutions down to 3 channels (64, 32, 16, 8, 3 at 128 px; as many as
    ``image_size`` needs), with BatchNorm and ReLU between them and tanh last;
    D: the ShallNet convolution stack with one output. The thesis trained it
    300 epochs on 7,000 portraits at 128 px, batch 200.

    Parameters
    ----------
%(gan_params)s
%(skorch_params)s

%(gan_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.gan import DeconvGAN
    >>> X = np.random.default_rng(0).integers(0, 256, (16, 16, 16, 3), dtype=np.uint8)
    >>> gan = DeconvGAN(image_size=16, max_epochs=1, batch_size=8, random_state=0).fit(X)
    >>> gan.sample(3, random_state=0).dtype
    dtype('uint8')
    """

    _architecture = "deconv"


class DCGAN(_GAN):
    """DCGAN (Radford et al. 2015) on skorch.

    Transposed-convolution generator with BatchNorm, ReLU and a tanh output;
    strided-convolution discriminator with LeakyReLU(0.2) and BatchNorm;
    weights initialised from N(0, 0.02). 64 px by default; 32 and 128 work.

    Parameters
    ----------
%(gan_params)s
%(skorch_params)s

%(gan_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.gan import DCGAN
    >>> X = np.random.default_rng(0).integers(0, 256, (16, 16, 16, 3), dtype=np.uint8)
    >>> y = [0, 1] * 8
    >>> gan = DCGAN(image_size=16, conditional=True, max_epochs=1, batch_size=8,
    ...             random_state=0).fit(X, y)
    >>> gan.sample(4, y=[1, 1, 0, 0], random_state=0).shape
    (4, 16, 16, 3)
    """

    _architecture = "dcgan"


class FastGAN(_GAN):
    """FastGAN (Liu et al., ICLR 2021): a GAN for 100 to 1,000 images, on skorch.

    The generator upsamples with GLU blocks and *skip-layer excitation* (maps
    at 4, 8 and 16 px gate the channels of those at 64, 128 and 256 px); the
    discriminator judges 5x5 patches at full and half size and is
    *self-supervised*: decoders rebuild the real image, and a random quarter
    of it, from its 8x8 features, and their error is one more term of its
    loss, logged per epoch as ``d_rec``. See :mod:`skemo.gan._fastgan` for the
    layers and where they differ from the paper's code. 64, 128 and 256 px.

    The defaults are the paper's recipe, less its generator average: hinge
    loss, DiffAugment ``"color,translation"``, batches of 8, Adam at 2e-4 with
    betas (0.5, 0.999). The average (``ema=0.999`` in the paper) scored worse
    than the raw generator on 100 OASIS images after 5 and 15 CPU minutes
    (``benchmarks/bench_gan_fewshot.py``), so it is an option. ``module__ngf`` and
    ``discriminator__ndf`` set the widths (16 by default, a quarter of the
    paper's 64, so that a 64 px model trains on a CPU).

    Parameters
    ----------
%(gan_params)s
%(skorch_params)s

%(gan_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.gan import FastGAN
    >>> X = np.random.default_rng(0).integers(0, 256, (8, 64, 64, 3), dtype=np.uint8)
    >>> gan = FastGAN(max_epochs=1, module__ngf=2, discriminator__ndf=2, random_state=0)
    >>> gan.fit(X).sample(2, random_state=0).shape
    (2, 64, 64, 3)
    >>> sorted(gan.history_[-1].keys() & {"d_loss", "d_rec", "g_loss"})
    ['d_loss', 'd_rec', 'g_loss']
    """

    _architecture = "fastgan"

    def __init__(
        self,
        latent_dim=100,
        image_size=64,
        loss="hinge",
        label_smoothing=0.9,
        latent_distribution="normal",
        n_critic=1,
        g_every=1,
        diffaugment="color,translation",
        conditional=False,
        metric_features=None,
        ema=None,
        r1=0.0,
        spectral_norm=False,
        ada_target=None,
        *,
        max_epochs=100,
        batch_size=8,
        lr=0.0002,
        **kwargs,
    ):
        super().__init__(
            latent_dim, image_size, loss, label_smoothing, latent_distribution, n_critic,
            g_every, diffaugment, conditional, metric_features, ema, r1, spectral_norm,
            ada_target, max_epochs=max_epochs, batch_size=batch_size, lr=lr, **kwargs)
