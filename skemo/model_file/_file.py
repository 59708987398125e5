"""``save_model`` and ``load_model``: the ``.skemo`` zip of JSON and safetensors."""

import json
import zipfile
import zlib
from pathlib import Path

from skemo._files import open_regular
from skemo.io._atomic import atomic_write

from ._allowlist import FormatError
from ._decode import Decoder
from ._encode import Encoder
from ._limits import ARRAYS, PARAMS, WEIGHTS, Budget, ModelFileLimits, check_safetensors, \
    parse_json, read_members

FORMAT = 1


def save_model(estimator, path):
    """Save a fitted estimator to a ``.skemo`` file, which loads without running code.

    The file is a zip archive of three members:

    - ``params.json``: ``"format": 1``, the skemo version, the estimator's
      class (from an allow-list), its constructor parameters and its fitted
      state (``classes_``, ``image_size_``, the target standardisation of the
      regressors, ...), nested estimators included (pipeline steps,
      feature-union transformers, estimator-valued parameters);
    - ``weights.safetensors``: the weights of every torch module (the
      modules of a skorch net, a GAN's generator and discriminator, a frozen
      pretrained backbone too, so loading needs no download) and the state
      of its optimizers;
    - ``arrays.safetensors``: the numeric arrays of the fitted state
      (coefficients, means, numeric ``classes_``); text arrays such as
      string ``classes_`` stay in ``params.json``, with their dtype.

    Training history is kept when it holds plain numbers and strings (skorch's
    own does); so are the optimizer state and a GAN's training seed, so
    ``partial_fit`` and ``warm_start`` go on training the loaded model.
    Callbacks are not estimator state and are not kept: an estimator with
    ``callbacks`` set is refused, as is any parameter or fitted attribute that
    is not plain data, an array, a torch module or an instance or class on
    skemo's allow-list (a function, a lambda, a callback object, ...). A file
    never names a folder: set ``checkpoint_dir`` (and a pipeline's ``memory``)
    to None before saving. A fitted attribute outside its class's schema is
    refused too, so that every file written loads.

    The file is written atomically: on error ``path`` keeps its old content,
    or stays absent.

    Parameters
    ----------
    estimator : estimator
        A fitted skemo estimator, pipeline of skemo and scikit-learn
        estimators, or GAN, built from allow-listed classes.
    path : str or PathLike
        The file to write, usually ending in ``.skemo``. Its folder must exist.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.
    ValueError
        If a parameter or fitted attribute cannot be stored safely; the
        message names it, e.g. ``Pipeline.steps[0][1].func``.

    See Also
    --------
    load_model : Load the estimator back.

    Notes
    -----
    Plain ``pickle`` or ``joblib`` files of estimators should be loaded from
    trusted sources only: unpickling runs whatever code the file names, so a
    crafted file can take over the machine. A ``.skemo`` file holds only
    JSON and safetensors (raw tensor bytes with a JSON header), which
    :func:`load_model` reads without unpickling anything, and it rebuilds
    only classes from a fixed allow-list, never importing a module the file
    names.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from skemo.io import load_model, save_model
    >>> from skemo.models import CVFC
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(20, 3)), ["calm", "tense"] * 10
    >>> clf = CVFC(max_epochs=5, random_state=0).fit(X, y)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cvfc.skemo"
    >>> save_model(clf, path)
    >>> same = load_model(path)
    >>> bool(np.array_equal(same.predict_proba(X), clf.predict_proba(X)))
    True
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    path = Path(path)
    encoder = Encoder()
    try:
        node = encoder.estimator(estimator, type(estimator).__name__)
    except FormatError as exc:
        raise ValueError(f"cannot save {type(estimator).__name__} to '{path}': {exc}") from None
    with atomic_write(path, "wb") as f:
        _write_zip(f, node, encoder)


def _write_zip(f, node, encoder):
    """Write the ``.skemo`` zip of an encoded estimator into the open file ``f``."""
    import safetensors.numpy
    import safetensors.torch
    import sklearn
    import torch

    import skemo

    params = {
        "format": FORMAT,
        "skemo_version": skemo.__version__,
        "versions": {"torch": torch.__version__, "scikit-learn": sklearn.__version__},
        "class": node["class"],
        "estimator": node,
    }
    with zipfile.ZipFile(f, "w") as zf:
        text = json.dumps(params, indent=1, ensure_ascii=False, allow_nan=True)
        zf.writestr(PARAMS, text.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr(WEIGHTS, safetensors.torch.save(encoder.tensors))
        zf.writestr(ARRAYS, safetensors.numpy.save(encoder.arrays))


def load_model(path, *, limits=None):
    """Load an estimator saved by :func:`save_model`; no code from the file ever runs.

    A model file is untrusted input, and loading one is safe by construction:

    - nothing is unpickled and no module named in the file is imported: every
      class is looked up in skemo's allow-list (skemo's estimators,
      scikit-learn pipelines, scalers, linear and dummy models, CV splitters,
      torch optimizers), each only where its kind belongs;
    - an estimator gets only the fitted attributes its class's schema declares,
      of the declared types and shapes, never a private one; its parameters
      pass the class's own validation; ``device`` must be cpu, cuda or mps (a
      CUDA model loads on the CPU where CUDA is absent, with a warning),
      ``n_jobs`` and data-loader workers are clamped to this machine's cores,
      and options that would run a compiler or read or write paths
      (``compile``, ``checkpoint_dir``, ``memory``, callbacks) are refused;
    - every member is read within the hard limits of ``limits``, and networks
      are shaped on the ``meta`` device and compared with the weights before any
      memory is allocated for them.

    The loaded estimator predicts, transforms and samples exactly as the saved
    one did.

    Parameters
    ----------
    path : str or PathLike
        A ``.skemo`` file.
    limits : ModelFileLimits, default=None
        The hard limits (bytes per member, JSON values and depth, arrays and
        elements, string width, image side); None uses the defaults, which hold
        every model skemo makes. Raise them only for a file you trust.

    Returns
    -------
    estimator : estimator
        The fitted estimator, its torch modules on its ``device`` and in eval
        mode.

    Raises
    ------
    ValueError
        For any failure inside the loader, whatever its cause (a damaged or
        crafted file, a limit, a refused option, even a ``MemoryError``): one
        error type, naming the file and the reason. ``KeyboardInterrupt``
        passes through.
    FileNotFoundError
        If ``path`` does not exist.

    See Also
    --------
    save_model : Write the file.
    ModelFileLimits : The limits and their defaults.

    Notes
    -----
    Prefer ``.skemo`` files to ``pickle`` or ``joblib`` files for models
    from others: those run code on loading and are safe from trusted sources
    only. The allow-list only limits what a ``.skemo`` file can build; a
    model from an untrusted source may still predict badly.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from skemo.io import load_model, save_model
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "dummy.skemo"
    >>> save_model(DummyClassifier().fit([[0], [1], [2]], ["a", "b", "b"]), path)
    >>> clf = load_model(path)
    >>> clf.classes_
    array(['a', 'b'], dtype='<U1')
    >>> clf.predict([[5]]).tolist()
    ['b']
    """
    path = Path(path)
    if limits is None:
        limits = ModelFileLimits()
    elif not isinstance(limits, ModelFileLimits):
        raise TypeError(f"limits must be a ModelFileLimits; got {type(limits).__name__}.")
    if not path.exists():
        raise FileNotFoundError(f"no model file '{path}'.")
    try:
        file = open_regular(path)
    except OSError as exc:  # a FIFO, a device, a directory; no permission
        raise ValueError(f"cannot load '{path}': {exc.strerror or exc}.") from None
    try:
        with file:
            return _load(file, limits)
    except FormatError as exc:
        raise ValueError(f"cannot load '{path}': {exc}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        # zipfile seeks to negative offsets (OSError), runs out of data (EOFError) or
        # inflates garbage (zlib.error) in a damaged archive.
        raise ValueError(f"cannot load '{path}': it is a damaged zip archive "
                         f"({type(exc).__name__}: {exc}).") from None
    except Exception as exc:  # one error type, whatever failed (MemoryError included)
        raise ValueError(
            f"cannot load '{path}': it is not a valid .skemo model file "
            f"({type(exc).__name__}: {exc})."
        ) from None


def _load(f, limits):
    import safetensors.numpy
    import safetensors.torch

    if not zipfile.is_zipfile(f):
        raise FormatError("it is not a .skemo model file (not a zip archive).")
    members = read_members(f, limits)
    params = _read_params(members[PARAMS], limits)
    budget = Budget(limits)
    stores = []
    for member, load in ((WEIGHTS, safetensors.torch.load), (ARRAYS, safetensors.numpy.load)):
        check_safetensors(members[member], member, budget)
        try:
            stores.append(load(members.pop(member)))
        except Exception as exc:  # safetensors raises its own error types on bad bytes
            raise FormatError(f"its member {member!r} is not in the safetensors format "
                              f"({type(exc).__name__}: {exc}).") from None
    return Decoder(*stores, limits, budget).value(params["estimator"], {"estimator"}, "")


def _read_params(raw, limits):
    params = parse_json(raw, limits, f"its {PARAMS}")
    if not isinstance(params, dict) or "format" not in params:
        raise FormatError(f"its {PARAMS} has no format version.")
    version = params["format"]
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT:
        raise FormatError(
            f"it has format version {version}, newer than this skemo "
            f"({_version()}) reads (format {FORMAT}); upgrade skemo to load it."
        )
    if version != FORMAT or isinstance(version, bool):
        raise FormatError(f"it has the unknown format version {version!r} (expected {FORMAT}).")
    if not isinstance(params.get("estimator"), dict):
        raise FormatError(f"its {PARAMS} holds no estimator.")
    return params


def _version():
    import skemo

    return skemo.__version__
