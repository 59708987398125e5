"""The one private base of every skorch-backed estimator in skemo.

It sits below :mod:`skemo.models` and :mod:`skemo.gan`, which both build on it.

:class:`_SkorchEstimator` is a plain sklearn estimator whose ``fit`` builds a
skorch net, stored in ``net_``, from a net class and a torch module class, and
trains it. It owns everything those estimators share:

- skorch's training parameters, declared once in ``_SkorchEstimator.__init__``
  and documented once (:mod:`skemo._params`). A subclass declares its own
  parameters plus ``max_epochs``, ``batch_size`` and ``lr`` and passes the
  rest on through ``**kwargs``; its signature is completed along the MRO;
- skorch's prefixed parameters (``module__``, ``optimizer__``, ...) in
  ``get_params``/``set_params``: grids like ``{"clf__optimizer__momentum": [0, 0.9]}``;
- :func:`skemo._torch.seeded` torch seeding, which leaves the global RNG as it was;
- ``partial_fit`` and ``warm_start`` with skorch's meaning: training goes on
  from the current weights;
- per-epoch random streams, ``checkpoint_dir`` checkpoints and ``resume``
  (:mod:`skemo._checkpoint`): an interrupted run resumes to the uninterrupted result;
- ``precision``: autocast on the device in training and inference;
- inference through :func:`skemo._torch.forward_batches`, the one no-grad loop;
- ``classes_`` and label codes (:mod:`skemo._labels`). Estimators that read
  images add the input pipeline's knobs with :class:`skemo._inputs._ReadsImages`.

A subclass names its skorch net class (``_net_class``: ``NeuralNetClassifier``
for the classifiers; a GAN ``NeuralNet`` subclass or ``NeuralNetRegressor``
fit the same slot), its ``_criterion`` and its torch ``_module`` class, which
skorch instantiates with ``_module_params()`` and the user's ``module__*``.
It implements ``_fit_data`` (validate the training data and, on the first fit,
learn what stays fixed afterwards, such as ``classes_``) and may override
``_train_input`` (what the net trains on, computed with the built module).
"""

import copy
import inspect
import os
from numbers import Integral, Real

import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from skorch import NeuralNet
from skorch.dataset import ValidSplit

from skemo._checkpoint import Checkpoint, EpochSeed, load_checkpoint
from skemo._labels import _EncodesLabels
from skemo._params import SKORCH_PREFIXES, chain_signature, own_init, skorch_params_doc
from skemo._torch import autocast, forward_batches, seeded


class _SkorchEstimator(_EncodesLabels, BaseEstimator):
    """Base of skemo's skorch-backed estimators (not public); see the module doc."""

    _net_class = NeuralNet
    _criterion = None
    _module = None
    _prefixes = SKORCH_PREFIXES
    # Module arguments replaced when a model file rebuilds the net (_rebuild_modules).
    _restore_module_params = {}
    # Further ``%(name)s`` sections a family of subclasses shares in its docstrings.
    _doc_sections = {}

    _parameter_constraints = {
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [callable],
        "callbacks": [list, None, StrOptions({"disable"})],
        "train_split": [callable, None],
        "device": [str, torch.device],
        "precision": [StrOptions({"32", "bf16", "16"})],
        "checkpoint_dir": [str, os.PathLike, None],
        "checkpoint_every": [Interval(Integral, 1, None, closed="left")],
        "resume": ["boolean"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        max_epochs,
        batch_size,
        lr,
        optimizer=torch.optim.Adam,
        callbacks=None,
        train_split=None,
        device="cpu",
        precision="32",
        checkpoint_dir=None,
        checkpoint_every=1,
        resume=False,
        warm_start=False,
        verbose=0,
        random_state=None,
        **kwargs,
    ):
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.callbacks = callbacks
        self.train_split = train_split
        self.device = device
        self.precision = precision
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.resume = resume
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state
        bad = sorted(key for key in kwargs if not key.startswith(self._prefixes))
        if bad:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected keyword arguments {bad}; "
                f"extra keyword arguments must start with one of {list(self._prefixes)}."
            )
        self._skorch_kwargs = dict(kwargs)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # sklearn reads parameter names and defaults from the signature of
        # cls.__init__ (get_params, clone, repr), so it must list every
        # parameter the __init__ chain takes. A class that inherits its
        # __init__ (e.g. CVFCRegressor from the CVFC family base, with the
        # regressor's loss on top) gets a thin wrapper to carry its own.
        if "__init__" not in vars(cls):
            cls.__init__ = own_init(cls.__init__)
        cls.__init__.__signature__ = chain_signature(cls)
        if cls.__doc__ and "%(skorch_params)s" in cls.__doc__:
            defaults = inspect.signature(cls).parameters
            cls.__doc__ = cls.__doc__ % {
                "skorch_params": skorch_params_doc(
                    *(defaults[name].default for name in ("max_epochs", "batch_size", "lr")),
                    prefixes=cls._prefixes, inputs="prefetch" in defaults,
                ),
                **cls._doc_sections,
            }

    def get_params(self, deep=True):
        return {**super().get_params(deep=deep), **self._skorch_kwargs}

    def set_params(self, **params):
        # Prefixed keys go to skorch whole: sklearn would split
        # "callbacks__print_log__sink" at its first "__" and look for a
        # nested estimator named "callbacks".
        prefixed = {k: v for k, v in params.items() if k.startswith(self._prefixes)}
        plain = {k: v for k, v in params.items() if k not in prefixed}
        if plain:
            super().set_params(**plain)
        self._skorch_kwargs = {**self._skorch_kwargs, **prefixed}
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags

    # -- training ------------------------------------------------------------
    def partial_fit(self, X, y=None, classes=None):
        """Train for ``max_epochs`` more epochs, from the current weights.

        skorch's ``partial_fit``: the first call fits as ``fit`` does; later
        calls continue training the same network (and optimizer state).
        What the first call learned about the data (``classes_``, the input
        size or features) stays fixed; training settings changed with
        ``set_params`` in between (``max_epochs``, ``lr``, ``optimizer__*``,
        ``callbacks``, ...) apply, the module and its ``module__*`` arguments
        do not.

        Parameters
        ----------
        X : array-like
            Training input, in the format ``fit`` accepts.
        y : array-like of shape (n_samples,), default=None
            Targets, as in ``fit``. For a classifier every label must be
            one of ``classes_`` after the first call.
        classes : array-like of shape (n_classes,), default=None
            Classifiers: all the labels the calls will see, fixing
            ``classes_`` on the first call (sklearn's convention; when None,
            the labels of the first ``y``). Later calls may repeat it.

        Returns
        -------
        self : object
            The estimator, trained further.
        """
        return self._fit(X, y, classes=classes, partial=True)

    @_fit_context(prefer_skip_nested_validation=True)
    def _fit(self, X, y=None, classes=None, partial=False):
        first = not ((partial or self.warm_start) and hasattr(self, "net_"))
        if first and hasattr(self, "net_"):
            del self.net_  # a refit that fails must not leave the old net behind
        autocast = self._autocast()  # refuses an unsupported precision before any work
        data, target = self._fit_data(X, y, first=first, classes=classes)
        with seeded(self.random_state, self.device) as seed:
            if first:
                self.net_ = self._net_class(**self._net_params(seed)).initialize()
            else:
                self._update_net(seed)
            self._install_callbacks(seed)
            epochs = None
            if first and self.resume:
                epochs = self._load_checkpoint()
            try:
                with autocast:
                    train_input = self._train_input(data, first=first)
            except BaseException:
                if first:  # no training happened: not a fitted estimator
                    del self.net_
                raise
            if hasattr(train_input, "labelled"):  # files streamed each epoch carry y;
                train_input = train_input.labelled(target)  # target still stratifies splits
            # skorch catches KeyboardInterrupt (Ctrl-C, EarlyStopping) in
            # partial_fit: the net keeps the epochs trained so far.
            with autocast:
                self.net_.partial_fit(train_input, target, epochs=epochs)
        # Left ready for inference; skorch switches to train mode itself.
        self.net_.module_.eval()
        return self

    # -- epochs, checkpoints, precision ------------------------------------------------
    def _install_callbacks(self, seed):
        """Add skemo's own callbacks to ``net_.callbacks_`` (kept out of ``callbacks``).

        They are appended to the initialised callbacks, after the user's, and
        again whenever skorch re-initialises them (``_update_net``).
        """
        net = self.net_
        own = []
        if seed is not None and not getattr(net, "_seeds_epochs", False):
            own.append(("skemo_epoch_seed", EpochSeed(seed, "iterator_train__generator"
                                                       not in self._skorch_kwargs)))
        if self.checkpoint_dir is not None:
            own.append(("skemo_checkpoint", Checkpoint(
                self.checkpoint_dir, self.checkpoint_every, seed, type(self).__name__)))
        kept = [(n, cb) for n, cb in net.callbacks_ if not n.startswith("skemo_")]
        for _, cb in own:
            cb.initialize()
        net.callbacks_ = kept + own

    def _load_checkpoint(self):
        """Load the latest checkpoint of ``checkpoint_dir`` into ``net_``, if any.

        Returns the number of epochs left to train, or None without a checkpoint.
        """
        return load_checkpoint(self.net_, self.checkpoint_dir, type(self).__name__,
                               self.max_epochs)

    def _autocast(self):
        """The autocast context of ``precision`` on ``device`` (checked)."""
        return autocast(self.precision, self.device)

    def _rebuild_modules(self):
        """Build ``net_`` for the fitted state, untrained (see :func:`skemo.io.load_model`).

        The net is built as ``fit`` builds it, with ``_restore_module_params``
        in place of the module's arguments that would read weights (a
        download or a file); the caller then loads the saved weights into it.
        """
        with torch.random.fork_rng(devices=[]), seeded(self.random_state, self.device) as seed:
            self.net_ = self._net_class(**self._restore_net_params(seed)).initialize()
        self.net_.module_.eval()

    def _meta_modules(self):
        """The net's torch modules as the parameters and fitted state shape them, on the
        ``meta`` device: shapes without memory, to check a model file's weights against
        before :meth:`_rebuild_modules` allocates anything.

        Returns ``{"net_.<name>_": module}``, e.g. ``net_.module_`` and, for a GAN,
        ``net_.discriminator_``.
        """
        net = self._net_class(**{**self._restore_net_params(None), "device": None})
        with torch.device("meta"):
            net._initialize_module()  # skorch's own step of initialize(): modules only
        return {f"net_.{name}": value for name, value in vars(net).items()
                if name.endswith("_") and isinstance(value, torch.nn.Module)}

    def _restore_net_params(self, seed):
        restore = {f"module__{k}": v for k, v in self._restore_module_params.items()}
        return {**self._net_params(seed), **restore}

    def _fit_data(self, X, y, first, classes=None):
        """Validate ``(X, y)`` and return what the net trains on (subclasses)."""
        raise NotImplementedError

    def _train_input(self, data, first):
        """The net's training input, computed once ``net_`` is built."""
        return data

    def _module_params(self):
        """Constructor arguments of ``_module`` that the estimator derives."""
        raise NotImplementedError

    def _net_params(self, seed=None):
        module_params = self._module_params()
        clash = sorted(
            key for key in self._skorch_kwargs
            if key.startswith("module__") and key[len("module__"):] in module_params
        )
        if clash:
            raise ValueError(
                f"{clash} cannot be set: {type(self).__name__} derives these arguments "
                f"of {self._module.__name__} from the data and its own parameters "
                f"({sorted(module_params)})."
            )
        return {
            "module": self._module,
            "criterion": self._criterion,
            "optimizer": self.optimizer,
            "lr": self.lr,
            "max_epochs": self.max_epochs,
            "batch_size": self.batch_size,
            "train_split": self._seeded_split(seed),
            "callbacks": self.callbacks,
            "device": self.device,
            "warm_start": self.warm_start,
            "verbose": self.verbose,
            "iterator_train__shuffle": True,
            **{f"module__{key}": value for key, value in module_params.items()},
            **self._skorch_kwargs,
        }

    def _seeded_split(self, seed):
        split = self.train_split
        if (
            seed is not None
            and isinstance(split, ValidSplit)
            and split.random_state is None
            and split._is_float(split.cv)
        ):
            split = copy.copy(split)
            split.random_state = seed
        return split

    def _update_net(self, seed):
        # Continuing: the trained module (its module__ arguments, its device)
        # stays; training settings changed with set_params since reach the
        # net. Most are read by skorch at fit time, so they are set as
        # attributes: skorch's set_params refuses some prefixes (optimizer,
        # iterator_train__) on an initialised net.
        net = self.net_
        changed = {
            key: value
            for key, value in self._net_params(seed).items()
            if not key.startswith(("module", "device")) and vars(net).get(key, _UNSET) is not value
        }
        components = {k: changed.pop(k) for k in list(changed) if k.startswith(_COMPONENTS)}
        for key, value in changed.items():
            setattr(net, key, value)
        if components:  # skorch re-initialises the callbacks or the criterion
            net.set_params(**components)
        if "optimizer" in changed or "optimizer__param_groups" in changed:
            net.initialize_optimizer()  # another optimizer starts afresh
        else:  # new hyper-parameters of the live optimizer, which keeps its state
            tuned = {k: v for k, v in changed.items() if k == "lr" or k.startswith("optimizer__")}
            if tuned:
                net.set_params(**tuned)

    # -- fitted state ----------------------------------------------------------
    @property
    def module_(self):
        """The fitted torch module, ``net_.module_``."""
        return self.net_.module_

    @property
    def history_(self):
        """skorch's training history (per-epoch ``train_loss``, ...)."""
        return self.net_.history

    def _infer(self, batches):
        with self._autocast():
            return forward_batches(self.module_, batches, self.device).numpy()


_UNSET = object()
_COMPONENTS = ("callbacks", "criterion")
