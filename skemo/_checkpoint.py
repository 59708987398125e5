"""Per-epoch seeding and checkpoints: what makes an interrupted fit resume exactly.

Every random draw of epoch ``k`` comes from ``epoch_seed(seed, k, stream)``,
so a run resumed from a checkpoint after epoch ``k`` draws what the
uninterrupted run drew. :class:`Checkpoint` saves the net every few epochs
with skorch's ``save_params`` into a fresh folder and then names it in a
``latest`` file written atomically, so a crash never leaves a half-written
checkpoint that looks complete; :func:`load_checkpoint` reads it back.
"""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import torch
from skorch.callbacks import Callback


def epoch_seed(seed, epoch, stream):
    """A seed for one random stream of one epoch, from the run's seed."""
    return int(np.random.SeedSequence([seed, epoch, stream]).generate_state(1)[0])


class EpochSeed(Callback):
    """Re-seed the global torch RNG and the batch shuffling at each epoch.

    From ``(seed, epoch)`` only, so that epoch ``k`` draws the same dropout
    masks and batch order whether the run went straight through or resumed
    from a checkpoint. (GANNet seeds its own streams the same way.)
    """

    def __init__(self, seed, loader=True):
        self.seed = seed
        self.loader = loader

    def on_train_begin(self, net, **kwargs):
        if self.loader:
            # skorch builds the training DataLoader once per fit; each epoch's
            # iteration draws its order from this generator.
            net.iterator_train__generator = torch.Generator()

    def on_epoch_begin(self, net, **kwargs):
        epoch = len(net.history)  # skorch has added this epoch's row
        torch.manual_seed(epoch_seed(self.seed, epoch, 2))
        if self.loader:
            net.iterator_train__generator.manual_seed(epoch_seed(self.seed, epoch, 3))


_LATEST = "latest"
_META = "skemo.json"


def _checkpoint_files(net, folder):
    """``save_params``/``load_params`` arguments for every module, criterion and optimizer."""
    folder = Path(folder)
    files = {"f_history": folder / "history.json"}
    for name in (*net._modules, *net._criteria, *net._optimizers):
        files["f_params" if name == "module" else f"f_{name}"] = folder / f"{name}.pt"
    return files


def latest_checkpoint(directory):
    """The folder of the latest complete checkpoint in ``directory``, or None."""
    pointer = Path(directory) / _LATEST
    if not pointer.is_file():
        return None
    folder = Path(directory) / pointer.read_text().strip()
    return folder if (folder / _META).is_file() else None


class Checkpoint(Callback):
    """Save the net every ``every`` epochs into ``directory``, atomically.

    skorch's ``save_params`` writes into a fresh ``epoch-NNNN`` subfolder;
    the ``latest`` file then names it (written atomically) and the older
    subfolders are removed.
    """

    def __init__(self, directory, every, seed, estimator):
        self.directory = directory
        self.every = every
        self.seed = seed
        self.estimator = estimator

    def on_epoch_end(self, net, **kwargs):
        epoch = len(net.history)
        if epoch % self.every == 0:
            self.save(net, epoch)

    def save(self, net, epoch):
        from skemo.io._atomic import atomic_write

        directory = Path(self.directory)
        directory.mkdir(parents=True, exist_ok=True)
        name = f"epoch-{epoch:05d}"
        part = directory / f".{name}.{os.getpid()}.part"
        shutil.rmtree(part, ignore_errors=True)
        part.mkdir()
        net.save_params(**_checkpoint_files(net, part))
        seed = getattr(net, "seed_", self.seed)
        meta = {"epochs": epoch, "seed": seed, "estimator": self.estimator}
        (part / _META).write_text(json.dumps(meta))
        final = directory / name
        shutil.rmtree(final, ignore_errors=True)
        os.replace(part, final)
        with atomic_write(directory / _LATEST, "w") as f:
            f.write(name)
        for old in directory.glob("epoch-*"):
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)


def load_checkpoint(net, directory, estimator, max_epochs):
    """Load the latest checkpoint of ``directory`` into ``net``, if any.

    Returns the number of epochs left to reach ``max_epochs``, or None when
    ``directory`` holds no complete checkpoint. A checkpoint written by another
    estimator class is refused.
    """
    folder = latest_checkpoint(directory)
    if folder is None:
        return None
    meta = json.loads((folder / _META).read_text())
    if meta.get("estimator") != estimator:
        raise ValueError(
            f"checkpoint '{folder}' was written by {meta.get('estimator')}, not "
            f"{estimator}; resume=True needs the same estimator."
        )
    net.load_params(**_checkpoint_files(net, folder))
    if meta.get("seed") is not None and hasattr(net, "seed_"):
        net.seed_ = meta["seed"]  # a GAN's drawn seed, for an unseeded run
    return max(max_epochs - len(net.history), 0)
