"""``skemo features``: painting features of image files, one CSV row per file."""

import sys

from ._common import (
    CHUNK_SIZE, CLIError, add_debug, check_image_side, expand_inputs, output_path, workers,
)


def add_parser(commands):
    parser = commands.add_parser(
        "features", help="painting features of images, as CSV",
        description="Compute the painting features (brightness, texture SSIMs, palette "
                    "distances; --affective adds Machajdik & Hanbury's) of every image. "
                    "One CSV row per file, in order (folders give their image files, "
                    "sorted): 'path', the features, and 'error', which holds why a file "
                    "could not be read (its features are then empty). With --scheduler the "
                    "chunks of files run on a Dask cluster (skemo[dask]); the rows are the "
                    "same, in the same order.")
    parser.add_argument("inputs", nargs="+", metavar="IMAGES_OR_DIR",
                        help="image files and folders of images")
    parser.add_argument("-o", "--out", required=True, metavar="FEATURES.CSV",
                        help="CSV file to write")
    parser.add_argument("--affective", action="store_true",
                        help="add the affective features (Machajdik & Hanbury 2010)")
    parser.add_argument("--n-jobs", type=int, default=None, metavar="N",
                        help="threads decoding files and computing features (-1: all cores)")
    parser.add_argument("--image-size", type=int, default=224, metavar="N",
                        help="working resolution of the features (default 224)")
    parser.add_argument("--random-state", type=int, default=0,
                        help="seed of the palette's k-means (default 0)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT", default=None,
                        help="address of a Dask scheduler to run the chunks on (needs "
                             "skemo[dask]; its workers must see the files at the same paths)")
    add_debug(parser)
    parser.set_defaults(func=run)


def run(args):
    check_image_side("--image-size", args.image_size)
    if args.n_jobs == 0:
        raise CLIError("--n-jobs", "must not be 0 (use 1, N or -1 for all cores).")
    n_jobs = workers(args.n_jobs)
    files = expand_inputs(args.inputs)
    out = output_path(args.out, inputs=files)

    import numpy as np
    import pandas as pd

    from skemo.features import PaintingFeatures
    from skemo.io._load import read_chunk
    from skemo.parallel import map_images

    from ._common import progress, report_errors, write_csv

    features = PaintingFeatures(affective=args.affective, image_size=args.image_size,
                                n_jobs=n_jobs, random_state=args.random_state)
    # Label-free: fit learns nothing from the images (default references); it is
    # fitted on the first readable file, so that the column names are known.
    names, errors = None, []
    for path in files:
        image, _, failed = read_chunk([path], args.image_size)
        if image is not None:
            names = list(features.fit(image).get_feature_names_out())
            break
        errors.extend(failed.values())
    if names is None:
        report_errors("skemo features", errors)
        raise CLIError("IMAGES", f"none of the {len(files)} files could be read as an image.")

    client = _connect(args.scheduler) if args.scheduler else None
    matrix = np.full((len(files), len(names)), np.nan)
    row_errors, errors = [], []
    bar = progress(len(files), "features")
    try:
        rows = map_images(features.transform, files, CHUNK_SIZE, client,
                          size=args.image_size, n_jobs=n_jobs)
        for i, (_, row, error) in enumerate(rows):
            if error is None:
                matrix[i] = row
            else:
                errors.append(error)
            row_errors.append(error or "")
            bar.update(1)
    finally:
        bar.close()
        if client is not None:
            client.close()
    width = len(names)
    frame = pd.DataFrame(matrix, columns=names)
    frame.insert(0, "path", files)
    frame["error"] = row_errors
    write_csv(frame, out, inputs=files)
    report_errors("skemo features", errors)
    print(f"skemo features: {len(files) - len(errors)} of {len(files)} images, "
          f"{width} features -> {out}", file=sys.stderr)
    return 0


def _connect(address):
    """A ``dask.distributed.Client`` of the scheduler at ``address`` (Dask imported here only)."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise CLIError("--scheduler", "needs Dask: pip install 'skemo[dask]'.") from exc
    try:
        return Client(address, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise CLIError("--scheduler", f"cannot connect to '{address}': {exc}") from exc
