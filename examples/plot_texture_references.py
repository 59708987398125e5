"""
=====================================
Perlin texture references and SSIM
=====================================

:class:`~skemo.features.TextureFeatures` describes an image by its structural
similarity (SSIM) to six gray Perlin-noise textures, the references of the thesis.
Each reference comes from a (scale, octaves, persistence, lacunarity) set, and the
thesis rated each set on a Hard-Soft scale, :func:`~skemo.features.hard_soft_scale`:
low values look hard and grainy, high values soft and smooth.

This example shows the six references with their Hard-Soft values, then the SSIM of
a synthetic painting to each of them.
"""

# %%
# The six references
# ------------------
# Fitting builds the references at ``image_size`` x ``image_size`` (the raw noise is
# cached for the process), min-max scales each column to [0, 1] as the thesis's
# ``gen_perlin`` did, and stores them in ``references_`` with their Hard-Soft values
# in ``hard_soft_``.  A small size keeps this example fast; the thesis used 224.
import matplotlib.pyplot as plt
import numpy as np

from skemo.datasets import make_paintings
from skemo.features import TextureFeatures

# The same sets as references="thesis", spelled out for the titles.
THESIS_REFERENCES = [
    (200.0, 100, 0.75, 2.0),
    (100.0, 4, 0.5, 6.0),
    (80.0, 75, 0.05, 2.0),
    (75.0, 1, 0.75, 3.0),
    (10.0, 1, 0.90, 0.1),
    (2.0, 1, 0.95, 0.01),
]
texture = TextureFeatures(references=THESIS_REFERENCES, image_size=128)
texture.fit(np.zeros((1, 128, 128, 3)))

fig, axes = plt.subplots(1, 6, figsize=(13, 2.8))
for ax, ref, hs, params in zip(axes, texture.references_, texture.hard_soft_, THESIS_REFERENCES):
    ax.imshow(ref, cmap="gray")
    ax.set_title(f"HS = {hs:.1f}\n{params}", fontsize=8)
    ax.axis("off")
fig.suptitle("Perlin references (scale, octaves, persistence, lacunarity)")
fig.tight_layout()

# %%
# An image's SSIM to each reference
# ---------------------------------
# The image is resized to 128 x 128 and compared as it is, in [0, 1] (the thesis
# did not rescale it), as a colour image with each gray reference repeated on three
# channels.  SSIM lies in [-1, 1]; values near 0 mean little shared local structure.
images, _ = make_paintings(n_samples=4, image_size=128, return_X_y=True, random_state=0)
ssim = texture.transform(images)[0]

fig, (ax_img, ax_bar) = plt.subplots(1, 2, figsize=(10, 3.5))
ax_img.imshow(images[0])
ax_img.set_title("make_paintings image")
ax_img.axis("off")
ax_bar.bar(texture.get_feature_names_out(), ssim, color="gray")
for k, (value, hs) in enumerate(zip(ssim, texture.hard_soft_)):
    ax_bar.annotate(f"HS {hs:.1f}", (k, value), ha="center", va="bottom", fontsize=8)
ax_bar.axhline(0, color="black", linewidth=0.8)
ax_bar.set_ylabel("SSIM")
ax_bar.tick_params(axis="x", rotation=30)
fig.tight_layout()

# %%
# An image equal to a reference has SSIM 1 to it
# ----------------------------------------------
# Passing the fitted references back as an array of gray images (each column
# already spans [0, 1], so the column scaling leaves them unchanged) shows the
# upper bound: the diagonal is 1.
refs = texture.references_
as_images = np.repeat(refs[..., None], 3, axis=-1)
own = TextureFeatures(references=refs, image_size=128).fit(as_images).transform(as_images)
print(np.round(own, 2))
plt.show()
