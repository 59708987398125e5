"""The GAN engine and bench_gan.py's plain torch loop draw the same random numbers.

On an H200 the two trainers of ``benchmarks/bench_gan.py`` ended 3.0 apart
(max |dG|) where the CPU gives 0. Either they draw different numbers on CUDA
(a generator on the wrong device, a draw from the global RNG, another order of
draws), or the GPU's kernels are non-deterministic. Every draw either trainer
makes through a torch sampling function is recorded here with the generator it
comes from; the two records must be the same draws, from the same streams, in
the same order on each stream. Each stream is a generator on the device the
numbers are drawn for, so on CUDA the same generators draw the same numbers
(Philox, seeded per epoch), and the gap there is the kernels'.
"""

import contextlib
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
_SAMPLERS = ("rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial")


def _load_bench_gan():
    spec = importlib.util.spec_from_file_location("bench_gan", BENCHMARKS / "bench_gan.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def _recorded_draws(monkeypatch):
    """Record every call of torch's samplers and ``Tensor.random_``/``uniform_``/``normal_``.

    Each record is (function, stream, seed, values): the stream numbers the
    generators in the order they are first used ("global" for torch's default
    generator), and the seed is the generator's seed at the draw.
    """
    log, streams = [], {}

    def wrap(name, fn):
        def draw(*args, **kwargs):
            out = fn(*args, **kwargs)
            gen = kwargs.get("generator")
            if gen is None:
                stream, seed = "global", torch.initial_seed()
            else:
                assert gen.device == out.device, (name, gen.device, out.device)
                stream, seed = streams.setdefault(id(gen), len(streams)), gen.initial_seed()
            log.append((name, stream, seed, out.detach().cpu().clone()))
            return out

        return draw

    with monkeypatch.context() as patch:
        for name in _SAMPLERS:
            patch.setattr(torch, name, wrap(name, getattr(torch, name)))
        for name in ("random_", "uniform_", "normal_"):
            patch.setattr(torch.Tensor, name, wrap(f"Tensor.{name}", getattr(torch.Tensor, name)))
        yield log


@pytest.fixture(scope="module")
def bench():
    return _load_bench_gan()


def _by_stream(log):
    """The draws of each (stream, seed): each generator's sequence, in its own order."""
    out = {}
    for function, stream, seed, values in log:
        out.setdefault((stream, seed), []).append((function, values))
    return out


def test_engine_and_plain_loop_consume_the_same_streams(bench, monkeypatch):
    # 80 images: a full batch of 64 and one of 16 per epoch, for 2 epochs.
    X = bench.paintings(80, 16, seed=0)
    logs, states = {}, {}
    for name, fit in (("engine", bench.engine_fit), ("plain", bench.plain_fit)):
        with _recorded_draws(monkeypatch) as log:
            states[name] = fit(X, 2, 16, random_state=0).state_dict()
        logs[name] = log
    # The networks' initial weights come from the global generator, seeded
    # alike; then, per epoch, the loader's base seed and permutation, and two
    # latent batches (D step, G step) for each of the 2 batches.
    plain = logs["plain"]
    training = [(f, s) for f, s, _, _ in plain if s != "global"]
    assert training == 2 * ([("Tensor.random_", 0), ("randperm", 0)] + 4 * [("randn", 1)])
    assert {f for f, s, _, _ in plain if s == "global"} == {"Tensor.normal_", "Tensor.uniform_"}
    # Two streams, each re-seeded every epoch: a new seed per stream and epoch.
    engine, plain = _by_stream(logs["engine"]), _by_stream(plain)
    assert engine.keys() == plain.keys() and len(engine) == 5  # global + 2 streams x 2 epochs
    for key, draws in plain.items():
        used = engine[key][: len(draws)]
        assert [f for f, _ in used] == [f for f, _ in draws], key
        for (_, a), (_, b) in zip(used, draws):
            assert torch.equal(a, b), key
        # torch's RandomSampler draws one more permutation once the first
        # runs out and keeps none of it (``randperm(n)[:num_samples % n]``):
        # the last draw of the loader's stream each epoch, never used.
        extra = [f for f, _ in engine[key][len(draws):]]
        assert extra == ([] if key[0] != 0 else ["randperm"]), key
    for key, value in states["engine"].items():
        assert torch.equal(value, states["plain"][key]), key


def test_recorder_tells_a_loop_with_other_streams_apart(bench, monkeypatch):
    # A plain loop that seeds its noise with the shuffling stream's seed and
    # back (one stream number swapped) must show up as different draws.
    X = bench.paintings(16, 16, seed=0)
    with _recorded_draws(monkeypatch) as engine:
        bench.engine_fit(X, 1, 16, random_state=0)
    epoch_seed = bench._epoch_seed
    monkeypatch.setattr(bench, "_epoch_seed", lambda seed, epoch, stream: epoch_seed(
        seed, epoch, 1 - stream))
    with _recorded_draws(monkeypatch) as swapped:
        bench.plain_fit(X, 1, 16, random_state=0)
    first = next(i for i, record in enumerate(engine) if record[1] != "global")
    assert engine[first][:2] == swapped[first][:2] == ("Tensor.random_", 0)
    assert engine[first][2] != swapped[first][2]
    assert not torch.equal(engine[first][3], swapped[first][3])


def test_engine_draws_latents_and_augmentations_from_one_device_stream(monkeypatch):
    # With DiffAugment and a gradient penalty the engine makes more draws,
    # all from rng_, the generator on the training device.
    from skemo.gan import DCGAN

    X = np.random.default_rng(0).integers(0, 256, (8, 16, 16, 3), dtype=np.uint8)
    gan = DCGAN(image_size=16, latent_dim=4, batch_size=8, max_epochs=1, loss="wgan-gp",
                diffaugment="color,translation,cutout", random_state=0)
    with _recorded_draws(monkeypatch) as log:
        gan.fit(X)
    # The loader's generator, then rng_; only the weight init uses the global one.
    assert {s for f, s, _, _ in log if not f.startswith("Tensor.")} == {0, 1}
    assert {f for f, s, _, _ in log if s == "global"} == {"Tensor.normal_", "Tensor.uniform_"}
    assert gan.net_.rng_.device == torch.device(gan.device)
    latent = [r for r in log if r[0] == "randn"]
    assert {r[1] for r in latent} == {1} and len(latent) == 2
    assert len([r for r in log if r[1] == 1]) > len(latent)  # augment and penalty draws
