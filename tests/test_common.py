"""One contract for every public skorch-backed estimator.

Each case is an estimator factory, a data factory and the output that must
survive pickling and seeding (``predict_proba`` for the classifiers, ``sample``
for the GANs). The contract: clone,
get_params/set_params (``module__``, ``optimizer__`` and ``callbacks__``
parameters reach the skorch net), pickling, seeded reproducibility that
leaves the global torch RNG alone, and ``partial_fit`` / ``warm_start``
continuing from the fitted weights while a plain ``fit`` re-initialises.
"""

import io
import pickle
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from skorch.callbacks import Callback

from skemo.gan import DCGAN, BasicGAN, DeconvGAN, FastGAN
from skemo.models import CVFC, CVFCRegressor, ShallNet, TransferClassifier, TransferRegressor


def _tabular(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(48, 4))
    return X, np.where(X[:, 0] + 0.5 * X[:, 1] > 0, "tense", "calm")


def _images(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 128, size=(12, 32, 32, 3), dtype=np.uint8)
    y = np.array(["calm", "tense"] * 6)
    X[y == "tense", :, :, 0] += 127  # a learnable cue: red
    return X, y


def _has_dropout(p):
    def check(module):
        return any(isinstance(m, torch.nn.Dropout) and m.p == p for m in module.modules())

    return check


@dataclass
class Case:
    """A neural estimator under the contract.

    ``make(**params)`` builds it (fast settings, fixed seed) with ``params``
    on top; ``data()`` returns a small ``(X, y)`` it learns from;
    ``module_param`` is a ``module__`` parameter, its value and a check on
    the built torch module that it arrived.
    """

    make: Callable
    data: Callable
    module_param: tuple
    output: Callable = lambda est, X: est.predict_proba(X)
    # A classifier's loss goes on smoothly from where it was; a GAN's two-player
    # losses need not, so for them only the weights are checked.
    loss_continues: bool = True


def _factory(cls, *args, **defaults):
    return lambda **params: cls(*args, **{**defaults, **params})


CASES = {
    "CVFC": Case(
        _factory(CVFC, max_epochs=3, lr=0.05, batch_size=16, random_state=0),
        _tabular,
        ("module__dropout", 0.25, _has_dropout(0.25)),
    ),
    "ShallNet": Case(
        _factory(ShallNet, max_epochs=3, lr=0.01, batch_size=4, random_state=0),
        _images,
        ("module__dropout", 0.25, _has_dropout(0.25)),
    ),
    "TransferClassifier": Case(
        _factory(TransferClassifier, "resnet18", weights=None, image_size=32, hidden_units=8,
                 max_epochs=3, lr=0.01, batch_size=4, random_state=0),
        _images,
        ("module__dropout", 0.25, _has_dropout(0.25)),
    ),
}

def _ratings(seed=0):
    X, _ = _tabular(seed)
    return X, np.c_[4 + X[:, 0], 3 - X[:, 1]]


def _image_ratings(seed=0):
    X, y = _images(seed)
    return X, np.c_[np.where(y == "tense", 6.0, 2.0), X.mean(axis=(1, 2, 3)) / 64]


def _predict(est, X):
    return est.predict(X)


CASES.update({
    "CVFCRegressor": Case(
        _factory(CVFCRegressor, max_epochs=3, lr=0.05, batch_size=16, random_state=0),
        _ratings,
        ("module__dropout", 0.25, _has_dropout(0.25)),
        output=_predict,
    ),
    "TransferRegressor": Case(
        _factory(TransferRegressor, "resnet18", weights=None, image_size=32, hidden_units=8,
                 max_epochs=3, lr=0.01, batch_size=4, random_state=0),
        _image_ratings,
        ("module__dropout", 0.25, _has_dropout(0.25)),
        output=_predict,
    ),
})


def _sample(est, X):
    return est.sample(6, random_state=0)


def _gan_case(cls, size, module_param, **params):
    fast = dict(image_size=size, latent_dim=8, max_epochs=3, batch_size=4, random_state=0)
    return Case(_factory(cls, **{**fast, **params}), lambda: _gan_images(size), module_param,
                output=_sample, loss_continues=False)


def _gan_images(size):
    X, y = _images()
    return X[:, :size, :size], y  # a 64 px GAN resizes these 32 px images


CASES.update({
    "BasicGAN": _gan_case(BasicGAN, 8, ("module__width", 12, lambda m: m.width == 12)),
    "DeconvGAN": _gan_case(DeconvGAN, 16, ("module__output_batchnorm", False,
                                           lambda m: not m.output_batchnorm)),
    "DCGAN": _gan_case(DCGAN, 16, ("module__ngf", 4, lambda m: m.ngf == 4),
                       discriminator__ndf=4),
    "DCGAN-conditional": _gan_case(DCGAN, 16, ("module__embed_dim", 3,
                                               lambda m: m.embed_dim == 3),
                                   conditional=True, discriminator__ndf=4),
    # Every stabiliser on (issue 18): the weight average draws the samples.
    "DCGAN-stabilised": _gan_case(DCGAN, 16, ("module__ngf", 4, lambda m: m.ngf == 4),
                                  discriminator__ndf=4, ema=0.9, r1=0.5, spectral_norm=True,
                                  diffaugment="color,translation", ada_target=0.6),
    "FastGAN": _gan_case(FastGAN, 64, ("module__ngf", 3, lambda m: m.ngf == 3),
                         discriminator__ndf=2),
    "FastGAN-conditional": _gan_case(FastGAN, 64, ("module__embed_dim", 3,
                                                   lambda m: m.embed_dim == 3),
                                     conditional=True, module__ngf=2, discriminator__ndf=2),
})

parametrize_cases = pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))


class _StartWeights(Callback):
    """Records the module's weights each time training starts."""

    def __init__(self):
        self.weights = []

    def on_train_begin(self, net, **kwargs):
        self.weights.append({k: v.detach().clone() for k, v in net.module_.state_dict().items()})


def _weights(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _equal(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@parametrize_cases
def test_clone_get_set_params_reach_the_net(case):
    X, y = case.data()
    name, value, arrived = case.module_param
    est = case.make()
    params = est.get_params()
    cloned = clone(est)
    assert cloned.get_params().keys() == params.keys() and not hasattr(cloned, "net_")
    assert {"max_epochs", "optimizer", "warm_start", "random_state"} <= params.keys()
    assert type(est).__name__ in repr(est) and "warm_start" not in repr(est)

    sink = []
    pipe = Pipeline([("clf", est)]).set_params(**{
        f"clf__{name}": value,
        "clf__optimizer": torch.optim.SGD,
        "clf__optimizer__momentum": 0.5,
        "clf__callbacks__print_log__sink": sink.append,
        "clf__verbose": 1,
    })
    est = pipe.named_steps["clf"]
    assert est.get_params()[name] == value and est.get_params()["optimizer__momentum"] == 0.5
    assert clone(est).get_params()[name] == value
    est.fit(X, y)
    assert arrived(est.net_.module_)
    assert isinstance(est.net_.optimizer_, torch.optim.SGD)
    assert est.net_.optimizer_.param_groups[0]["momentum"] == 0.5
    table = "\n".join(map(str, sink))
    assert "epoch" in table and "train_loss" in table
    assert len(sink) >= est.max_epochs  # the header, then one row per epoch


@parametrize_cases
def test_pickle_round_trip(case):
    X, y = case.data()
    est = case.make().fit(X, y)
    expected = case.output(est, X)
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(case.output(loaded, X), expected)
    assert loaded.module_ is loaded.net_.module_


@parametrize_cases
def test_seeded_reproducible_and_global_rng_untouched(case):
    X, y = case.data()
    torch.manual_seed(123)
    state = torch.get_rng_state()
    a = case.output(case.make().fit(X, y), X)
    assert torch.equal(torch.get_rng_state(), state)
    b = case.output(case.make().fit(X, y), X)
    c = case.output(case.make(random_state=1).fit(X, y), X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def _continued(case, second_call, **params):
    """Fit 2 epochs, then ``second_call(est, X, y)``; returns est, recorder, fitted weights."""
    X, y = case.data()
    start = _StartWeights()
    est = case.make(max_epochs=2, callbacks=[start], **params).fit(X, y)
    fitted, net = _weights(est.module_), est.net_
    second_call(est, X, y)
    return est, start, fitted, net


@pytest.mark.parametrize(
    "second_call, params",
    [
        pytest.param(lambda est, X, y: est.partial_fit(X, y), {}, id="partial_fit"),
        pytest.param(lambda est, X, y: est.fit(X, y), {"warm_start": True}, id="warm_start"),
    ],
)
@parametrize_cases
def test_partial_fit_and_warm_start_continue_from_fitted_weights(case, second_call, params):
    est, start, fitted, net = _continued(case, second_call, **params)
    assert est.net_ is net
    assert _equal(start.weights[1], fitted)  # the second call started where the first ended
    loss = est.history_[:, "train_loss"]
    assert len(loss) == 4
    if case.loss_continues:
        # Its first epoch goes on from the last loss, not from a fresh-init loss.
        assert abs(loss[2] - loss[1]) < abs(loss[2] - loss[0])


@parametrize_cases
def test_plain_fit_reinitialises(case):
    est, start, fitted, net = _continued(case, lambda est, X, y: est.fit(X, y))
    assert est.net_ is not net
    assert len(est.history_) == 2
    assert _equal(start.weights[1], start.weights[0])  # the same seeded initialisation
    assert not _equal(start.weights[1], fitted)


@parametrize_cases
def test_verbose_epoch_table_goes_to_the_sink(case):
    X, y = case.data()
    out = io.StringIO()
    est = case.make(verbose=1, callbacks__print_log__sink=lambda line: out.write(f"{line}\n"))
    est.fit(X, y).partial_fit(X, y)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert "train_loss" in lines[0]
    assert sum(line.lstrip()[:1].isdigit() for line in lines) == 2 * est.max_epochs
