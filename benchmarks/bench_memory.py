"""Peak memory of skemo's path-list estimators: flat in the number of images (issue 11).

Every measurement runs in a fresh process (this script re-run with ``--child``),
which reports its peak resident set size (``VmHWM`` of /proc/self/status, or
``ru_maxrss``) at the end, so no run inherits another's heap; "end" is the
resident size left when the work is done (``VmRSS``, output still held), which
shows what the heap kept; "s" the seconds of the work itself.

1. OASIS: ``PaintingFeatures(n_jobs=1)`` and ``BackboneEmbedding`` on the first
   100 and on all 900 OASIS images (900 must stay under 1.3x of 100), and one
   frozen ``TransferClassifier`` fit.
2. Varied sizes: the same two transformers on 300 and on 2,400 JPEGs of random
   sizes (random crops of OASIS images, sides 200-1200 px, written to a temporary
   folder with a fixed seed), with the library's release of freed heap memory
   between chunks turned off ("before": the private switch
   ``skemo.io._check._RELEASE_BETWEEN_CHUNKS = False``, set only here) and on
   ("after"). The 2,400 run must stay within 1.1x of the 300 run.

Usage::

    python benchmarks/bench_memory.py [--data ../shared/data/oasis] [--quick]
        [--weights default|none] [--threads 2] [--workdir DIR]

``--quick`` uses 3/6 OASIS images and 3/6 generated ones, 1 thread, no
pretrained weights, and one workload per table (features on OASIS, the embedding
with the release on for the varied sizes), so 5 fresh processes instead of 13:
seconds, to check that the script runs. ``--workdir`` keeps the
generated JPEGs between runs (they are regenerated when missing). ``--data``
defaults to ``$SKEMO_OASIS``, else ../shared/data/oasis.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OASIS = os.environ.get("SKEMO_OASIS", str(REPO.parent / "shared/data/oasis"))
NEEDS_OASIS = True  # tests/test_benchmarks.py: run only where OASIS is
BACKBONE = "efficientnet_lite0"


# -- child: one workload in a fresh process ------------------------------------------------
def rss_mib(field="VmHWM"):
    """Peak (``VmHWM``) or current (``VmRSS``) resident set size of this process, in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    if field != "VmHWM":
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


def child(spec):
    import numpy as np
    import torch

    torch.set_num_threads(spec["threads"])
    import skemo.io._check as check

    check._RELEASE_BETWEEN_CHUNKS = spec["release"]
    paths = Path(spec["list"]).read_text().splitlines()[: spec["n"]]
    weights = None if spec["weights"] == "none" else "DEFAULT"
    start = time.perf_counter()
    if spec["workload"] == "features":
        from skemo.features import PaintingFeatures

        out = PaintingFeatures(n_jobs=1, random_state=0).fit_transform(paths)
    elif spec["workload"] == "embedding":
        from skemo.models import BackboneEmbedding

        out = BackboneEmbedding(BACKBONE, weights=weights, random_state=0).fit_transform(paths)
    else:
        from skemo.models import TransferClassifier

        y = np.arange(len(paths)) % 2
        clf = TransferClassifier(BACKBONE, weights=weights, max_epochs=5, random_state=0)
        out = clf.fit(paths, y).predict_proba(paths[:8])
    seconds = time.perf_counter() - start
    assert np.isfinite(out).all()
    print(json.dumps({"peak_mib": rss_mib(), "end_mib": rss_mib("VmRSS"), "seconds": seconds}))


# -- parent ----------------------------------------------------------------------------------
def measure(workload, list_file, n, args, release=True):
    spec = {"workload": workload, "list": str(list_file), "n": n, "release": release,
            "weights": args.weights, "threads": args.threads}
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
    env.pop("MALLOC_MMAP_THRESHOLD_", None)  # measure the library, not a tuned allocator
    done = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)],
        capture_output=True, text=True, env=env, cwd=REPO, check=False,
    )
    if done.returncode != 0:
        sys.exit(f"{workload} on {n} images failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def make_varied(oasis_files, folder, n, seed=0):
    """``n`` JPEGs: random crops of OASIS images resized to random 200-1200 px sides."""
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"varied_{i:05d}.jpg" for i in range(n)]
    if all(p.is_file() for p in paths):
        return paths
    rng = np.random.default_rng(seed)
    for path in paths:
        with Image.open(oasis_files[rng.integers(len(oasis_files))]) as img:
            img = img.convert("RGB")
            w, h = img.size
            cw, ch = int(rng.integers(w // 3, w + 1)), int(rng.integers(h // 3, h + 1))
            x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
            size = (int(rng.integers(200, 1201)), int(rng.integers(200, 1201)))
            crop = img.crop((x, y, x + cw, y + ch)).resize(size, Image.Resampling.BILINEAR)
            crop.save(path, quality=90)
    return paths


def row(label, small, large, n_small, n_large):
    ratio = large["peak_mib"] / small["peak_mib"]
    return (f"{label:<34s} {small['peak_mib']:>9.0f} {large['peak_mib']:>9.0f} "
            f"{ratio:>7.3f}   {small['end_mib']:>9.0f} {large['end_mib']:>9.0f}   "
            f"{small['seconds']:>6.1f} {large['seconds']:>7.1f}"), ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", default=OASIS,
                        help="OASIS folder (with images/); default $SKEMO_OASIS or "
                             "../shared/data/oasis")
    parser.add_argument("--quick", action="store_true",
                        help="3/6 images, 1 thread, no weights, one workload per table")
    parser.add_argument("--weights", choices=["default", "none"], default="default")
    parser.add_argument("--threads", type=int, default=2, help="torch/OpenMP threads")
    parser.add_argument("--workdir", help="folder for the generated JPEGs (kept)")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["oasis", "varied", "transfer"], help="parts to leave out")
    args = parser.parse_args()
    if args.child:
        return child(json.loads(args.child))
    if args.quick:
        args.threads, args.weights = 1, "none"

    from skemo._files import image_files

    oasis = sorted(image_files(Path(args.data) / "images"))
    if not oasis:
        sys.exit(f"no OASIS images under {args.data}/images; pass --data")
    n_small, n_large = (3, 6) if args.quick else (100, 900)
    v_small, v_large = (3, 6) if args.quick else (300, 2400)
    tmp = tempfile.TemporaryDirectory()
    work = Path(args.workdir) if args.workdir else Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    oasis_list = work / "oasis.txt"
    oasis_list.write_text("\n".join(map(str, oasis[:n_large])))

    print(f"python {' '.join(sys.argv)}")
    print(f"backbone={BACKBONE} weights={args.weights} threads={args.threads} "
          f"glibc={os.confstr('CS_GNU_LIBC_VERSION') if hasattr(os, 'confstr') else '?'}")
    header = (f"{'peak RSS (MiB, fresh process)':<34s} {'small':>9s} {'large':>9s} "
              f"{'ratio':>7s}   {'end small':>9s} {'end large':>9s}   "
              f"{'s small':>6s} {'s large':>7s}")
    verdicts = []

    # Every fresh process costs seconds of imports: --quick runs each kind of
    # child (features, embedding, transfer) once, at tiny sizes.
    oasis_workloads = ("features",) if args.quick else ("features", "embedding")
    varied_workloads = ("embedding",) if args.quick else ("embedding", "features")
    releases = ((True, "after"),) if args.quick else ((False, "before (no release)"),
                                                      (True, "after"))
    if "oasis" not in args.skip:
        print(f"\nOASIS: {n_small} vs {n_large} images (limit 1.3x)")
        print(header)
        for workload in oasis_workloads:
            small = measure(workload, oasis_list, n_small, args)
            large = measure(workload, oasis_list, n_large, args)
            line, ratio = row(workload, small, large, n_small, n_large)
            print(line, flush=True)
            verdicts.append((f"OASIS {workload}", ratio, 1.3))
    if "transfer" not in args.skip:
        result = measure("transfer", oasis_list, n_large, args)
        print(f"{'transfer (frozen fit, 5 epochs)':<34s} {'':>9s} {result['peak_mib']:>9.0f} "
              f"{'':>7s}   {'':>9s} {result['end_mib']:>9.0f}   {'':>6s} "
              f"{result['seconds']:>7.1f}  ({n_large} images)", flush=True)

    if "varied" not in args.skip:
        t0 = time.perf_counter()
        varied = make_varied(oasis, work / "varied", v_large)
        varied_list = work / "varied.txt"
        varied_list.write_text("\n".join(map(str, varied)))
        print(f"\nVaried sizes (200-1200 px sides, seed 0): {v_small} vs {v_large} JPEGs "
              f"(limit 1.1x after; generated in {time.perf_counter() - t0:.0f} s)")
        print(header)
        for workload in varied_workloads:
            for release, label in releases:
                small = measure(workload, varied_list, v_small, args, release)
                large = measure(workload, varied_list, v_large, args, release)
                line, ratio = row(f"{workload}, {label}", small, large, v_small, v_large)
                print(line, flush=True)
                if release:
                    verdicts.append((f"varied {workload}", ratio, 1.1))
    print()
    for name, ratio, limit in verdicts:
        print(f"{name:<20s} ratio {ratio:.3f}  limit {limit}  "
              f"{'OK' if ratio < limit else 'OVER'}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
