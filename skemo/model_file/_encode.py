"""Estimators to JSON plus tensors: the writing half of the ``.skemo`` format.

An estimator becomes a node ``{"$": "estimator", "class": name, "params": ...,
"state": ...}``: its constructor parameters (``get_params(deep=False)``) and the
fitted attributes of its schema (:mod:`skemo.model_file._schema`). Values are
encoded recursively:

- ``None``, bools, ints, floats, strings and lists as JSON; tuples, dicts,
  numpy scalars, paths and torch devices as tagged JSON objects (``"$"``);
- numeric numpy arrays and torch tensors as references into the
  ``safetensors`` members (each referenced once); text and object arrays as
  JSON lists;
- nested estimators as estimator nodes; optimizer classes and CV splitters by
  their allow-listed names;
- a fitted torch module as its state dict; a skorch net as the state dicts of
  its modules and optimizers, its declared plain attributes and its history
  when that is plain data.

Anything else (functions, callbacks, objects of other classes, a fitted
attribute outside the schema) is refused, naming where it was found, so that
every file written loads.
"""

import inspect
import os

import numpy as np

from ._allowlist import FormatError, class_name
from ._schema import NET_ATTRIBUTES, RECOMPUTED, check_prefixed, check_saved_param, schema_of

TAG = "$"
TEXT_KINDS = "USO"
NUMERIC_KINDS = "biuf"


def init_names(cls):
    return [p.name for p in inspect.signature(cls).parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


class Encoder:
    """Encode values into JSON, filling ``tensors`` (torch) and ``arrays`` (numpy)."""

    def __init__(self):
        self.tensors = {}
        self.arrays = {}

    def estimator(self, est, where):
        """The node of an estimator (or allow-listed object) ``est``."""
        import torch
        from sklearn.base import BaseEstimator

        name = class_name(type(est))
        if name is None:
            raise FormatError(
                f"{where} is a {type(est).__module__}.{type(est).__qualname__}, which is "
                "not on skemo's allow-list of classes a .skemo file may hold."
            )
        if not isinstance(est, BaseEstimator):  # a CV splitter or skorch's ValidSplit
            params = {k: getattr(est, k) for k in init_names(type(est))}
            return {TAG: "object", "class": name, "params": self._map(params, where)}
        params = est.get_params(deep=False)
        named = set(init_names(type(est)))
        for key, value in params.items():
            if key not in named:
                check_prefixed(key, value, f"{where}.{key}")
            check_saved_param(key, value, f"{where}.{key}")
        fresh = set(vars(type(est)(**params)))
        schema, recomputed = schema_of(name), RECOMPUTED.get(name, set())
        node = {TAG: "estimator", "class": name, "params": self._map(params, where),
                "state": {}}
        for key, value in vars(est).items():
            if key in fresh or key in recomputed:
                continue
            at = f"{where}.{key}"
            if key not in schema:
                raise FormatError(
                    f"{at} is a fitted attribute that the schema of {name} does not declare, "
                    "so a file could not restore it (skemo/model_file/_schema.py)."
                )
            if isinstance(value, torch.nn.Module):
                node["state"][key] = {TAG: "module", "prefix": self._module(value, at)}
            elif _is_skorch_net(value):
                node["state"][key] = self._net(value, at)
            else:
                node["state"][key] = self.value(value, at)
        return node

    def _map(self, mapping, where):
        return {key: self.value(value, f"{where}.{key}") for key, value in mapping.items()}

    def _module(self, module, where):
        prefix = f"{where}."
        for key, tensor in module.state_dict().items():
            self.tensors[prefix + key] = tensor.detach().cpu().contiguous().clone()
        return prefix

    def _net(self, net, where):
        node = {TAG: "skorch_net", "modules": {}, "optimizers": {}, "attributes": {}}
        for name in net._modules:
            node["modules"][name] = self._module(getattr(net, f"{name}_"), f"{where}.{name}_")
        for name in net._optimizers:
            state = getattr(net, f"{name}_").state_dict()
            node["optimizers"][name] = self.value(state, f"{where}.{name}_")
        for key in NET_ATTRIBUTES:
            if key in vars(net):
                node["attributes"][key] = getattr(net, key)
        try:  # plain data, unless a callback recorded an object: then it is left out
            Encoder().value(list(net.history), "history")
        except FormatError:
            node["history"] = None
        else:
            node["history"] = self.value(list(net.history), f"{where}.history")
        return node

    def value(self, value, where):
        """The JSON form of ``value``, found at ``where`` (named in errors)."""
        import torch
        from sklearn.base import BaseEstimator

        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, np.generic):
            return self._scalar(value, where)
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, list):
            return [self.value(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, tuple):
            return {TAG: "tuple",
                    "items": [self.value(v, f"{where}[{i}]") for i, v in enumerate(value)]}
        if isinstance(value, dict):
            return {TAG: "dict", "items": [[self.value(k, f"{where} key"),
                                             self.value(v, f"{where}[{k!r}]")]
                                            for k, v in value.items()]}
        if isinstance(value, np.ndarray):
            return self._array(value, where)
        if isinstance(value, torch.Tensor):
            key = f"{where}#{len(self.tensors)}"
            self.tensors[key] = value.detach().cpu().contiguous().clone()
            return {TAG: "tensor", "key": key}
        if isinstance(value, os.PathLike):
            return {TAG: "path", "value": os.fspath(value)}
        if isinstance(value, torch.device):
            return {TAG: "device", "value": str(value)}
        if isinstance(value, np.random.RandomState):
            return {TAG: "random_state", "state": self.value(value.get_state(), where)}
        if isinstance(value, type):
            name = class_name(value)
            if name is None:
                raise FormatError(
                    f"{where} is the class {value.__module__}.{value.__qualname__}, which is "
                    "not on skemo's allow-list of classes a .skemo file may hold."
                )
            return {TAG: "class", "name": name}
        if isinstance(value, BaseEstimator) or class_name(type(value)) is not None:
            return self.estimator(value, where)
        what = "a function" if callable(value) else f"a {type(value).__name__} object"
        raise FormatError(
            f"{where} is {what} ({value!r}), which a .skemo file cannot hold: it stores "
            "numbers, strings, arrays, weights and allow-listed classes only."
        )

    def _scalar(self, value, where):
        if value.dtype.kind not in NUMERIC_KINDS + "U":
            raise FormatError(f"{where} is a numpy {value.dtype} scalar, which is not supported.")
        return {TAG: "scalar", "dtype": value.dtype.str, "value": value.item()}

    def _array(self, array, where):
        kind = array.dtype.kind
        if kind in NUMERIC_KINDS:
            key = f"{where}#{len(self.arrays)}"
            self.arrays[key] = np.ascontiguousarray(array)
            return {TAG: "ndarray", "key": key}
        if kind in TEXT_KINDS:
            items = [self.value(v, f"{where}[{i}]") for i, v in enumerate(array.ravel().tolist())]
            return {TAG: "text_array", "dtype": array.dtype.str, "shape": list(array.shape),
                    "items": items}
        raise FormatError(f"{where} is an array of dtype {array.dtype}, which is not supported.")


def _is_skorch_net(value):
    from skorch import NeuralNet

    return isinstance(value, NeuralNet)
