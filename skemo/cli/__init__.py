"""The ``skemo`` command line: predict the emotion a painting evokes, without Python.

Commands
--------
features IMAGES_OR_DIR... -o features.csv
    Painting features (brightness, texture, palette; ``--affective`` adds
    Machajdik & Hanbury's) of every image, one CSV row per file, unreadable
    files included with their error.
train --data SPEC --model NAME -o model.skemo
    Cross-validate a classifier or regressor (score and baseline), then fit it
    on all the data and save it.
predict --model model.skemo IMAGES_OR_DIR...
    Labels and class probabilities, or predicted ratings, as CSV; rank with
    ``--sort-by`` and keep the first ``--top`` rows.
explain --model model.skemo IMAGE... -o DIR
    One Grad-CAM overlay PNG per image, titled with the predicted class.
gan train --data SPEC --arch dcgan|basic|deconv -o gan.skemo
    Train a GAN (conditional on the classes with ``--conditional``).
gan sample --model gan.skemo -n 64 -o grid.png
    Draw images from a trained GAN into a contact sheet.
compare
    Cross-validate the thesis's models (its Table 1) and write a report.
demo
    Summarise the built-in synthetic paintings and write a contact sheet.

``--data SPEC`` is ``synthetic[:N]``, ``folder:DIR`` (one subfolder per class),
``oasis:DIR[:TARGET]``, ``ratings:CSV,IMAGEDIR,FILECOL,TARGETCOL[,TARGETCOL...]``
or ``thesis-csv:CSV,IMAGEDIR``.

Exit status: 0 on success; 2 for a user error (bad argument, missing or empty
folder, no image files, unknown model, unreadable or unsafe model file, an
output that would replace an input, a folder or a special file, or that could
not be written), with one line on stderr naming the argument and no traceback
unless ``--debug`` is given; 1 when ``explain`` could not explain some of its
images. See the user guide's "Security model" for what the commands trust.

Each command imports torch, scikit-learn's models and skemo's estimators only
when it runs, so ``skemo --help`` and ``skemo CMD --help`` answer at once.
"""

import sys

from ._common import CLIError, Parser

__all__ = ["main"]


def build_parser():
    """The ``skemo`` argument parser (imports nothing heavy)."""
    from . import _compare, _explain, _features, _gan, _predict, _train

    parser = Parser(prog="skemo", description="Predict the emotion a painting evokes.")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _features.add_parser(commands)
    _train.add_parser(commands)
    _predict.add_parser(commands)
    _explain.add_parser(commands)
    _gan.add_parser(commands)
    _compare.add_parsers(commands)
    return parser


def _fail(prog, message):
    print(f"{prog}: {message}", file=sys.stderr)
    return 2


def main(argv=None):
    """Run the ``skemo`` command; returns the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments; None reads ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 2 for a user error (one line on stderr).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    prog = "skemo"
    try:
        args = build_parser().parse_args(argv)
        prog = f"skemo {args.command}" + (f" {args.gan_command}"
                                           if args.command == "gan" else "")
        return args.func(args)
    except CLIError as exc:
        if debug:
            raise
        return _fail(exc.prog or prog, str(exc))
    except (ValueError, OSError) as exc:
        # ImageReadError is a ValueError: a bad file or value the user gave; an OSError is
        # a missing or unreadable path, or an output that could not be written (a full
        # disk: the old file is kept).
        if debug:
            raise
        return _fail(prog, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    except SystemExit as exc:
        # --help exits 0; a command's own check may exit with a message.
        if debug or exc.code is None or isinstance(exc.code, int):
            raise
        return _fail(prog, str(exc.code))
