"""``skemo predict``: labels and probabilities, or ratings, of image files as CSV."""

import sys

from ._common import (
    CHUNK_SIZE, CLIError, add_debug, check_number, expand_inputs, output_path, workers,
)


def add_parser(commands):
    parser = commands.add_parser(
        "predict", help="predict the emotion (or ratings) of images, as CSV",
        description="Predict with a model saved by 'skemo train'. A classifier gives each "
                    "file's 'label' and one 'proba_<class>' column per class; a regressor "
                    "one column per rating. Files that cannot be read keep their row, with "
                    "the reason in 'error'.")
    parser.add_argument("--model", required=True, metavar="MODEL.skemo",
                        help="model file written by skemo train")
    parser.add_argument("inputs", nargs="+", metavar="IMAGES_OR_DIR",
                        help="image files and folders of images")
    parser.add_argument("-o", "--out", default=None, metavar="PREDICTIONS.CSV",
                        help="CSV file to write (default: print to stdout)")
    parser.add_argument("--sort-by", default=None, metavar="CLASS_OR_TARGET",
                        help="rank rows by this class's probability or this rating, descending")
    parser.add_argument("--top", type=int, default=None, metavar="K",
                        help="keep the first K rows (after --sort-by)")
    parser.add_argument("--n-jobs", type=int, default=None, metavar="N",
                        help="threads decoding the files")
    add_debug(parser)
    parser.set_defaults(func=run)


def output_columns(estimator):
    """``(kind, names, columns)``: what the model predicts, and the CSV columns of it."""
    classes = getattr(estimator, "classes_", None)
    if classes is not None and hasattr(estimator, "predict_proba"):
        names = [str(c) for c in classes]
        return "classifier", names, [f"proba_{c}" for c in names]
    names = getattr(estimator, "target_names_", None)
    if names is None:
        n = getattr(estimator, "n_outputs_", 1)
        names = [f"target_{j}" for j in range(n if isinstance(n, int) else 1)]
    names = [str(n) for n in names]
    return "regressor", names, names


def sort_column(kind, names, columns, sort_by):
    if sort_by is None:
        return None
    if sort_by in names:
        return columns[names.index(sort_by)]
    if sort_by in columns:
        return sort_by
    what = "classes" if kind == "classifier" else "targets"
    raise CLIError("--sort-by", f"{sort_by!r} is not one of the model's {what}: "
                                f"{', '.join(names)}.")


def run(args):
    check_number("--top", args.top)
    n_jobs = workers(args.n_jobs)
    files = expand_inputs(args.inputs)
    inputs = [*files, args.model]
    out = None if args.out is None else output_path(args.out, inputs=inputs)

    from ._common import load_model

    estimator = load_model(args.model)
    kind, names, columns = output_columns(estimator)
    by = sort_column(kind, names, columns, args.sort_by)

    import numpy as np
    import pandas as pd

    from skemo.io import stream_images

    from ._common import input_size, progress, report_errors, write_csv

    size = input_size(estimator, default=64)
    rows, errors = [], []
    bar = progress(len(files), "predict")
    try:
        # The next chunks are decoded while the model predicts this one.
        for start, images, ok, failed in stream_images(files, CHUNK_SIZE, size, n_jobs=n_jobs,
                                                       device=None, on_error="keep"):
            chunk = files[start:start + CHUNK_SIZE]
            values = np.full((len(chunk), len(columns)), np.nan)
            labels = [""] * len(chunk)
            if images is not None:
                if kind == "classifier":
                    proba = np.asarray(estimator.predict_proba(images), dtype=float)
                    values[ok] = proba
                    for i, best in zip(ok, proba.argmax(axis=1)):
                        labels[i] = names[best]
                else:
                    pred = np.asarray(estimator.predict(images), dtype=float)
                    values[ok] = pred.reshape(len(ok), -1)[:, :len(columns)]
            for i, path in enumerate(chunk):
                row = {"path": path}
                if kind == "classifier":
                    row["label"] = labels[i]
                row.update(zip(columns, values[i]))
                row["error"] = failed.get(i, "")
                rows.append(row)
            errors.extend(failed.values())
            bar.update(len(chunk))
    finally:
        bar.close()
    frame = pd.DataFrame(rows)
    if by is not None:
        frame = frame.sort_values(by, ascending=False, kind="stable", na_position="last")
    if args.top is not None:
        frame = frame.head(min(args.top, len(frame)))
    write_csv(frame, out, inputs=inputs)
    report_errors("skemo predict", errors)
    if out is not None:
        print(f"skemo predict: {len(files) - len(errors)} of {len(files)} images -> {out}",
              file=sys.stderr)
    return 0
