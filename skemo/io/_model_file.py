"""The ``.skemo`` model file: a zip of JSON and safetensors that loads without running code."""

import json
import zipfile
import zlib
from pathlib import Path

from ._atomic import atomic_write
from ._serialize import Decoder, Encoder, FormatError

FORMAT = 1
PARAMS = "params.json"
WEIGHTS = "weights.safetensors"
ARRAYS = "arrays.safetensors"
MEMBERS = (PARAMS, WEIGHTS, ARRAYS)
_MAX_PARAMS_BYTES = 256 * 2**20


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
    skemo's allow-list (a function, a lambda, a callback object, ...).

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


def load_model(path):
    """Load an estimator saved by :func:`save_model`, without running code from the file.

    Nothing is unpickled and no module named in the file is imported: the
    classes the file names are looked up in skemo's allow-list (skemo's
    estimators, scikit-learn pipelines, scalers, linear and dummy models and
    CV splitters, torch optimizers), the weights are read with
    ``safetensors``, and everything else is JSON. The loaded estimator
    predicts, transforms and samples exactly as the saved one did.

    Parameters
    ----------
    path : str or PathLike
        A ``.skemo`` file.

    Returns
    -------
    estimator : estimator
        The fitted estimator, its torch modules on its ``device`` and in eval
        mode.

    Raises
    ------
    ValueError
        If the file is not a ``.skemo`` file (not a zip archive, a missing or
        unexpected member, weights that are not safetensors), comes from a
        newer or unknown format version, or names a class outside the
        allow-list. The message names the file.
    FileNotFoundError
        If ``path`` does not exist.

    See Also
    --------
    save_model : Write the file.

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
    if not path.is_file():
        raise FileNotFoundError(f"no model file '{path}'.")
    try:
        return _load(path)
    except FormatError as exc:
        raise ValueError(f"cannot load '{path}': {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError,
            RuntimeError) as exc:
        raise ValueError(
            f"cannot load '{path}': it is not a valid .skemo model file "
            f"({type(exc).__name__}: {exc})."
        ) from exc


def _load(path):
    if not zipfile.is_zipfile(path):
        raise FormatError("it is not a .skemo model file (not a zip archive).")
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            extra = sorted(set(names) - set(MEMBERS))
            if extra or len(names) != len(set(names)):
                raise FormatError(
                    f"it holds the unexpected members {extra or names}; a .skemo file "
                    f"holds {list(MEMBERS)} only."
                )
            missing = [name for name in MEMBERS if name not in names]
            if missing:
                raise FormatError(f"it lacks the member {missing[0]!r}.")
            if zf.getinfo(PARAMS).file_size > _MAX_PARAMS_BYTES:
                raise FormatError(f"its {PARAMS} is too large.")
            params = _read_params(zf.read(PARAMS))
            tensors = _read_safetensors(zf.read(WEIGHTS), WEIGHTS, "torch")
            arrays = _read_safetensors(zf.read(ARRAYS), ARRAYS, "numpy")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        # A damaged directory or member: zipfile seeks to negative offsets (OSError),
        # runs out of data (EOFError), inflates garbage (zlib.error) or meets an
        # unknown compression method (NotImplementedError).
        raise FormatError(
            f"it is a damaged zip archive ({type(exc).__name__}: {exc})."
        ) from None
    return Decoder(tensors, arrays).value(params["estimator"])


def _read_params(raw):
    try:
        params = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"its {PARAMS} is not valid JSON ({exc}).") from None
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


def _read_safetensors(raw, member, flavour):
    """The tensors of a safetensors member (never unpickled: a JSON header, then bytes)."""
    import safetensors.numpy
    import safetensors.torch

    load = safetensors.torch.load if flavour == "torch" else safetensors.numpy.load
    try:
        return load(raw)
    except Exception as exc:  # safetensors raises its own error types on bad bytes
        raise FormatError(
            f"its member {member!r} is not in the safetensors format ({type(exc).__name__}: "
            f"{exc})."
        ) from None


def _version():
    import skemo

    return skemo.__version__
