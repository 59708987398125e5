"""GAN generators and discriminators: the common contract, the thesis's layers
(Annexes B and C), DCGAN's layers and initialisation, FastGAN's, and the projection."""

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from skemo.gan._architectures import ARCHITECTURES
from skemo.gan._dcgan import DCGANDiscriminator, DCGANGenerator, dcgan_init_
from skemo.gan._fastgan import FastGANDiscriminator, FastGANGenerator
from skemo.gan._modules import (
    BasicDiscriminator,
    BasicGenerator,
    DeconvDiscriminator,
    DeconvGenerator,
)
from skemo.models import ShallNetModule

LATENT = 8
# Narrow DCGANs keep the tests fast; the layer pattern does not depend on the width.
SMALL = {"basic": ({}, {}), "deconv": ({}, {}), "dcgan": ({"ngf": 4}, {"ndf": 4}),
         "fastgan": ({"ngf": 2}, {"ndf": 2})}
CASES = [("basic", 16), ("deconv", 8), ("deconv", 32), ("dcgan", 16), ("dcgan", 32),
         ("fastgan", 64)]
CONTRACT = [(arch, size, n) for arch, size in CASES for n in (None, 3)]


def _pair(arch, size, n_classes=None):
    torch.manual_seed(0)
    generator_cls, discriminator_cls = ARCHITECTURES[arch]
    g_kwargs, d_kwargs = SMALL[arch]
    generator = generator_cls(latent_dim=LATENT, image_size=size, n_classes=n_classes, **g_kwargs)
    discriminator = discriminator_cls(image_size=size, n_classes=n_classes, **d_kwargs)
    return generator, discriminator


def _assert_all_grads(module):
    for name, param in module.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def _layers(module, kind):
    return [layer for layer in module.modules() if isinstance(layer, kind)]


def test_registry_names_the_four_pairs():
    assert ARCHITECTURES == {
        "basic": (BasicGenerator, BasicDiscriminator),
        "deconv": (DeconvGenerator, DeconvDiscriminator),
        "dcgan": (DCGANGenerator, DCGANDiscriminator),
        "fastgan": (FastGANGenerator, FastGANDiscriminator),
    }


@pytest.mark.parametrize("arch, size, n_classes", CONTRACT)
def test_generator_contract(arch, size, n_classes):
    generator, _ = _pair(arch, size, n_classes)
    assert (generator.latent_dim, generator.image_size, generator.n_classes) == (
        LATENT, size, n_classes)
    y = None if n_classes is None else torch.tensor([0, 1, 2, 0])
    images = generator(torch.randn(4, LATENT), y)
    assert images.shape == (4, 3, size, size)
    assert images.min() >= -1 and images.max() <= 1
    # Random weights: a plain sum would cancel through batch norm.
    (images * torch.randn_like(images)).sum().backward()
    _assert_all_grads(generator)


@pytest.mark.parametrize("arch, size, n_classes", CONTRACT)
def test_discriminator_contract(arch, size, n_classes):
    _, discriminator = _pair(arch, size, n_classes)
    assert (discriminator.image_size, discriminator.n_classes) == (size, n_classes)
    y = None if n_classes is None else torch.tensor([0, 1, 2, 0])
    x = torch.rand(4, 3, size, size) * 2 - 1
    if arch == "fastgan":  # 5x5 patch logits of two paths; the decoders in the error
        logits, error = discriminator.forward_reconstruct(x, y)
        assert logits.shape == (4, 50)
        torch.testing.assert_close(logits, discriminator(x, y), rtol=0, atol=0)
        (logits * torch.randn(4, 50)).sum().add(error).backward()
    else:
        logits = discriminator(x, y)
        assert logits.shape == (4,)
        (logits * torch.randn(4)).sum().backward()
    _assert_all_grads(discriminator)


@pytest.mark.parametrize("arch, size", CASES)
def test_conditional_outputs_depend_on_y(arch, size):
    generator, discriminator = _pair(arch, size, n_classes=3)
    generator.eval(), discriminator.eval()  # per-sample outputs: no batch statistics
    y = torch.arange(3)
    with torch.no_grad():
        images = generator(torch.randn(1, LATENT).repeat(3, 1), y)
        logits = discriminator(torch.rand(1, 3, size, size).repeat(3, 1, 1, 1), y)
    # Relative differences only: a fresh FastGAN in eval mode draws images near 0.
    for a, b in [(0, 1), (0, 2), (1, 2)]:
        assert not torch.allclose(images[a], images[b], atol=0)
        assert not torch.allclose(logits[a], logits[b], atol=0)


@pytest.mark.parametrize("arch, size", CASES)
def test_labels_required_exactly_when_conditional(arch, size):
    generator, discriminator = _pair(arch, size, n_classes=3)
    with pytest.raises(ValueError, match="y is required"):
        generator(torch.randn(2, LATENT))
    with pytest.raises(ValueError, match="y is required"):
        discriminator(torch.rand(2, 3, size, size))
    generator, discriminator = _pair(arch, size)
    with pytest.raises(ValueError, match="unconditional"):
        generator(torch.randn(2, LATENT), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="unconditional"):
        discriminator(torch.rand(2, 3, size, size), torch.tensor([0, 1]))


def test_label_embedding_joined_to_z():
    generator = BasicGenerator(latent_dim=LATENT, image_size=16, n_classes=3)
    assert generator.embed.weight.shape == (3, LATENT)  # embed_dim defaults to latent_dim
    assert generator.layers[0].in_features == 2 * LATENT
    generator = DCGANGenerator(latent_dim=LATENT, image_size=16, n_classes=3, ngf=4, embed_dim=2)
    assert generator.embed.weight.shape == (3, 2)
    assert generator.layers[0].in_channels == LATENT + 2


def test_basic_layers_follow_thesis_annex_b():
    generator = BasicGenerator(latent_dim=10, image_size=16)
    shapes = [(lin.in_features, lin.out_features) for lin in _layers(generator, nn.Linear)]
    assert shapes == [(10, 16), (16, 16), (16, 3 * 16 * 16)]  # width = side, as basewidth
    assert [act.negative_slope for act in _layers(generator, nn.LeakyReLU)] == [0.2, 0.2]
    assert isinstance(generator.layers[-1], nn.Tanh)
    discriminator = BasicDiscriminator(image_size=16)
    shapes = [(lin.in_features, lin.out_features) for lin in _layers(discriminator, nn.Linear)]
    assert shapes == [(3 * 16 * 16, 16), (16, 16), (16, 1)]
    wide = BasicGenerator(latent_dim=10, image_size=16, width=32)
    assert [lin.out_features for lin in _layers(wide, nn.Linear)] == [32, 32, 768]


@pytest.mark.parametrize("output_batchnorm", [True, False])
def test_deconv_generator_follows_thesis_annex_c(output_batchnorm):
    generator = DeconvGenerator(image_size=128, output_batchnorm=output_batchnorm)
    assert [(m.in_features, m.out_features) for m in _layers(generator, nn.Linear)] == [
        (100, 4 * 4 * 128)]
    assert isinstance(generator.project[1], nn.BatchNorm1d)
    deconvs = _layers(generator, nn.ConvTranspose2d)
    assert [m.in_channels for m in deconvs] == [128, 64, 32, 16, 8]
    assert [m.out_channels for m in deconvs] == [64, 32, 16, 8, 3]
    assert all(m.kernel_size == (5, 5) and m.stride == (2, 2) for m in deconvs)
    after_last = list(generator.upsample)[-2]
    assert isinstance(after_last, nn.BatchNorm2d) == output_batchnorm
    assert len(_layers(generator, nn.BatchNorm2d)) == 4 + output_batchnorm
    assert isinstance(generator.upsample[-1], nn.Tanh)
    with torch.no_grad():
        assert generator(torch.randn(2, 100)).shape == (2, 3, 128, 128)


@pytest.mark.parametrize("size, channels", [(8, [3]), (32, [16, 8, 3]), (64, [32, 16, 8, 3])])
def test_deconv_generator_keeps_the_last_stages(size, channels):
    generator = DeconvGenerator(latent_dim=LATENT, image_size=size)
    assert [m.out_channels for m in _layers(generator, nn.ConvTranspose2d)] == channels


def test_deconv_discriminator_is_shallnet_with_one_logit():
    torch.manual_seed(0)
    discriminator = DeconvDiscriminator(image_size=32)
    conv1, pool1, conv2 = (discriminator.shallnet.features[i] for i in (0, 2, 3))
    assert (conv1.in_channels, conv1.out_channels, conv1.kernel_size) == (3, 8, (4, 4))
    assert (pool1.kernel_size, pool1.stride) == ((8, 8), (8, 8))
    assert (conv2.in_channels, conv2.out_channels, conv2.kernel_size) == (8, 16, (2, 2))
    assert discriminator.shallnet.head[0].kernel_size == (4, 4)
    reference = ShallNetModule(n_classes=1, image_size=(32, 32))
    # strict: the discriminator holds nothing beyond ShallNet's weights.
    discriminator.load_state_dict(
        {f"shallnet.{k}": v for k, v in reference.state_dict().items()})
    x = torch.rand(3, 3, 32, 32)
    torch.testing.assert_close(discriminator(x), reference(x)[:, 0])


def test_dcgan_layers_follow_radford():
    generator = DCGANGenerator()
    deconvs = _layers(generator, nn.ConvTranspose2d)
    assert [m.out_channels for m in deconvs] == [512, 256, 128, 64, 3]
    assert [(m.kernel_size, m.stride, m.padding) for m in deconvs] == [
        ((4, 4), (1, 1), (0, 0))] + [((4, 4), (2, 2), (1, 1))] * 4
    assert len(_layers(generator, nn.BatchNorm2d)) == 4
    assert isinstance(generator.layers[-2], nn.ConvTranspose2d)  # no BN on the output
    assert isinstance(generator.layers[-1], nn.Tanh)
    discriminator = DCGANDiscriminator()
    convs = _layers(discriminator, nn.Conv2d)
    assert [m.out_channels for m in convs] == [64, 128, 256, 512]
    assert all((m.kernel_size, m.stride, m.padding) == ((4, 4), (2, 2), (1, 1)) for m in convs)
    assert isinstance(discriminator.features[1], nn.LeakyReLU)  # no BN on the first layer
    assert len(_layers(discriminator, nn.BatchNorm2d)) == 3
    assert {m.negative_slope for m in _layers(discriminator, nn.LeakyReLU)} == {0.2}


def test_dcgan_linear_output_is_the_final_conv():
    torch.manual_seed(0)
    discriminator = DCGANDiscriminator(image_size=32, ndf=4)
    maps = torch.randn(2, 16, 4, 4)
    conv = nn.Conv2d(16, 1, 4, 1, 0, bias=False)
    conv.weight.data = discriminator.linear.weight.data.view(1, 16, 4, 4)
    torch.testing.assert_close(discriminator.linear(maps.flatten(1)), conv(maps).flatten(1))


def test_dcgan_init():
    torch.manual_seed(0)
    for module in (DCGANGenerator(), DCGANDiscriminator()):
        for layer in _layers(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            assert abs(layer.weight.mean().item()) < 0.003
            assert abs(layer.weight.std().item() - 0.02) < 0.002
        for layer in _layers(module, nn.BatchNorm2d):
            assert abs(layer.weight.mean().item() - 1) < 0.01
            assert 0 < layer.weight.std().item() < 0.03
            assert not layer.bias.any()
    # Seeded by the caller: the same seed gives the same weights.
    torch.manual_seed(1)
    first = DCGANGenerator(latent_dim=LATENT, image_size=16, ngf=4).state_dict()
    torch.manual_seed(1)
    second = DCGANGenerator(latent_dim=LATENT, image_size=16, ngf=4).state_dict()
    for key in first:
        torch.testing.assert_close(first[key], second[key])
    assert dcgan_init_(nn.Linear(2, 2)).bias.abs().sum() == 0


@pytest.mark.parametrize("arch, size", [c for c in CASES if c[0] != "fastgan"])
def test_projection_discriminator(arch, size):
    _, discriminator = _pair(arch, size, n_classes=3)
    discriminator.eval()
    x, y = torch.rand(4, 3, size, size), torch.tensor([2, 0, 1, 2])
    with torch.no_grad():
        h = discriminator.forward_features(x)
        assert discriminator.embed.weight.shape == (3, h.shape[1])
        plain = discriminator.linear(h)[:, 0]
        expected = plain + (discriminator.embed.weight[y] * h).sum(dim=1)
        logits = discriminator(x, y)
        torch.testing.assert_close(logits, expected)
        assert not torch.allclose(logits, plain)  # the projection term counts
        discriminator.embed.weight.zero_()
        torch.testing.assert_close(discriminator(x, y), plain)


def test_basic_features_by_hand():
    _, discriminator = _pair("basic", 16, n_classes=3)
    x = torch.rand(2, 3, 16, 16)
    first, second = discriminator.features[1], discriminator.features[3]
    h = F.leaky_relu(second(F.leaky_relu(first(x.flatten(1)), 0.2)), 0.2)
    torch.testing.assert_close(discriminator.forward_features(x), h)


@pytest.mark.parametrize("cls, size, allowed", [
    (BasicGenerator, 0, "positive int"),
    (BasicDiscriminator, 16.0, "positive int"),
    (DeconvGenerator, 4, "8, 16, 32, 64, 128"),
    (DeconvGenerator, 48, "8, 16, 32, 64, 128"),
    (DeconvDiscriminator, 256, "8, 16, 32, 64, 128"),
    (DCGANGenerator, 8, "16, 32, 64, 128"),
    (DCGANDiscriminator, 256, "16, 32, 64, 128"),
    (DCGANDiscriminator, (32, 32), "16, 32, 64, 128"),
    (FastGANGenerator, 32, "64, 128, 256"),
    (FastGANDiscriminator, 512, "64, 128, 256"),
])
def test_bad_image_size(cls, size, allowed):
    with pytest.raises(ValueError, match=rf"image_size must be .*{allowed}.*{cls.__name__}"):
        cls(image_size=size)


@pytest.mark.parametrize("cls, kwargs, name", [
    (BasicGenerator, {"width": 0}, "width"),
    (BasicGenerator, {"latent_dim": 0}, "latent_dim"),
    (DeconvDiscriminator, {"n_classes": 0}, "n_classes"),
    (DCGANGenerator, {"n_classes": 2, "embed_dim": -1}, "embed_dim"),
    (DCGANGenerator, {"ngf": 0}, "ngf"),
    (DCGANDiscriminator, {"ndf": 1.5}, "ndf"),
    (FastGANGenerator, {"ngf": 0}, "ngf"),
    (FastGANDiscriminator, {"ndf": True}, "ndf"),
])
def test_bad_architecture_parameters(cls, kwargs, name):
    size = 64 if cls.__name__.startswith("FastGAN") else 16
    with pytest.raises(ValueError, match=f"{name} must be a positive int"):
        cls(image_size=size, **kwargs)


# -- FastGAN --------------------------------------------------------------------------
def _channels(module, kind=nn.Conv2d):
    return [m.out_channels for m in _layers(module, kind)]


@pytest.mark.parametrize("size", [64, 128, 256])
def test_fastgan_shapes_at_every_size(size):
    torch.manual_seed(0)
    generator = FastGANGenerator(latent_dim=LATENT, image_size=size, ngf=2)
    discriminator = FastGANDiscriminator(image_size=size, ndf=2)
    images = generator(torch.randn(3, LATENT))
    assert images.shape == (3, 3, size, size)
    # Every path ends at 8x8, so the logits are 5x5 patches of each whatever the size.
    assert discriminator(images).shape == (3, 50)
    # One upsampling stage per doubling from 4 px; excitation gates at 64, 128, 256 px.
    assert len(generator.stages) == {64: 4, 128: 5, 256: 6}[size]
    assert sorted(map(int, generator.excite)) == [s for s in (64, 128, 256) if s <= size]
    # Decoders rebuild at half size; the discriminator's gates map side 8 q to q.
    for name in ("decode_big", "decode_small", "decode_part"):
        decoder = getattr(discriminator, name)
        c_in = decoder.layers[1][1].in_channels  # after the pooling, the first conv
        assert decoder(torch.randn(3, c_in, 8, 8)).shape == (3, 3, size // 2, size // 2), name
    assert sorted(map(int, discriminator.excite)) == [q for q in (8, 16, 32) if 8 * q <= size]


def test_fastgan_channels_follow_the_paper_at_256_px():
    # The paper's code with ngf = ndf = 64 at 256 px: nfc = {4: 1024, 8: 512, 16: 256,
    # 32: 128, 64: 128, 128: 64, 256: 32} in G, each GLU stage convolving to twice that.
    generator = FastGANGenerator(image_size=256, ngf=64)
    assert generator.init[0].out_channels == 2 * 1024
    firsts = [stage[1].out_channels // 2 for stage in generator.stages]
    assert firsts == [512, 256, 128, 128, 64, 32]
    assert [len(_layers(s, nn.Conv2d)) for s in generator.stages] == [2, 1, 2, 1, 2, 1]
    assert generator.to_rgb.in_channels == 32
    discriminator = FastGANDiscriminator(image_size=256, ndf=64)
    # Big path: 16 at 256 px (nfc[512]), then 32, 64, 128, 256, 512 down to 8 px.
    assert discriminator.from_big[0].out_channels == 16
    assert [block.main[0][0].out_channels for block in discriminator.big] == [
        32, 64, 128, 256, 512]
    assert discriminator.logits_big[0].out_channels == 1024  # nfc[8]
    # Small path at 128 px: 32, 64, 128, 256 channels down to 8 px (nfc[256] ... nfc[32]).
    assert _channels(discriminator.small)[0] == 32
    assert [m.out_channels for m in _layers(discriminator.small, nn.Conv2d)] == [
        32, 64, 128, 256]
    # Decoders on the paper's 32-channel base: 128, 64, 64, 32 channels up to 128 px.
    assert [s[1].out_channels // 2 for s in discriminator.decode_big.layers[1:5]] == [
        128, 64, 64, 32]


def test_fastgan_excitation_gates_the_big_map_by_channel():
    from skemo.gan._fastgan import _Excitation

    torch.manual_seed(0)
    excite = _Excitation(4, 6)
    small, big = torch.randn(2, 4, 4, 4), torch.randn(2, 6, 16, 16)
    gate = excite.gate(small)
    assert gate.shape == (2, 6, 1, 1) and ((gate > 0) & (gate < 1)).all()
    torch.testing.assert_close(excite(small, big), big * gate)


def test_fastgan_reconstruction_error_by_hand():
    torch.manual_seed(0)
    discriminator = FastGANDiscriminator(image_size=64, ndf=2).eval()
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    generator = torch.Generator().manual_seed(5)
    with torch.no_grad():
        logits, error = discriminator.forward_reconstruct(x, generator=generator)
        part = int(torch.randint(4, (1,), generator=torch.Generator().manual_seed(5)))
        row, col = divmod(part, 2)
        maps, small = discriminator._paths(x)
        half = F.interpolate(x, size=32, mode="bilinear", antialias=True)
        quadrant = x[:, :, 32 * row:32 * row + 32, 32 * col:32 * col + 32]
        crop = maps[16][:, :, 8 * row:8 * row + 8, 8 * col:8 * col + 8]
        expected = (F.mse_loss(discriminator.decode_big(maps[8]), half)
                    + F.mse_loss(discriminator.decode_small(small), half)
                    + F.mse_loss(discriminator.decode_part(crop), quadrant))
    torch.testing.assert_close(error, expected)
    torch.testing.assert_close(logits, discriminator(x))


def test_fastgan_projection_adds_to_every_patch():
    torch.manual_seed(0)
    discriminator = FastGANDiscriminator(image_size=64, n_classes=3, ndf=2).eval()
    x, y = torch.rand(4, 3, 64, 64), torch.tensor([2, 0, 1, 2])
    with torch.no_grad():
        h = discriminator.forward_features(x)
        logits = discriminator(x, y)
        discriminator.embed.weight.zero_()
        plain = discriminator(x, y)
    diff = logits - plain
    # The same projection on all 50 patch logits of an image, and it differs by class.
    torch.testing.assert_close(diff, diff[:, :1].expand(-1, 50))
    assert h.shape == (4, discriminator.embed.weight.shape[1])
    assert not torch.allclose(diff[0, 0], diff[1, 0])
