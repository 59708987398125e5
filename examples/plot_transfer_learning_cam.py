"""
Transfer learning and where the model looks
===========================================

:class:`~skemo.models.TransferClassifier` puts a small head on a pretrained
convolutional backbone. With the backbone frozen (``trainable_layers=0``),
``fit`` runs it once over the training images and trains only the head on the
cached embeddings.

Class activation maps show which parts of an image raise the score of a
class. :func:`~skemo.inspection.class_activation_map` computes them for a frozen
backbone too: the gradient is taken with respect to the feature maps, not the
(frozen) weights.
"""

# %%
# Data and model
# --------------
# The synthetic paintings carry the class both globally (palette, texture) and
# locally (the shape of a small figure). The backbone is the offline
# ``efficientnet_lite0`` when the ``pretrained`` extra is installed; it sees the
# images at their 64 px, which keeps this example fast.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from skemo.datasets import make_paintings
from skemo.evaluation import default_backbone
from skemo.inspection import class_activation_map, plot_cam
from skemo.models import ShallNet, TransferClassifier

data = make_paintings(n_samples=240, image_size=64, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    data.images, data.target, test_size=0.25, stratify=data.target, random_state=0
)
backbone, weights = default_backbone()
transfer = TransferClassifier(backbone, weights=weights, image_size=64, max_epochs=20,
                              random_state=0).fit(X_train, y_train)
print(f"{backbone}: test accuracy {transfer.score(X_test, y_test):.3f}")

# %%
# Grad-CAM of the transfer model
# ------------------------------
# The default head has a hidden layer with a ReLU between the pooled
# features and the logits, so the exact CAM of Zhou et al. does not apply:
# Grad-CAM weights each feature map by the mean gradient of the class logit.
# Each map explains the predicted class and is scaled to a maximum of 1.
images = X_test[:6]
maps = class_activation_map(transfer, images, method="gradcam")
pred = transfer.predict(images)
fig, axes = plt.subplots(2, 6, figsize=(10, 3.8))
for i in range(6):
    axes[0, i].imshow(images[i])
    axes[0, i].set_axis_off()
    axes[0, i].set_title(f"true {data.target_names[y_test[i]]}", fontsize=8)
    plot_cam(images[i], maps[i], ax=axes[1, i])
    axes[1, i].set_title(f"pred {data.target_names[pred[i]]}", fontsize=8)
plt.show()

# %%
# CAM equals Grad-CAM for a linear head
# -------------------------------------
# With ``hidden_units=None`` the head is global average pooling followed by one
# linear layer. The gradient of a logit with respect to the maps is then the
# class weight divided by the number of positions, the same everywhere, so CAM
# and Grad-CAM agree up to a positive scale, and exactly once normalised.
linear = TransferClassifier(backbone, weights=weights, image_size=64, hidden_units=None,
                            max_epochs=20, random_state=0).fit(X_train, y_train)
cam = class_activation_map(linear, images, method="cam")
grad = class_activation_map(linear, images, method="gradcam")
print(f"largest |CAM - Grad-CAM|: {np.abs(cam - grad).max():.2e}")

# %%
# ShallNet, trained from scratch
# ------------------------------
# The thesis's shallow network works too. Its last feature maps are 8 x 8 for
# 64 px images, so its maps are coarser.
shallnet = ShallNet(max_epochs=20, random_state=0).fit(X_train, y_train)
print(f"ShallNet: test accuracy {shallnet.score(X_test, y_test):.3f}")
maps = class_activation_map(shallnet, images, method="gradcam")
fig, axes = plt.subplots(1, 6, figsize=(10, 2))
for ax, image, m in zip(axes, images, maps):
    plot_cam(image, m, ax=ax)
plt.show()
