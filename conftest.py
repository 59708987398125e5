"""Session-wide settings for the tests and the doctests in skemo/."""

import os

# Tiny networks and per-image kernels: extra threads only add overhead on
# small inputs, and a fixed count keeps timings and float sums repeatable.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_configure(config):
    try:
        import torch
    except ImportError:  # the core install always has torch; be safe for docs builds
        return
    torch.set_num_threads(1)
