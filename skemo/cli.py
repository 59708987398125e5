"""The ``skemo`` command line.

Subcommands
-----------
demo
    Summarise the built-in synthetic paintings and write a contact sheet.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np


def _demo(args):
    from skemo.datasets import make_paintings
    from skemo.io import save_image_grid

    start = time.perf_counter()
    data = make_paintings(
        n_samples=args.n_samples,
        n_classes=args.n_classes,
        image_size=args.image_size,
        random_state=args.random_state,
    )
    seconds = time.perf_counter() - start
    images, target = data.images, np.asarray(data.target)
    names = list(data.target_names)
    print(
        f"make_paintings: {len(images)} images of {images.shape[1]}x{images.shape[2]} px, "
        f"{len(names)} classes, made in {seconds:.2f} s (random_state={args.random_state})"
    )
    print(f"{'class':<20}{'count':>7}{'brightness':>12}{'saturation':>12}")
    pixels = images.astype(np.float32) / 255.0 if images.dtype == np.uint8 else images
    brightness = pixels.mean(axis=(1, 2, 3))
    saturation = (pixels.max(axis=3) - pixels.min(axis=3)).mean(axis=(1, 2))
    for k, name in enumerate(names):
        mask = target == k
        print(
            f"{str(name):<20}{int(mask.sum()):>7}"
            f"{brightness[mask].mean():>12.3f}{saturation[mask].mean():>12.3f}"
        )
    out = Path(args.out)
    per_class = args.per_class
    rows = [images[target == k][:per_class] for k in range(len(names))]
    sheet = save_image_grid(np.concatenate(rows), out / "paintings.png", ncols=per_class)
    print(f"contact sheet ({per_class} per class, one class per row): {sheet}")
    return 0


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="skemo", description="Predict the emotion a painting evokes."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="summarise the built-in synthetic paintings")
    demo.add_argument("--n-samples", type=int, default=400)
    demo.add_argument("--n-classes", type=int, default=4)
    demo.add_argument("--image-size", type=int, default=64)
    demo.add_argument("--per-class", type=int, default=8)
    demo.add_argument("--random-state", type=int, default=0)
    demo.add_argument("--out", default="skemo-report", help="report folder")
    demo.set_defaults(func=_demo)
    return parser


def main(argv=None):
    """Run the ``skemo`` command; returns the exit status."""
    args = _build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
