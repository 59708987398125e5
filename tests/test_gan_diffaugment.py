"""DiffAugment: exact oracles for each transformation, per-sample draws, gradients."""

import numpy as np
import pytest
import torch

from skemo.gan._diffaugment import POLICIES, check_policy, diff_augment
from skemo.gan._losses import non_saturating

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
ALL = "color,translation,cutout"


def _images(b=8, h=16, w=16, seed=0, device="cpu", dtype=torch.float32):
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(b, 3, h, w, generator=gen, dtype=dtype) * 2 - 1).to(device)


def _gen(seed, device="cpu"):
    return torch.Generator(device=device).manual_seed(seed)


@pytest.mark.parametrize("policy", ["", None, ()])
def test_empty_policy_returns_the_input_itself(policy):
    x = _images()
    assert diff_augment(x, policy) is x
    assert check_policy(policy) == ()


def test_check_policy_parses_in_order():
    assert check_policy(" cutout ,color") == ("cutout", "color")
    assert check_policy(("translation",)) == ("translation",)
    assert check_policy(ALL) == POLICIES


@pytest.mark.parametrize("bad", ["colour", "color,color", "color,", ("cutout", "cutout"), 3])
def test_check_policy_errors_name_the_parameter_and_the_choices(bad):
    allowed = "'color', 'translation', 'cutout'"
    with pytest.raises(ValueError, match=rf"^diffaugment must be .*{allowed}"):
        check_policy(bad)


def test_non_image_batch_is_rejected():
    with pytest.raises(ValueError, match="x must be"):
        diff_augment(torch.zeros(3, 4, 4), "color")


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("policy", list(POLICIES) + [ALL])
def test_shape_dtype_device_and_reproducibility(policy, dtype, device):
    x = _images(h=12, w=20, dtype=dtype, device=device)
    out = diff_augment(x, policy, generator=_gen(1, device))
    assert out.shape == x.shape and out.dtype == dtype and out.device == x.device
    torch.testing.assert_close(out, diff_augment(x, policy, generator=_gen(1, device)))
    assert not torch.equal(out, diff_augment(x, policy, generator=_gen(2, device)))


@pytest.mark.parametrize("policy", POLICIES)
def test_parameters_are_drawn_per_sample(policy):
    x = _images(b=1).expand(8, -1, -1, -1)
    out = diff_augment(x, policy, generator=_gen(0))
    assert any(not torch.equal(out[0], out[i]) for i in range(1, 8))


def test_color_matches_formula_with_the_same_draws():
    x = _images(b=6)
    out = diff_augment(x, "color", generator=_gen(5))
    gen = _gen(5)
    u, s, c = (torch.rand(6, 1, 1, 1, generator=gen) for _ in range(3))
    expected = x + (u - 0.5)
    m = expected.mean(dim=1, keepdim=True)
    expected = (expected - m) * (2 * s) + m
    m = expected.mean(dim=(1, 2, 3), keepdim=True)
    expected = (expected - m) * (c + 0.5) + m
    torch.testing.assert_close(out, expected)


def _shifted(img, dy, dx):
    # np.roll, then zero what wrapped around.
    out = np.roll(img, (dy, dx), axis=(1, 2))
    if dy > 0:
        out[:, :dy] = 0
    elif dy < 0:
        out[:, dy:] = 0
    if dx > 0:
        out[:, :, :dx] = 0
    elif dx < 0:
        out[:, :, dx:] = 0
    return out


@pytest.mark.parametrize("h, w, max_dy, max_dx", [(16, 16, 2, 2), (12, 20, 2, 3), (15, 9, 2, 1)])
def test_translation_is_an_exact_zero_filled_shift(h, w, max_dy, max_dx):
    x = _images(b=16, h=h, w=w)
    out = diff_augment(x, "translation", generator=_gen(3)).numpy()
    found = []
    for img, aug in zip(x.numpy(), out):
        matches = [
            (dy, dx)
            for dy in range(-max_dy, max_dy + 1)
            for dx in range(-max_dx, max_dx + 1)
            if np.array_equal(aug, _shifted(img, dy, dx))
        ]
        assert len(matches) == 1
        found.append(matches[0])
    assert len(set(found)) > 1
    # The shifts follow the documented draws: rows first, then columns.
    gen = _gen(3)
    dy = torch.randint(-max_dy, max_dy + 1, (16,), generator=gen)
    dx = torch.randint(-max_dx, max_dx + 1, (16,), generator=gen)
    assert found == list(zip(dy.tolist(), dx.tolist()))


@pytest.mark.parametrize("h, w", [(16, 16), (12, 20), (9, 7)])
def test_cutout_zeroes_one_rectangle_of_at_most_half_the_sides(h, w):
    x = _images(b=64, h=h, w=w).abs() + 0.1  # no zeros of its own
    out = diff_augment(x, "cutout", generator=_gen(4))
    zero = out == 0
    assert torch.equal(zero, zero[:, :1].expand_as(zero))  # all channels alike
    torch.testing.assert_close(out[~zero], x[~zero])  # the rest untouched
    counts = []
    for mask in zero[:, 0]:
        rows, cols = mask.any(dim=1), mask.any(dim=0)
        # A rectangle: the zeros fill their bounding box.
        assert mask.sum() == rows.sum() * cols.sum()
        assert rows.sum() <= h // 2 and cols.sum() <= w // 2
        counts.append(int(mask.sum()))
    assert max(counts) == (h // 2) * (w // 2)  # fully inside for some samples
    assert min(counts) < (h // 2) * (w // 2)  # and partly outside for others


@pytest.mark.parametrize("policy", list(POLICIES) + [ALL])
def test_gradient_reaches_the_images(policy):
    x = _images().requires_grad_(True)
    weights = _images(seed=1)
    (diff_augment(x, policy, generator=_gen(0)) * weights).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    assert (x.grad != 0).any(dim=(1, 2, 3)).all()


def test_cutout_gradient_is_its_mask():
    x = _images().requires_grad_(True)
    out = diff_augment(x, "cutout", generator=_gen(0))
    out.sum().backward()
    torch.testing.assert_close(x.grad, (out != 0).to(x.dtype))


def test_generator_trains_through_diffaugment():
    torch.manual_seed(0)
    gen_net = torch.nn.Sequential(torch.nn.Linear(8, 3 * 8 * 8), torch.nn.Tanh())
    critic = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 1))
    fake = gen_net(torch.randn(4, 8)).view(4, 3, 8, 8)
    d_fake = critic(diff_augment(fake, ALL, generator=_gen(0))).squeeze(1)
    non_saturating(None, d_fake, generator=True).backward()
    for p in gen_net.parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0
