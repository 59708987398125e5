"""Cost of TransferClassifier.fit with a frozen backbone vs one backbone pass.

With ``trainable_layers=0`` the backbone runs once over the training images
and the head trains on cached embeddings, so 20 epochs should cost at most
about 2x a single backbone pass (the thesis's efficiency claim). Prints the
timings side by side and the ratio.

    python benchmarks/bench_transfer.py [--backbone vgg16] [--n-images 64]
        [--image-size 224] [--epochs 20] [--weights none|default]
    python benchmarks/bench_transfer.py --quick   # resnet18, 8 images of 64 px, 3 epochs
"""

import argparse
import time

import numpy as np
import torch

from skemo.models import TransferClassifier
from skemo.models._backbones import build_backbone
from skemo.models._base import embed_images


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbone", default="vgg16")
    parser.add_argument("--n-images", type=int, default=64)
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--weights", choices=["none", "default"], default="none")
    parser.add_argument("--quick", action="store_true",
                        help="resnet18, 8 images of 64 px, 3 epochs (seconds)")
    args = parser.parse_args()
    if args.quick:
        args.backbone, args.n_images, args.image_size, args.epochs = "resnet18", 8, 64, 3
    weights = None if args.weights == "none" else "DEFAULT"

    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (args.n_images, args.image_size, args.image_size, 3), np.uint8)
    y = np.arange(args.n_images) % 2

    backbone = build_backbone(args.backbone, weights)
    with torch.no_grad():
        backbone(torch.zeros(1, 3, 32, 32))  # warm-up (allocator, kernels)
    start = time.perf_counter()
    embed_images(lambda x: backbone(x).mean(dim=(2, 3)), X, None, args.batch_size, "cpu")
    one_pass = time.perf_counter() - start

    def fit(epochs):
        clf = TransferClassifier(args.backbone, weights=weights, image_size=None,
                                 max_epochs=epochs, batch_size=args.batch_size,
                                 random_state=0)
        start = time.perf_counter()
        clf.fit(X, y)
        return time.perf_counter() - start

    frozen = fit(args.epochs)
    build_only = fit(1)  # model construction + one pass + one epoch

    print(f"backbone={args.backbone} weights={weights} images={args.n_images} "
          f"size={args.image_size} threads={torch.get_num_threads()}")
    headers = ["one backbone pass", f"fit, {args.epochs} epochs (frozen)",
               "fit, 1 epoch (frozen)", "ratio fit/pass"]
    print("  ".join(f"{h:>28s}" for h in headers))
    values = [f"{one_pass:.2f}s", f"{frozen:.2f}s", f"{build_only:.2f}s",
              f"{frozen / one_pass:.2f}"]
    print("  ".join(f"{v:>28s}" for v in values))


if __name__ == "__main__":
    main()
