"""
=========================================
The painting features, formula by formula
=========================================

:class:`~skemo.features.PaintingFeatures` describes a painting by 13 numbers:
its brightness, its structural similarity (SSIM) to six Perlin-noise
textures, and the distance from its colour palette to six emotion palettes.
This example writes each formula out in numpy, checks it against skemo's
transformer, and draws what it measures on a few images. The user guide's
features page gives the same formulas in mathematical notation.
"""

# %%
# A few images
# ------------
# One synthetic painting per class, at 128 x 128 px, and a flat grey image,
# which makes the brightness formula easy to check by eye.
import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import linear_sum_assignment
from skimage.metrics import structural_similarity

from skemo.datasets import make_paintings
from skemo.features import (BrightnessFeatures, ColorPaletteFeatures, TextureFeatures,
                            extract_palette)
from skemo.io import check_images

data = make_paintings(n_samples=40, image_size=128, random_state=1)
first = [int(np.flatnonzero(data.target == k)[0]) for k in range(4)]
grey = np.full((1, 128, 128, 3), 128, dtype=np.uint8)
X = np.concatenate([data.images[first], grey])
labels = [str(data.target_names[data.target[i]]) for i in first] + ["grey 128"]
pixels = check_images(X).astype(np.float64)  # (n, H, W, 3) in [0, 1]

# %%
# Brightness
# ----------
# With :math:`R, G, B` the root mean square of each channel in 0-255 units,
# brightness is :math:`\sqrt{0.241 R^2 + 0.691 G^2 + 0.068 B^2}`, the "HSP"
# perceived-brightness model the thesis used. The weights sum to one, so the
# flat grey image has brightness 128 exactly.
rms = np.sqrt(((255 * pixels) ** 2).mean(axis=(1, 2)))  # (n, 3): R, G, B
by_hand = np.sqrt(rms**2 @ np.array([0.241, 0.691, 0.068]))
skemo_value = BrightnessFeatures().fit_transform(X)[:, 0]
print("brightness by hand:", by_hand.round(2))
print("BrightnessFeatures:", skemo_value.round(2))
assert np.allclose(by_hand, skemo_value)

fig, axes = plt.subplots(2, len(X), figsize=(11, 4.2), height_ratios=[3, 2])
for i in range(len(X)):
    axes[0, i].imshow(X[i])
    axes[0, i].set_title(f"{labels[i]}\nbrightness {by_hand[i]:.0f}", fontsize=8)
    axes[0, i].set_axis_off()
    axes[1, i].bar(["R", "G", "B"], rms[i], color=["tab:red", "tab:green", "tab:blue"])
    axes[1, i].set_ylim(0, 255)
    axes[1, i].axhline(by_hand[i], color="k", linewidth=1)
axes[1, 0].set_ylabel("channel RMS\n(line: brightness)")
fig.tight_layout()
plt.show()

# %%
# Texture: SSIM to Perlin references
# ----------------------------------
# Each reference is a gray Perlin-noise image, min-max scaled column by column
# (as the thesis did) and repeated on three channels. The feature is the mean
# over channels and 7 x 7 windows of the local SSIM
#
# .. math::
#
#    \mathrm{SSIM}(x, y) = \frac{(2\mu_x\mu_y + C_1)(2\sigma_{xy} + C_2)}
#    {(\mu_x^2 + \mu_y^2 + C_1)(\sigma_x^2 + \sigma_y^2 + C_2)},
#    \quad C_1 = (0.01 L)^2,\ C_2 = (0.03 L)^2,
#
# with :math:`L = 2` (``data_range=2``, what the thesis's 2019 scikit-image
# inferred for float64 arrays). skemo's fused kernel matches
# ``skimage.metrics.structural_similarity``; the maps below are skimage's
# local SSIM of the first painting against each reference, whose mean is the
# feature. The Hard-Soft value of each reference is in its title.
texture = TextureFeatures(image_size=128).fit(X)
features = texture.transform(X)
refs3 = np.repeat(texture.references_[..., None], 3, axis=-1)
fig, axes = plt.subplots(2, 6, figsize=(12, 4.4))
for k, ref in enumerate(refs3):
    value, local = structural_similarity(pixels[0], ref, channel_axis=-1, data_range=2.0,
                                         full=True)
    assert np.isclose(value, features[0, k], atol=1e-6)
    axes[0, k].imshow(np.clip(ref, 0, 1))
    axes[0, k].set_title(f"reference {k}\nHS {texture.hard_soft_[k]:.1f}", fontsize=8)
    axes[1, k].imshow(local.mean(axis=-1), cmap="RdBu_r", vmin=-1, vmax=1)
    axes[1, k].set_title(f"SSIM map, mean {value:.3f}", fontsize=8)
for ax in axes.flat:
    ax.set_axis_off()
fig.suptitle(f"Texture features of the {labels[0]} painting")
fig.tight_layout()
plt.show()
print("texture features (one row per image):")
print(features.round(3))

# %%
# Colour: distances to six emotion palettes
# -----------------------------------------
# An image's palette is the five k-means centres :math:`p_1, \dots, p_5` of
# its RGB pixels (in [0, 1]). Its distance to a reference palette
# :math:`r_1, \dots, r_5` is the mean Euclidean distance of the best
# one-to-one matching of their colours,
#
# .. math::
#
#    d(p, r) = \min_{\sigma} \frac{1}{5} \sum_{i=1}^{5} \lVert p_i - r_{\sigma(i)} \rVert_2,
#
# the minimum over the permutations :math:`\sigma` of five colours
# (``distance="matched"``, the default; ``distance="seed"`` is the thesis's
# own, order-dependent version). There is one reference per emotion: joy,
# surprise, love, fear, anger and sadness. The distances below are computed
# by hand from :func:`~skemo.features.extract_palette` with
# ``scipy.optimize.linear_sum_assignment``; the transformer draws its own
# seeded pixel sample for k-means, so its values agree to a few thousandths.
palette_features = ColorPaletteFeatures(random_state=0).fit(X)
distances = palette_features.transform(X)
refs = palette_features.references_
palette = extract_palette(X[0], random_state=palette_features.seed_)
cost = np.linalg.norm(palette[:, None, None] - refs[None], axis=-1)  # (5, 6 refs, 5)
by_hand = []
for k in range(len(refs)):
    rows, cols = linear_sum_assignment(cost[:, k])
    by_hand.append(cost[rows, k, cols].mean())
print("palette distances by hand:     ", np.round(by_hand, 3))
print("ColorPaletteFeatures, image 0: ", distances[0].round(3))
# The transformer seeds its own pixel sample and k-means, so its palette (and
# each distance) differs from this one by a few thousandths.
assert np.allclose(by_hand, distances[0], atol=0.02)

fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), width_ratios=[2, 3])
axes[0].imshow(np.vstack([palette[None], np.full((1, 5, 3), 1.0), refs]), aspect="auto")
axes[0].set_yticks(range(len(refs) + 2),
                   [f"{labels[0]} palette", ""] + palette_features.reference_names_)
axes[0].set_xticks([])
width = 0.8 / len(X)
for i in range(len(X)):
    axes[1].bar(np.arange(len(refs)) + i * width, distances[i], width, label=labels[i])
axes[1].set_xticks(np.arange(len(refs)) + 0.4 - width / 2, palette_features.reference_names_)
axes[1].set_ylabel("matched distance d(p, r)")
axes[1].legend(fontsize=7, ncol=2)
fig.tight_layout()
plt.show()
