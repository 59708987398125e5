"""``skemo features``: painting features of image files, one CSV row per file."""

import sys

from ._common import CHUNK_SIZE, CLIError, add_debug, expand_inputs, output_path


def add_parser(commands):
    parser = commands.add_parser(
        "features", help="painting features of images, as CSV",
        description="Compute the painting features (brightness, texture SSIMs, palette "
                    "distances; --affective adds Machajdik & Hanbury's) of every image. "
                    "One CSV row per file, in order (folders give their image files, "
                    "sorted): 'path', the features, and 'error', which holds why a file "
                    "could not be read (its features are then empty).")
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
    add_debug(parser)
    parser.set_defaults(func=run)


def run(args):
    if args.image_size < 1:
        raise CLIError("--image-size", f"must be a positive size in pixels; got {args.image_size}.")
    if args.n_jobs == 0:
        raise CLIError("--n-jobs", "must not be 0 (use 1, N or -1 for all cores).")
    files = expand_inputs(args.inputs)
    out = output_path(args.out)

    import numpy as np
    import pandas as pd

    from skemo.features import PaintingFeatures

    from ._common import progress, read_chunk, report_errors, write_csv

    features = PaintingFeatures(affective=args.affective, image_size=args.image_size,
                                n_jobs=args.n_jobs, random_state=args.random_state)
    names, blocks, errors = None, [], []
    bar = progress(len(files), "features")
    try:
        for start in range(0, len(files), CHUNK_SIZE):
            chunk = files[start:start + CHUNK_SIZE]
            images, ok, failed = read_chunk(chunk, args.image_size, args.n_jobs)
            if images is not None and names is None:
                # Label-free: fit learns nothing from the images (default references).
                features.fit(images[:1])
                names = list(features.get_feature_names_out())
            values = np.full((len(chunk), len(names) if names else 0), np.nan)
            if images is not None:
                values[ok] = features.transform(images)
            blocks.append((values, [failed.get(i, "") for i in range(len(chunk))]))
            errors.extend(failed.values())
            bar.update(len(chunk))
    finally:
        bar.close()
    if names is None:
        report_errors("skemo features", errors)
        raise CLIError("IMAGES", f"none of the {len(files)} files could be read as an image.")
    width = len(names)
    matrix = np.vstack([v if v.shape[1] == width else np.full((len(v), width), np.nan)
                        for v, _ in blocks])
    frame = pd.DataFrame(matrix, columns=names)
    frame.insert(0, "path", files)
    frame["error"] = [e for _, chunk_errors in blocks for e in chunk_errors]
    write_csv(frame, out)
    report_errors("skemo features", errors)
    print(f"skemo features: {len(files) - len(errors)} of {len(files)} images, "
          f"{width} features -> {out}", file=sys.stderr)
    return 0
