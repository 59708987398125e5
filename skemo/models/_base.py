"""Machinery shared by the skorch-backed classifiers.

Each classifier is a plain sklearn estimator whose ``fit`` builds a torch
module and trains it with a :class:`skorch.NeuralNetClassifier` stored in
``net_``. The wrapper adds what skorch leaves to the user: any labels
(strings included) through a label encoder, ``random_state`` seeding of
torch, a softmax ``predict_proba`` whose rows sum to 1 in float64, and
``predict`` in the original label space.

skorch's prefixed parameters (``optimizer__momentum``, ``callbacks__...``,
``iterator_train__...``) are accepted as keyword arguments, returned by
``get_params`` and settable with ``set_params``, so they work in
``GridSearchCV`` grids such as ``{"clf__optimizer__momentum": [0.0, 0.9]}``.
"""

import copy
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNetClassifier
from skorch.dataset import ValidSplit

from skemo._validation import iter_image_chunks

SKORCH_PREFIXES = (
    "optimizer__",
    "criterion__",
    "callbacks__",
    "iterator_train__",
    "iterator_valid__",
    "dataset__",
)

SKORCH_PARAMS_DOC = """\
    max_epochs : int, default=%(max_epochs)s
        Number of passes over the training data.
    batch_size : int, default=%(batch_size)s
        Mini-batch size for training and prediction.
    lr : float, default=%(lr)s
        Learning rate (skorch's ``lr``; ``optimizer__lr`` overrides it).
    optimizer : torch optimizer class, default=torch.optim.Adam
        Any ``optimizer__<name>`` keyword argument is passed to it, e.g.
        ``optimizer__momentum=0.9`` for :class:`torch.optim.SGD`.
    callbacks : list of skorch callbacks, "disable" or None, default=None
        Extra skorch callbacks, e.g. ``[skorch.callbacks.EarlyStopping()]``.
    train_split : callable or None, default=None
        None trains on all of the data, as sklearn estimators do. Pass
        ``skorch.dataset.ValidSplit(0.2)`` to hold out a validation split
        (its shuffle is seeded by ``random_state``).
    device : str, default="cpu"
        Torch device, e.g. ``"cpu"`` or ``"cuda"``.
    verbose : int, default=0
        Print skorch's per-epoch table when positive.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch shuffling and the validation
        split. Fitting twice with the same int gives identical models. The
        global torch RNG is left untouched.
    **kwargs : dict
        skorch parameters with one of the prefixes ``optimizer__``,
        ``criterion__``, ``callbacks__``, ``iterator_train__``,
        ``iterator_valid__`` or ``dataset__``."""


def skorch_params_doc(max_epochs, batch_size, lr):
    return SKORCH_PARAMS_DOC % {"max_epochs": max_epochs, "batch_size": batch_size, "lr": lr}


def check_skorch_kwargs(kwargs, owner):
    bad = [key for key in kwargs if not key.startswith(SKORCH_PREFIXES)]
    if bad:
        raise TypeError(
            f"{owner}.__init__() got unexpected keyword arguments {bad}; extra keyword "
            f"arguments must start with one of {list(SKORCH_PREFIXES)}."
        )
    return dict(kwargs)


@contextmanager
def seeded(random_state, device="cpu"):
    """Seed torch inside the block and restore the global RNG state after.

    Yields the int seed, or None when ``random_state`` is None (no seeding).
    """
    if random_state is None:
        yield None
        return
    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    use_cuda = str(device).startswith("cuda") and torch.cuda.is_available()
    devices = list(range(torch.cuda.device_count())) if use_cuda else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield seed


def images_to_tensor(images):
    """``(n, H, W, 3)`` float32 array -> contiguous ``(n, 3, H, W)`` tensor."""
    return torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))


class NeuralClassifierMixin(ClassifierMixin, BaseEstimator):
    """Base for skemo's skorch classifiers (not public).

    Subclasses list every parameter in ``__init__``, store the skorch keyword
    arguments with ``self._skorch_kwargs = check_skorch_kwargs(kwargs, ...)``
    and implement ``fit`` and ``_logits(X)``.
    """

    _parameter_constraints = {
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [callable],
        "callbacks": [list, None, StrOptions({"disable"})],
        "train_split": [callable, None],
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        params.update(getattr(self, "_skorch_kwargs", {}))
        return params

    def set_params(self, **params):
        prefixed = {k: v for k, v in params.items() if k.startswith(SKORCH_PREFIXES)}
        rest = {k: v for k, v in params.items() if k not in prefixed}
        if rest:
            super().set_params(**rest)
        if prefixed:
            self._skorch_kwargs = {**getattr(self, "_skorch_kwargs", {}), **prefixed}
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags

    # -- fitting helpers -------------------------------------------------
    def _encode_labels(self, y):
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in y; got "
                f"only one class, {encoder.classes_[0]!r}."
            )
        self.classes_ = encoder.classes_
        return encoder.transform(y).astype(np.int64)

    def _make_net(self, module, seed):
        train_split = self.train_split
        if (
            seed is not None
            and isinstance(train_split, ValidSplit)
            and train_split.random_state is None
            and train_split._is_float(train_split.cv)
        ):
            train_split = copy.copy(train_split)
            train_split.random_state = seed
        kwargs = {"iterator_train__shuffle": True, **self._skorch_kwargs}
        return NeuralNetClassifier(
            module=module,
            criterion=torch.nn.CrossEntropyLoss,
            optimizer=self.optimizer,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=train_split,
            callbacks=self.callbacks,
            device=self.device,
            verbose=self.verbose,
            classes=list(range(len(self.classes_))),
            **kwargs,
        )

    # -- prediction --------------------------------------------------------
    @property
    def module_(self):
        """The fitted torch module (logits out); ``net_.module_``."""
        return self.net_.module_

    @property
    def history_(self):
        """skorch's training history (per-epoch ``train_loss``, ...)."""
        return self.net_.history

    def _forward_batches(self, batches):
        module = self.module_
        was_training = module.training
        module.eval()
        out = []
        try:
            with torch.no_grad():
                for xb in batches:
                    out.append(module(xb.to(self.device)).float().cpu())
        finally:
            module.train(was_training)
        return torch.cat(out).numpy()

    def predict_proba(self, X):
        """Class probabilities (softmax of the logits), rows summing to 1.

        Parameters
        ----------
        X : array-like
            Input in the format ``fit`` accepts.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        check_is_fitted(self)
        return softmax(self._logits(X).astype(np.float64), axis=1)

    def predict(self, X):
        """Predict labels in the original label space.

        Parameters
        ----------
        X : array-like
            Input in the format ``fit`` accepts.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


def embed_images(embed, X, size, batch_size, device, verbose=0):
    """Run ``embed`` (tensor ``(b, 3, H, W)`` -> ``(b, d)``) over images in batches.

    Path lists are loaded one batch at a time, so memory stays flat in the
    number of files. Returns a float32 CPU tensor ``(n, d)`` and the
    ``(height, width)`` the images had.
    """
    from tqdm.auto import tqdm

    out, seen = [], None
    chunks = iter_image_chunks(X, chunk_size=batch_size, size=size)
    with torch.no_grad():
        for _, chunk in tqdm(chunks, disable=not verbose, desc="embedding", unit="batch"):
            seen = tuple(int(s) for s in chunk.shape[1:3])
            out.append(embed(images_to_tensor(chunk).to(device)).float().cpu())
    return torch.cat(out), seen
