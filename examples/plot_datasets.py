"""
Synthetic paintings and the thesis emotion groups
=================================================

skemo ships a synthetic data set, :func:`skemo.datasets.make_paintings`, whose
classes differ by *global* cues (palette, brightness, texture roughness) and by
a *local* cue (a small figure whose shape depends on the class). Turning one
cue off tells apart models that read global statistics from models that look
at local structure.

This example draws a contact sheet of each class and prints the thesis's
grouping of emotion labels into four classes.
"""

# %%
# A contact sheet per class
# -------------------------
# Each row is one class. With both cues on, the palette and brightness shift
# between rows, and each class has its own figure shape.
import matplotlib.pyplot as plt
import numpy as np

from skemo.datasets import make_paintings

data = make_paintings(n_samples=80, n_classes=4, image_size=64, random_state=0)
per_class = 8
fig, axes = plt.subplots(4, per_class, figsize=(per_class, 4.4))
for k, row in enumerate(axes):
    for ax, image in zip(row, data.images[data.target == k][:per_class]):
        ax.imshow(image)
        ax.set_axis_off()
    row[0].set_title(str(data.target_names[k]), loc="left", fontsize=9)
fig.suptitle("make_paintings: one class per row")
plt.show()

# %%
# Only the local cue
# ------------------
# With ``global_cue=0`` the classes share one distribution of colours and
# textures: only the figure's shape tells them apart.
local = make_paintings(n_samples=40, global_cue=0.0, random_state=0)
fig, axes = plt.subplots(4, 6, figsize=(6, 4.4))
for k, row in enumerate(axes):
    for ax, image in zip(row, local.images[local.target == k][:6]):
        ax.imshow(image)
        ax.set_axis_off()
fig.suptitle("global_cue=0: only the figure carries the class")
plt.show()

# %%
# The thesis emotion groups
# -------------------------
# :func:`skemo.datasets.group_emotions` maps the sixteen emotion labels of the
# thesis (and missing values) to its four classes, or to a binary
# positive/other split.
import pandas as pd

from skemo.datasets import group_emotions

labels = [
    "sadness", "fear", "disgust", "anger", "neutral", "none",
    "lust", "envy", "surprise", "optimism", "joy", "love",
]
table = pd.DataFrame(
    {
        "emotion": labels,
        "thesis4": group_emotions(labels, scheme="thesis4"),
        "binary": group_emotions(labels, scheme="binary"),
    }
)
print(table.to_string(index=False))

# %%
# Class counts
# ------------
# The generator balances the classes; ``label_noise`` then flips a fraction of
# labels, which the ``frame`` records.
print(pd.Series(data.target).value_counts().sort_index().to_string())
print("flipped labels:", int(np.sum(data.frame.filter(like="flip").to_numpy())))
