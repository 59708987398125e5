"""
Comparing the thesis's models
=============================

:func:`~skemo.evaluation.compare_models` is the engine of ``skemo compare``: it
cross-validates the majority baseline, CV+FC on hand-crafted features,
ShallNet, transfer learning, the fusion of both feature kinds, and ShallNet
with flip/rotate augmentation, all on the same stratified folds.

The hand-crafted features and the frozen backbone's embeddings learn nothing
from the data, so they are computed once for all images and sliced per fold;
everything that learns is fitted inside each fold.
"""

# %%
# Run the comparison
# ------------------
# A small version of ``make demo``: 240 synthetic paintings of 48 px with both
# cues, 3 folds, and ShallNet trained for 10 epochs.
import matplotlib.pyplot as plt
import numpy as np

from skemo.datasets import make_paintings
from skemo.evaluation import compare_models, format_table
from skemo.inspection import plot_confusion_matrix

data = make_paintings(n_samples=240, image_size=48, random_state=0)
result = compare_models(data.images, data.target, n_splits=3, backbone_image_size=48,
                        epochs=10, random_state=0)
print(format_table(result.summary))
for note in result.notes:
    print("-", note)

# %%
# Balanced accuracy per model
# ---------------------------
# The error bars are the standard deviation over folds. The majority baseline
# sits at chance (1 / 4 for four balanced classes).
summary = result.summary
fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(summary["model"], summary["balanced_accuracy_mean"],
        xerr=summary["balanced_accuracy_std"], color="tab:blue")
ax.axvline(1 / len(data.target_names), color="gray", linestyle="--", label="chance")
ax.set_xlabel("balanced accuracy")
ax.invert_yaxis()
ax.legend()
fig.tight_layout()
plt.show()

# %%
# Where the best model errs
# -------------------------
# Confusion matrices are summed over the test folds, so every image is counted
# once.
best = summary.loc[summary["balanced_accuracy_mean"].idxmax(), "model"]
plot_confusion_matrix(result.confusion[best], list(data.target_names),
                      title=f"{best} (summed over folds)")
plt.show()

# %%
# Every fold
# ----------
# ``result.results`` has one row per model and fold, as ``results.csv`` in the
# report that ``skemo compare`` writes.
print(result.results.round(3).to_string(index=False))
