"""``skemo gan train`` and ``skemo gan sample``: generative models of paintings."""

import math
import time

from ._common import (
    DATA_SPECS, MAX_SYNTHETIC, CLIError, Parser, add_debug, check_image_side, check_number,
    data_files, load_data, output_path, parse_data,
)

# --arch -> (estimator class in skemo.gan, image sizes it makes, None for any); the first is
# the default, the recipe benchmarks/bench_gan_fewshot.py measured best on 100 images.
ARCHITECTURES = {"fastgan": ("FastGAN", (64, 128, 256)), "dcgan": ("DCGAN", (16, 32, 64, 128)),
                 "basic": ("BasicGAN", None), "deconv": ("DeconvGAN", (8, 16, 32, 64, 128))}
DEFAULT_ARCH = next(iter(ARCHITECTURES))


def add_parser(commands):
    gan = commands.add_parser(
        "gan", help="train a GAN on paintings, or draw images from one",
        description="Generative adversarial networks: 'skemo gan train' fits one and saves it, "
                    "'skemo gan sample' draws a contact sheet from it.")
    add_debug(gan)
    sub = gan.add_subparsers(dest="gan_command", required=True, metavar="COMMAND",
                             parser_class=Parser)

    train = sub.add_parser(
        "train", help="train a GAN and save it",
        description="Train a GAN on the images of --data and save it as a .skemo file. The "
                    "defaults are the recipe measured best on 100 images: FastGAN with its "
                    "paper's settings (hinge loss, DiffAugment color,translation, batches "
                    "of 8), without its weight average, which scored worse here. A progress "
                    "bar shows the epochs and losses; --sheets shows the images while they "
                    "form.")
    train.add_argument("--data", required=True, metavar="SPEC", help=" | ".join(DATA_SPECS))
    train.add_argument("--arch", default=DEFAULT_ARCH, choices=list(ARCHITECTURES),
                       help=f"FastGAN (Liu et al. 2021; the default), DCGAN (Radford et al.), "
                            f"or the thesis's BasicGAN / DeconvGAN")
    train.add_argument("-o", "--out", required=True, metavar="GAN.skemo",
                       help="model file to write")
    train.add_argument("--conditional", action="store_true",
                       help="one generator for all classes (sample them with --class)")
    train.add_argument("--diffaugment", default=None, metavar="POLICY",
                       help="DiffAugment policy, e.g. color,translation,cutout, or 'none' "
                            "(default: the architecture's; FastGAN color,translation, others "
                            "none)")
    train.add_argument("--ema", type=float, default=None, metavar="DECAY",
                       help="sample from a weight average of the generator with this decay "
                            "(default none; 0.999 in FastGAN's paper)")
    train.add_argument("--r1", type=float, default=None, metavar="WEIGHT",
                       help="R1 penalty on real images (default 0)")
    train.add_argument("--spectral-norm", action="store_true",
                       help="spectrally normalise the discriminator")
    train.add_argument("--ada-target", type=float, default=None, metavar="T",
                       help="adaptive augmentation: DiffAugment's probability follows D's "
                            "sign on real images towards T (0.6 in the paper)")
    train.add_argument("--image-size", type=int, default=64, metavar="N",
                       help="side of the generated images (FastGAN: 64, 128 or 256; DCGAN: 16, "
                            "32, 64 or 128; default 64)")
    train.add_argument("--max-epochs", type=int, default=100, metavar="N")
    train.add_argument("--sheets", default=None, metavar="DIR",
                       help="write a sheet of samples from one fixed latent every "
                            "--sheet-every epochs into DIR, to watch the GAN learn")
    train.add_argument("--sheet-every", type=int, default=10, metavar="N",
                       help="epochs between sheets (default 10; the last epoch always)")
    train.add_argument("--random-state", type=int, default=0, metavar="S")
    train.add_argument("--n-samples", type=int, default=400, help="images of --data synthetic")
    train.add_argument("--torch-threads", type=int, default=0,
                       help="torch intra-op threads (default 0: torch's choice)")
    add_debug(train)
    train.set_defaults(func=run_train)

    sample = sub.add_parser(
        "sample", help="draw images from a trained GAN into a PNG grid",
        description="Draw images from a GAN saved by 'skemo gan train' into a contact sheet.")
    sample.add_argument("--model", required=True, metavar="GAN.skemo")
    sample.add_argument("-n", "--n-samples", type=int, default=64, metavar="N",
                        help="number of images (default 64)")
    sample.add_argument("--class", dest="label", default=None, metavar="C",
                        help="class to draw (conditional GANs; default: all, at random)")
    sample.add_argument("--ncols", type=int, default=None,
                        help="images per row (default: a square grid)")
    sample.add_argument("--random-state", type=int, default=0, metavar="S")
    sample.add_argument("-o", "--out", required=True, metavar="GRID.png",
                        help="PNG file to write")
    add_debug(sample)
    sample.set_defaults(func=run_sample)


def _gan_params(args):
    """The estimator's parameters the options set; the others keep the class's defaults."""
    params = {"image_size": args.image_size, "conditional": args.conditional,
              "max_epochs": args.max_epochs, "random_state": args.random_state}
    if args.diffaugment is not None:
        params["diffaugment"] = None if args.diffaugment.lower() == "none" else args.diffaugment
    for name in ("ema", "r1", "ada_target"):
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    if args.spectral_norm:
        params["spectral_norm"] = True
    return params


def run_train(args):
    spec = parse_data(args.data)
    cls_name, sizes = ARCHITECTURES[args.arch]
    if sizes is not None and args.image_size not in sizes:
        raise CLIError("--image-size", f"{cls_name} makes images of "
                                       f"{', '.join(map(str, sizes))} px; got {args.image_size}.")
    check_image_side("--image-size", args.image_size)
    check_number("--max-epochs", args.max_epochs)
    check_number("--sheet-every", args.sheet_every)
    check_number("--n-samples", args.n_samples, 1, MAX_SYNTHETIC, " images")
    inputs = data_files(spec)
    out = output_path(args.out, inputs=inputs)
    sheets = None if args.sheets is None else _sheets_folder(args.sheets, inputs)

    import numpy as np

    import skemo.gan

    from ._common import save_model, set_threads

    start = time.perf_counter()
    images, target, names = load_data(
        spec, size=args.image_size, prog="skemo gan train", n_samples=args.n_samples,
        synthetic_size=args.image_size, random_state=args.random_state)
    y = None
    if args.conditional:
        if np.issubdtype(target.dtype, np.floating) or target.ndim != 1:
            raise CLIError("--conditional", f"needs class labels; {args.data!r} gives ratings.")
        y = np.asarray([str(names[k]) if k < len(names) else str(k) for k in target],
                       dtype=object)
    callbacks = [skemo.gan.EpochProgressBar()]
    if sheets is not None:
        callbacks.append(skemo.gan.SampleSheet(sheets, every=args.sheet_every,
                                               random_state=args.random_state))
    gan = getattr(skemo.gan, cls_name)(**_gan_params(args), callbacks=callbacks)
    try:
        gan._validate_params()  # the options' values, checked before any training
    except ValueError as exc:
        raise CLIError(*_option_of(exc)) from None
    previous = set_threads(args.torch_threads)
    try:
        gan.fit(images, y)
    finally:
        set_threads(previous)
    gan.set_params(callbacks=None)  # watching training is not part of the model
    save_model(gan, out, inputs)
    classes = f", classes {', '.join(map(str, gan.classes_))}" if args.conditional else ""
    shown = f"; sample sheets in {sheets}" if sheets is not None else ""
    print(f"{args.arch} GAN ({args.image_size} px{classes}) trained on {len(images)} images for "
          f"{args.max_epochs} epochs in {time.perf_counter() - start:.1f} s -> {out}{shown}")
    return 0


def _sheets_folder(path, inputs):
    """The ``--sheets`` folder: a folder or a new path, holding none of the input files
    (the sheets would overwrite them, or join the training images of the next run)."""
    from pathlib import Path

    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise CLIError("--sheets", f"'{path}' exists and is not a folder.")
    inside = folder.resolve()
    if any(inside in Path(f).resolve().parents for f in inputs):
        raise CLIError("--sheets", f"'{path}' holds files of --data; choose another folder.")
    return folder


_OPTIONS = {"diffaugment": "--diffaugment", "ema": "--ema", "r1": "--r1",
            "ada_target": "--ada-target"}


def _option_of(exc):
    """``(option, message)`` of a parameter error: the option the message names."""
    message = str(exc)
    for name, option in _OPTIONS.items():
        if f"'{name}'" in message or message.startswith(name):
            return option, message
    return "--arch", message


def run_sample(args):
    check_number("-n", args.n_samples)
    check_number("--ncols", args.ncols)
    out = output_path(args.out, inputs=[args.model])

    from PIL import Image

    from skemo.io import save_image_grid

    from ._common import load_model

    gan = load_model(args.model)
    if not callable(getattr(gan, "sample", None)) or not hasattr(gan, "conditional"):
        raise CLIError("--model", f"'{args.model}' holds a {type(gan).__name__}, not a GAN.")
    # The sheet must be an image Pillow writes and reads back: its pixels within Pillow's
    # decompression-bomb limit, which also bounds the memory the samples take.
    side = gan.image_size + 2  # with the sheet's padding
    most = max(1, (Image.MAX_IMAGE_PIXELS or 2**28) // side**2)
    check_number("-n", args.n_samples, 1, most, f" images of {gan.image_size} px (one sheet)")
    label = args.label
    if label is not None:
        if not gan.conditional:
            raise CLIError("--class", "this GAN is not conditional: it draws no given class.")
        classes = [str(c) for c in gan.classes_]
        if label not in classes:
            raise CLIError("--class", f"unknown class {label!r}; choose from {', '.join(classes)}.")
        label = gan.classes_[classes.index(label)]
    images = gan.sample(args.n_samples, y=label, random_state=args.random_state)
    ncols = args.ncols or math.ceil(math.sqrt(args.n_samples))
    save_image_grid(images, out, ncols=ncols)
    print(f"{args.n_samples} images of {images.shape[1]} px -> {out}")
    return 0
