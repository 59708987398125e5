"""What a model file may set: the fitted state of each class, and what parameters may hold.

Every allow-listed estimator class has a schema here: the fitted attributes a
file may set, each with its type and shape (:class:`Array` shapes may name another
attribute, such as ``n_features_in_``, that their length must equal), whether it
is a nested estimator, a torch module or a skorch net. Nothing else comes from a
file: no other public attribute, and never a private one (a leading underscore).
The private attributes fitting leaves behind (:data:`RECOMPUTED`) are not saved
but recomputed from the loaded estimator by :data:`RESTORE`; files written before
the schemas existed still hold some of them, and their values are ignored.

Parameters go through the class's own validation, and the values that reach
the system through :func:`check_param`: the device, worker counts, image sizes,
and the options that would run a compiler or read and write paths, which are
refused.
"""

import warnings
from numbers import Integral, Real

import numpy as np

from ._allowlist import FormatError

# -- specs of fitted values --------------------------------------------------------------------


class Spec:
    """A fitted value's type; ``tags`` are the tagged JSON nodes it may decode from."""

    tags = frozenset({"scalar"})
    deferred = False

    def check(self, value, where, ctx):  # pragma: no cover - abstract
        raise NotImplementedError


def _bad(where, value, expected):
    shown = type(value).__name__ if not isinstance(value, (int, float, str, type(None))) \
        else repr(value)[:60]
    return FormatError(f"{where} must be {expected}; the file gives {shown}.")


class Int(Spec):
    def __init__(self, low=0, high=None):
        self.low, self.high = low, high  # high: an int, or a ModelFileLimits field

    def check(self, value, where, ctx):
        high = getattr(ctx.limits, self.high) if isinstance(self.high, str) else self.high
        if not isinstance(value, Integral) or isinstance(value, (bool, np.bool_)) \
                or value < self.low:
            raise _bad(where, value, f"an int >= {self.low}")
        if high is not None and value > high:
            raise ctx.limits.refuse(f"{where}={value}", self.high) \
                if isinstance(self.high, str) else _bad(where, value, f"an int <= {high}")


class Float(Spec):
    def check(self, value, where, ctx):
        if not isinstance(value, Real) or isinstance(value, (bool, np.bool_)):
            raise _bad(where, value, "a number")


class Bool(Spec):
    def check(self, value, where, ctx):
        if not isinstance(value, (bool, np.bool_)):
            raise _bad(where, value, "a bool")


class Text(Spec):
    tags = frozenset()

    def check(self, value, where, ctx):
        if not isinstance(value, str):
            raise _bad(where, value, "a string")


class Nothing(Spec):
    tags = frozenset()

    def check(self, value, where, ctx):
        if value is not None:
            raise _bad(where, value, "None")


class Array(Spec):
    """A numpy array of dtype ``kinds``, ``ndim`` dimensions, leading axes ``dims``."""

    tags = frozenset({"ndarray", "text_array"})

    def __init__(self, kinds, ndim, dims=()):
        self.kinds, self.ndim, self.dims = kinds, ndim, dims

    def check(self, value, where, ctx):
        ndims = self.ndim if isinstance(self.ndim, tuple) else (self.ndim,)
        if not isinstance(value, np.ndarray) or value.dtype.kind not in self.kinds \
                or value.ndim not in ndims:
            raise _bad(where, value, f"a {'/'.join(map(str, ndims))}-D array of kind "
                                     f"{self.kinds!r}")
        for axis, name in enumerate(self.dims):
            expected = ctx.state.get(name)
            if isinstance(expected, Integral) and value.shape[axis] != expected:
                raise FormatError(f"{where} has shape {value.shape}, but {name} is {expected}.")


class Seq(Spec):
    """A list or tuple of ``item`` values, or of ``items`` position by position."""

    def __init__(self, item=None, items=None):
        self.item, self.items = item, items
        parts = [item] if item is not None else list(items)
        self.tags = frozenset({"tuple"}).union(*(p.tags for p in parts))

    def check(self, value, where, ctx):
        if not isinstance(value, (list, tuple)):
            raise _bad(where, value, "a list")
        if self.items is not None and len(value) != len(self.items):
            raise _bad(where, value, f"a sequence of {len(self.items)}")
        specs = self.items or [self.item] * len(value)
        for i, (spec, item) in enumerate(zip(specs, value)):
            spec.check(item, f"{where}[{i}]", ctx)


class Mapping(Spec):
    def __init__(self, key, value):
        self.key, self.value = key, value
        self.tags = frozenset({"dict"}) | key.tags | value.tags

    def check(self, value, where, ctx):
        if not isinstance(value, dict):
            raise _bad(where, value, "a dict")
        for k, v in value.items():
            self.key.check(k, f"{where} key", ctx)
            self.value.check(v, f"{where}[{k!r}]", ctx)


class AnyOf(Spec):
    def __init__(self, *options):
        self.options = options
        self.tags = frozenset().union(*(o.tags for o in options))

    def check(self, value, where, ctx):
        errors = []
        for option in self.options:
            try:
                return option.check(value, where, ctx)
            except FormatError as exc:
                errors.append(str(exc))
        raise FormatError(" / ".join(errors))


class Estimator(Spec):
    tags = frozenset({"estimator"})

    def check(self, value, where, ctx):
        from sklearn.base import BaseEstimator

        if not isinstance(value, BaseEstimator):
            raise _bad(where, value, "an estimator")


class Module(Spec):
    """A torch module: built from the parameters on the meta device, then filled."""

    tags = frozenset({"module"})
    deferred = True


class Net(Spec):
    """A skorch net: its modules, optimizer states, plain attributes and history."""

    tags = frozenset({"skorch_net"})
    deferred = True


class ImageSize(Spec):
    """An image size ``(height, width)``, each side within ``ModelFileLimits.image_side``."""

    tags = frozenset({"tuple"})

    def check(self, value, where, ctx):
        Seq(items=[Int(1, "image_side")] * 2).check(value, where, ctx)


def Optional(spec):  # noqa: N802 - reads as a type
    return AnyOf(Nothing(), spec)


# -- schemas -----------------------------------------------------------------------------------
COUNT = Int(1)
LABELS = Array("biufUO", 1)
VECTOR = Array("f", 1, ("n_features_in_",))
NAMES = Array("UO", 1, ("n_features_in_",))
NET = Net()
FEATURES_OUT = {"n_features_out_": COUNT}
TARGETS = {"n_outputs_": COUNT, "target_mean_": Array("f", 1, ("n_outputs_",)),
           "target_scale_": Array("f", 1, ("n_outputs_",))}
GAN = {"net_": NET, "classes_": LABELS}


def _sklearn(**attributes):
    """A scikit-learn estimator's schema: it may record its input's width and column names."""
    return {"n_features_in_": COUNT, "feature_names_in_": NAMES, **attributes}


_COEF = Array("f", (1, 2))
_INTERCEPT = AnyOf(Float(), Array("f", 1))
_SCALER = _sklearn(n_samples_seen_=AnyOf(Int(), Float(), Array("iuf", 1)), mean_=VECTOR,
                   var_=VECTOR, scale_=VECTOR, min_=VECTOR, data_min_=VECTOR, data_max_=VECTOR,
                   data_range_=VECTOR, center_=VECTOR, max_abs_=VECTOR)
_ANY_ARRAY = Array("f", (1, 2, 3, 4, 5, 6))
LABEL = AnyOf(Int(), Float(), Text(), Bool())
_PER_CLASS = AnyOf(_ANY_ARRAY, Mapping(LABEL, _ANY_ARRAY))

SCHEMAS = {
    "skemo.models.CVFC": {"n_features_in_": COUNT, "mean_": VECTOR, "scale_": VECTOR,
                          "classes_": LABELS, "net_": NET},
    "skemo.models.CVFCRegressor": {"n_features_in_": COUNT, "mean_": VECTOR, "scale_": VECTOR,
                                   **TARGETS, "net_": NET},
    "skemo.models.ShallNet": {"image_size_": ImageSize(), "classes_": LABELS, "net_": NET},
    "skemo.models.TransferClassifier": {"embedding_dim_": COUNT, "image_size_": ImageSize(),
                                        "classes_": LABELS, "net_": NET},
    "skemo.models.TransferRegressor": {"embedding_dim_": COUNT, "image_size_": ImageSize(),
                                       **TARGETS, "net_": NET},
    "skemo.models.BackboneEmbedding": {"backbone_": Module(), **FEATURES_OUT},
    "skemo.features.PaintingFeatures": {
        "transformers_": Seq(Seq(items=[Text(), Estimator()])), **FEATURES_OUT},
    "skemo.features.BrightnessFeatures": FEATURES_OUT,
    "skemo.features.AffectiveFeatures": FEATURES_OUT,
    "skemo.features.TextureFeatures": {"hard_soft_": Array("f", 1), "references_": Array("f", 3),
                                       **FEATURES_OUT},
    "skemo.features.ColorPaletteFeatures": {
        "seed_": Int(), "classes_": LABELS, "references_": Array("f", 3),
        "reference_names_": Seq(Text()), **FEATURES_OUT},
    "skemo.augment.AugmentedClassifier": {"augmenter_": Estimator(), "estimator_": Estimator()},
    "skemo.augment.FlipRotateAugmenter": {"transforms_": Array("U", 1),
                                          "sample_indices_": Array("iu", 1),
                                          "sampling_strategy_": Mapping(LABEL, Int())},
    "skemo.gan.BasicGAN": GAN,
    "skemo.gan.DeconvGAN": GAN,
    "skemo.gan.DCGAN": GAN,
    "skemo.gan.FastGAN": GAN,
    "skemo.gan.GANAugmenter": {"sampling_strategy_": Mapping(LABEL, Int()),
                               "gans_": Mapping(LABEL, Estimator())},
    "sklearn.pipeline.Pipeline": {},
    "sklearn.pipeline.FeatureUnion": _sklearn(),
    "sklearn.preprocessing.StandardScaler": _SCALER,
    "sklearn.preprocessing.MinMaxScaler": _SCALER,
    "sklearn.preprocessing.RobustScaler": _SCALER,
    "sklearn.preprocessing.MaxAbsScaler": _SCALER,
    "sklearn.preprocessing.FunctionTransformer": _sklearn(),
    "sklearn.preprocessing.LabelEncoder": {"classes_": LABELS},
    "sklearn.linear_model.LogisticRegression": _sklearn(
        classes_=LABELS, coef_=_COEF, intercept_=_INTERCEPT, n_iter_=Array("iu", 1)),
    "sklearn.linear_model.LogisticRegressionCV": _sklearn(
        classes_=LABELS, coef_=_COEF, intercept_=_INTERCEPT, n_iter_=Array("iu", (1, 2, 3)),
        Cs_=Array("f", 1), l1_ratios_=Array("fO", 1), C_=AnyOf(Float(), Array("f", 1)),
        l1_ratio_=AnyOf(Nothing(), Float(), Array("fO", 1)), scores_=_PER_CLASS,
        coefs_paths_=_PER_CLASS),
    "sklearn.linear_model.Ridge": _sklearn(
        coef_=_COEF, intercept_=_INTERCEPT, n_iter_=Optional(Array("iu", 1)), solver_=Text()),
    "sklearn.linear_model.RidgeCV": _sklearn(
        coef_=_COEF, intercept_=_INTERCEPT, alpha_=AnyOf(Float(), Array("f", 1)),
        best_score_=AnyOf(Float(), Array("f", 1)), cv_results_=Array("f", (2, 3))),
    "sklearn.linear_model.LinearRegression": _sklearn(
        coef_=_COEF, intercept_=_INTERCEPT, rank_=Int(), singular_=Array("f", 1)),
    "sklearn.dummy.DummyClassifier": _sklearn(
        sparse_output_=Bool(), n_outputs_=COUNT, classes_=AnyOf(LABELS, Seq(LABELS)),
        n_classes_=AnyOf(COUNT, Seq(COUNT)),
        class_prior_=AnyOf(Array("f", 1), Seq(Array("f", 1)))),
    "sklearn.dummy.DummyRegressor": _sklearn(n_outputs_=COUNT, constant_=Array("f", 2)),
}

#: Attributes any estimator may carry: ``skemo train`` names a regressor's targets.
ANNOTATIONS = {"target_names_": Seq(Text())}


def schema_of(name):
    """The fitted attributes a file may set on an estimator of the allow-listed class ``name``."""
    return {**SCHEMAS[name], **ANNOTATIONS}


#: Private fitted attributes, never saved and ignored in older files: recomputed on load.
RECOMPUTED = {
    **{f"skemo.features.{name}": {"_union_image_size"} for name in (
        "BrightnessFeatures", "AffectiveFeatures", "TextureFeatures", "ColorPaletteFeatures")},
    "sklearn.dummy.DummyClassifier": {"_strategy"},
}


def _dummy_strategy(est):
    est._strategy = est.strategy  # what DummyClassifier.fit records


#: How a loaded estimator recomputes its private attributes (class name -> function); a
#: feature block's working size comes from the PaintingFeatures that holds it.
RESTORE = {
    "skemo.features.PaintingFeatures": lambda est: est._share_working_size(),
    "sklearn.dummy.DummyClassifier": _dummy_strategy,
}

#: Public attributes of a skorch net that a file may set.
NET_ATTRIBUTES = {"initialized_": Bool(), "init_context_": Nothing(), "seed_": Int(),
                  "batch_index_": Int(), "ada_p_": Float()}


# -- parameters --------------------------------------------------------------------------------
PLAIN = frozenset({"tuple", "dict", "scalar"})
#: Tagged nodes any parameter may hold, and those only some parameters may.
PARAM_TAGS = PLAIN | {"ndarray", "text_array", "estimator"}
NAMED_PARAM_TAGS = {"optimizer": {"class"}, "cv": {"object"}, "train_split": {"object"},
                    "random_state": {"random_state"}, "device": {"device"}, "weights": {"path"}}

#: skorch's prefixed keyword arguments a file may give (plain values only); iterator
#: arguments only these.
PREFIXES = ("module__", "discriminator__", "criterion__", "optimizer__", "optimizer_d__",
            "iterator_train__", "iterator_valid__")
ITERATOR_ARGUMENTS = {"shuffle", "drop_last", "num_workers", "pin_memory", "persistent_workers",
                      "prefetch_factor", "batch_size"}
DEVICE_TYPES = ("cpu", "cuda", "mps")


def check_param(name, value, where, limits):
    """The value a loaded estimator gets for parameter ``name``; refuses unsafe ones."""
    rule = _PARAM_RULES.get(name.rpartition("__")[2] if name.startswith(PREFIXES) else name)
    return value if rule is None else rule(value, where, limits)


def check_saved_param(name, value, where):
    """Refuse to save a parameter that a file could not hold (a folder, callbacks)."""
    rule = _PARAM_RULES.get(name)
    if rule in (_nothing, _callbacks):
        rule(value, where, None)


def check_prefixed(name, value, where):
    """Refuse a skorch keyword argument outside :data:`PREFIXES`, or an unknown iterator one."""
    if not name.startswith(PREFIXES):
        raise FormatError(f"{where} is not a parameter a .skemo file may set: of skorch's "
                          f"keyword arguments it may give {', '.join(PREFIXES)} only.")
    prefix, _, argument = name.partition("__")
    if prefix.startswith("iterator_") and argument not in ITERATOR_ARGUMENTS:
        raise FormatError(f"{where} is not a data-loader argument a .skemo file may set "
                          f"({', '.join(sorted(ITERATOR_ARGUMENTS))}).")


def _device(value, where, limits):
    import torch

    try:
        device = torch.device(value)
    except (RuntimeError, TypeError, ValueError):
        device = None
    if device is None or device.type not in DEVICE_TYPES or device.type != "cuda" and \
            device.index not in (None, 0):
        raise FormatError(f"{where}={value!r} is not a device a .skemo file may name; it names "
                          f"{', '.join(DEVICE_TYPES)} (cuda with an index) only.")
    available = {"cpu": True, "cuda": torch.cuda.is_available(),
                 "mps": torch.backends.mps.is_available()}[device.type]
    if device.type == "cuda" and available and device.index is not None:
        available = device.index < torch.cuda.device_count()
    if not available:
        warnings.warn(f"{where}={value!r}: that device is not available here (CUDA or MPS "
                      "absent), so the model loads on device='cpu'.", UserWarning, stacklevel=2)
        return "cpu"
    return value


def _workers(value, where, limits):
    from joblib import cpu_count  # the cores this process may use (affinity, cgroups)

    if isinstance(value, Integral) and not isinstance(value, bool) and value > cpu_count():
        return cpu_count()
    return value


def _nothing(value, where, limits):
    if value is not None:
        raise FormatError(f"{where}={value!r} is refused: a model file may not name a folder "
                          "to read or write (it must be None).")
    return value


def _callbacks(value, where, limits):
    if value not in (None, "disable"):
        raise FormatError(f"{where} is refused: a model file holds no callbacks.")
    return value


def _image_size(value, where, limits):
    sides = value if isinstance(value, (tuple, list)) else [value]
    for side in sides:
        if isinstance(side, Integral) and side > limits.image_side:
            raise limits.refuse(f"{where}={value!r}", "image_side")
    return value


_PARAM_RULES = {"device": _device, "n_jobs": _workers, "num_workers": _workers,
                "checkpoint_dir": _nothing, "memory": _nothing, "callbacks": _callbacks,
                "image_size": _image_size}
