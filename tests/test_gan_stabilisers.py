"""The stabilisers every GAN shares, each against an oracle: EMA, R1, spectral norm, ADA.

And the engine with all of them on: seeded streams only (a resumed run equals the
uninterrupted one), nothing drawn from torch's global generator.
"""

import copy

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from skemo.gan import DCGAN, FastGAN, diff_augment
from skemo.gan._stabilisers import ADA_IMAGES, ada_adjust, r1_penalty

TINY = dict(image_size=16, latent_dim=8, batch_size=8, module__ngf=4, discriminator__ndf=4,
            random_state=0)
STABILISED = dict(ema=0.9, r1=0.1, spectral_norm=True, diffaugment="color,translation",
                  ada_target=0.6)


def _images(n=16, size=16, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def _dcgan(**params):
    return DCGAN(**{**TINY, "max_epochs": 2, **params})


def _fastgan(**params):
    return FastGAN(**{"latent_dim": 8, "module__ngf": 2, "discriminator__ndf": 2,
                      "max_epochs": 2, "random_state": 0, **params})


def _state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _assert_same_state(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


class _GeneratorSnapshots(Callback):
    """G's parameters when training starts and after every batch."""

    def __init__(self):
        self.start, self.after = None, []

    def on_train_begin(self, net, **kwargs):
        self.start = [p.detach().clone() for p in net.module_.parameters()]

    def on_batch_end(self, net, **kwargs):
        self.after.append([p.detach().clone() for p in net.module_.parameters()])


# -- EMA ------------------------------------------------------------------------------------
def test_ema_is_the_hand_written_average_of_the_generator_steps():
    snapshots = _GeneratorSnapshots()
    gan = _dcgan(ema=0.8, max_epochs=3, callbacks=[snapshots]).fit(_images(24))
    expected = snapshots.start
    for t, weights in enumerate(snapshots.after):  # one generator step per batch
        decay = min(0.8, (1 + t) / (10 + t))
        expected = [decay * a + (1 - decay) * w for a, w in zip(expected, weights)]
    assert len(snapshots.after) == 9  # 3 epochs of 3 batches
    for average, value in zip(gan.net_.generator_ema_.parameters(), expected, strict=True):
        torch.testing.assert_close(average, value, rtol=1e-5, atol=1e-6)
    # Buffers (batch-norm statistics) are the generator's own.
    for a, b in zip(gan.net_.generator_ema_.buffers(), gan.net_.module_.buffers()):
        assert torch.equal(a, b)


def test_ema_changes_no_training_step_and_sample_draws_from_it():
    plain, averaged = _dcgan().fit(_images()), _dcgan(ema=0.9).fit(_images())
    _assert_same_state(_state(plain.net_.module_), _state(averaged.net_.module_))
    _assert_same_state(_state(plain.net_.discriminator_), _state(averaged.net_.discriminator_))
    assert plain.net_.sampler is plain.net_.module_
    assert averaged.net_.sampler is averaged.net_.generator_ema_
    np.testing.assert_array_equal(plain.sample(6, random_state=0),
                                  _dcgan().fit(_images()).sample(6, random_state=0))
    assert not np.array_equal(averaged.sample(6, random_state=0), plain.sample(6, random_state=0))
    assert not any(p.requires_grad for p in averaged.net_.generator_ema_.parameters())


# -- R1 -------------------------------------------------------------------------------------
class _FirstDiscriminator(Callback):
    def on_train_begin(self, net, **kwargs):
        self.discriminator = copy.deepcopy(net.discriminator_)


def test_r1_equals_the_autograd_gradient_norm_of_d_on_real_images():
    first = _FirstDiscriminator()
    X = _images(8)
    gan = _dcgan(r1=3.0, max_epochs=1, callbacks=[first]).fit(X)  # one batch of all 8
    real = (gan._fit_data(X, None, first=True)[0] * 2 - 1).requires_grad_(True)  # as D sees
    first.discriminator.train()  # batch statistics, as in the D step
    (grad,) = torch.autograd.grad(first.discriminator(real).sum(), real)
    expected = 3.0 / 2 * (grad.flatten(1) ** 2).sum(1).mean()
    recorded = gan.history_[0, "batches"][0]["r1"]
    assert recorded == pytest.approx(float(expected), rel=1e-4)
    assert gan.history_[0, "r1"] == recorded


def test_r1_penalty_trains_the_discriminator_by_its_own_gradient():
    # D(x) = a |x|^2: grad_x = 2 a x, so R1 = w / 2 * 4 a^2 E|x|^2 and dR1/da = 4 w a E|x|^2.
    a = torch.tensor(0.7, requires_grad=True)
    x = torch.randn(5, 3, requires_grad=True)
    penalty = r1_penalty(a * (x**2).sum(1), x, weight=0.5)
    norms = float((x.detach() ** 2).sum(1).mean())
    assert float(penalty.detach()) == pytest.approx(0.5 / 2 * 4 * 0.49 * norms, rel=1e-5)
    (grad,) = torch.autograd.grad(penalty, a)
    assert float(grad) == pytest.approx(4 * 0.5 * 0.7 * norms, rel=1e-5)


# -- spectral norm --------------------------------------------------------------------------
def _largest_singular_values(discriminator):
    """Each layer's largest singular value, of the weight its forward pass uses."""
    out = []
    for layer in discriminator.modules():
        if isinstance(layer, (torch.nn.Conv2d, torch.nn.Linear)):
            if hasattr(layer, "weight_orig"):  # what the eval-mode hook divides by
                matrix = layer.weight_orig.detach().flatten(1)
                weight = matrix / (layer.weight_u @ matrix @ layer.weight_v)
            else:
                weight = layer.weight.detach().flatten(1)
            out.append(float(torch.linalg.matrix_norm(weight, ord=2)))
    return out


@pytest.mark.parametrize("make", [_dcgan, lambda **p: _fastgan(**p)], ids=["DCGAN", "FastGAN"])
def test_spectral_norm_keeps_every_discriminator_layer_at_one(make):
    X = _images(16, size=16 if make is _dcgan else 64)
    normalised = make(spectral_norm=True, max_epochs=3, lr=0.002).fit(X)
    sigmas = _largest_singular_values(normalised.net_.discriminator_)
    assert len(sigmas) >= 3
    np.testing.assert_allclose(sigmas, 1.0, atol=0.05)
    plain = _largest_singular_values(make(max_epochs=3, lr=0.002).fit(X).net_.discriminator_)
    assert np.abs(np.array(plain) - 1).max() > 0.3  # the oracle tells them apart
    # The generator is left alone.
    assert not any("parametrizations" in name for name, _ in
                   normalised.net_.module_.named_parameters())


# -- ADA ------------------------------------------------------------------------------------
def test_ada_adjust_moves_p_by_the_sign_of_d_on_real_images():
    up = ada_adjust(0.5, torch.tensor([1.0, 2.0, 3.0, 4.0]), 0.0, 0.6, 50)
    down = ada_adjust(0.5, torch.tensor([1.0, -2.0, -3.0, 4.0]), 0.0, 0.6, 50)
    assert up == pytest.approx(0.5 + 50 / ADA_IMAGES) and down == pytest.approx(0.5 - 50 / ADA_IMAGES)
    # The least-squares boundary is 0.5, not 0; p stays within [0, 1].
    assert ada_adjust(0.0, torch.tensor([0.4, 0.3]), 0.5, 0.6, 50) == 0.0
    assert ada_adjust(1.0, torch.tensor([0.6, 0.9]), 0.5, 0.6, 50) == 1.0


def test_ada_p_rises_when_d_overfits_a_tiny_set_and_falls_on_a_large_one():
    from skemo.datasets import make_paintings

    # Four paintings: D soon calls every one real, so p rises after every batch.
    gan = _dcgan(diffaugment="color,translation,cutout", ada_target=0.6, max_epochs=40,
                 batch_size=4, optimizer_d__lr=2e-3)
    gan.fit(make_paintings(4, n_classes=4, image_size=16, random_state=0).images)
    tiny = np.array(gan.history_[:, "ada_p"])
    assert (np.diff(tiny) > 0).all() and tiny[-1] == pytest.approx(40 * 4 / ADA_IMAGES)
    # 512 real images unlike the four it memorised: D calls many of them fake, and p falls.
    gan.set_params(max_epochs=1, batch_size=64).partial_fit(_images(512, seed=1))
    assert gan.history_[-1, "ada_p"] < tiny[-1]
    assert gan.history_[-1, "d_real"] < 0 < gan.history_[-2, "d_real"]


def test_ada_probability_reaches_diffaugment():
    x = torch.rand(64, 3, 8, 8) * 2 - 1
    g = torch.Generator().manual_seed(0)
    assert torch.equal(diff_augment(x, "cutout", g, p=0.0), x)
    changed = (diff_augment(x, "cutout", g, p=0.5) != x).flatten(1).any(1).float().mean()
    assert 0.3 < float(changed) < 0.7
    # p = 1 draws exactly what the policy alone draws.
    a = diff_augment(x, "color,cutout", torch.Generator().manual_seed(1), p=1.0)
    b = diff_augment(x, "color,cutout", torch.Generator().manual_seed(1))
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match="p must be a probability"):
        diff_augment(x, "color", g, p=1.5)


@pytest.mark.parametrize("params, match", [
    (dict(ada_target=0.6), "set diffaugment too"),
    (dict(ada_target=0.6, diffaugment="color", loss="wgan-gp"), "loss must be one of"),
])
def test_ada_needs_diffaugment_and_a_real_fake_boundary(params, match):
    with pytest.raises(ValueError, match=match):
        _dcgan(**params).fit(_images(8))


@pytest.mark.parametrize("name, value", [("ema", 1.0), ("r1", -1.0), ("ada_target", 0.0),
                                         ("spectral_norm", "yes")])
def test_stabiliser_parameters_are_validated(name, value):
    with pytest.raises(ValueError, match=name):
        _dcgan(**{name: value}).fit(_images(8))


# -- the engine with everything on ----------------------------------------------------------
@pytest.mark.parametrize("make, size", [(_dcgan, 16), (_fastgan, 64)], ids=["DCGAN", "FastGAN"])
def test_resume_with_every_stabiliser_equals_the_uninterrupted_run(make, size, tmp_path):
    X = _images(16, size=size)
    # D soon calls more than a fifth of the real images real, so that p moves.
    fast = dict(STABILISED, lr=0.005, batch_size=4, ada_target=0.2)
    whole = make(max_epochs=4, **fast).fit(X)
    make(max_epochs=2, checkpoint_dir=tmp_path, **fast).fit(X)
    resumed = make(max_epochs=4, checkpoint_dir=tmp_path, resume=True, **fast).fit(X)
    assert len(resumed.history_) == 4
    for name in ("module_", "discriminator_", "generator_ema_"):
        _assert_same_state(_state(getattr(whole.net_, name)), _state(getattr(resumed.net_, name)))
    assert resumed.history_[:, "ada_p"] == whole.history_[:, "ada_p"]
    assert whole.history_[1, "ada_p"] > 0  # the checkpoint's p was restored
    np.testing.assert_array_equal(resumed.sample(4, random_state=0),
                                  whole.sample(4, random_state=0))


@pytest.mark.parametrize("make, size", [(_dcgan, 16), (_fastgan, 64)], ids=["DCGAN", "FastGAN"])
def test_training_draws_nothing_from_the_global_generator(make, size):
    X = _images(16, size=size)
    gan = make(max_epochs=1, **STABILISED).fit(X)
    data = gan._fit_data(X, None, first=False)[0]
    state = torch.get_rng_state()
    gan.net_.partial_fit(data, None, epochs=2)  # outside the estimator's seeded block
    assert torch.equal(torch.get_rng_state(), state)
