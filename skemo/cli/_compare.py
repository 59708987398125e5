"""``skemo demo`` and ``skemo compare``: the built-in paintings, and the thesis's Table 1."""

import time
from pathlib import Path

from ._common import (
    CLASSIFIER_NAMES, DATA_SPECS, MAX_SYNTHETIC, CLIError, add_debug, check_image_side,
    check_number, load_data, parse_data,
)


def add_parsers(commands):
    demo = commands.add_parser(
        "demo", help="summarise the built-in synthetic paintings",
        description="Summarise the built-in synthetic paintings and write a contact sheet.")
    demo.add_argument("--n-samples", type=int, default=400)
    demo.add_argument("--n-classes", type=int, default=4)
    demo.add_argument("--image-size", type=int, default=64)
    demo.add_argument("--per-class", type=int, default=8)
    demo.add_argument("--random-state", type=int, default=0)
    demo.add_argument("--out", default="skemo-report", help="report folder")
    add_debug(demo)
    demo.set_defaults(func=run_demo)

    compare = commands.add_parser(
        "compare", help="cross-validate the thesis's models and write a report",
        description="Cross-validate the thesis's models (its Table 1) on the same stratified "
                    "folds and write a report.")
    compare.add_argument("--data", default="synthetic", help=" | ".join(DATA_SPECS))
    compare.add_argument(
        "--target", default=None,
        help="oasis: valence2|valence3|quadrant4; thesis-csv: thesis4|binary",
    )
    compare.add_argument(
        "--models", nargs="+", choices=CLASSIFIER_NAMES, default=None, metavar="MODEL",
        help=f"subset of {', '.join(CLASSIFIER_NAMES)} (default: all)",
    )
    compare.add_argument("--folds", type=int, default=5)
    compare.add_argument("--n-samples", type=int, default=600, help="synthetic images")
    compare.add_argument("--image-size", type=int, default=64,
                         help="synthetic image size, and the size ShallNet sees")
    compare.add_argument("--backbone-image-size", type=int, default=None,
                         help="size the backbone sees (default: 224, or --image-size "
                              "for synthetic data)")
    compare.add_argument("--backbone", default="auto")
    compare.add_argument("--random-weights", action="store_true",
                         help="random backbone weights (with an explicit --backbone)")
    compare.add_argument("--epochs", type=int, default=60,
                         help="ShallNet epochs (its own default; shallnet+aug gets a quarter)")
    compare.add_argument("--no-cache", action="store_true",
                         help="refit the label-free features and embeddings in every fold")
    compare.add_argument("--random-state", type=int, default=0)
    # The per-fold networks are tiny: with 2 threads on 2 cores they burned 3x
    # the CPU of 1 thread (615 s vs 197 s for the default run) for no speed-up.
    compare.add_argument("--torch-threads", type=int, default=1,
                         help="torch intra-op threads (default 1; 0 keeps torch's choice)")
    compare.add_argument("--verbose", type=int, default=1,
                         help="1: progress over fits; 2: also over images")
    compare.add_argument("--out", default="skemo-report", help="report folder ('' for none)")
    compare.add_argument("--resume", default=None, metavar="DIR",
                         help="keep each finished fold in DIR; rerun with the same DIR after an "
                              "interruption to fit only the missing folds")
    add_debug(compare)
    compare.set_defaults(func=run_compare)


def run_demo(args):
    check_number("--n-samples", args.n_samples, 1, MAX_SYNTHETIC, " images")
    check_number("--n-classes", args.n_classes, 2, args.n_samples, " classes (--n-samples)")
    check_image_side("--image-size", args.image_size)
    check_number("--per-class", args.per_class, 1, 1000)

    import numpy as np

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
    out.mkdir(parents=True, exist_ok=True)
    per_class = args.per_class
    rows = [images[target == k][:per_class] for k in range(len(names))]
    sheet = save_image_grid(np.concatenate(rows), out / "paintings.png", ncols=per_class)
    print(f"contact sheet ({per_class} per class, one class per row): {sheet}")
    return 0


def run_compare(args):
    spec = parse_data(args.data)
    if args.folds < 2:
        raise CLIError("--folds", f"needs at least 2 folds; got {args.folds}.")
    check_number("--n-samples", args.n_samples, 1, MAX_SYNTHETIC, " images")
    check_image_side("--image-size", args.image_size)
    check_image_side("--backbone-image-size", args.backbone_image_size)
    check_number("--epochs", args.epochs)
    from ._common import set_threads

    previous = set_threads(args.torch_threads)
    try:
        return _run_compare(args, spec)
    finally:
        set_threads(previous)


def _run_compare(args, spec):
    import numpy as np

    from skemo.evaluation import compare_models, format_table, write_report

    start = time.perf_counter()
    images, target, names = load_data(
        spec, size=max(args.backbone_image_size or 224, args.image_size), prog="skemo compare",
        target=args.target, n_samples=args.n_samples, synthetic_size=args.image_size,
        random_state=args.random_state)
    if np.issubdtype(target.dtype, np.floating):
        raise CLIError("--data", f"{args.data!r} gives continuous ratings; compare "
                                 "cross-validates classifiers: pick a class target with --target "
                                 "(or use skemo train with a regressor).")
    backbone_image_size = args.backbone_image_size or (
        args.image_size if spec.kind == "synthetic" else 224
    )
    counts = ", ".join(f"{names[k] if k < len(names) else k}: {c}"
                       for k, c in enumerate(np.bincount(target)))
    print(
        f"data {args.data}: {len(images)} images of {images.shape[1]}x{images.shape[2]} px "
        f"({counts}); ShallNet sees {args.image_size} px, the backbone {backbone_image_size} px"
    )
    try:
        result = compare_models(
            images, target, args.models, n_splits=args.folds, backbone=args.backbone,
            weights=None if args.backbone != "auto" and args.random_weights else "DEFAULT",
            backbone_image_size=backbone_image_size, shallnet_image_size=args.image_size,
            epochs=args.epochs,
            cache=not args.no_cache, random_state=args.random_state, verbose=args.verbose,
            resume=args.resume,
        )
    except ValueError as error:
        if args.resume and str(error).startswith("resume folder"):
            raise CLIError("--resume", str(error)) from None
        raise
    print(f"\n{args.folds}-fold stratified CV (shuffled, random_state={args.random_state}); "
          f"backbone {result.backbone} (weights={result.weights})")
    print(format_table(result.summary))
    for key, seconds in result.shared_seconds.items():
        if key in ("features", "embedding"):
            print(f"- {key} computed once for all images in {seconds:.1f} s (label-free, "
                  "leak-free); scalers and classifiers are fitted inside each fold")
    for note in result.notes:
        print(f"- {note}")
    if args.out:
        paths = write_report(
            result, images, target, args.out, target_names=names,
            random_state=args.random_state, log=print,
        )
        print(f"report: {len(paths)} files in {args.out}/ ({', '.join(p.name for p in paths)})")
    print(f"total wall time {time.perf_counter() - start:.1f} s")
    return 0
