"""Callbacks to watch a GAN learn: sample sheets from a fixed latent, and a progress bar.

A GAN's losses say little about its images: they oscillate as the two networks
chase each other. :class:`SampleSheet` writes what the generator draws from the
same latent vectors every few epochs, so that a user sees the images form (or
collapse) while training runs; :class:`EpochProgressBar` shows the epochs and
the latest losses. Both are skorch callbacks (``callbacks=[...]``); ``skemo gan
train`` uses them (``--sheets DIR``). They draw no random numbers from the
training's streams, so a run watched is the run unwatched.
"""

import math
from pathlib import Path

import torch
from skorch.callbacks import Callback

from ._estimators import generate_images
from ._net import draw_latent

__all__ = ["EpochProgressBar", "SampleSheet"]


class SampleSheet(Callback):
    """Save a PNG grid of samples from one fixed set of latent vectors every ``every`` epochs.

    The sheet of epoch ``k`` is ``directory/epoch-0000k.png``; the last epoch's
    sheet is written too, whether or not ``every`` divides it. Images come from
    the generator that :meth:`sample` uses (the weight average with ``ema``),
    in eval mode. A conditional GAN's sheet cycles through the classes, one
    per column when ``ncols`` is the number of classes.

    Parameters
    ----------
    directory : str or Path
        Folder of the sheets; created if needed.
    every : int, default=1
        Epochs between sheets.
    n_samples : int, default=36
        Images per sheet.
    ncols : int or None, default=None
        Images per row; None makes the sheet about square.
    random_state : int, default=0
        Seeds the latent vectors, drawn once when training starts.

    Attributes
    ----------
    written_ : list of Path
        The sheets written, in order.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from skemo.gan import DCGAN, SampleSheet
    >>> X = np.random.default_rng(0).integers(0, 256, (8, 16, 16, 3), dtype=np.uint8)
    >>> sheets = SampleSheet(Path(tempfile.mkdtemp()), every=2, n_samples=4)
    >>> _ = DCGAN(image_size=16, max_epochs=3, batch_size=8, callbacks=[sheets],
    ...           random_state=0).fit(X)
    >>> [path.name for path in sheets.written_]
    ['epoch-00002.png', 'epoch-00003.png']
    """

    def __init__(self, directory, every=1, n_samples=36, ncols=None, random_state=0):
        self.directory = directory
        self.every = every
        self.n_samples = n_samples
        self.ncols = ncols
        self.random_state = random_state

    def initialize(self):
        for name in ("every", "n_samples"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"SampleSheet's {name} must be a positive int; got {value!r}.")
        self.written_ = []
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        gen = torch.Generator().manual_seed(int(self.random_state))
        self.z_ = draw_latent(self.n_samples, net.latent_dim, net.latent_distribution, gen, "cpu")
        n_classes = getattr(net.module_, "n_classes", None) if net.conditional else None
        self.labels_ = None if n_classes is None else torch.arange(self.n_samples) % n_classes
        self.last_ = None

    def on_epoch_end(self, net, **kwargs):
        epoch = len(net.history)
        if epoch % self.every == 0:
            self._write(net, epoch)

    def on_train_end(self, net, **kwargs):
        epoch = len(net.history)
        if epoch and self.last_ != epoch:
            self._write(net, epoch)

    def _write(self, net, epoch):
        from skemo.io import save_image_grid

        images = generate_images(net.sampler, self.z_.to(net.device), self.labels_,
                                 net.batch_size, net.device)
        ncols = self.ncols or math.ceil(math.sqrt(self.n_samples))
        path = save_image_grid(images, Path(self.directory) / f"epoch-{epoch:05d}.png",
                               ncols=ncols)
        self.written_.append(path)
        self.last_ = epoch


class EpochProgressBar(Callback):
    """A tqdm bar over the epochs, with the latest epoch's losses beside it.

    Parameters
    ----------
    keys : sequence of str or None, default=None
        History keys to show; None shows those of ``d_loss``, ``g_loss``,
        ``d_rec``, ``r1`` and ``ada_p`` that the epoch has, or else every key
        ending in ``loss``.
    file : file-like or None, default=None
        Where the bar goes; None is tqdm's default (standard error).

    Examples
    --------
    >>> import io, numpy as np
    >>> from skemo.gan import DCGAN, EpochProgressBar
    >>> X = np.random.default_rng(0).integers(0, 256, (8, 16, 16, 3), dtype=np.uint8)
    >>> out = io.StringIO()
    >>> _ = DCGAN(image_size=16, max_epochs=2, batch_size=8, random_state=0,
    ...           callbacks=[EpochProgressBar(file=out)]).fit(X)
    >>> "2/2" in out.getvalue() and "g_loss" in out.getvalue()
    True
    """

    _GAN_KEYS = ("d_loss", "g_loss", "d_rec", "r1", "ada_p")

    def __init__(self, keys=None, file=None):
        self.keys = keys
        self.file = file

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        from tqdm.auto import tqdm

        self.bar_ = tqdm(total=net.max_epochs, unit="epoch", file=self.file, dynamic_ncols=True)

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        keys = self.keys or [k for k in self._GAN_KEYS if k in row] or sorted(
            k for k in row if k.endswith("loss"))
        self.bar_.set_postfix({k: f"{row[k]:.3g}" for k in keys if k in row}, refresh=False)
        self.bar_.update(1)

    def on_train_end(self, net, **kwargs):
        self.bar_.close()
