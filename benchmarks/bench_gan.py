"""DCGAN benchmarks (issue 8): sample quality for a fixed CPU budget, engine overhead, GPU speed.

(a) Quality for a fixed CPU budget. A 32 px DCGAN (unconditional) is trained on
    100 ``make_paintings`` images (4 classes), one ``partial_fit`` epoch at a
    time, until ``--budget`` seconds of process CPU time are spent (torch on one
    thread), with and without DiffAugment ("color,translation,cutout"). Its 500
    samples are scored by KID against 500 held-out real images (another seed of
    the same generator), on standardised ``PaintingFeatures`` (the thesis's 13
    features), fitted once on those held-out images, whose features are then
    computed once and passed with ``features="precomputed"``. Subsets of 250
    rows make the std over subsets meaningful. Each row is the mean +- std over
    ``--seeds`` seeds; the untrained generator (same initialisation) is the
    ceiling and another 500 real images the floor.
(b) Engine overhead. ``DCGAN(...).fit`` (skorch's ``GANNet``) against a plain
    hand-written torch loop doing the same work per batch: the same
    ``DCGANGenerator``/``DCGANDiscriminator`` with the same seeded
    initialisation, Adam(2e-4, betas=(0.5, 0.999)), the non-saturating loss with
    label smoothing 0.9, batch 64, the same latent and shuffling streams, one D
    step then one G step per batch, no DiffAugment. Both are timed from the
    uint8 images to the trained generator, alternating (ABBA) over
    ``--repeats`` repeats; medians are compared (target: engine/plain <= 1.15).
    Both see the same random draws, so the generators they end with must agree
    (``max|dG|``: 0 on CPU). The run-to-run gap of each trainer (its first
    repeat against its last) is printed next to it: a gap between the trainers
    that each trainer also shows against itself is the hardware's
    non-determinism, not a difference in what they compute.
(c) The same comparison at 64 px on the GPU (wall clock with
    ``torch.cuda.synchronize``), when ``torch.cuda.is_available()``; skipped
    otherwise. On CUDA, cuDNN may pick convolution algorithms that sum in a
    different order on every call (``Conv2d`` and ``ConvTranspose2d`` are on
    torch's list of normally non-deterministic operations), and a GAN
    amplifies those last-bit differences: both trainers draw the same random
    numbers (tests/test_gan_random_streams.py records them), so a non-zero
    ``max|dG|`` there comes from the kernels (it spans the BatchNorm running
    statistics too, which drift furthest). ``--deterministic`` runs with
    ``torch.use_deterministic_algorithms(True)`` (and cuBLAS's fixed
    workspace), where the gap should be 0 again, at some cost in speed (not
    yet measured on a GPU).

CPU timings are process CPU time, so a busy machine slows the run but changes
the figures little. Run from the repository root::

    python benchmarks/bench_gan.py            # full: (a) spends 6 x 90 CPU s; ~15 min
    python benchmarks/bench_gan.py --quick    # tiny settings, seconds (run by the tests)
    python benchmarks/bench_gan.py --deterministic   # deterministic kernels (see (c))
    python benchmarks/bench_gan.py --budget 60 --seeds 3 --epochs 15 --repeats 3
"""

import argparse
import os
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils import check_random_state

from skemo.datasets import make_paintings
from skemo.features import PaintingFeatures, TextureFeatures
from skemo.gan import DCGAN, kernel_inception_distance
from skemo.gan._dcgan import DCGANDiscriminator, DCGANGenerator
from skemo.io import check_images

POLICY = "color,translation,cutout"
LATENT_DIM, BATCH_SIZE, LR, BETAS, REAL_TARGET = 100, 64, 2e-4, (0.5, 0.999), 0.9
FULL = dict(budget=90.0, seeds=3, n_train=100, n_kid=500, subset=250, epochs=15, repeats=3,
            gpu_images=1024, gpu_epochs=5)
QUICK = dict(budget=0.2, seeds=1, n_train=32, n_kid=24, subset=12, epochs=1, repeats=2,
             gpu_images=128, gpu_epochs=1)


def paintings(n, size, seed):
    return make_paintings(n, n_classes=4, image_size=size, random_state=seed).images


# -- the plain torch loop ------------------------------------------------------------
def _epoch_seed(seed, epoch, stream):
    return int(np.random.SeedSequence([seed, epoch, stream]).generate_state(1)[0])


def _bce(logits, target):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def init_models(image_size, random_state, device="cpu"):
    """The run's seed and both networks, initialised as the engine initialises them."""
    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        G = DCGANGenerator(LATENT_DIM, image_size).to(device)
        D = DCGANDiscriminator(image_size).to(device)
    return seed, G, D


def plain_fit(X, epochs, image_size, random_state, device="cpu"):
    """Train a DCGAN by hand; returns the generator (left in train mode)."""
    seed, G, D = init_models(image_size, random_state, device)
    opt_g = torch.optim.Adam(G.parameters(), lr=LR, betas=BETAS)
    opt_d = torch.optim.Adam(D.parameters(), lr=LR, betas=BETAS)
    images = check_images(X, size=image_size)
    data = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2))) * 2 - 1
    noise, order = torch.Generator(device=device), torch.Generator()
    G.train()
    D.train()
    for epoch in range(1, epochs + 1):  # the engine numbers epochs from 1
        noise.manual_seed(_epoch_seed(seed, epoch, 0))
        order.manual_seed(_epoch_seed(seed, epoch, 1))
        torch.empty((), dtype=torch.int64).random_(generator=order)  # as a DataLoader does
        for index in torch.randperm(len(data), generator=order).split(BATCH_SIZE):
            real = data[index].to(device)
            with torch.no_grad():
                fake = G(torch.randn(len(real), LATENT_DIM, generator=noise, device=device))
            d_loss = _bce(D(real), REAL_TARGET) + _bce(D(fake), 0.0)
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            fake = G(torch.randn(len(real), LATENT_DIM, generator=noise, device=device))
            g_loss = _bce(D(fake), 1.0)
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
            d_loss.item(), g_loss.item()  # a real loop logs them (and syncs on GPU)
    return G


def engine_fit(X, epochs, image_size, random_state, device="cpu"):
    gan = DCGAN(image_size=image_size, max_epochs=epochs, device=device,
                random_state=random_state)
    return gan.fit(X).module_


def untrained_samples(n, image_size, seed):
    """Samples of the initial generator, drawn as ``DCGAN.sample`` draws them."""
    _, G, _ = init_models(image_size, seed)
    z = torch.randn(n, LATENT_DIM, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        images = G.eval()(z)
    return ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


# -- (a) KID for a fixed CPU budget ---------------------------------------------------
class KID:
    """KID against fixed held-out images, on PaintingFeatures fitted once on them."""

    def __init__(self, held_out, subset_size):
        size = held_out.shape[1]
        self.features = PaintingFeatures(
            image_size=size, texture=TextureFeatures(image_size=size), random_state=0
        ).fit(held_out)
        self.reference = self.features.transform(held_out)
        self.subset_size = subset_size

    def __call__(self, images):
        return kernel_inception_distance(
            self.reference, self.features.transform(images), features="precomputed",
            subset_size=self.subset_size, random_state=0,
        )


def train_for_budget(X, budget, seed, diffaugment):
    gan = DCGAN(image_size=X.shape[1], max_epochs=1, diffaugment=diffaugment, random_state=seed)
    start = time.process_time()
    while time.process_time() - start < budget:
        gan.partial_fit(X)
    return gan, len(gan.history_), time.process_time() - start


def quality(cfg, size=32):
    X = paintings(cfg["n_train"], size, seed=0)
    kid = KID(paintings(cfg["n_kid"], size, seed=1), cfg["subset"])
    seeds = range(cfg["seeds"])
    for policy in (None, POLICY):  # warm-up, so that the first budget is not charged for it
        DCGAN(image_size=size, max_epochs=1, diffaugment=policy, random_state=0).fit(X)
    rows = {"untrained G (ceiling)": [(0, 0.0, kid(untrained_samples(cfg["n_kid"], size, s)))
                                      for s in seeds]}
    for name, policy in (("DCGAN", None), (f"DCGAN + DiffAugment({POLICY})", POLICY)):
        rows[name] = []
        for s in seeds:
            gan, epochs, cpu = train_for_budget(X, cfg["budget"], s, policy)
            rows[name].append((epochs, cpu, kid(gan.sample(cfg["n_kid"], random_state=s))))
            print(f"  {name}, seed {s}: {epochs} epochs in {cpu:.1f} CPU s, "
                  f"KID {rows[name][-1][2][0]:.2f}", flush=True)
    rows["real vs real (floor)"] = [(None, 0.0, kid(paintings(cfg["n_kid"], size, seed=2 + s)))
                                    for s in seeds]
    return rows


def print_quality(rows, cfg):
    print(f"\n(a) KID (standardised PaintingFeatures, {cfg['n_kid']} vs {cfg['n_kid']} held-out, "
          f"subsets of {cfg['subset']}), {cfg['budget']:g} CPU s per GAN, 1 thread, "
          f"{cfg['n_train']} training images at 32 px; mean +- std over {cfg['seeds']} seeds")
    print(f"{'generator':<48s} {'epochs':>8s} {'KID':>14s} {'subset std':>11s}  per-seed KID")
    for name, runs in rows.items():
        epochs = [r[0] for r in runs]
        means = [r[2][0] for r in runs]
        spread = statistics.stdev(means) if len(means) > 1 else 0.0
        subset_std = statistics.mean(r[2][1] for r in runs)
        per_seed = ", ".join(f"{m:.2f}" for m in means)
        ep = "-" if None in epochs else f"{statistics.mean(epochs):.0f}"
        print(f"{name:<48s} {ep:>8s} {statistics.mean(means):>7.2f} +- {spread:<4.2f} "
              f"{subset_std:>11.2f}  {per_seed}")


# -- (b) and (c) engine against the plain loop -------------------------------------------
def _clock(device):
    if device == "cuda":
        torch.cuda.synchronize()
        return time.perf_counter()
    return time.process_time()


def _gap(a, b):
    """Largest absolute difference between two generators' state (weights and buffers)."""
    return max((x.float() - y.float()).abs().max().item()
               for x, y in zip(a.values(), b.values()))


def throughput(X, epochs, repeats, device):
    """Median seconds of each trainer over alternating repeats, and their result gaps."""
    size, trainers = X.shape[1], {"engine": engine_fit, "plain": plain_fit}
    for fit in trainers.values():  # warm-up: allocator, kernels, lazy imports
        fit(X, 1, size, 0, device)
    times, first, last = {name: [] for name in trainers}, {}, {}
    for r in range(repeats):
        for name in (list(trainers) if r % 2 == 0 else list(trainers)[::-1]):
            start = _clock(device)
            state = trainers[name](X, epochs, size, 0, device).state_dict()
            times[name].append(_clock(device) - start)
            last[name] = state
            first.setdefault(name, {k: v.clone() for k, v in state.items()})
    gaps = {"engine vs plain": _gap(last["engine"], last["plain"])}
    gaps.update({f"{name} run to run": _gap(first[name], last[name]) for name in trainers})
    return {name: statistics.median(t) for name, t in times.items()}, times, gaps


def print_throughput(label, X, epochs, result):
    median, times, gaps = result
    n = len(X) * epochs
    ratio = median["engine"] / median["plain"]
    print(f"\n{label}: {len(X)} images at {X.shape[1]} px, batch {BATCH_SIZE}, {epochs} epochs "
          f"per run, medians of {len(times['engine'])} alternating runs")
    print(f"{'trainer':<10s} {'seconds (median)':>17s} {'images/s':>9s}  all runs")
    for name in ("engine", "plain"):
        runs = ", ".join(f"{t:.2f}" for t in times[name])
        print(f"{name:<10s} {median[name]:>17.2f} {n / median[name]:>9.1f}  {runs}")
    verdict = "within" if ratio <= 1.15 else "ABOVE"
    print(f"engine / plain time = {ratio:.3f} ({verdict} the 1.15 target); "
          f"max|dG| engine vs plain after training = {gaps['engine vs plain']:.2e}")
    if len(times["engine"]) > 1:
        print(f"max|dG| run to run (first vs last repeat of each trainer): engine "
              f"{gaps['engine run to run']:.2e}, plain {gaps['plain run to run']:.2e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny settings (seconds)")
    parser.add_argument("--deterministic", action="store_true",
                        help="torch.use_deterministic_algorithms(True) (see (c))")
    parser.add_argument("--budget", type=float, help="(a) CPU seconds per GAN")
    parser.add_argument("--seeds", type=int, help="(a) seeds per row")
    parser.add_argument("--epochs", type=int, help="(b) epochs per timed run")
    parser.add_argument("--repeats", type=int, help="(b), (c) alternating repeats")
    args = parser.parse_args()
    cfg = dict(QUICK if args.quick else FULL)
    cfg.update({k: v for k, v in vars(args).items() if k in cfg and v is not None})
    torch.set_num_threads(1)
    if args.deterministic:
        # Read by cuBLAS when it first starts, which is after this line.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
    wall = time.perf_counter()
    print(f"torch {torch.__version__}, 1 thread, cuda available: {torch.cuda.is_available()}, "
          f"deterministic algorithms: {torch.are_deterministic_algorithms_enabled()}, "
          f"settings: {cfg}", flush=True)

    rows = quality(cfg)
    X = paintings(cfg["n_train"], 32, seed=0)
    cpu = throughput(X, cfg["epochs"], cfg["repeats"], "cpu")
    print_quality(rows, cfg)
    print_throughput("(b) CPU process time, skorch engine vs plain torch loop", X,
                     cfg["epochs"], cpu)
    if torch.cuda.is_available():
        X64 = paintings(cfg["gpu_images"], 64, seed=0)
        gpu = throughput(X64, cfg["gpu_epochs"], cfg["repeats"], "cuda")
        print_throughput(f"(c) GPU ({torch.cuda.get_device_name()}) wall time, engine vs plain",
                         X64, cfg["gpu_epochs"], gpu)
    else:
        print("\n(c) skipped: torch.cuda.is_available() is False on this machine, so there is "
              "no GPU to time; the same script times it where CUDA is available.")
    print(f"\ntotal wall time {time.perf_counter() - wall:.0f} s")


if __name__ == "__main__":
    main()
