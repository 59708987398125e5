"""Torch helpers shared by the subpackages: seeding, tensors of images, inference.

Private, and below :mod:`skemo.models`, :mod:`skemo.inspection` and the GANs, so
that each can use them without importing another subpackage's private files.
"""

import contextlib
import threading

import numpy as np
import torch
from sklearn.utils import check_random_state

__all__ = ["autocast", "forward_batches", "images_to_tensor", "seeded"]

# torch's default generator is one per process: two threads seeding and drawing from
# it at once (a threaded joblib backend, a Dask worker with several threads) would
# interleave their draws, so seeded blocks of one process take turns.
_SEEDED_LOCK = threading.RLock()


@contextlib.contextmanager
def seeded(random_state, device="cpu"):
    """Seed torch inside the block and restore the global RNG state after.

    Yields the int seed, or None when ``random_state`` is None (no seeding).
    Seeded blocks of one process run one at a time (a re-entrant lock), so
    threads fitting seeded estimators concurrently get the results they would
    get one after the other.
    """
    if random_state is None:
        yield None
        return
    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    use_cuda = str(device).startswith("cuda") and torch.cuda.is_available()
    devices = list(range(torch.cuda.device_count())) if use_cuda else []
    with _SEEDED_LOCK, torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield seed


def forward_batches(forward, batches, device="cpu", module=None):
    """Run ``forward`` over ``batches`` in eval mode, without gradients.

    ``batches`` yields tensors, or tuples of tensors that ``forward`` receives
    as separate arguments; each is moved to ``device``. ``module`` (by default
    ``forward`` itself when it is a torch module) is switched to eval mode
    for the loop, so dropout and batch norm are deterministic, and gets its
    previous mode back after. Returns the outputs concatenated along the
    first axis as a float32 CPU tensor.
    """
    if module is None and isinstance(forward, torch.nn.Module):
        module = forward
    was_training = module is not None and module.training
    if module is not None:
        module.eval()
    out = []
    try:
        with torch.no_grad():
            for batch in batches:
                batch = batch if isinstance(batch, tuple) else (batch,)
                out.append(forward(*(b.to(device) for b in batch)).float().cpu())
    finally:
        if module is not None:
            module.train(was_training)
    return torch.cat(out)


def images_to_tensor(images):
    """``(n, H, W, 3)`` float32 array -> contiguous ``(n, 3, H, W)`` tensor."""
    return torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))


def autocast(precision, device):
    """The autocast context of ``precision`` (``"32"``, ``"bf16"``, ``"16"``) on ``device``.

    ``"32"`` is no autocast; an unsupported combination is a ``ValueError``
    naming both parameters.
    """
    if precision == "32":
        return contextlib.nullcontext()
    kind = torch.device(device).type
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    problem = None
    if not torch.amp.is_autocast_available(kind):
        problem = f"torch has no autocast on {kind!r} devices"
    elif precision == "16" and kind != "cuda":
        problem = "float16 mixed precision needs a CUDA device; use precision='bf16'"
    elif (precision == "bf16" and kind == "cuda"
          and not torch.cuda.is_bf16_supported()):
        problem = "this GPU does not support bfloat16; use precision='16'"
    if problem:
        raise ValueError(
            f"precision={precision!r} is not supported with device="
            f"{str(device)!r}: {problem}, or precision='32'."
        )
    return torch.autocast(kind, dtype=dtype)
