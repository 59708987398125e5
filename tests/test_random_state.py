"""``random_state`` reaches every random part of the pipelines skemo builds.

Oracle: two pipelines built and fitted with the same seed give bit-identical
features and predictions. The fusion factories, the model factory behind
``compare_models`` and ``skemo train``, ``compare_models`` itself and the
command are each checked from the outside.
"""

import numpy as np
import pytest

from skemo.cli import _train
from skemo.cli import main
from skemo.datasets import make_paintings
from skemo.evaluation import compare_models
from skemo.evaluation._factory import CLASSIFIER_NAMES, REGRESSOR_NAMES, make_model
from skemo.features import ColorPaletteFeatures
from skemo.models import make_fusion_classifier, make_fusion_regressor

# A random-weights resnet18 at the images' own 32 px keeps a fit to a second.
TINY = dict(weights=None, image_size=32, layers="last", statistics=("mean",))


@pytest.fixture(scope="module")
def paintings():
    return make_paintings(n_samples=16, n_classes=2, image_size=32, random_state=0,
                          return_X_y=True)


def _small_features(pipeline):
    """Painting features at 32 px, as the images are (224 would only upsample them)."""
    return pipeline.set_params(union__features__image_size=32,
                               union__features__texture__image_size=32)


def _union_and_output(pipeline, X):
    out = pipeline.predict_proba(X) if hasattr(pipeline, "predict_proba") else pipeline.predict(X)
    return pipeline.named_steps["union"].transform(X), out


def _assert_bit_identical(first, second):
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", [make_fusion_classifier, make_fusion_regressor])
def test_fusion_factories_with_a_seed_fit_bit_identically(paintings, make):
    # The default PaintingFeatures' palette runs k-means; unseeded, its
    # features moved between two fits of the same pipeline.
    X, y = paintings
    y = y if make is make_fusion_classifier else y + 0.5 * X.mean(axis=(1, 2, 3))
    runs = [
        _union_and_output(_small_features(make("resnet18", random_state=0, **TINY)).fit(X, y), X)
        for _ in range(2)
    ]
    _assert_bit_identical(*runs)


def test_fusion_seeds_the_features_it_is_given(paintings):
    X, y = paintings
    runs = []
    for _ in range(2):
        fusion = make_fusion_classifier("resnet18", features=ColorPaletteFeatures(),
                                        random_state=0, **TINY)
        runs.append(_union_and_output(fusion.fit(X, y), X))
    _assert_bit_identical(*runs)
    # A seed the caller chose is kept.
    fusion = make_fusion_classifier("resnet18", features=ColorPaletteFeatures(random_state=7),
                                    random_state=0, **TINY)
    assert fusion.named_steps["union"].transformer_list[1][1].random_state == 7


@pytest.mark.parametrize("name", CLASSIFIER_NAMES + REGRESSOR_NAMES)
def test_every_model_of_the_factory_fits_bit_identically(paintings, name):
    X, y = paintings
    if name in REGRESSOR_NAMES:
        y = y + 0.5 * X.mean(axis=(1, 2, 3))
    outputs = []
    for _ in range(2):
        model = make_model(name, backbone="resnet18", weights=None, backbone_image_size=32,
                           shallnet_image_size=32, epochs=1, head_epochs=2, random_state=0)
        if name.startswith("fusion") or name.startswith("cvfc"):
            model.set_params(**{f"{_features_step(model)}__image_size": 32,
                                f"{_features_step(model)}__texture__image_size": 32})
        model.fit(X, y)
        proba = getattr(model, "predict_proba", model.predict)
        outputs.append(np.asarray(proba(X)))
    np.testing.assert_array_equal(*outputs)


def _features_step(model):
    return "union__features" if "union" in model.named_steps else "feat"


@pytest.mark.parametrize("cache", [True, False])
def test_compare_models_fits_bit_identically(paintings, cache):
    X, y = paintings
    runs = []
    for _ in range(2):
        result = compare_models(X, y, models=["fusion"], n_splits=2, backbone="resnet18",
                                weights=None, backbone_image_size=32, cache=cache,
                                random_state=0)
        fusion = result.estimators["fusion"]
        test = result.last_split[1]
        # Cached, the fusion model takes the hstacked embedding and features.
        data = result_inputs(X, cache)
        runs.append((fusion.predict_proba(data[test]), result.results["test_accuracy"]))
    _assert_bit_identical(*runs)


def result_inputs(X, cache):
    if not cache:
        return X
    from skemo.evaluation._cache import precompute

    return np.hstack([precompute(kind, X, "resnet18", None, 32, None, 0, 0)
                      for kind in ("embedding", "features")])


def test_skemo_train_fits_bit_identically(paintings, tmp_path, monkeypatch):
    from PIL import Image

    X, y = paintings
    for k in (0, 1):
        (tmp_path / f"c{k}").mkdir()
    for i, (image, label) in enumerate(zip(X, y)):
        Image.fromarray(image).save(tmp_path / f"c{label}" / f"p{i}.png")
    fitted = []
    seam = _train.fit
    monkeypatch.setattr(_train, "fit", lambda est, *a: fitted.append(seam(est, *a)) or est)
    for run in range(2):
        out = tmp_path / f"m{run}.skemo"
        status = main(["train", "--data", f"folder:{tmp_path}", "--model", "fusion", "--no-cv",
                       "--backbone", "resnet18", "--random-weights", "--image-size", "32",
                       "-o", str(out)])
        assert status == 0
    _assert_bit_identical(*(_union_and_output(model, X) for model in fitted))
