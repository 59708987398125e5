"""Pieces the ``skemo`` commands share: errors, ``--data`` specs, inputs, reading, CSV output.

Only the standard library is imported at module level, so that ``skemo --help``
stays fast; numpy, pandas and skemo's own modules are imported inside the
functions that need them.
"""

import argparse
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from skemo._files import IMAGE_EXTENSIONS, image_files

# The models `skemo compare` and `skemo train` know. Literals, so that building
# the parser imports nothing heavy; tests check them against skemo.evaluation.
CLASSIFIER_NAMES = ("majority", "cvfc", "shallnet", "transfer", "fusion", "shallnet+aug")
REGRESSOR_NAMES = ("mean", "cvfc-regressor", "transfer-regressor", "fusion-regressor")
GAN_ARCHITECTURES = ("dcgan", "basic", "deconv")

DATA_SPECS = (
    "synthetic[:N]",
    "folder:DIR",
    "oasis:DIR[:TARGET]",
    "ratings:CSV,IMAGEDIR,FILECOL,TARGETCOL[,TARGETCOL...]",
    "thesis-csv:CSV,IMAGEDIR",
)
# Images per chunk in features and predict: memory stays flat in the number of files.
CHUNK_SIZE = 64


class CLIError(Exception):
    """A user error: ``main`` prints ``<prog>: <option>: <message>`` and exits 2."""

    def __init__(self, option, message, prog=None):
        self.option = option
        self.prog = prog
        super().__init__(f"{option}: {message}" if option else message)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, raised as :class:`CLIError`."""

    def error(self, message):
        raise CLIError(None, message, prog=self.prog)


def add_debug(parser):
    """``--debug`` on a subcommand too, so that it may follow the command's name."""
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the full traceback of an error")


# -- inputs ----------------------------------------------------------------------------
def expand_inputs(inputs, option="IMAGES"):
    """Files, in order: a folder gives its image files (recursive, sorted), a file itself.

    A missing path, or a folder without image files, is a :class:`CLIError`.
    """
    files = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = image_files(path)
            if not found:
                raise CLIError(option, f"folder '{path}' holds no image files "
                                       f"({', '.join(sorted(IMAGE_EXTENSIONS))}).")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise CLIError(option, f"'{path}' does not exist.")
    if not files:
        raise CLIError(option, "no image files given.")
    return [str(f) for f in files]


def report_errors(prog, errors):
    """List unreadable files on stderr, one line each."""
    for message in errors:
        print(f"{prog}: skipped: {message}", file=sys.stderr)


def progress(total, desc, unit="image"):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr,
                disable=None if total > 1 else True)


# -- sizes a user types ------------------------------------------------------------------
# Bounded, so that a typo cannot ask for terabytes; image sides share the limit of model
# files (skemo._validation.MAX_IMAGE_SIDE, 4096).
MAX_SYNTHETIC = 100_000  # synthetic paintings one command makes


def check_number(option, value, least=1, most=None, unit=""):
    """``value`` of ``option`` if it lies in ``[least, most]``; else a one-line error."""
    if value is not None and value < least:
        raise CLIError(option, f"must be at least {least}; got {value}.")
    if value is not None and most is not None and value > most:
        raise CLIError(option, f"must be at most {most:,}{unit}; got {value:,}.")
    return value


def check_image_side(option, value):
    from skemo._validation import MAX_IMAGE_SIDE

    return check_number(option, value, 1, MAX_IMAGE_SIDE, " pixels")


def workers(n):
    """A worker count typed by the user, clamped to the cores (None and -1 kept)."""
    if n is None or n < 1:
        return n
    from joblib import cpu_count

    return min(n, cpu_count())


# -- output ----------------------------------------------------------------------------
def output_path(path, option="-o", inputs=()):
    """The ``-o`` file, checked before any work: a link is written through; an existing
    folder, FIFO, device or any input file is refused (skemo.io._atomic.check_output)."""
    from skemo.io._atomic import check_output

    try:
        check_output(path, inputs)
    except (ValueError, FileNotFoundError) as exc:
        raise CLIError(option, str(exc)) from None
    return Path(path)


def data_files(spec):
    """The files a parsed ``--data`` reads (its tables, and every file under its folders)."""
    files = []
    for path in map(Path, spec.paths):
        files.extend(p for p in path.rglob("*") if p.is_file()) if path.is_dir() \
            else files.append(path)
    return files


def write_csv(frame, path=None, inputs=()):
    """Write a DataFrame as CSV, atomically to ``path``, or to stdout when None.

    UTF-8, except that a file name that is not UTF-8 keeps its own bytes
    (surrogateescape), so the path column finds the file: read such a CSV back with
    ``pandas.read_csv(path, encoding_errors="surrogateescape")``.
    """
    if path is None:
        text = frame.to_csv(index=False, lineterminator="\n")
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape"))
        sys.stdout.buffer.flush()
        return
    from skemo.io._atomic import atomic_write

    with atomic_write(path, "w", inputs=inputs, newline="", encoding="utf-8",
                      errors="surrogateescape") as f:
        frame.to_csv(f, index=False, lineterminator="\n")


def save_figure(figure, path, inputs=()):
    """Save a matplotlib figure as PNG, atomically."""
    from skemo.io._atomic import atomic_write

    with atomic_write(path, "wb", inputs=inputs) as f:
        figure.savefig(f, format="png", bbox_inches="tight")


# -- models ----------------------------------------------------------------------------
def load_model(path, option="--model"):
    """The estimator saved in ``path`` by ``skemo.io.save_model``."""
    path = Path(path)
    if not path.is_file():
        raise CLIError(option, f"model file '{path}' does not exist.")
    from skemo.model_file import load_model as load

    try:
        return load(path)
    except ValueError as exc:
        raise CLIError(option, str(exc)) from exc


def save_model(estimator, path, inputs=()):
    from skemo.io._atomic import check_output
    from skemo.model_file import save_model as save

    check_output(path, inputs)  # save_model's atomic write knows no inputs
    save(estimator, path)


def input_size(estimator, default=None):
    """The largest ``image_size`` among the estimator's parameters (nested ones
    included): files are decoded at it once, then each step resizes in memory."""
    sizes = []
    try:
        params = estimator.get_params(deep=True)
    except Exception:  # a GAN or any estimator whose nested params cannot be listed
        params = {"image_size": getattr(estimator, "image_size", None)}
    for key, value in params.items():
        if key == "image_size" or key.endswith("__image_size"):
            if isinstance(value, int) and not isinstance(value, bool):
                sizes.append(value)
            elif isinstance(value, (tuple, list)) and len(value) == 2:
                sizes.append(max(value))
    return max(sizes) if sizes else default


def set_threads(n):
    """Limit torch's intra-op threads (at most the cores); returns the previous count (None
    if untouched)."""
    if not n:
        return None
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(workers(n))
    return previous



# -- --data ----------------------------------------------------------------------------
@dataclass
class DataSpec:
    """A parsed ``--data`` value: its kind and where the data lies."""

    kind: str
    text: str
    paths: tuple = ()
    target: object = None
    n_samples: int = None
    columns: tuple = field(default_factory=tuple)


def _exists(option, path, what, directory):
    path = Path(path)
    ok = path.is_dir() if directory else path.is_file()
    if not ok:
        state = "is not a folder" if path.exists() else "does not exist"
        raise CLIError(option, f"{what} '{path}' {state}.")
    return str(path)


def parse_data(text, option="--data"):
    """Check a ``--data`` value (files and folders exist) without loading anything."""
    kind, _, where = text.partition(":")
    if kind == "synthetic":
        if where and not (where.isdigit() and 0 < int(where) <= MAX_SYNTHETIC):
            raise CLIError(option, f"synthetic:N needs a number of images from 1 to "
                                   f"{MAX_SYNTHETIC:,}; got {text!r}.")
        return DataSpec(kind, text, n_samples=int(where) if where else None)
    if kind == "folder" and where:
        root = Path(_exists(option, where, "folder", True))
        classes = [d for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith(".")]
        if not any(image_files(d) for d in classes):
            raise CLIError(option, f"folder '{root}' holds no class subfolders with image files "
                                   "(one subfolder per class, e.g. joy/, sadness/).")
        return DataSpec(kind, text, (str(root),))
    if kind == "oasis" and where:
        root, target = where, None
        head, _, tail = where.rpartition(":")
        if head and tail and not any(c in tail for c in "/\\"):
            root, target = head, tail.split(",") if "," in tail else tail
        return DataSpec(kind, text, (_exists(option, root, "OASIS folder", True),), target)
    if kind == "ratings" and where.count(",") >= 3:
        csv, image_dir, file_column, *columns = where.split(",")
        return DataSpec(kind, text, (_exists(option, csv, "ratings table", False),
                                     _exists(option, image_dir, "image folder", True)),
                        columns=(file_column, *columns))
    if kind == "thesis-csv" and "," in where:
        csv, image_dir = where.split(",", 1)
        return DataSpec(kind, text, (_exists(option, csv, "CSV file", False),
                                     _exists(option, image_dir, "image folder", True)))
    raise CLIError(option, f"expected one of {' | '.join(DATA_SPECS)}; got {text!r}.")


def load_data(spec, *, size, prog, target=None, n_samples=600, synthetic_size=64,
              random_state=0, option="--data"):
    """``(images, target, target_names)`` of a parsed ``--data``; ``target`` is class
    indices into ``target_names`` for labels, float ratings otherwise.

    ``size`` is the size files are decoded at; unreadable files are dropped with
    one line each on stderr. Synthetic paintings are made at ``synthetic_size``.
    """
    import numpy as np

    from skemo import datasets

    def images_of(data):
        return np.asarray(data.images), np.asarray(data.target), list(data.target_names)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        try:
            if spec.kind == "synthetic":
                data = datasets.make_paintings(
                    n_samples=spec.n_samples or n_samples, image_size=synthetic_size,
                    random_state=random_state)
                result = images_of(data)
            elif spec.kind == "folder":
                result = images_of(datasets.load_image_folder(
                    spec.paths[0], size=size, on_error="warn"))
            elif spec.kind == "oasis":
                wanted = spec.target or target or "valence2"
                data = datasets.load_oasis(spec.paths[0], target=wanted, size=size, on_error="warn")
                result = images_of(data)
                if np.issubdtype(result[1].dtype, np.floating):
                    names = [wanted] if isinstance(wanted, str) else list(wanted)
                    result = result[0], result[1], names
            elif spec.kind == "ratings":
                file_column, *columns = spec.columns
                data = datasets.load_ratings(
                    spec.paths[0], spec.paths[1], file_column=file_column,
                    target_columns=columns[0] if len(columns) == 1 else columns,
                    size=size, on_error="warn")
                result = np.asarray(data.images), np.asarray(data.target), list(columns)
            else:
                result = images_of(datasets.load_thesis_csv(
                    spec.paths[0], spec.paths[1], scheme=target or "thesis4", size=size,
                    on_error="warn"))
        except ValueError as exc:
            raise CLIError(option, str(exc)) from exc
    for warning in caught:
        print(f"{prog}: {option}: {warning.message}", file=sys.stderr)
    return result
