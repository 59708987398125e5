"""No lost work: Ctrl-C leaves a usable estimator, checkpoints resume bit for bit,
``compare_models``/``skemo compare``/``skemo train`` resume without refitting
finished folds; and the ``precision`` parameter on CPU."""

import json

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback

from skemo.cli import main
from skemo.gan import DCGAN
from skemo.models import CVFC, CVFCRegressor, ShallNet, TransferClassifier


class StopAt(Callback):
    """Raise KeyboardInterrupt at the end of epoch ``at``, as a Ctrl-C would."""

    def __init__(self, at=2):
        self.at = at

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.at:
            raise KeyboardInterrupt


def same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.fixture(scope="module")
def tabular():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 6))
    y = np.where(X[:, 0] > 0, "calm", "tense")
    return X, y


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, size=(16, 16, 16, 3), dtype=np.uint8)
    return X, np.array(["a", "b"] * 8)


# -- KeyboardInterrupt ------------------------------------------------------------------------
def test_interrupted_shallnet_is_usable(images):
    X, y = images
    clf = ShallNet(image_size=32, max_epochs=5, batch_size=8, random_state=0,
                   callbacks=[StopAt(2)]).fit(X, y)
    assert len(clf.history_) == 2
    assert list(clf.classes_) == ["a", "b"]
    assert clf.image_size_ == (32, 32)
    assert set(clf.predict(X)) <= {"a", "b"}
    assert np.allclose(clf.predict_proba(X).sum(axis=1), 1)
    assert not clf.module_.training


def test_interrupted_regressor_keeps_target_standardisation(tabular):
    X, _ = tabular
    ratings = X[:, 0] * 2 + 4
    reg = CVFCRegressor(max_epochs=5, random_state=0, callbacks=[StopAt(2)]).fit(X, ratings)
    assert len(reg.history_) == 2
    assert reg.target_mean_ == pytest.approx([ratings.mean()])
    assert np.isfinite(reg.predict(X)).all()


def test_interrupted_gan_samples(images):
    X, y = images
    gan = DCGAN(image_size=16, conditional=True, max_epochs=5, batch_size=8, random_state=0,
                callbacks=[StopAt(2)]).fit(X, y)
    assert len(gan.history_) == 2
    assert list(gan.classes_) == ["a", "b"]
    assert gan.sample(3, y="b", random_state=0).shape == (3, 16, 16, 3)


def test_interrupted_first_fit_before_training_is_not_fitted(images, monkeypatch):
    X, y = images
    clf = TransferClassifier("resnet18", weights=None, image_size=16, hidden_units=4,
                             max_epochs=2)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(type(clf), "_train_input", interrupted)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


# -- checkpoints ------------------------------------------------------------------------------
def test_cvfc_resumes_bit_for_bit(tabular, tmp_path):
    X, y = tabular
    params = dict(max_epochs=4, batch_size=8, random_state=0, module__dropout=0.3)
    straight = CVFC(**params).fit(X, y)
    # Ctrl-C at the end of epoch 2: the last checkpoint is epoch 1's
    # (the checkpoint callback runs after the one that interrupts).
    stopped = CVFC(**params, checkpoint_dir=tmp_path, callbacks=[StopAt(2)]).fit(X, y)
    assert len(stopped.history_) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch-00001", "latest"]
    resumed = CVFC(**params, checkpoint_dir=tmp_path, resume=True).fit(X, y)
    assert len(resumed.history_) == 4
    assert same_weights(resumed.module_, straight.module_)
    assert np.array_equal(resumed.predict_proba(X), straight.predict_proba(X))
    assert resumed.history_[:, "train_loss"] == straight.history_[:, "train_loss"]
    # Rerunning a finished run trains nothing more.
    again = CVFC(**params, checkpoint_dir=tmp_path, resume=True).fit(X, y)
    assert len(again.history_) == 4 and same_weights(again.module_, straight.module_)


def test_gan_resumes_bit_for_bit(images, tmp_path):
    X, _ = images
    params = dict(image_size=16, batch_size=8, random_state=0, n_critic=2, g_every=2,
                  diffaugment="color,translation")
    straight = DCGAN(max_epochs=4, **params).fit(X)
    DCGAN(max_epochs=2, checkpoint_dir=tmp_path, checkpoint_every=2, **params).fit(X)
    resumed = DCGAN(max_epochs=4, checkpoint_dir=tmp_path, checkpoint_every=2, resume=True,
                    **params).fit(X)
    assert len(resumed.history_) == 4
    assert same_weights(resumed.net_.module_, straight.net_.module_)
    assert same_weights(resumed.net_.discriminator_, straight.net_.discriminator_)
    assert np.array_equal(resumed.sample(6, random_state=3), straight.sample(6, random_state=3))


def test_unseeded_gan_resume_keeps_its_drawn_seed(images, tmp_path):
    X, _ = images
    first = DCGAN(image_size=16, max_epochs=1, batch_size=8, checkpoint_dir=tmp_path).fit(X)
    resumed = DCGAN(image_size=16, max_epochs=2, batch_size=8, checkpoint_dir=tmp_path,
                    resume=True).fit(X)
    assert resumed.net_.seed_ == first.net_.seed_


def test_fine_tuning_resumes_bit_for_bit(images, tmp_path):
    X, y = images
    params = dict(backbone="resnet18", weights=None, trainable_layers=1, image_size=16,
                  hidden_units=4, batch_size=8, random_state=0)
    straight = TransferClassifier(max_epochs=3, **params).fit(X, y)
    TransferClassifier(max_epochs=3, checkpoint_dir=tmp_path, callbacks=[StopAt(2)],
                       **params).fit(X, y)
    resumed = TransferClassifier(max_epochs=3, checkpoint_dir=tmp_path, resume=True,
                                 **params).fit(X, y)
    assert same_weights(resumed.module_, straight.module_)
    assert np.array_equal(resumed.predict_proba(X), straight.predict_proba(X))


def test_resume_without_checkpoint_starts_afresh(tabular, tmp_path):
    X, y = tabular
    a = CVFC(max_epochs=2, random_state=0).fit(X, y)
    b = CVFC(max_epochs=2, random_state=0, checkpoint_dir=tmp_path / "new", resume=True).fit(X, y)
    assert same_weights(a.module_, b.module_)


def test_resume_from_another_estimator_is_refused(tabular, tmp_path):
    X, y = tabular
    CVFC(max_epochs=1, random_state=0, checkpoint_dir=tmp_path).fit(X, y)
    with pytest.raises(ValueError, match="written by CVFC, not CVFCRegressor"):
        CVFCRegressor(max_epochs=1, checkpoint_dir=tmp_path, resume=True).fit(X, X[:, 0])


def test_checkpointing_does_not_change_training(tabular, tmp_path):
    X, y = tabular
    a = CVFC(max_epochs=3, random_state=0).fit(X, y)
    b = CVFC(max_epochs=3, random_state=0, checkpoint_dir=tmp_path).fit(X, y)
    assert same_weights(a.module_, b.module_)
    assert (tmp_path / "latest").read_text() == "epoch-00003"
    meta = json.loads((tmp_path / "epoch-00003" / "skemo.json").read_text())
    assert meta["epochs"] == 3 and meta["estimator"] == "CVFC"


# -- precision --------------------------------------------------------------------------------
@pytest.mark.skipif(not torch.amp.is_autocast_available("cpu"), reason="no CPU autocast")
def test_bf16_trains_cvfc_on_cpu_without_nan(tabular):
    X, y = tabular
    clf = CVFC(max_epochs=5, random_state=0, precision="bf16").fit(X, y)
    losses = clf.history_[:, "train_loss"]
    assert np.isfinite(losses).all()
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float64 and np.isfinite(proba).all()
    # The weights stay float32.
    assert all(p.dtype == torch.float32 for p in clf.module_.parameters())


def test_bad_precision_is_refused(tabular):
    X, y = tabular
    with pytest.raises(InvalidParameterError, match="'precision'"):
        CVFC(precision="64").fit(X, y)
    with pytest.raises(ValueError, match="precision='16'.*device='cpu'"):
        CVFC(precision="16", max_epochs=1).fit(X, y)


# -- compare_models / skemo compare / skemo train ---------------------------------------------
@pytest.fixture(scope="module")
def paintings():
    from skemo.datasets import make_paintings

    return make_paintings(n_samples=30, n_classes=3, image_size=32, random_state=0,
                          return_X_y=True)


def counting_factory(monkeypatch, module, fits, interrupt=None):
    """Patch ``module.make_model`` so that fits are logged as ``(name, n_train)`` and
    the ``interrupt``-th fit of a model (``(name, k)``) raises KeyboardInterrupt."""
    real = getattr(module.make_model, "real", module.make_model)

    def make(name, **kwargs):
        estimator = real(name, **kwargs)
        fit = estimator.fit

        def logged_fit(X, y):
            done = sum(1 for n, _ in fits if n == name)
            if interrupt == (name, done + 1):
                raise KeyboardInterrupt
            fits.append((name, len(X)))
            del estimator.fit  # the estimator stays plain (saved with save_model)
            return fit(X, y)

        estimator.fit = logged_fit
        return estimator

    make.real = real
    monkeypatch.setattr(module, "make_model", make)


def test_compare_models_resumes_to_the_uninterrupted_table(paintings, tmp_path, monkeypatch):
    import skemo.evaluation._compare as compare

    X, y = paintings
    kwargs = dict(models=["majority", "shallnet"], n_splits=3, epochs=2, random_state=0)
    straight = compare.compare_models(X, y, **kwargs)
    fits = []
    counting_factory(monkeypatch, compare, fits, interrupt=("shallnet", 2))
    with pytest.raises(KeyboardInterrupt):
        compare.compare_models(X, y, **kwargs, resume=tmp_path)
    assert [n for n, _ in fits] == ["majority"] * 3 + ["shallnet"]
    fits.clear()
    counting_factory(monkeypatch, compare, fits)
    resumed = compare.compare_models(X, y, **kwargs, resume=tmp_path)
    assert [n for n, _ in fits] == ["shallnet", "shallnet"]  # folds 2 and 3 only
    columns = [c for c in compare.COLUMNS if c != "fit_seconds"]
    pd.testing.assert_frame_equal(resumed.results[columns], straight.results[columns])
    for name in kwargs["models"]:
        assert np.array_equal(resumed.confusion[name], straight.confusion[name])
    # A finished run refits nothing, and still has the last fold's estimators.
    fits.clear()
    again = compare.compare_models(X, y, **kwargs, resume=tmp_path)
    assert fits == []
    pd.testing.assert_frame_equal(again.results[columns], straight.results[columns])
    assert np.array_equal(again.estimators["shallnet"].predict(X),
                          straight.estimators["shallnet"].predict(X))


def test_compare_models_refuses_a_folder_of_other_data(paintings, tmp_path):
    from skemo.evaluation import compare_models

    X, y = paintings
    compare_models(X, y, ["majority"], n_splits=2, resume=tmp_path)
    with pytest.raises(ValueError, match="resume folder .* other data or settings"):
        compare_models(X[::-1], y[::-1], ["majority"], n_splits=2, resume=tmp_path)


def test_cli_compare_resume(tmp_path, monkeypatch, capsys):
    import skemo.evaluation._compare as compare

    argv = ["compare", "--n-samples", "24", "--image-size", "32", "--folds", "2",
            "--epochs", "1", "--models", "majority", "shallnet", "--out", "", "--verbose", "0"]
    assert main(argv) == 0
    straight = capsys.readouterr().out
    fits = []
    counting_factory(monkeypatch, compare, fits, interrupt=("shallnet", 2))
    with pytest.raises(KeyboardInterrupt):
        main(argv + ["--resume", str(tmp_path / "run")])
    fits.clear()
    counting_factory(monkeypatch, compare, fits)
    assert main(argv + ["--resume", str(tmp_path / "run")]) == 0
    assert fits == [("shallnet", 12)]
    resumed = capsys.readouterr().out

    def table(out):  # the summary lines, without the fit times
        return [line.split("  ")[:4] for line in out.splitlines() if line.startswith(("majority", "shallnet"))]

    assert table(resumed) and table(resumed) == table(straight)
    capsys.readouterr()
    status = main(argv[:2] + ["30"] + argv[3:] + ["--resume", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and "--resume" in err[0]


def test_cli_train_resume(tmp_path, monkeypatch, capsys):
    import skemo.cli._train as train

    argv = ["train", "--data", "synthetic", "--n-samples", "24", "--image-size", "32",
            "--model", "shallnet", "--max-epochs", "1", "--folds", "2"]
    real_fit = train.fit
    fits = []

    def logged_fit(estimator, X, y, interrupt=None):
        if len(fits) + 1 == interrupt:
            raise KeyboardInterrupt
        fits.append(type(estimator).__name__)
        return real_fit(estimator, X, y)

    def cv_lines(out):
        return [line for line in out.splitlines()
                if line.startswith(("  model", "  baseline"))]

    assert main(argv + ["-o", str(tmp_path / "a.skemo")]) == 0
    straight = cv_lines(capsys.readouterr().out)
    # fold 1's model and baseline done, fold 2's model interrupted
    monkeypatch.setattr(train, "fit", lambda e, X, y: logged_fit(e, X, y, interrupt=3))
    with pytest.raises(KeyboardInterrupt):
        main(argv + ["-o", str(tmp_path / "b.skemo"), "--resume", str(tmp_path / "cv")])
    fits.clear()
    monkeypatch.setattr(train, "fit", logged_fit)
    assert main(argv + ["-o", str(tmp_path / "b.skemo"), "--resume", str(tmp_path / "cv")]) == 0
    resumed = cv_lines(capsys.readouterr().out)
    assert resumed == straight and len(straight) == 2
    # fold 2's model and baseline, then the final fit on all the images
    assert fits[:2] == ["ShallNet", "DummyClassifier"] and fits[2] == "ShallNet"
    assert len(fits) == 3
