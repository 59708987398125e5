"""The transfer heads' defaults: early stopping on a held-out split, keeping the best epoch.

Why these defaults (a frozen head on a few hundred images overfits within a
few epochs, and lost to a ridge on its own embedding) is measured by
``benchmarks/bench_transfer_defaults.py``; these tests check that the
mechanism does what the parameters say, against skorch's own split and a
loss computed by hand.
"""

import numpy as np
import pytest
import torch
from skorch.dataset import ValidSplit
from sklearn.utils._param_validation import InvalidParameterError

from skemo.models import TransferClassifier, TransferRegressor

# resnet18's pooled last block has 512 columns: the heads train on such
# embeddings directly (no backbone pass), which keeps each fit well under a second.
DIM = 512
FAST = dict(weights=None, layers="last", statistics=("mean",), hidden_units=8,
            random_state=0)


def _embeddings(n=60, seed=0):
    """A weak signal in two columns, so that the validation loss falls, then rises."""
    rng = np.random.default_rng(seed)
    E = rng.normal(size=(n, DIM)).astype(np.float32)
    y = (E[:, 0] + E[:, 1] + rng.normal(scale=1.0, size=n) > 0).astype(int)
    return E, y


def _validation_part(est, E, y):
    """The rows the net held out: skorch's own split of the data it trained on."""
    target = torch.as_tensor(y)
    _, valid = est.net_.get_split_datasets(torch.from_numpy(E), target)
    return np.asarray(valid.indices)


def test_classifier_stops_early_on_a_stratified_split_and_keeps_the_best_epoch():
    E, y = _embeddings()
    clf = TransferClassifier("resnet18", **FAST).fit(E, y)
    valid = _validation_part(clf, E, np.searchsorted(clf.classes_, y))
    # 20 % held out (12 of 60), stratified: each class in its share.
    assert len(valid) == 12
    assert abs(np.mean(y[valid]) - np.mean(y)) <= 1 / 12
    losses = clf.history_[:, "valid_loss"]
    best = int(np.argmin(losses))
    # It stopped n_iter_no_change epochs after the best, well before max_epochs ...
    assert len(losses) == best + 1 + clf.n_iter_no_change < clf.max_epochs
    # ... and the weights it kept are the best epoch's: their loss on the held-out
    # rows, computed here, is the lowest in the history.
    with torch.no_grad():
        logits = clf.module_(torch.from_numpy(E[valid]))
    held_out = torch.nn.functional.cross_entropy(logits, torch.as_tensor(y[valid])).item()
    assert held_out == pytest.approx(losses[best], rel=1e-5)
    # The copy of the best weights is let go: a fitted model holds its weights once.
    stop = dict(clf.net_.callbacks_)["skemo_early_stopping"]
    assert stop.best_model_weights_ is None


def test_regressor_stops_early_on_a_plain_split_and_keeps_the_best_epoch():
    E, labels = _embeddings()
    y = labels * 4.0 + 1.0 + E[:, 2]
    reg = TransferRegressor("resnet18", **FAST).fit(E, y)
    standard = (y - reg.target_mean_[0]) / reg.target_scale_[0]
    valid = _validation_part(reg, E, standard.astype(np.float32)[:, None])
    assert len(valid) == 12
    losses = reg.history_[:, "valid_loss"]
    with torch.no_grad():
        out = reg.module_(torch.from_numpy(E[valid]))[:, 0].numpy()
    assert np.mean((out - standard[valid]) ** 2) == pytest.approx(min(losses), rel=1e-4)
    assert len(losses) < reg.max_epochs


def test_without_early_stopping_every_sample_trains_for_max_epochs():
    E, y = _embeddings()
    clf = TransferClassifier("resnet18", early_stopping=False, max_epochs=3, **FAST).fit(E, y)
    assert len(clf.history_) == 3 and "valid_loss" not in clf.history_[-1]
    assert clf.history_[-1, "batches", -1, "train_batch_size"] + 32 == len(y)  # 60 = 32 + 28


def test_a_split_of_your_own_replaces_the_internal_one():
    E, y = _embeddings()
    clf = TransferClassifier("resnet18", train_split=ValidSplit(0.5, random_state=0),
                             **FAST).fit(E, y)
    assert len(_validation_part(clf, E, y)) == 30
    assert len(clf.history_) < clf.max_epochs  # it still stops early


def test_partial_fit_trains_each_call_on_all_its_data():
    # As scikit-learn's MLP: a partial_fit chunk may be too small to split.
    E, y = _embeddings()
    clf = TransferClassifier("resnet18", max_epochs=2, **FAST)
    clf.partial_fit(E[:4], y[:4], classes=[0, 1])
    clf.partial_fit(E[4:8], y[4:8])
    assert len(clf.history_) == 4 and "valid_loss" not in clf.history_[-1]
    assert clf.fit(E, y).history_[-1, "valid_loss"] > 0  # fit stops early again


@pytest.mark.parametrize("kind, n, reason", [
    (TransferClassifier, 3, "a class has a single sample"),
    (TransferRegressor, 1, "1 samples leave none to train on"),
])
def test_too_few_samples_to_split_name_the_parameters(kind, n, reason):
    E, _ = _embeddings(n=4)
    y = np.array([0, 1, 0, 1]) if kind is TransferClassifier else np.arange(4.0)
    with pytest.raises(ValueError, match=f"early_stopping.*validation_fraction=0.5.*{reason}"):
        kind("resnet18", validation_fraction=0.5, **FAST).fit(E[:n], y[:n])
    assert kind("resnet18", early_stopping=False, max_epochs=1, **FAST).fit(E[:n], y[:n]) \
        if n > 1 else kind("resnet18", early_stopping=False, max_epochs=1, **FAST).fit(E, y)


@pytest.mark.parametrize("params, name", [
    ({"validation_fraction": 0.0}, "validation_fraction"),
    ({"validation_fraction": 1.0}, "validation_fraction"),
    ({"n_iter_no_change": 0}, "n_iter_no_change"),
    ({"early_stopping": "yes"}, "early_stopping"),
])
def test_invalid_early_stopping_parameters_are_named(params, name):
    E, y = _embeddings(n=10)
    with pytest.raises(InvalidParameterError, match=name):
        TransferClassifier("resnet18", **FAST, **params).fit(E, y)


@pytest.mark.parametrize("trainable_layers", [0, 1])
def test_the_copy_of_the_best_epoch_holds_only_what_training_changes(trainable_layers):
    # A frozen backbone (528 MB for VGG16) is not copied at every better epoch.
    from skemo.models._early_stopping import changing_state
    from skemo.models._modules import TransferModule

    module = TransferModule("resnet18", 2, weights=None, hidden_units=8,
                            trainable_layers=trainable_layers)
    copy = changing_state(module)
    trained = {name for name, p in module.named_parameters() if p.requires_grad}
    frozen = {name for name, p in module.named_parameters() if not p.requires_grad}
    assert trained <= set(copy) and not frozen & set(copy)
    statistics = {name for name in copy if name.endswith("running_mean")}
    assert bool(statistics) is bool(trainable_layers)  # batch norm of the trained stage
    assert all(copy[name].data_ptr() != module.state_dict()[name].data_ptr() for name in copy)
