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
    """skorch's early stopping, restoring the best weights and then letting go of
    their copy, so that a fitted (or pickled) model holds its weights once."""

    def on_train_end(self, net, **kwargs):
        super().on_train_end(net, **kwargs)
        self.best_model_weights_ = None


def _stops_early(estimator):
    # partial_fit sets _incremental for the length of the call.
    return (estimator.early_stopping and estimator.callbacks != "disable"
            and not getattr(estimator, "_incremental", False))


def early_stopping_split(estimator, params, seed, stratified):
    """``params`` (skorch net arguments) with the held-out split early stopping watches."""
    if not _stops_early(estimator) or estimator.train_split is not None:
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
    if not _stops_early(estimator) or estimator.train_split is not None:
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
