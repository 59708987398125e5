"""Write the legacy ``.skemo`` fixtures of tests/test_io_model_file.py (run once, by hand).

These files were written by the ``save_model`` of commit 6aed8e0, before model
files got per-class schemas and limits (issue 15), with the outputs that code
computed for them, so that the test checks that files written before that
change still load and predict as they did:

    git worktree add /tmp/legacy 6aed8e0
    PYTHONPATH=/tmp/legacy python tests/data/legacy_models/make_legacy_models.py

The estimators are tiny; transfer models are not among them (their backbones make
files of 13 MB and more), but their nodes are the same kinds as CVFC's and ShallNet's.
"""

import warnings
from pathlib import Path

import numpy as np
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LogisticRegressionCV
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler

from skemo.augment import AugmentedClassifier, FlipRotateAugmenter
from skemo.features import BrightnessFeatures, ColorPaletteFeatures, PaintingFeatures
from skemo.gan import DCGAN, BasicGAN, DeconvGAN
from skemo.io import save_model
from skemo.models import CVFC, CVFCRegressor, ShallNet

HERE = Path(__file__).parent
rng = np.random.default_rng(0)
IMAGES = rng.integers(0, 256, (16, 32, 32, 3), dtype=np.uint8)
FEATURES = rng.normal(size=(16, 4))
LABELS = np.array(["calm", "tense"] * 8)
RATINGS = rng.normal(4, 1, size=(16, 2))


def gan(cls, size, **kwargs):
    return cls(image_size=size, latent_dim=8, max_epochs=1, batch_size=8, random_state=0,
               **kwargs)


CASES = {
    "cvfc": (CVFC(max_epochs=2, random_state=0), FEATURES, LABELS, "predict_proba"),
    "cvfc_regressor": (CVFCRegressor(max_epochs=2, random_state=0), FEATURES, RATINGS,
                       "predict"),
    "shallnet": (ShallNet(max_epochs=1, random_state=0), IMAGES, LABELS, "predict_proba"),
    "features_cvfc": (Pipeline([("feat", PaintingFeatures(image_size=32, random_state=0)
                                 .set_params(texture__image_size=32)),
                                ("clf", CVFC(max_epochs=1, random_state=0))]),
                      IMAGES, LABELS, "predict_proba"),
    "union_logistic": (Pipeline([("feat", FeatureUnion([("a", BrightnessFeatures()),
                                                        ("b", BrightnessFeatures())])),
                                 ("scale", StandardScaler()),
                                 ("clf", LogisticRegressionCV(Cs=2, cv=2))]),
                       IMAGES, LABELS, "predict_proba"),
    "palette": (ColorPaletteFeatures(references="learn", n_colors=2, max_pixels=16,
                                     random_state=0), IMAGES, LABELS, "transform"),
    "dummy_classifier": (DummyClassifier(strategy="prior"), FEATURES, LABELS, "predict_proba"),
    "dummy_regressor": (DummyRegressor(strategy="median"), FEATURES, RATINGS, "predict"),
    "augmented": (AugmentedClassifier(FlipRotateAugmenter(random_state=0),
                                      ShallNet(max_epochs=1, random_state=0)),
                  IMAGES, LABELS, "predict_proba"),
    "basic_gan": (gan(BasicGAN, 8), IMAGES, None, "sample"),
    "deconv_gan": (gan(DeconvGAN, 16, loss="wgan-gp"), IMAGES, None, "sample"),
    "dcgan_conditional": (gan(DCGAN, 16, conditional=True, module__ngf=8,
                              discriminator__ndf=8), IMAGES, LABELS, "sample"),
}


def output(est, method, X):
    if method == "sample":
        return est.sample(8, random_state=0)
    return getattr(est, method)(X)


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    expected = {}
    for name, (est, X, y, method) in CASES.items():
        est = est.fit(X) if y is None else est.fit(X, y)
        save_model(est, HERE / f"{name}.skemo")
        expected[name] = output(est, method, X)
    np.savez_compressed(HERE / "expected.npz", **expected)
