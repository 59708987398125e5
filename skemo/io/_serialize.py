"""Estimators to JSON plus tensors and back, with classes from an allow-list only.

The one encoding behind :func:`skemo.io.save_model` and :func:`skemo.io.load_model`.
An estimator becomes a node ``{"$": "estimator", "class": name, "params": ...,
"state": ...}``: its constructor parameters (``get_params(deep=False)``) and its
fitted state, the attributes ``fit`` added (those a freshly constructed
estimator lacks). Values are encoded recursively, whatever estimator they
belong to:

- ``None``, bools, ints, floats, strings and lists as JSON; tuples, dicts,
  numpy scalars, paths and torch devices as tagged JSON objects (``"$"``);
- numeric numpy arrays and torch tensors as references into the
  ``safetensors`` members; text and object arrays as JSON lists;
- nested estimators (pipeline steps, feature-union lists, estimator-valued
  parameters, fitted sub-estimators) as estimator nodes; classes given as
  parameters (``optimizer=torch.optim.Adam``) and CV splitters by their
  allow-listed names;
- a fitted torch module as its state dict; a skorch net as the state dicts of
  its modules and optimizers, its plain ``*_`` attributes (a GAN's ``seed_``)
  and its history when that is plain data. The estimator's
  ``_rebuild_modules()`` builds them, untrained, before the state dicts load.

Anything else (functions, callbacks, objects of other classes) is refused,
naming where it was found. Decoding looks every class name up in
:func:`~skemo.io._allowlist.allowed_classes`: it never imports a module a
file names, nor unpickles.
"""

import inspect
import os
from pathlib import Path

import numpy as np

TAG = "$"
_TEXT_KINDS = "USO"
_NUMERIC_KINDS = "biuf"


from ._allowlist import FormatError, class_name, lookup


def _init_names(cls):
    return [p.name for p in inspect.signature(cls).parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


# -- encoding --------------------------------------------------------------------------
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
            params = {k: getattr(est, k) for k in _init_names(type(est))}
            return {TAG: "object", "class": name, "params": self._map(params, where)}
        params = est.get_params(deep=False)
        fresh = set(vars(type(est)(**params)))
        state = {k: v for k, v in vars(est).items() if k not in fresh}
        node = {TAG: "estimator", "class": name, "params": self._map(params, where),
                "state": {}}
        for key, value in state.items():
            at = f"{where}.{key}"
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
        for key, value in vars(net).items():
            if key.endswith("_") and not key.startswith("_") and _is_plain(value):
                node["attributes"][key] = value
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
        if value.dtype.kind not in _NUMERIC_KINDS + "U":
            raise FormatError(f"{where} is a numpy {value.dtype} scalar, which is not supported.")
        return {TAG: "scalar", "dtype": value.dtype.str, "value": value.item()}

    def _array(self, array, where):
        kind = array.dtype.kind
        if kind in _NUMERIC_KINDS:
            key = f"{where}#{len(self.arrays)}"
            self.arrays[key] = np.ascontiguousarray(array)
            return {TAG: "ndarray", "key": key}
        if kind in _TEXT_KINDS:
            items = [self.value(v, f"{where}[{i}]") for i, v in enumerate(array.ravel().tolist())]
            return {TAG: "text_array", "dtype": array.dtype.str, "shape": list(array.shape),
                    "items": items}
        raise FormatError(f"{where} is an array of dtype {array.dtype}, which is not supported.")


def _is_skorch_net(value):
    from skorch import NeuralNet

    return isinstance(value, NeuralNet)


def _is_plain(value):
    return value is None or type(value) in (bool, int, float, str)


# -- decoding --------------------------------------------------------------------------
class Decoder:
    """Rebuild values from their JSON form and the loaded ``tensors`` and ``arrays``."""

    def __init__(self, tensors, arrays):
        self.tensors = tensors
        self.arrays = arrays

    def value(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.value(v) for v in node]
        if not isinstance(node, dict):
            raise FormatError(f"it holds an unexpected JSON value {node!r}.")
        kind = node.get(TAG)
        method = getattr(self, f"_{kind}", None) if isinstance(kind, str) else None
        if method is None or kind in ("module", "skorch_net"):
            raise FormatError(f"it holds a value of unknown kind {kind!r}.")
        return method(node)

    def _tuple(self, node):
        return tuple(self.value(v) for v in node["items"])

    def _dict(self, node):
        return {_hashable(self.value(k)): self.value(v) for k, v in node["items"]}

    def _scalar(self, node):
        dtype = _dtype(node["dtype"], _NUMERIC_KINDS + "U")
        return dtype.type(node["value"])

    def _ndarray(self, node):
        return self._member(self.arrays, node["key"]).copy()

    def _tensor(self, node):
        return self._member(self.tensors, node["key"]).clone()

    def _text_array(self, node):
        dtype = _dtype(node["dtype"], _TEXT_KINDS)
        shape = tuple(int(n) for n in node["shape"])
        items = [self.value(v) for v in node["items"]]
        array = np.empty(len(items), dtype=dtype)
        array[:] = items
        return array.reshape(shape)

    def _path(self, node):
        return Path(_text(node["value"]))

    def _device(self, node):
        import torch

        return torch.device(_text(node["value"]))

    def _random_state(self, node):
        rs = np.random.RandomState()
        rs.set_state(self.value(node["state"]))
        return rs

    def _class(self, node):
        return lookup(node["name"])

    def _object(self, node):
        return lookup(node["class"])(**self._params(node))

    def _params(self, node):
        params = node["params"]
        if not isinstance(params, dict):
            raise FormatError("its constructor parameters are not a JSON object.")
        return {_text(k): self.value(v) for k, v in params.items()}

    def _estimator(self, node):
        est = lookup(node["class"])(**self._params(node))
        state = node["state"]
        deferred = {}
        for key, sub in state.items():
            if not _is_attribute_name(key, est):
                raise FormatError(f"it holds the attribute name {key!r}.")
            if isinstance(sub, dict) and sub.get(TAG) in ("module", "skorch_net"):
                deferred[_text(key)] = sub
            else:
                setattr(est, _text(key), self.value(sub))
        if deferred:
            if not hasattr(est, "_rebuild_modules"):
                raise FormatError(f"it holds torch modules for {node['class']}, which has none.")
            est._rebuild_modules()
        for key, sub in deferred.items():
            target = getattr(est, key, None)
            if sub[TAG] == "module":
                self._load_module(target, sub["prefix"], key)
            else:
                self._load_net(target, sub, key)
        return est

    def _load_module(self, module, prefix, where):
        import torch

        if not isinstance(module, torch.nn.Module):
            raise FormatError(f"{where} is not a torch module once rebuilt.")
        state = {k[len(prefix):]: v for k, v in self.tensors.items() if k.startswith(prefix)}
        try:
            module.load_state_dict(state, strict=True)
        except RuntimeError as exc:
            raise FormatError(f"the weights of {where} do not fit its module: {exc}") from None

    def _load_net(self, net, node, where):
        if not _is_skorch_net(net):
            raise FormatError(f"{where} is not a skorch net once rebuilt.")
        for name, prefix in node["modules"].items():
            self._load_module(getattr(net, f"{_text(name)}_", None), prefix, f"{where}.{name}_")
        for name, state in node["optimizers"].items():
            optimizer = getattr(net, f"{_text(name)}_", None)
            try:
                optimizer.load_state_dict(self.value(state))
            except (AttributeError, KeyError, ValueError, RuntimeError) as exc:
                raise FormatError(f"the state of {where}.{name}_ does not fit: {exc}") from None
        for key, value in node["attributes"].items():
            if not (_is_attribute_name(key, net) and key.endswith("_") and _is_plain(value)):
                raise FormatError(f"{where}.{key} is not a plain attribute.")
            setattr(net, key, value)
        if node.get("history") is not None:
            from skorch.history import History

            net.history_ = History(self.value(node["history"]))
        net.module_.eval()

    @staticmethod
    def _member(store, key):
        if isinstance(key, str) and key in store:
            return store[key]
        raise FormatError(f"it refers to the array {key!r}, which its weights do not hold.")


def _is_attribute_name(key, obj):
    """Whether ``key`` may be a fitted attribute: it shadows no dunder, method or property."""
    default = getattr(type(obj), key, None) if isinstance(key, str) else None
    return (isinstance(key, str) and key.isidentifier() and not key.startswith("__")
            and _is_plain(default))


def _text(value):
    if not isinstance(value, str):
        raise FormatError(f"it holds {value!r} where a string belongs.")
    return value


def _dtype(spec, kinds):
    try:
        dtype = np.dtype(_text(spec))
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in kinds or dtype.hasobject and dtype.kind != "O":
        raise FormatError(f"it holds the unsupported dtype {spec!r}.")
    return dtype


def _hashable(value):
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value
