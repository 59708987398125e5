"""Resuming an interrupted ``compare_models`` or ``skemo train``: finished folds on disk.

:class:`FoldStore` keeps one JSON record per finished model and fold in a
folder whose fingerprint (the data and the run's settings) must match on
resume; :func:`fit_fold` fits one fold's model so that a fold stopped by
Ctrl-C is never recorded as finished (:func:`no_swallowed_interrupt`).
"""

import contextlib
import hashlib
import json
import signal
import threading
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from ._cache import params_key


def labels_fingerprint(y):
    """A hash of the labels' values and order (any hashable type)."""
    y = np.asarray(y)
    return y.dtype.kind, hashlib.blake2b(repr(y.tolist()).encode(), digest_size=16).hexdigest()


def model_key(estimator):
    """A digest of every parameter of ``estimator``, nested estimators included."""
    parts = [params_key(estimator)]
    for name, value in sorted(estimator.get_params(deep=True).items()):
        if hasattr(value, "get_params") and not isinstance(value, type):
            parts.append((name, params_key(value)))
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


class FoldStore:
    """Finished folds' results in a folder, for resuming (``compare_models(resume=)``, ``skemo train --resume``).

    ``settings`` (JSON-able: data fingerprints and the run's settings) is
    hashed into the folder's fingerprint, kept in ``manifest.json``; a folder
    with another fingerprint is refused. Each record is one JSON file
    ``<name>.fold<k>.json``, written atomically, holding the model's key too.
    """

    MANIFEST = "manifest.json"

    def __init__(self, folder, settings):
        from skemo.io._atomic import atomic_write

        self.folder = Path(folder)
        self.fingerprint = hashlib.blake2b(
            json.dumps(settings, sort_keys=True, default=repr).encode(), digest_size=16
        ).hexdigest()
        manifest = self.folder / self.MANIFEST
        if manifest.is_file():
            found = json.loads(manifest.read_text()).get("fingerprint")
            if found != self.fingerprint:
                raise ValueError(
                    f"resume folder '{self.folder}' holds folds of other data or settings "
                    f"(fingerprint {found} != {self.fingerprint}); use a new folder or remove it."
                )
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            with atomic_write(manifest, "w") as f:
                json.dump({"fingerprint": self.fingerprint, "settings": settings}, f,
                          default=repr, indent=1)

    def _path(self, name, fold, ext="json"):
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
        return self.folder / (f"{safe}.fold{fold}.{ext}" if fold is not None else f"{safe}.{ext}")

    def load(self, name, fold, key):
        """The record of ``name``'s fold, or None when it has not finished."""
        path = self._path(name, fold)
        if not path.is_file():
            return None
        record = json.loads(path.read_text())
        if record.get("model") != key:
            raise ValueError(
                f"resume folder '{self.folder}' holds {name!r} folds fitted with other "
                f"parameters ({path.name}); use a new folder or remove it."
            )
        return record

    def save(self, name, fold, key, record):
        from skemo.io._atomic import atomic_write

        with atomic_write(self._path(name, fold), "w") as f:
            json.dump({"model": key, **record}, f)

    def save_estimator(self, name, estimator):
        """Keep the last fold's estimator as a ``.skemo`` file, if it can be saved."""
        from skemo.io import save_model

        try:
            save_model(estimator, self._path(name, None, "skemo"))
        except (ValueError, TypeError):
            pass

    def load_estimator(self, name):
        from skemo.io import load_model

        path = self._path(name, None, "skemo")
        return load_model(path) if path.is_file() else None


@contextlib.contextmanager
def no_swallowed_interrupt():
    """Re-raise a Ctrl-C that a fit swallowed (skorch ends training on KeyboardInterrupt).

    So that a fold interrupted by the user is not recorded as finished. Only
    in the main thread, where signal handlers can be set; elsewhere a no-op.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    seen = []

    def handler(signum, frame):
        seen.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)
    if seen:
        raise KeyboardInterrupt


def fit_fold(estimator, X, y):
    """Fit one cross-validation fold's model, as ``compare_models`` and ``skemo train`` do.

    One BLAS thread: the per-fold models are small, and BLAS threads cost more
    in synchronisation than they gain (LogisticRegressionCV on the fused 1293
    columns ran 30x slower with 2 threads on 2 busy cores). A fixed epoch
    budget is the design, not a convergence failure, so those warnings are
    silenced. A Ctrl-C that the fit swallowed is re-raised.
    """
    with warnings.catch_warnings(), threadpool_limits(1, user_api="blas"), \
            no_swallowed_interrupt():
        warnings.filterwarnings("ignore", message=".*Maximum iterations.*")
        warnings.filterwarnings("ignore", message="Got `batch_size`")
        return estimator.fit(X, y)
