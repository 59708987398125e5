"""The GAN engine and estimators: two networks, two optimizers, every loss, sampling."""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback, Checkpoint, LoadInitState

from skemo.gan import DCGAN, LOSSES, BasicGAN, DeconvGAN, FastGAN, kernel_inception_distance

# The smallest image each architecture supports, and fast settings.
ARCHS = {BasicGAN: 8, DeconvGAN: 8, DCGAN: 16, FastGAN: 64}
FAST = dict(max_epochs=1, batch_size=8, latent_dim=8, random_state=0)
NARROW = {FastGAN: dict(module__ngf=2, discriminator__ndf=2)}


def _images(n=16, size=16, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def _gan(cls, **params):
    return cls(image_size=ARCHS[cls], **{**FAST, **NARROW.get(cls, {}), **params})


class _Steps(Callback):
    """Snapshots both networks at every gradient notification and batch end."""

    def __init__(self):
        self.events = []

    @staticmethod
    def _snap(net):
        return {
            "G": [p.detach().clone() for p in net.module_.parameters()],
            "D": [p.detach().clone() for p in net.discriminator_.parameters()],
        }

    def on_grad_computed(self, net, named_parameters, **kwargs):
        names = {name for name, _ in named_parameters}
        which = "G" if names == {n for n, _ in net.module_.named_parameters()} else "D"
        self.events.append((which, self._snap(net)))

    def on_batch_end(self, net, **kwargs):
        self.events.append(("end", self._snap(net)))


def _same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("cls", list(ARCHS), ids=lambda c: c.__name__)
def test_every_architecture_and_loss_trains_without_nan(cls, loss):
    X = _images(size=ARCHS[cls])
    gan = _gan(cls, loss=loss, max_epochs=2).fit(X)
    history = gan.history_
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        assert np.isfinite(history[:, key]).all(), key
    sample = gan.sample(4, random_state=0)
    assert sample.shape == (4, ARCHS[cls], ARCHS[cls], 3) and sample.dtype == np.uint8


def test_each_step_touches_only_its_own_network():
    steps = _Steps()
    _gan(DCGAN, callbacks=[steps]).fit(_images(8))  # one batch: D step, then G step
    kinds = [kind for kind, _ in steps.events]
    assert kinds == ["D", "G", "end"]
    d_grad, g_grad, end = (snap for _, snap in steps.events)
    # D's step: between its gradients and G's, D moved and G did not.
    assert _same(d_grad["G"], g_grad["G"]) and not _same(d_grad["D"], g_grad["D"])
    # G's step: after it, G moved and D did not.
    assert _same(g_grad["D"], end["D"]) and not _same(g_grad["G"], end["G"])


def test_n_critic_discriminator_steps_per_generator_step():
    steps = _Steps()
    _gan(DCGAN, n_critic=3, callbacks=[steps]).fit(_images(8))
    assert [kind for kind, _ in steps.events] == ["D", "D", "D", "G", "end"]


def test_g_every_updates_the_generator_on_every_third_batch_only():
    steps = _Steps()
    gan = _gan(BasicGAN, g_every=3, max_epochs=2, batch_size=4, callbacks=[steps])
    gan.fit(_images(16, size=8))  # 4 batches an epoch, 8 in all, counted across epochs
    per_batch, current = [], []
    for kind, _ in steps.events:
        if kind == "end":
            per_batch.append(current)
            current = []
        else:
            current.append(kind)
    assert [batch.count("G") for batch in per_batch] == [1, 0, 0, 1, 0, 0, 1, 0]
    batches = [b for epoch in gan.history_ for b in epoch["batches"]]
    assert ["g_loss" in b for b in batches] == [True, False, False, True, False, False, True,
                                                False]


def test_wgan_clips_the_critic_weights():
    gan = _gan(DCGAN, loss="wgan", lr=0.05).fit(_images(8))
    weights = torch.cat([p.detach().flatten() for p in gan.net_.discriminator_.parameters()])
    assert weights.abs().max() <= 0.01 + 1e-7


def test_diffaugment_gradients_reach_the_generator():
    class Grads(Callback):
        norms = []

        def on_grad_computed(self, net, named_parameters, **kwargs):
            params = dict(named_parameters)
            if params.keys() == dict(net.module_.named_parameters()).keys():
                self.norms.append(sum(float(p.grad.norm()) for p in params.values()))

    gan = _gan(DCGAN, diffaugment="color,translation,cutout", callbacks=[Grads()])
    gan.fit(_images(8))
    assert Grads.norms and all(n > 0 for n in Grads.norms)


def test_optimizers_hold_their_own_network_and_take_set_params():
    gan = _gan(DCGAN, optimizer_d__lr=0.01).fit(_images(8))
    net = gan.net_
    g_ids = {id(p) for p in net.module_.parameters()}
    d_ids = {id(p) for p in net.discriminator_.parameters()}
    in_g = {id(p) for group in net.optimizer_.param_groups for p in group["params"]}
    in_d = {id(p) for group in net.optimizer_d_.param_groups for p in group["params"]}
    assert in_g == g_ids and in_d == d_ids
    assert net.optimizer_d_.param_groups[0]["lr"] == 0.01
    assert net.optimizer_.param_groups[0]["lr"] == gan.lr
    assert net.optimizer_.param_groups[0]["betas"] == (0.5, 0.999)
    net.set_params(optimizer_d__lr=0.003)  # on the live net
    assert net.optimizer_d_.param_groups[0]["lr"] == 0.003


def test_discriminator_params_reach_the_discriminator():
    gan = _gan(DCGAN, discriminator__ndf=4, module__ngf=4).fit(_images(8))
    first_conv = next(m for m in gan.net_.discriminator_.modules()
                      if isinstance(m, torch.nn.Conv2d))
    assert first_conv.out_channels == 4


def test_sample_shape_dtype_count_and_classes():
    X = _images(24)
    y = np.array(["calm", "tense", "sad"] * 8)
    gan = _gan(DCGAN, conditional=True).fit(X, y)
    assert gan.classes_.tolist() == ["calm", "sad", "tense"]
    images = gan.sample(7, y=["sad"] * 7, random_state=0)
    assert images.shape == (7, 16, 16, 3) and images.dtype == np.uint8
    np.testing.assert_array_equal(gan.sample(7, y="sad", random_state=0), images)
    # The class changes the images; the seed makes them reproducible.
    assert not np.array_equal(gan.sample(7, y="calm", random_state=0), images)
    np.testing.assert_array_equal(gan.sample(5, random_state=3), gan.sample(5, random_state=3))
    with pytest.raises(ValueError, match="not in classes_"):
        gan.sample(2, y="angry")
    with pytest.raises(ValueError):
        gan.sample(3, y=["sad", "calm"])
    with pytest.raises(ValueError, match="n_samples"):
        gan.sample(0)
    with pytest.raises(ValueError, match="conditional=True needs y"):
        _gan(DCGAN, conditional=True).fit(X)
    with pytest.raises(ValueError, match="conditional=True"):
        _gan(DCGAN).fit(X).sample(2, y="sad")


def test_images_are_scaled_to_the_tanh_range(tmp_path, monkeypatch):
    # The thesis's tanh generator must see [-1, 1] images, not [0, 1]: arrays, and the
    # bytes of files (cached or streamed), are scaled per batch on the device.
    from PIL import Image

    from skemo.gan._net import GANNet

    seen, original = [], GANNet._discriminator_step

    def spy(self, real, *args, **kwargs):
        seen.append((float(real.min()), float(real.max()), real.dtype))
        return original(self, real, *args, **kwargs)

    monkeypatch.setattr(GANNet, "_discriminator_step", spy)
    X = np.stack([np.zeros((16, 16, 3)), np.ones((16, 16, 3))] * 4)
    paths = []
    for i, image in enumerate((X * 255).astype(np.uint8)):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(image).save(paths[-1])
    for data, cache in [(X, "auto"), (paths, True), (paths, False)]:
        seen.clear()
        _gan(DCGAN, cache=cache).fit(data)
        assert seen and all(s == (-1.0, 1.0, torch.float32) for s in seen), (cache, seen)


def test_checkpoint_resume_equals_the_uninterrupted_run(tmp_path):
    X = _images(16)
    files = dict(f_params="g.pt", f_optimizer="opt.pt", f_history="history.json",
                 f_discriminator="d.pt", f_optimizer_d="opt_d.pt")
    checkpoint = Checkpoint(monitor=None, dirname=str(tmp_path), **files)
    whole = _gan(DCGAN, max_epochs=4).fit(X)
    _gan(DCGAN, max_epochs=2, callbacks=[checkpoint]).fit(X)
    resumed = _gan(DCGAN, max_epochs=2, callbacks=[LoadInitState(checkpoint)]).fit(X)
    assert len(resumed.history_) == 4
    for a, b in [(whole.net_.module_, resumed.net_.module_),
                 (whole.net_.discriminator_, resumed.net_.discriminator_)]:
        for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
            assert torch.equal(x, y), name


def test_score_is_negative_kid_and_grid_search_uses_it():
    from sklearn.model_selection import GridSearchCV
    from sklearn.preprocessing import FunctionTransformer

    # A fast fitted feature map (mean colour and its spread) keeps this offline and quick.
    def colour_stats(X):
        X = np.asarray(X, dtype=float).reshape(len(X), -1, 3)
        return np.hstack([X.mean(1), X.std(1)])

    features = FunctionTransformer(colour_stats).fit(np.zeros((1, 4, 4, 3)))
    X = _images(32)
    gan = _gan(DCGAN, metric_features=features)
    grid = {"loss": ["non-saturating", "hinge"], "diffaugment": [None, "color,translation,cutout"]}
    search = GridSearchCV(gan, grid, cv=2).fit(X)
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 4 and np.isfinite(scores).all()
    assert search.best_params_["loss"] in ("non-saturating", "hinge")
    # score is -KID of len(X) samples against X, with the estimator's features.
    best = search.best_estimator_
    fake = best.sample(len(X), random_state=best.random_state) / np.float32(255)
    kid, _ = kernel_inception_distance(X / np.float32(255), fake, features=features,
                                       random_state=best.random_state)
    assert best.score(X) == pytest.approx(-kid)


def test_verbose_table_shows_both_losses():
    lines = []
    _gan(DCGAN, verbose=1, max_epochs=2, callbacks__print_log__sink=lines.append).fit(_images(8))
    header = str(lines[0])
    assert all(key in header for key in ("d_loss", "g_loss", "d_real", "d_fake"))


def test_train_split_is_refused():
    from skorch.dataset import ValidSplit

    with pytest.raises(ValueError, match="train_split must be None"):
        _gan(DCGAN, train_split=ValidSplit(4)).fit(_images(8))


def test_unseeded_runs_differ_and_record_their_seed():
    a = _gan(DCGAN, random_state=None).fit(_images(8))
    b = _gan(DCGAN, random_state=None).fit(_images(8))
    assert a.net_.seed is None and isinstance(a.net_.seed_, int)
    assert a.net_.seed_ != b.net_.seed_


# -- FastGAN ------------------------------------------------------------------------------
def test_fastgan_defaults_are_the_papers_recipe_less_the_weight_average():
    gan = FastGAN()  # the average lost to the raw generator in bench_gan_fewshot.py
    assert (gan.loss, gan.diffaugment, gan.ema, gan.batch_size, gan.lr) == (
        "hinge", "color,translation", None, 8, 0.0002)
    with pytest.raises(ValueError, match="64, 128, 256"):
        FastGAN(image_size=32, max_epochs=1).fit(_images(8, size=32))


def test_fastgan_reconstruction_is_a_term_of_the_d_step_logged_per_epoch(monkeypatch):
    from skemo.gan._fastgan import FastGANDiscriminator

    X = _images(16, size=64)
    plain = _gan(FastGAN, max_epochs=2).fit(X)
    batches = plain.history_[0, "batches"]
    assert all(b["d_rec"] > 0 for b in batches)
    for epoch in plain.history_:
        assert epoch["d_rec"] == pytest.approx(np.mean([b["d_rec"] for b in epoch["batches"]]))
    # Only the D step's loss moves when the error does: add 100 to it.
    original = FastGANDiscriminator.forward_reconstruct
    monkeypatch.setattr(FastGANDiscriminator, "forward_reconstruct",
                        lambda self, *a, **k: (lambda out: (out[0], out[1] + 100))(
                            original(self, *a, **k)))
    shifted = _gan(FastGAN, max_epochs=1).fit(X).history_[0, "batches"][0]
    assert shifted["d_loss"] == pytest.approx(batches[0]["d_loss"] + 100, rel=1e-6)
    assert shifted["g_loss"] == pytest.approx(batches[0]["g_loss"], rel=1e-6)


def test_fastgan_decoders_learn_from_the_reconstruction():
    gan = _gan(FastGAN, max_epochs=1, callbacks=[_Steps()])
    gan.fit(_images(8, size=64))
    names = [n for n, p in gan.net_.discriminator_.named_parameters() if p.grad is not None]
    assert any(n.startswith("decode_part") for n in names)
    assert {n.split(".")[0] for n in names} >= {"decode_big", "decode_small", "decode_part",
                                                "from_big", "small", "logits_big"}


@pytest.mark.parametrize("size", [64, 128, 256])
def test_fastgan_samples_at_each_size_and_by_class(size):
    X = _images(8, size=size)
    y = np.array(["calm", "tense"] * 4)
    gan = FastGAN(image_size=size, conditional=True, latent_dim=8, max_epochs=1, batch_size=4,
                  module__ngf=1, discriminator__ndf=1, ema=0.999, random_state=0).fit(X, y)
    images = gan.sample(4, y="tense", random_state=0)
    assert images.shape == (4, size, size, 3) and images.dtype == np.uint8
    # sample draws from the weight average when there is one. After one epoch its
    # batch-norm statistics are still nearly the initial ones, so its eval-mode images are
    # nearly flat grey: the class shows in their floating values.
    assert gan.net_.sampler is gan.net_.generator_ema_
    z = torch.randn(2, 8)
    with torch.no_grad():
        calm, tense = (gan.net_.sampler(z, torch.tensor([k, k])) for k in (0, 1))
    assert not torch.allclose(calm, tense, atol=0)


def test_fastgan_partial_fit_continues_and_score_is_negative_kid():
    from sklearn.preprocessing import FunctionTransformer

    X = _images(16, size=64)
    gan = _gan(FastGAN, metric_features=FunctionTransformer(
        lambda X: np.asarray(X, float).reshape(len(X), -1, 3).mean(1)).fit(X[:1]))
    gan.fit(X).partial_fit(X)
    assert len(gan.history_) == 2
    assert np.isfinite(gan.score(X)) and gan.score(X) <= 1
