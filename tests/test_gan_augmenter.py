"""GANAugmenter: imbalanced-learn's over-sampler contract, with GAN-made images."""

import numpy as np
import pytest
from imblearn.pipeline import Pipeline as ImbPipeline
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate

from skemo.augment import AugmentedClassifier
from skemo.gan import DCGAN, GANAugmenter

SIZE = 16


def _data(counts=(8, 4), seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    X = rng.integers(0, 256, (len(y), SIZE, SIZE, 3), dtype=np.uint8)
    return X, y


def _gan(**params):
    return DCGAN(image_size=SIZE, max_epochs=1, batch_size=8, latent_dim=8,
                 **{"module__ngf": 4, "discriminator__ndf": 4, **params})


class Seen(ClassifierMixin, BaseEstimator):
    """Predicts the first class; records the images that fit and predict see."""

    log = []

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        Seen.log.append(("fit", np.asarray(X), np.asarray(y)))
        return self

    def predict(self, X):
        Seen.log.append(("predict", np.asarray(X), None))
        return np.full(len(X), self.classes_[0])


@pytest.mark.parametrize("per_class", [False, True])
def test_auto_balances_and_keeps_the_originals_first(per_class):
    X, y = _data()
    X_res, y_res = GANAugmenter(_gan(), per_class=per_class, random_state=0).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [8, 8]
    assert X_res.shape == (16, SIZE, SIZE, 3) and X_res.dtype == np.float32
    np.testing.assert_array_equal(X_res[:12], X / np.float32(255))
    np.testing.assert_array_equal(y_res[:12], y)
    assert (y_res[12:] == 1).all()
    aug = GANAugmenter(_gan(), per_class=per_class, random_state=0).fit(X, y)
    assert aug.sampling_strategy_ == {1: 4}


def test_gans_fitted_per_class_or_one_conditional():
    X, y = _data((6, 3, 2))
    per_class = GANAugmenter(_gan(), per_class=True, random_state=0)
    per_class.fit_resample(X, y)
    assert set(per_class.gans_) == {1, 2}
    assert not any(g.conditional for g in per_class.gans_.values())
    joint = GANAugmenter(_gan(), random_state=0)
    joint.fit_resample(X, y)
    (gan,) = joint.gans_.values()
    assert gan.conditional and gan.classes_.tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ({0: 10, 1: 6}, [10, 6]),
        (1.0, [8, 8]),
        (0.75, [8, 6]),
        (lambda y: {1: 7}, [8, 7]),
    ],
    ids=["dict", "float", "float-partial", "callable"],
)
def test_sampling_strategy_has_imblearns_meaning(strategy, expected):
    X, y = _data()
    _, y_res = GANAugmenter(_gan(), sampling_strategy=strategy, random_state=0).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == expected


def test_string_labels_paths_and_resizing(tmp_path):
    from PIL import Image

    X, y = _data()
    paths = []
    for i, image in enumerate(X):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(image).resize((24, 24)).save(paths[-1])
    labels = np.where(y == 0, "calm", "tense")
    X_res, y_res = GANAugmenter(_gan(), random_state=0).fit_resample(paths, labels)
    # Arrays come back (not a list of paths), at the originals' size.
    assert isinstance(X_res, np.ndarray) and X_res.shape == (16, 24, 24, 3)
    assert sorted(y_res.tolist()) == ["calm"] * 8 + ["tense"] * 8


def test_reproducible_with_random_state():
    X, y = _data()
    a, _ = GANAugmenter(_gan(), random_state=0).fit_resample(X, y)
    b, _ = GANAugmenter(_gan(), random_state=0).fit_resample(X, y)
    c, _ = GANAugmenter(_gan(), random_state=1).fit_resample(X, y)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_synthetic_images_never_reach_a_validation_fold():
    X, y = _data((9, 6))
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    pipe = ImbPipeline([("augmenter", GANAugmenter(_gan(), random_state=0)), ("clf", Seen())])
    for model in (pipe, AugmentedClassifier(GANAugmenter(_gan(), random_state=0), Seen())):
        Seen.log.clear()
        res = cross_validate(model, X, y, cv=cv, return_indices=True)
        fits = [entry for entry in Seen.log if entry[0] == "fit"]
        predicts = [entry for entry in Seen.log if entry[0] == "predict"]
        for (_, X_fit, y_fit), (_, X_seen, _), train, test in zip(
            fits, predicts, res["indices"]["train"], res["indices"]["test"], strict=True
        ):
            assert np.bincount(y_fit).tolist() == [6, 6]  # 6 + 4 originals, then balanced
            np.testing.assert_array_equal(X_fit[: len(train)], X[train] / np.float32(255))
            np.testing.assert_array_equal(X_seen, X[test])  # exactly the held-out originals


def test_grid_search_tunes_the_gan_and_the_strategy():
    X, y = _data((9, 6))
    pipe = ImbPipeline([("augmenter", GANAugmenter(_gan(), random_state=0)), ("clf", Seen())])
    grid = {
        "augmenter__gan__max_epochs": [1, 2],
        "augmenter__sampling_strategy": ["auto", {0: 12, 1: 12}],
        "augmenter__gan__loss": ["non-saturating", "hinge"],
    }
    Seen.log.clear()
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 8
    counts = [np.bincount(entry[2]).tolist() for entry in Seen.log if entry[0] == "fit"]
    assert len(counts) == 8 * 2 + 1  # every candidate on both splits, then the refit
    assert all(a == b for a, b in counts)  # both strategies balance the classes
    assert counts.count([12, 12]) >= 8  # the dict strategy asked for 12 of each
    best = search.best_estimator_.named_steps["augmenter"]
    assert best.gans_ and best.get_params()["gan__loss"] in ("non-saturating", "hinge")


def test_has_no_transform_and_is_an_imblearn_sampler():
    from imblearn.base import is_sampler

    aug = GANAugmenter()
    assert is_sampler(aug) and not hasattr(aug, "transform")
    with pytest.raises(ValueError, match="gan"):
        GANAugmenter(gan="dcgan").fit_resample(*_data())


def test_fastgan_as_the_augmenters_gan():
    from skemo.gan import FastGAN

    X, y = _data()
    gan = FastGAN(max_epochs=1, latent_dim=8, module__ngf=2, discriminator__ndf=2)
    X_res, y_res = GANAugmenter(gan, random_state=0).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [8, 8]
    # Generated at 64 px, returned at the originals' 16 px.
    assert X_res.shape == (16, SIZE, SIZE, 3)
