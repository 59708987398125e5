"""``skemo explain``: a Grad-CAM overlay per image, titled with the predicted class."""

import sys
from pathlib import Path

from ._common import CHUNK_SIZE, CLIError, add_debug, expand_inputs


def add_parser(commands):
    parser = commands.add_parser(
        "explain", help="Grad-CAM overlays: where a model looks",
        description="Write one Grad-CAM overlay PNG per image (<stem>_gradcam.png), titled "
                    "with the predicted class and its probability. Needs a model with a "
                    "convolutional feature map: shallnet, shallnet+aug or transfer (not the "
                    "baselines, cvfc or fusion, which read feature vectors).")
    parser.add_argument("--model", required=True, metavar="MODEL.skemo",
                        help="classifier file written by skemo train")
    parser.add_argument("inputs", nargs="+", metavar="IMAGE", help="image files or folders")
    parser.add_argument("-o", "--out", required=True, metavar="DIR",
                        help="folder for the PNG files (created if missing)")
    parser.add_argument("--alpha", type=float, default=0.5,
                        help="opacity of the map over the image (default 0.5)")
    add_debug(parser)
    parser.set_defaults(func=run)


def convolutional_part(estimator):
    """The fitted network whose last convolutional maps Grad-CAM reads, or None."""
    for candidate in (estimator, getattr(estimator, "estimator_", None)):
        module = getattr(candidate, "module_", None)
        if module is not None and callable(getattr(module, "forward_features", None)):
            return candidate
    return None


def run(args):
    if not 0.0 <= args.alpha <= 1.0:
        raise CLIError("--alpha", f"must lie in [0, 1]; got {args.alpha}.")
    files = expand_inputs(args.inputs)
    inputs = [*files, args.model]
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CLIError("-o", f"'{out}' exists and is not a folder.")

    from ._common import load_model

    estimator = load_model(args.model)
    network = convolutional_part(estimator)
    if network is None or not hasattr(estimator, "predict_proba"):
        raise CLIError("--model", f"{type(estimator).__name__} has no convolutional feature map "
                                  "to explain; Grad-CAM needs a shallnet, shallnet+aug or "
                                  "transfer classifier (not cvfc, fusion or a baseline).")
    out.mkdir(parents=True, exist_ok=True)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from skemo.inspection import class_activation_map, plot_cam

    from skemo.io import stream_images

    from ._common import input_size, progress, report_errors, save_figure

    size = input_size(network, default=224)
    classes = [str(c) for c in estimator.classes_]
    errors, written, stems = [], 0, set()
    bar = progress(len(files), "explain")
    try:
        for start, images, ok, failed in stream_images(files, CHUNK_SIZE, size, device=None,
                                                       on_error="keep"):
            chunk = files[start:start + CHUNK_SIZE]
            errors.extend(failed.values())
            if images is not None:
                proba = np.asarray(estimator.predict_proba(images))
                best = proba.argmax(axis=1)
                maps = class_activation_map(network, images, target=network.classes_[best],
                                            method="gradcam")
                for j, i in enumerate(ok):
                    stem = _unique_stem(Path(chunk[i]).stem, stems)
                    figure, ax = plt.subplots(figsize=(4, 4))
                    plot_cam(images[j], maps[j], ax=ax, alpha=args.alpha)
                    ax.set_title(f"{classes[best[j]]} ({proba[j, best[j]]:.0%})")
                    save_figure(figure, out / f"{stem}_gradcam.png", inputs=inputs)
                    plt.close(figure)
                    written += 1
            bar.update(len(chunk))
    finally:
        bar.close()
    report_errors("skemo explain", errors)
    print(f"skemo explain: {written} of {len(files)} images -> {out}/", file=sys.stderr)
    return 1 if errors else 0


def _unique_stem(stem, seen):
    """``stem``, or ``stem-2``, ``stem-3``... when two inputs share a name."""
    name, n = stem, 1
    while name in seen:
        n += 1
        name = f"{stem}-{n}"
    seen.add(name)
    return name
