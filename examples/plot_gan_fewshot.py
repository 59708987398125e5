"""
=============================================
GANs from a hundred images: a measured recipe
=============================================

Which GAN makes the best images from 100 pictures, on a CPU, in a fixed time?
``benchmarks/bench_gan_fewshot.py`` trained each candidate recipe for the same
CPU budget on 100 images (OASIS photographs and synthetic paintings, 64 px,
3 seeds) and scored it by KID against held-out images of the same source.
Training for minutes has no place in a gallery, so this example shows the
sheets and scores that the benchmark saved (``--report --gallery docs/images``):
seed 0's samples of today's default, DCGAN with DiffAugment, beside those of the
recipe that scored best, which ``skemo gan train`` now uses by default.
"""

# %%
# The scores
# ----------
# KID on EfficientNet-Lite0 features, mean and standard deviation over the
# seeds (lower is better). The floor is another set of real images of the
# same source; the ceilings are untrained generators.
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from PIL import Image

try:
    here = Path(__file__).resolve().parent
except NameError:  # sphinx-gallery runs each example from its own folder
    here = Path.cwd()
images = here.parent / "docs" / "images"
summary = json.loads((images / "gan_fewshot.json").read_text())


def cell(values):
    if not values:
        return "-"
    mean = sum(values) / len(values)
    std = (sum((v - mean) ** 2 for v in values) / max(len(values) - 1, 1)) ** 0.5
    return f"{mean:.3f} ± {std:.3f}"


table = pd.DataFrame({label: {source: cell(values) for source, values in row.items()}
                      for label, row in summary["kid"].items()}).T
print(f"{summary['budget_cpu_s'] / 60:.0f} CPU minutes per recipe, 64 px; "
      f"best: {summary['best']}")
table

# %%
# The samples
# -----------
# Each sheet holds 16 samples of seed 0's run. For the synthetic paintings the
# training images come first; OASIS photographs are not redistributed, so only
# the generated images are shown for them.
sheets = summary["sheets"]
rows = [("paintings", ["train", "today", "best"]), ("oasis", ["today", "best"])]
titles = {"train": "training images", "today": "DCGAN + DiffAugment (today)",
          "best": summary["best"]}
fig, axes = plt.subplots(2, 3, figsize=(10, 7))
for ax_row, (source, roles) in zip(axes, rows):
    for ax in ax_row:
        ax.axis("off")
    for ax, role in zip(ax_row[3 - len(roles):], roles):
        name = sheets.get(f"{source}_{role}")
        if name is not None:
            ax.imshow(Image.open(images / name))
        ax.set_title(f"{source}: {titles[role]}", fontsize=9)
fig.tight_layout()
