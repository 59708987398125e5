"""Every benchmark runs in its ``--quick`` mode, so that none can rot unseen.

Each ``benchmarks/bench_*.py`` must accept ``--quick`` (tiny sizes, seconds)
and exit 0 with it; the glob picks up new scripts by itself. A script that
reads OASIS says so with a top-level ``NEEDS_OASIS = True``: its test is
marked ``real_data`` and skips where ../shared/data/oasis (or
``$SKEMO_OASIS``) is absent, as the other real-data tests do. The scripts run
in fresh interpreters (``sys.executable``), two at a time and the slowest
first, so that together they take about a minute on two cores; they print
timings and ratios, which this test does not judge (a busy machine moves
them), only that every part of every script still runs.
"""

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPTS = sorted(BENCHMARKS.glob("bench_*.py"))
# Started first, so the quick ones fill the other slot. CPU seconds of --quick,
# measured one at a time on 2 cores: memory 21, oasis_models 19, gan_fewshot 16,
# transfer_defaults 11, features 10, pipeline 10, gan 9; every other script under 7
# (115 in all, so about a minute on two idle cores).
SLOWEST_FIRST = ("bench_memory.py", "bench_oasis_models.py", "bench_gan_fewshot.py",
                 "bench_transfer_defaults.py", "bench_features.py", "bench_pipeline.py",
                 "bench_gan.py")
TIMEOUT_S = 300
_QUICK = re.compile(r"""add_argument\(\s*["']--quick["']""")
_NEEDS_OASIS = re.compile(r"^NEEDS_OASIS\s*=\s*True\b", re.MULTILINE)


def _needs_oasis(script):
    return bool(_NEEDS_OASIS.search(script.read_text()))


def _oasis_present():
    root = os.environ.get("SKEMO_OASIS", BENCHMARKS.parents[1] / "shared/data/oasis")
    return (Path(root) / "OASIS.csv").is_file()


def _run(script):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"  # two scripts share two cores
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, str(script), "--quick"], cwd=BENCHMARKS.parent,
                              env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        return None, exc.stdout or "", exc.stderr or "", time.perf_counter() - start
    return done.returncode, done.stdout, done.stderr, time.perf_counter() - start


@pytest.fixture(scope="module")
def quick_runs(request):
    """Start every selected script's quick run at once, two at a time."""
    names = {item.callspec.params["name"] for item in request.session.items
             if getattr(item, "module", None) is request.module and hasattr(item, "callspec")}
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    runnable = sorted(
        (s for s in SCRIPTS if s.name in names and _QUICK.search(s.read_text())
         and (_oasis_present() or not _needs_oasis(s))),
        key=lambda s: (rank.get(s.name, len(rank)), s.name),
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield {s.name: pool.submit(_run, s) for s in runnable}


def _params():
    for script in SCRIPTS:
        marks = [pytest.mark.real_data] if _needs_oasis(script) else []
        yield pytest.param(script.name, marks=marks, id=script.stem)


def test_the_glob_finds_the_benchmarks():
    assert {"bench_gan.py", "bench_gpu.py", "bench_memory.py"} <= {s.name for s in SCRIPTS}


@pytest.mark.parametrize("name", list(_params()))
def test_benchmark_runs_quick(name, quick_runs, request):
    script = BENCHMARKS / name
    if not _QUICK.search(script.read_text()):
        pytest.fail(f"{name} has no --quick option: every benchmarks/bench_*.py needs one "
                    "(tiny sizes, seconds), which tests/test_benchmarks.py runs.")
    if _needs_oasis(script):
        request.getfixturevalue("oasis_root")  # skips without OASIS, as other tests do
    code, out, err, seconds = quick_runs[name].result()
    tail = f"\n--- stdout (end) ---\n{out[-3000:]}\n--- stderr (end) ---\n{err[-3000:]}"
    assert code is not None, f"{name} --quick ran over {TIMEOUT_S} s{tail}"
    assert code == 0, f"{name} --quick exited with {code} after {seconds:.0f} s{tail}"
    assert out.strip(), f"{name} --quick printed nothing{tail}"
