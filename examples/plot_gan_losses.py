"""
============================
GAN losses and architectures
============================

The thesis trained three generative adversarial networks to make new
paintings: a fully connected :class:`~skemo.gan.BasicGAN` (its Annex B), a
convolutional :class:`~skemo.gan.DeconvGAN` (Annex C, "GANDeconv-Conv") and
:class:`~skemo.gan.DCGAN` (Radford et al. 2015). In skemo each is a
scikit-learn estimator: ``fit`` trains the generator against the
discriminator, ``history_`` keeps their losses per epoch and ``sample`` draws
new images.

This example trains the three architectures briefly on synthetic paintings and
compares their loss curves and samples, then trains DCGAN with four of the
losses of the thesis's Table 1. A few epochs on a CPU give coloured blobs, not
paintings: the point is how the architectures and losses behave, not image
quality. The thesis's own DCGAN, trained for "very few epochs" on a GPU, gave
"a face-like brightness in the middle of the image".
"""

# %%
# Small paintings, three architectures
# ------------------------------------
# 256 synthetic paintings of 16 x 16 pixels keep every fit to a few seconds.
# All three GANs get the same budget: 20 epochs of batches of 32, with a
# learning rate of 5e-4 (the default 2e-4 barely moves in 20 epochs) and the
# default non-saturating loss. DCGAN's generator and discriminator get half
# their default number of filters (``module__ngf`` and
# ``discriminator__ndf``, 64 by default), which makes them about twice as fast.
import matplotlib.pyplot as plt
import numpy as np

from skemo.datasets import make_paintings
from skemo.gan import DCGAN, BasicGAN, DeconvGAN
from skemo.inspection import plot_image_grid, plot_loss_curves

X, _ = make_paintings(n_samples=256, image_size=16, random_state=0, return_X_y=True)

budget = dict(image_size=16, max_epochs=20, batch_size=32, lr=5e-4, random_state=0)
narrow = dict(module__ngf=32, discriminator__ndf=32)
gans = {
    "BasicGAN": BasicGAN(**budget),
    "DeconvGAN": DeconvGAN(**budget),
    "DCGAN": DCGAN(**budget, **narrow),
}
for gan in gans.values():
    gan.fit(X)

# %%
# Loss curves
# -----------
# ``history_`` holds the mean discriminator loss ``d_loss`` and generator loss
# ``g_loss`` of each epoch. With the binary cross-entropy losses a
# discriminator that cannot tell real from fake (it outputs 0.5) has
# ``d_loss`` = 2 log 2 ≈ 1.39. The real images' target is 0.9, not 1: this
# one-sided label smoothing, which the thesis's code used "for
# generalization", stops the discriminator from being rewarded for ever more
# confident answers, and puts a floor of about 0.33 (the entropy of 0.9) under
# ``d_loss``.
fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), sharey=True)
for ax, (name, gan) in zip(axes, gans.items()):
    plot_loss_curves(gan.history_, keys=("d_loss", "g_loss"), ax=ax)
    ax.axhline(2 * np.log(2), color="gray", linestyle=":", linewidth=1)
    ax.set_title(name)
fig.tight_layout()

# %%
# The three discriminators are not equally strong. DeconvGAN's is the
# thesis's ShallNet stack, with 8 and 16 filters and an 8 x 8 max-pooling:
# its ``d_loss`` stays close to 2 log 2 for most of the run, so the generator
# gets little signal: the thesis's "the discriminator takes much longer to
# converge". DCGAN's
# strided convolutions separate real from fake within a few epochs and its
# ``d_loss`` drops towards the smoothing floor, while ``g_loss`` rises: the
# usual picture of a discriminator that is ahead.
#
# Samples
# -------
# The fully connected generator has no notion of neighbouring pixels, and
# draws per-pixel noise, as the thesis saw ("the random noise at each pixel
# makes it clear that a convolutional architecture for the generator is
# needed"). DeconvGAN's 5 x 5, stride-2 transposed convolutions leave a
# regular checkerboard, the classic artefact of overlapping strides. DCGAN's
# samples already have smooth colour fields in the paintings' hues, paler
# than the real ones and without their figures.
fig, axes = plt.subplots(1, 4, figsize=(12, 3.4))
plot_image_grid(X[:16], ncols=4, ax=axes[0])
axes[0].set_title("real")
for ax, (name, gan) in zip(axes[1:], gans.items()):
    plot_image_grid(gan.sample(16, random_state=0), ncols=4, ax=ax)
    ax.set_title(name)
fig.tight_layout()

# %%
# Four losses on DCGAN
# --------------------
# Every loss starts from the same discriminator cross-entropy (the thesis's
# Equation 1) or replaces it:
#
# - ``"minimax"``: the generator minimises log(1 - D(G(z))), the opposite of
#   the discriminator's loss (Equation 2). When the discriminator confidently
#   rejects the fakes, D(G(z)) is near 0 and so is this loss's gradient.
# - ``"non-saturating"``, the default: the generator minimises
#   -log D(G(z)) instead (Equation 3). It has the same fixed point, but a
#   strong gradient exactly when the fakes are rejected.
# - ``"hinge"``: the discriminator's margin loss of SNGAN and BigGAN
#   (not in the thesis's table), with the generator maximising D(G(z)).
# - ``"wgan-gp"``: a critic that scores instead of classifying, kept
#   1-Lipschitz by a gradient penalty (lambda = 10); its loss estimates a
#   negative Wasserstein distance, so it has no chance level and can be
#   negative.
#
# Label smoothing applies to the cross-entropy losses only (minimax,
# non-saturating, LSGAN, DRAGAN); hinge and the Wasserstein losses have no
# target to smooth. The non-saturating DCGAN above is reused.
losses = {"non-saturating": gans["DCGAN"]}
for loss in ("minimax", "hinge", "wgan-gp"):
    losses[loss] = DCGAN(loss=loss, **budget, **narrow).fit(X)

fig, axes = plt.subplots(2, 4, figsize=(13, 6), height_ratios=[1, 1.2])
for (ax_curve, ax_img), (loss, gan) in zip(axes.T, losses.items()):
    plot_loss_curves(gan.history_, keys=("d_loss", "g_loss"), ax=ax_curve)
    ax_curve.set_title(loss)
    plot_image_grid(gan.sample(16, random_state=0), ncols=4, ax=ax_img)
fig.tight_layout()

# %%
# The minimax generator's loss climbs to just below 0 within ten epochs and
# stays there: the discriminator rejects its images with probability close
# to 1, where log(1 - D(G(z))) is flat, so the generator stops learning and
# its samples stay grey. This is the saturation that Equation 3 avoids. The
# non-saturating and hinge generators keep a large loss, and therefore a
# large gradient, against the same kind of discriminator. WGAN-GP's critic
# loss swings on its own scale, with no chance level to compare it with.
# One short run per loss says nothing about which loss makes the best
# paintings; it shows what each curve means.
for loss, gan in losses.items():
    last = gan.history_[-1]
    print(f"{loss:>15}: last epoch d_loss {last['d_loss']:6.2f}, "
          f"g_loss {last['g_loss']:6.2f}")
plt.show()
