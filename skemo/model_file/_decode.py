"""JSON plus tensors to estimators: the reading half of the ``.skemo`` format.

The decoder builds only what the schemas of :mod:`skemo.model_file._schema` allow:
a tagged node decodes only where its kind belongs (a class only as an
``optimizer``, a splitter only as ``cv`` or ``train_split``, a tensor only in an
optimizer's state, ...); an estimator gets the parameters of its signature, checked
by the class's own validation and :func:`~skemo.model_file._schema.check_param`,
and the fitted attributes of its schema, checked against their types and shapes;
its torch modules are shaped on the ``meta`` device and compared with the
weights before the real ones are built and filled. Every array and tensor of the
file is used at most once, and text arrays count against the limits.
"""

import inspect
from pathlib import Path

import numpy as np

from ._allowlist import FormatError, lookup
from ._encode import NUMERIC_KINDS, TAG, TEXT_KINDS, init_names
from ._schema import (
    NAMED_PARAM_TAGS,
    NET_ATTRIBUTES,
    PARAM_TAGS,
    PLAIN,
    RECOMPUTED,
    RESTORE,
    Module,
    check_param,
    check_prefixed,
    schema_of,
)

KINDS = {"tuple", "dict", "scalar", "ndarray", "tensor", "text_array", "path", "device",
         "random_state", "class", "object", "estimator", "module", "skorch_net"}


class _Context:
    """What a spec's check may look at: the limits and the attributes decoded so far."""

    def __init__(self, limits, state):
        self.limits, self.state = limits, state


class Decoder:
    """Rebuild an estimator from its JSON node and the loaded ``tensors`` and ``arrays``."""

    def __init__(self, tensors, arrays, limits, budget):
        self.tensors, self.arrays = tensors, arrays
        self.limits, self.budget = limits, budget
        self.used = set()

    def value(self, node, tags, where):
        """Decode ``node``; plain JSON always, tagged nodes only of the kinds in ``tags``."""
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.value(v, tags, f"{where}[{i}]") for i, v in enumerate(node)]
        if not isinstance(node, dict):
            raise FormatError(f"{where} holds an unexpected JSON value {node!r}.")
        kind = node.get(TAG)
        if not isinstance(kind, str) or kind not in KINDS:
            raise FormatError(f"{where} holds a value of unknown kind {kind!r}.")
        if kind not in tags:
            raise FormatError(f"{where} holds a value of kind {kind!r}, which does not belong "
                              "there.")
        return getattr(self, f"_{kind}")(node, tags, where)

    # -- plain values ----------------------------------------------------------------------
    def _tuple(self, node, tags, where):
        return tuple(self.value(v, tags, f"{where}[{i}]") for i, v in enumerate(_list(node)))

    def _dict(self, node, tags, where):
        out = {}
        for pair in _list(node):
            if not isinstance(pair, list) or len(pair) != 2:
                raise FormatError(f"{where} holds a malformed dict.")
            key = _hashable(self.value(pair[0], PLAIN, f"{where} key"))
            out[key] = self.value(pair[1], tags, f"{where}[{key!r}]")
        return out

    def _scalar(self, node, tags, where):
        value = node.get("value")
        if not isinstance(value, (bool, int, float, str)):
            raise FormatError(f"{where} holds a malformed scalar.")
        return self._dtype(node.get("dtype"), NUMERIC_KINDS + "U", where).type(value)

    def _text_array(self, node, tags, where):
        dtype = self._dtype(node.get("dtype"), TEXT_KINDS, where)
        shape, items = node.get("shape"), node.get("items")
        if not (isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape)
                and isinstance(items, list)):
            raise FormatError(f"{where} holds a malformed text array.")
        if int(np.prod(shape, dtype=object)) != len(items):
            raise FormatError(f"{where} has shape {tuple(shape)} but {len(items)} items.")
        if len(items) * dtype.itemsize > self.limits.arrays_bytes:
            raise self.limits.refuse(f"{where} needs {len(items) * dtype.itemsize:,} bytes, "
                                     "which", "arrays_bytes")
        self.budget.add(1, len(items), where)
        array = np.empty(len(items), dtype=dtype)
        array[:] = [self.value(v, {"scalar"}, f"{where}[{i}]") for i, v in enumerate(items)]
        return array.reshape(shape)

    def _dtype(self, spec, kinds, where):
        try:
            dtype = np.dtype(_text(spec, where))
        except TypeError:
            dtype = None
        if dtype is None or dtype.kind not in kinds or dtype.hasobject and dtype.kind != "O" \
                or dtype.fields is not None or dtype.subdtype is not None:
            raise FormatError(f"{where} has the unsupported dtype {spec!r}.")
        width = dtype.itemsize // (4 if dtype.kind == "U" else 1)
        if dtype.kind in "SU" and width > self.limits.string_width:
            raise self.limits.refuse(f"{where} has the text dtype {spec!r} ({width:,} "
                                     "characters), which", "string_width")
        return dtype

    def _ndarray(self, node, tags, where):
        return self._member(self.arrays, node.get("key"), where)

    def _tensor(self, node, tags, where):
        return self._member(self.tensors, node.get("key"), where)

    def _member(self, store, key, where):
        if key in self.used:
            raise FormatError(f"{where} refers to the array {key!r} more than once; a file "
                              "stores each array once.")
        if not isinstance(key, str) or key not in store:
            raise FormatError(f"{where} refers to the array {key!r}, which the file does not "
                              "hold.")
        self.used.add(key)
        return store.pop(key)

    def _path(self, node, tags, where):
        return Path(_text(node.get("value"), where))

    def _device(self, node, tags, where):
        return _text(node.get("value"), where)  # check_param restricts it

    def _random_state(self, node, tags, where):
        state = self.value(node.get("state"), PLAIN | {"ndarray"}, where)
        random_state = np.random.RandomState()
        random_state.set_state(state)
        return random_state

    def _class(self, node, tags, where):
        return lookup(node.get("name"), "optimizer")

    def _object(self, node, tags, where):
        cls = lookup(node.get("class"), "object")
        params = self._params(cls, node.get("params"), where)
        return cls(**params)

    # -- estimators ------------------------------------------------------------------------
    def _estimator(self, node, tags, where):
        name = node.get("class")
        cls = lookup(name, "estimator")
        where = f"{where}:{cls.__name__}" if where else cls.__name__
        try:
            est = cls(**self._params(cls, node.get("params"), where))
            if hasattr(est, "_parameter_constraints"):  # sklearn's FeatureUnion has none
                est._validate_params()
        except (TypeError, ValueError) as exc:
            if isinstance(exc, FormatError):
                raise
            raise FormatError(f"{where} has invalid parameters: {exc}") from None
        state = node.get("state")
        if not isinstance(state, dict):
            raise FormatError(f"{where} has no fitted state.")
        schema, recomputed = schema_of(name), RECOMPUTED.get(name, set())
        decoded, deferred = {}, {}
        for key, sub in state.items():
            at = f"{where}.{key}"
            if key in recomputed:
                continue  # an older file's private attribute: recomputed below
            spec = schema.get(key)
            if spec is None:
                raise FormatError(f"{at}: {cls.__name__} has no fitted attribute {key!r} that a "
                                  f"file may set (its schema: {', '.join(schema) or 'none'}).")
            if spec.deferred:
                deferred[key] = (spec, sub)
            else:
                decoded[key] = self.value(sub, spec.tags, at)
        context = _Context(self.limits, decoded)
        for key, value in decoded.items():
            schema[key].check(value, f"{where}.{key}", context)
            setattr(est, key, value)
        if deferred:
            self._build_modules(est, deferred, where)
        if name in RESTORE:
            RESTORE[name](est)
        return est

    def _params(self, cls, node, where):
        if not isinstance(node, dict):
            raise FormatError(f"{where} has no constructor parameters.")
        names = set(init_names(cls))
        takes_kwargs = any(p.kind is p.VAR_KEYWORD
                           for p in inspect.signature(cls).parameters.values())
        params = {}
        for key, sub in node.items():
            at = f"{where}.{key}"
            if key in names:
                value = self.value(sub, PARAM_TAGS | NAMED_PARAM_TAGS.get(key, set()), at)
            elif takes_kwargs and isinstance(key, str):
                check_prefixed(key, None, at)
                value = self.value(sub, PLAIN, at)
            else:
                raise FormatError(f"{at} is not a parameter of {cls.__name__}.")
            params[key] = check_param(key, value, at, self.limits)
        return params

    # -- torch modules ---------------------------------------------------------------------
    def _build_modules(self, est, deferred, where):
        """Check the weights against modules shaped on the meta device, then build and fill."""
        prefixes = {}
        for key, (spec, node) in deferred.items():
            kind = node.get(TAG) if isinstance(node, dict) else None
            if kind != ("module" if isinstance(spec, Module) else "skorch_net"):
                raise FormatError(f"{where}.{key} holds a value of kind {kind!r}, which does "
                                  "not belong there.")
            if kind == "module":
                prefixes[key] = node.get("prefix")
            else:
                for name, prefix in _mapping(node.get("modules"), f"{where}.{key}").items():
                    prefixes[f"{key}.{_text(name, where)}_"] = prefix
        if not hasattr(est, "_meta_modules"):
            raise FormatError(f"{where} holds torch modules, which {type(est).__name__} has not.")
        skeletons = est._meta_modules()
        if set(prefixes) != set(skeletons):
            raise FormatError(f"{where} holds the modules {sorted(prefixes)}; its parameters "
                              f"describe {sorted(skeletons)}.")
        for path, prefix in prefixes.items():
            self._check_shapes(skeletons[path], prefix, f"{where}.{path}")
        est._rebuild_modules()
        for key, (spec, node) in deferred.items():
            if isinstance(spec, Module):
                self._load_module(getattr(est, key), node["prefix"], f"{where}.{key}")
            else:
                self._load_net(getattr(est, key), node, f"{where}.{key}")

    def _weights(self, prefix, where):
        if not isinstance(prefix, str) or not prefix:
            raise FormatError(f"{where} has no weights prefix.")
        return {key[len(prefix):]: key for key in self.tensors if key.startswith(prefix)}

    def _check_shapes(self, skeleton, prefix, where):
        expected = skeleton.state_dict()
        found = self._weights(prefix, where)
        missing, extra = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
        if missing or extra:
            raise FormatError(f"the weights of {where} do not fit its module: missing "
                              f"{missing[:3]}, unexpected {extra[:3]}.")
        for key, meta in expected.items():
            tensor = self.tensors[found[key]]
            if tuple(tensor.shape) != tuple(meta.shape) or tensor.dtype != meta.dtype:
                raise FormatError(
                    f"the weights of {where} do not fit the parameters: {key!r} is "
                    f"{tuple(tensor.shape)} {tensor.dtype} in the file but "
                    f"{tuple(meta.shape)} {meta.dtype} for the parameters."
                )
        kept = sum(t.numel() for t in expected.values())
        transient = sum(b.numel() for n, b in skeleton.named_buffers() if n not in expected)
        if transient > kept:
            raise FormatError(f"the module of {where} would allocate {transient:,} elements "
                              "that the file does not hold.")

    def _load_module(self, module, prefix, where):
        state = {key: self._member(self.tensors, full, where)
                 for key, full in self._weights(prefix, where).items()}
        module.load_state_dict(state, strict=True)

    def _load_net(self, net, node, where):
        from skorch.history import History

        for name, prefix in _mapping(node.get("modules"), where).items():
            self._load_module(getattr(net, f"{name}_"), prefix, f"{where}.{name}_")
        for name, state in _mapping(node.get("optimizers"), where).items():
            if name not in net._optimizers:
                raise FormatError(f"{where} has no optimizer {name!r}.")
            optimizer = getattr(net, f"{name}_")
            state = self.value(state, PLAIN | {"tensor"}, f"{where}.{name}_")
            _check_optimizer_state(optimizer, state, f"{where}.{name}_")
            optimizer.load_state_dict(state)
        context = _Context(self.limits, {})
        for key, value in _mapping(node.get("attributes"), where).items():
            if key not in NET_ATTRIBUTES:
                raise FormatError(f"{where}.{key} is not an attribute a file may set on a net "
                                  f"({', '.join(NET_ATTRIBUTES)}).")
            NET_ATTRIBUTES[key].check(value, f"{where}.{key}", context)
            setattr(net, key, value)
        history = node.get("history")
        if history is not None:
            history = self.value(history, PLAIN, f"{where}.history")
            if not isinstance(history, list) or not all(isinstance(r, dict) for r in history):
                raise FormatError(f"{where}.history is not a list of epochs.")
            net.history_ = History(history)
        net.module_.eval()


def _check_optimizer_state(optimizer, state, where):
    """The saved state must fit the optimizer the parameters build: same groups, options
    of the same kinds, and per-parameter tensors of the parameter's shape or scalars."""
    import torch

    if not isinstance(state, dict) or set(state) != {"state", "param_groups"}:
        raise FormatError(f"{where} holds a malformed optimizer state.")
    live = optimizer.state_dict()["param_groups"]
    groups = state["param_groups"]
    if not isinstance(groups, list) or len(groups) != len(live):
        raise FormatError(f"{where} has {len(groups)} parameter groups; the optimizer has "
                          f"{len(live)}.")
    shapes = {}
    for saved, current, group in zip(groups, live, optimizer.param_groups):
        if not isinstance(saved, dict) or saved.get("params") != current["params"]:
            raise FormatError(f"{where} has parameter groups that do not fit the optimizer.")
        for key, value in saved.items():
            if key != "params" and (key not in current or not _same_kind(value, current[key])):
                raise FormatError(f"{where} sets the optimizer option {key!r} to {value!r}.")
        shapes.update({index: p.shape for index, p in zip(current["params"], group["params"])})
    per_param = state["state"]
    if not isinstance(per_param, dict):
        raise FormatError(f"{where} holds a malformed optimizer state.")
    for index, entry in per_param.items():
        if index not in shapes or not isinstance(entry, dict):
            raise FormatError(f"{where} holds state for an unknown parameter {index!r}.")
        for key, value in entry.items():
            ok = isinstance(key, str) and (
                _same_kind(value, 0.0) or isinstance(value, torch.Tensor)
                and value.shape in (torch.Size([]), shapes[index]))
            if not ok:
                raise FormatError(f"{where} holds state {key!r} for parameter {index} that "
                                  "does not fit it.")


def _same_kind(value, reference):
    if isinstance(reference, bool) or reference is None or isinstance(reference, str):
        return type(value) is type(reference)
    if isinstance(reference, (int, float)):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(reference, (tuple, list)):
        return isinstance(value, (tuple, list)) and len(value) == len(reference) and all(
            _same_kind(v, r) for v, r in zip(value, reference))
    return False


def _list(node):
    items = node.get("items")
    if not isinstance(items, list):
        raise FormatError("it holds a malformed sequence.")
    return items


def _mapping(value, where):
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise FormatError(f"{where} holds a malformed net.")
    return value


def _text(value, where):
    if not isinstance(value, str):
        raise FormatError(f"{where} holds {value!r} where a string belongs.")
    return value


def _hashable(value):
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value
