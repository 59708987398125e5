"""Watching a GAN learn: SampleSheet and EpochProgressBar change nothing they watch."""

import io

import numpy as np
import pytest
import torch
from PIL import Image

from skemo.gan import DCGAN, EpochProgressBar, FastGAN, SampleSheet
from skemo.gan._estimators import generate_images
from skemo.gan._net import draw_latent

FAST = dict(image_size=16, latent_dim=8, batch_size=8, module__ngf=4, discriminator__ndf=4,
            random_state=0)


def _images(n=16, size=16):
    return np.random.default_rng(0).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def _state(gan):
    return {k: v.clone() for k, v in gan.net_.module_.state_dict().items()}


def test_sheets_at_every_nth_epoch_and_the_last(tmp_path):
    sheets = SampleSheet(tmp_path / "sheets", every=2, n_samples=6, ncols=3)
    gan = DCGAN(max_epochs=5, callbacks=[sheets], **FAST).fit(_images())
    assert [p.name for p in sheets.written_] == ["epoch-00002.png", "epoch-00004.png",
                                                 "epoch-00005.png"]
    # 3 columns x 2 rows of 16 px with 2 px padding; the last sheet is what the fitted
    # generator draws from the fixed latent vectors.
    sheet = np.asarray(Image.open(sheets.written_[-1]).convert("RGB"))
    assert sheet.shape == (2 * 16 + 3 * 2, 3 * 16 + 4 * 2, 3)
    z = draw_latent(6, 8, "normal", torch.Generator().manual_seed(0), "cpu")
    expected = generate_images(gan.net_.sampler, z)
    np.testing.assert_array_equal(sheet[2:18, 2:18], expected[0])
    np.testing.assert_array_equal(sheet[20:36, 38:54], expected[5])
    # A second fit continues the numbering from the history.
    gan.set_params(max_epochs=1).partial_fit(_images())
    assert sheets.written_[-1].name == "epoch-00006.png"


def test_watching_changes_no_weight(tmp_path):
    watched = DCGAN(max_epochs=3, ema=0.9, **FAST, callbacks=[
        SampleSheet(tmp_path, n_samples=4), EpochProgressBar(file=io.StringIO())])
    plain = DCGAN(max_epochs=3, ema=0.9, **FAST)
    a, b = _state(watched.fit(_images())), _state(plain.fit(_images()))
    assert all(torch.equal(a[k], b[k]) for k in a)
    np.testing.assert_array_equal(watched.sample(4, random_state=0),
                                  plain.sample(4, random_state=0))


def test_conditional_sheets_cycle_through_the_classes(tmp_path):
    sheets = SampleSheet(tmp_path, n_samples=6, ncols=3)
    X, y = _images(8, 64), np.array(["a", "b", "c", "a", "b", "c", "a", "b"])
    FastGAN(max_epochs=1, latent_dim=8, conditional=True, module__ngf=2, discriminator__ndf=2,
            callbacks=[sheets], random_state=0).fit(X, y)
    assert sheets.labels_.tolist() == [0, 1, 2, 0, 1, 2]
    assert Image.open(sheets.written_[0]).size == (3 * 64 + 4 * 2, 2 * 64 + 3 * 2)


@pytest.mark.parametrize("name", ["every", "n_samples"])
def test_sheet_settings_are_checked(name, tmp_path):
    with pytest.raises(ValueError, match=name):
        DCGAN(max_epochs=1, callbacks=[SampleSheet(tmp_path, **{name: 0})], **FAST).fit(
            _images(8))


def test_progress_bar_counts_epochs_and_shows_the_losses():
    out = io.StringIO()
    DCGAN(max_epochs=3, r1=0.5, callbacks=[EpochProgressBar(file=out)], **FAST).fit(_images())
    text = out.getvalue()
    assert "3/3" in text and "epoch" in text
    for key in ("d_loss", "g_loss", "r1"):
        assert f"{key}=" in text
    chosen = io.StringIO()
    DCGAN(max_epochs=1, callbacks=[EpochProgressBar(keys=["d_real"], file=chosen)],
          **FAST).fit(_images())
    assert "d_real=" in chosen.getvalue() and "g_loss" not in chosen.getvalue()
