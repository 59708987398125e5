"""``.skemo`` model files: fitted estimators as JSON and safetensors, safe to open from anyone.

A model file is untrusted input. :func:`load_model` runs no code from it, at load
time or when the model is used: the classes it names come from an allow-list,
each class sets only the fitted attributes its schema declares, parameters go
through the class's own validation and the values that reach the system
(device, worker counts, image sizes) are restricted; options that would run a
compiler or read and write paths are refused. Resources stay bounded: every
member is read within hard limits (:class:`ModelFileLimits`), and networks are
shaped on the ``meta`` device against the weights before memory is allocated.
Every failure is a ``ValueError`` naming the file. See the user guide's
"Security model" page.

Examples
--------
>>> import pathlib, tempfile
>>> import numpy as np
>>> from sklearn.preprocessing import StandardScaler
>>> from skemo.model_file import load_model, save_model
>>> path = pathlib.Path(tempfile.mkdtemp()) / "scaler.skemo"
>>> save_model(StandardScaler().fit(np.arange(6.0).reshape(3, 2)), path)
>>> load_model(path).mean_.tolist()
[2.0, 3.0]
"""

from ._file import load_model, save_model
from ._limits import ModelFileLimits

__all__ = ["ModelFileLimits", "load_model", "save_model"]
