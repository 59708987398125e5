"""Early stopping on an internal validation split: how a head knows when to stop.

A head trained on a few hundred embeddings overfits within a few epochs, and
how many depends on the data set (``benchmarks/bench_transfer_defaults.py``
shows it on OASIS). So instead of a fixed number of epochs the estimator holds
out part of its training data, watches the loss there, and keeps the weights
of the best epoch.
"""

import math

import numpy as np
from skorch.callbacks import EarlyStopping
from skorch.dataset import ValidSplit

__all__ = ["check_validation_split", "early_stopping_split", "install_early_stopping"]

EARLY_STOPPING_DOC = """\
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the training data (stratified by
        class for a classifier, drawn with ``random_state``), end training
        once the loss on it has not improved for ``n_iter_no_change``
        epochs, and keep the weights of the best epoch: ``max_epochs`` is
        then an upper bound. A head on a few hundred images overfits within
        a few epochs, and how many depends on the data, so the data decide.
        A ``train_split`` of your own replaces the internal split.
        ``False`` trains on all the data for exactly ``max_epochs`` epochs,
        as ``partial_fit`` always does (as in scikit-learn's MLP: each call's
        data may be too few to split; set ``max_epochs`` for it).
    validation_fraction : float in (0, 1), default=0.2
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without improvement of the validation loss before training
        stops."""


class _EarlyStopping(EarlyStopping):
    """skorch's early stopping, keeping a copy of the best epoch's weights.

    Only of the state that training changes: a frozen backbone (VGG16's is 528 MB)
    is not copied at every better epoch. The copy is let go once restored, so that
    a fitted (or pickled) model holds its weights once.
    """

    def on_epoch_end(self, net, **kwargs):
        load_best, self.load_best = self.load_best, False  # the copy is made below
        try:
            super().on_epoch_end(net, **kwargs)  # raises KeyboardInterrupt to stop
        finally:
            self.load_best = load_best
            if load_best and self.best_epoch_ == net.history[-1, "epoch"]:
                self.best_model_weights_ = changing_state(net.module_)

    def on_train_end(self, net, **kwargs):
        if (self.load_best and self.best_model_weights_ is not None
                and self.best_epoch_ != net.history[-1, "epoch"]):
            net.module_.load_state_dict(self.best_model_weights_, strict=False)
        self.best_model_weights_ = None


def changing_state(module):
    """A copy of the entries of ``module.state_dict()`` that training can change.

    The parameters that require gradients, and the buffers (e.g. batch-norm
    statistics) of the modules that have such parameters or none at all.
    """
    keep = {name for name, p in module.named_parameters() if p.requires_grad}
    for prefix, sub in module.named_modules():
        own = list(sub.parameters(recurse=False))
        if not own or any(p.requires_grad for p in own):
            keep.update(f"{prefix}.{name}" if prefix else name
                        for name, _ in sub.named_buffers(recurse=False))
    return {name: value.detach().clone()
            for name, value in module.state_dict().items() if name in keep}


def _stops_early(estimator):
    # partial_fit sets _incremental for the length of the call.
    return (estimator.early_stopping and estimator.callbacks != "disable"
            and not getattr(estimator, "_incremental", False))


def _splits(estimator):
    """Whether the estimator holds out its own split (no ``train_split`` of the user's)."""
    return _stops_early(estimator) and estimator.train_split is None


def early_stopping_split(estimator, params, seed, stratified):
    """``params`` (skorch net arguments) with the held-out split early stopping watches."""
    if not _splits(estimator):
        return params
    split = ValidSplit(estimator.validation_fraction, stratified=stratified, random_state=seed)
    return {**params, "train_split": split}


def install_early_stopping(estimator):
    """Put (or take) the early-stopping callback at the end of ``net_.callbacks_``.

    Not through the ``callbacks`` argument: skorch re-initialises its callbacks from the
    old list when ``set_params`` changes them, so one fit's early stopping would outlive
    it into a ``partial_fit``. Last, so that every other callback (the epoch table, a
    checkpoint) sees the epoch at which training stops.
    """
    net = estimator.net_
    callbacks = [(name, cb) for name, cb in net.callbacks_ if name != _NAME]
    if _stops_early(estimator):
        stop = _EarlyStopping(patience=estimator.n_iter_no_change, load_best=True)
        callbacks.append((_NAME, stop.initialize()))
    net.callbacks_ = callbacks


_NAME = "skemo_early_stopping"


def check_validation_split(estimator, y, stratified):
    """Refuse, naming the parameters, training data too small for the internal split."""
    if not _splits(estimator):
        return
    n = len(y)
    n_valid = math.ceil(estimator.validation_fraction * n)
    problem = None
    if n_valid >= n:
        problem = f"{n} samples leave none to train on"
    elif stratified:
        counts = np.unique(np.asarray(y), return_counts=True)[1]
        if counts.min() < 2:
            problem = "a class has a single sample"
        elif min(n_valid, n - n_valid) < len(counts):
            problem = f"{n} samples cannot hold every one of {len(counts)} classes on both sides"
    if problem:
        raise ValueError(
            f"early_stopping holds out validation_fraction={estimator.validation_fraction} of "
            f"the training data{', stratified by class' if stratified else ''}, but {problem}. "
            "Pass more data, or early_stopping=False to train on all of it."
        )
