"""Shared tiny fixtures; real-data tests skip when ../shared/data/oasis is absent."""

import os
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from hypothesis import settings

matplotlib.use("Agg")

# The same property-test cases on every run, so a red CI is reproducible;
# SKEMO_HYPOTHESIS_RANDOM=1 (and `make fuzz`) draws new ones. Set before the
# test modules import, so their @settings(...) inherit it.
settings.register_profile("skemo", derandomize=True)
settings.register_profile("random", derandomize=False)
settings.load_profile("random" if os.environ.get("SKEMO_HYPOTHESIS_RANDOM") else "skemo")

OASIS_ROOT = Path(
    os.environ.get("SKEMO_OASIS", Path(__file__).resolve().parents[2] / "shared/data/oasis")
)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def tiny_images():
    return np.random.default_rng(0).integers(0, 256, size=(8, 32, 32, 3), dtype=np.uint8)


@pytest.fixture(scope="session")
def oasis_root():
    if not (OASIS_ROOT / "OASIS.csv").is_file():
        pytest.skip(f"OASIS data not found at {OASIS_ROOT}")
    return OASIS_ROOT
