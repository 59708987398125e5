"""GAN losses (skemo.gan._losses) against hand-written formulas; penalties
(skemo.gan._penalties) against independent autograd."""

import pytest
import torch

from skemo.gan._losses import (
    LOSSES,
    check_loss,
    hinge,
    least_squares,
    minimax,
    non_saturating,
    wasserstein,
)
from skemo.gan._penalties import dragan_penalty, gradient_penalty

D_REAL = torch.tensor([2.0, -0.5, 0.3, 1.2], dtype=torch.float64)
D_FAKE = torch.tensor([-1.5, 0.4, -0.2, 0.9], dtype=torch.float64)


def _log_sig(v):
    return torch.log(torch.sigmoid(v))


def _log_one_minus_sig(v):
    return torch.log(1 - torch.sigmoid(v))


def _bce_d(r, f, t):
    real_term = t * _log_sig(r) + (1 - t) * _log_one_minus_sig(r)
    return -real_term.mean() - _log_one_minus_sig(f).mean()


# (loss, discriminator oracle (r, f, t), generator oracle (f)), written from the papers.
ORACLES = {
    "minimax": (minimax, _bce_d, lambda f: _log_one_minus_sig(f).mean()),
    "non_saturating": (non_saturating, _bce_d, lambda f: -_log_sig(f).mean()),
    "wasserstein": (wasserstein, lambda r, f, t: f.mean() - r.mean(), lambda f: -f.mean()),
    "least_squares": (
        least_squares,
        lambda r, f, t: 0.5 * ((r - t) ** 2).mean() + 0.5 * (f**2).mean(),
        lambda f: 0.5 * ((f - 1) ** 2).mean(),
    ),
    "hinge": (
        hinge,
        lambda r, f, t: torch.clamp(1 - r, min=0).mean() + torch.clamp(1 + f, min=0).mean(),
        lambda f: -f.mean(),
    ),
}
SMOOTHED = {"minimax", "non_saturating", "least_squares"}


@pytest.mark.parametrize("name", ORACLES)
@pytest.mark.parametrize("real_target", [1.0, 0.9])
def test_loss_matches_hand_formula(name, real_target):
    loss, d_oracle, g_oracle = ORACLES[name]
    t = real_target if name in SMOOTHED else 1.0
    got_d = loss(D_REAL, D_FAKE, real_target=real_target)
    torch.testing.assert_close(got_d, d_oracle(D_REAL, D_FAKE, t))
    # The generator's loss needs no real logits, and the target never moves it.
    got_g = loss(None, D_FAKE, generator=True, real_target=real_target)
    torch.testing.assert_close(got_g, g_oracle(D_FAKE))
    assert got_d.ndim == 0 and got_g.ndim == 0


@pytest.mark.parametrize("name", LOSSES)
def test_label_smoothing_moves_only_the_d_loss_of_smoothed_losses(name):
    value = LOSSES[name].value
    d_one = value(D_REAL, D_FAKE, real_target=1.0)
    d_smooth = value(D_REAL, D_FAKE, real_target=0.9)
    assert (not torch.isclose(d_one, d_smooth)) == LOSSES[name].label_smoothing
    torch.testing.assert_close(
        value(D_REAL, D_FAKE, generator=True, real_target=0.9),
        value(D_REAL, D_FAKE, generator=True, real_target=1.0),
    )


def _grad_wrt_fake(loss, d_fake):
    d_fake = d_fake.clone().requires_grad_(True)
    loss(None, d_fake, generator=True).backward()
    return d_fake.grad


def test_generator_gradients_push_d_of_fakes_up():
    for loss in (minimax, non_saturating, wasserstein, least_squares, hinge):
        # least squares pulls towards c = 1, so only below it must the push be up.
        assert (_grad_wrt_fake(loss, torch.tensor([-3.0, -0.5, 0.0, 0.5])) < 0).all(), loss


def test_minimax_saturates_where_non_saturating_does_not():
    rejected = torch.full((4,), -12.0)
    mm = _grad_wrt_fake(minimax, rejected).abs().max()
    ns = _grad_wrt_fake(non_saturating, rejected).abs().min()
    assert mm < 1e-5  # sigmoid(-12) / 4
    assert ns > 0.2  # (1 - sigmoid(-12)) / 4


def test_losses_are_finite_for_confident_logits():
    big = torch.tensor([100.0, -100.0])
    for spec in LOSSES.values():
        for generator in (False, True):
            out = spec.value(big, -big, generator=generator, real_target=0.9)
            assert torch.isfinite(out), (spec.value, generator)


def _linear_critic(dim, conditional=False, seed=0):
    gen = torch.Generator().manual_seed(seed)
    w = torch.randn(dim, generator=gen, dtype=torch.float64) * 2
    b = torch.tensor(0.7, dtype=torch.float64)
    if conditional:
        return w, lambda x, y: x.flatten(1) @ w + b + y
    return w, lambda x: x.flatten(1) @ w + b


def _images(seed, shape=(5, 2, 3, 3)):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _penalty(name, critic, real, fake, y=None, **kw):
    if name == "gp":
        return gradient_penalty(critic, real, fake, y, **kw)
    return dragan_penalty(critic, real, y, **kw)


@pytest.mark.parametrize("name", ["gp", "dragan"])
@pytest.mark.parametrize("conditional", [False, True])
def test_penalty_of_linear_critic_is_weight_times_norm_gap_squared(name, conditional):
    real, fake = _images(1), _images(2)
    w, critic = _linear_critic(real[0].numel(), conditional)
    y = torch.arange(5, dtype=torch.float64) if conditional else None
    got = _penalty(name, critic, real, fake, y, weight=3.0)
    torch.testing.assert_close(got, 3.0 * (w.norm() - 1) ** 2)


def _mlp_critic(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(18, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1),
        torch.nn.Flatten(0),
    ).double()


def _reference_penalty(critic, x_hat, weight):
    # One sample at a time: independent of how the library batches the gradient.
    terms = []
    for xi in x_hat:
        xi = xi[None].clone().requires_grad_(True)
        (g,) = torch.autograd.grad(critic(xi).sum(), xi)
        terms.append((g.norm() - 1) ** 2)
    return weight * torch.stack(terms).mean()


def test_gradient_penalty_matches_reference_on_nonlinear_critic():
    critic, real, fake = _mlp_critic(), _images(1), _images(2)
    got = gradient_penalty(critic, real, fake, generator=torch.Generator().manual_seed(7))
    eps = torch.rand((5, 1, 1, 1), generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    expected = _reference_penalty(critic, eps * real + (1 - eps) * fake, 10.0)
    torch.testing.assert_close(got, expected)


def test_dragan_penalty_matches_reference_on_nonlinear_critic():
    critic, real = _mlp_critic(), _images(1)
    got = dragan_penalty(critic, real, weight=10.0, generator=torch.Generator().manual_seed(7))
    gen = torch.Generator().manual_seed(7)
    noise = torch.rand(real.shape, generator=gen, dtype=torch.float64)
    alpha = torch.rand((5, 1, 1, 1), generator=gen, dtype=torch.float64)
    x_p = real + 0.5 * real.std() * noise
    expected = _reference_penalty(critic, real + alpha * (x_p - real), 10.0)
    torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("name", ["gp", "dragan"])
def test_penalty_trains_the_critic_only_and_is_reproducible(name):
    critic = _mlp_critic()
    gen_net = torch.nn.Linear(4, 18).double()
    real = _images(1)
    fake = gen_net(torch.randn(5, 4, dtype=torch.float64)).view(5, 2, 3, 3)
    real.requires_grad_(True)

    def run(seed):
        return _penalty(name, critic, real, fake, generator=torch.Generator().manual_seed(seed))

    penalty = run(3)
    torch.testing.assert_close(penalty, run(3))
    assert not torch.isclose(penalty, run(4))
    penalty.backward()
    # Every parameter the input gradient depends on (all but the last bias).
    for p in (critic[1].weight, critic[1].bias, critic[3].weight):
        assert p.grad is not None and p.grad.abs().sum() > 0
    # Inputs are detached: the penalty never reaches the generator or the images.
    assert all(p.grad is None for p in gen_net.parameters())
    assert real.grad is None


def test_registry():
    assert set(LOSSES) == {
        "minimax", "non-saturating", "wgan", "wgan-gp", "lsgan", "dragan", "hinge"
    }
    assert LOSSES["wgan"].clip == 0.01
    assert all(s.clip is None for n, s in LOSSES.items() if n != "wgan")
    assert LOSSES["wgan-gp"].penalty is gradient_penalty
    assert LOSSES["dragan"].penalty is dragan_penalty
    assert check_loss("hinge") is LOSSES["hinge"]


@pytest.mark.parametrize("bad", ["began", "WGAN", None, 3])
def test_check_loss_names_the_parameter_and_the_choices(bad):
    with pytest.raises(ValueError, match=r"^loss must be one of .*'wgan-gp'.*got"):
        check_loss(bad)
