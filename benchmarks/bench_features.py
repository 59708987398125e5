"""Speed and memory of PaintingFeatures against the thesis's per-image library calls.

Prints, measured side by side in one run (one core unless stated):

(a) PaintingFeatures(n_jobs=1) vs the thesis path on the same 224 px image array:
    PIL ImageStat brightness, six skimage ``structural_similarity`` calls (the image
    as is, the column-scaled references, ``data_range=2``: the thesis's feature),
    ``MiniBatchKMeans(5)`` with the defaults the thesis ran under in 2019 (scikit-learn
    0.21: ``n_init=3, batch_size=100``) on all 50,176 pixels and the L1 palette match;
    also the cost per image of each block and of one JPEG decode;
(b) PaintingFeatures on the JPEG paths divided by ``load_images(paths, size=224)``;
(c) n_jobs=2 over n_jobs=1 on 2 x n images given as paths, each timed on the FIRST
    transform in a fresh Python process (imports done and ``fit`` on two images, not
    timed; loading the compiled kernels and any pool start-up are timed), then on a
    second call in the same process; each arm runs three times, alternating, and the
    medians are compared; the features of both arms must be bit-identical;
(d) peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of a fresh child process
    per case, so numpy buffers, decoded images and the interpreter all count) of
    PaintingFeatures(n_jobs=1) on 200 and on 900 paths.

Images come from ``$SKEMO_OASIS`` (default ../shared/data/oasis); without it, JPEGs
of ``make_paintings`` scaled to 500x400 are written to a temporary folder.

    python benchmarks/bench_features.py            # 200 images as in the issue
    python benchmarks/bench_features.py --quick    # 6 images, one run per arm, (d) on 8 paths
"""

import os

# One core for every BLAS/OpenMP pool on both sides (children inherit it), set before
# numpy loads: the parallelism measured is skemo's own n_jobs.  threadpoolctl's
# in-process limit is avoided on purpose: under it scikit-learn's MiniBatchKMeans ran
# 20x slower here, which would flatter the comparison.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

OASIS = Path(os.environ.get("SKEMO_OASIS", Path(__file__).resolve().parents[2] / "shared/data/oasis"))


def image_files(n, tmp):
    files = sorted((OASIS / "images").glob("*.jpg"))
    if len(files) >= n:
        return [str(f) for f in files[:n]], "OASIS"
    from PIL import Image

    from skemo.datasets import make_paintings

    X, _ = make_paintings(n_samples=n, image_size=64, return_X_y=True, random_state=0)
    out = []
    for i, img in enumerate(X):
        path = Path(tmp) / f"{i:04d}.jpg"
        Image.fromarray(img).resize((500, 400), Image.Resampling.BILINEAR).save(path, quality=90)
        out.append(str(path))
    return out, "make_paintings JPEGs"


def thesis_features(images, refs3, ref_palettes):
    """The thesis's per-image path as plain library calls (13 features per image)."""
    from PIL import Image, ImageStat
    from skimage.metrics import structural_similarity
    from sklearn.cluster import MiniBatchKMeans

    out = np.empty((len(images), 13))
    for n, img in enumerate(images):
        u8 = np.rint(img * 255).astype(np.uint8)
        r, g, b = ImageStat.Stat(Image.fromarray(u8)).rms
        out[n, 0] = np.sqrt(0.241 * r * r + 0.691 * g * g + 0.068 * b * b)
        x = img.astype(np.float64)
        for k, ref in enumerate(refs3):
            out[n, 1 + k] = structural_similarity(x, ref, channel_axis=2, data_range=2.0)
        km = MiniBatchKMeans(5, n_init=3, batch_size=100, random_state=0).fit(img.reshape(-1, 3))
        errors = np.abs(ref_palettes - km.cluster_centers_[None]).sum(axis=(1, 2))
        dist = np.full(len(ref_palettes), 100.0)
        dist[errors.argmin()] = errors.min()
        out[n, 7:] = dist
    return out


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def _status_mib(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_child(n):
    """Run in a fresh interpreter: RSS before, and peak RSS during, the transform (MiB).

    The peak (VmHWM) is reset through /proc/self/clear_refs after the imports and a
    warm-up, so it measures the transform, not the interpreter start.
    """
    from skemo.features import PaintingFeatures

    with tempfile.TemporaryDirectory() as tmp:
        files, _ = image_files(n, tmp)
        feat = PaintingFeatures(n_jobs=1, random_state=0).fit(files[:2])
        feat.transform(files[:2])
        before = _status_mib("VmRSS")
        try:
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            pass
        feat.transform(files)
        after = _status_mib("VmHWM")
    print(f"{before:.1f} {after:.1f}")


def cold_child(n_jobs, n, out):
    """Run in a fresh interpreter: seconds of the first and second transform of n paths."""
    from skemo.features import PaintingFeatures

    with tempfile.TemporaryDirectory() as tmp:
        files, _ = image_files(n, tmp)
        start = time.perf_counter()
        feat = PaintingFeatures(n_jobs=n_jobs, random_state=0).fit(files[:2])
        t_fit = time.perf_counter() - start
        t_first, features = timed(feat.transform, files)
        t_second, _ = timed(feat.transform, files)
    np.save(out, features)
    print(f"{t_fit:.4f} {t_first:.4f} {t_second:.4f}")


def run_cold(n_jobs, n, out):
    result = subprocess.run(
        [sys.executable, __file__, "--cold-child", str(n_jobs), "--n-images", str(n),
         "--out", out],
        check=True, capture_output=True, text=True,
    )
    return [float(v) for v in result.stdout.split()[-3:]]


def per_image_ms(fn, X):
    seconds, _ = timed(fn, X)
    return 1e3 * seconds / len(X)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=200)
    parser.add_argument("--quick", action="store_true",
                        help="6 images, (c) once per arm without warm-up, (d) on 8 paths")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cold-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        return memory_child(args.memory_child)
    if args.cold_child:
        return cold_child(args.cold_child, args.n_images, args.out)
    n = 6 if args.quick else args.n_images
    # Each (c) run and (d) size is a fresh interpreter, seconds of imports alone.
    mem_sizes = (8,) if args.quick else (200, 900)
    repeats = 1 if args.quick else 3

    from skemo.features import PaintingFeatures
    from skemo.features._palette import DEFAULT_PALETTES
    from skemo.io import load_images

    with tempfile.TemporaryDirectory() as tmp:
        files, source = image_files(2 * n, tmp)
        print(f"{len(files)} images from {source}; machine: {os.cpu_count()} CPUs (shared)")
        t_load, X = timed(load_images, files[:n], 224)
        feat = PaintingFeatures(n_jobs=1, random_state=0).fit(X[:2])
        feat.transform(X[:2])  # references generated, kernels compiled: not timed
        refs3 = [np.repeat(r[..., None], 3, axis=-1) for r in feat.transformers_[1][1].references_]
        palettes = np.array(list(DEFAULT_PALETTES.values()))

        t_ours, _ = timed(feat.transform, X)
        t_thesis, _ = timed(thesis_features, X, refs3, palettes)
        print(f"(a) thesis calls {t_thesis:8.2f} s  PaintingFeatures {t_ours:6.2f} s  "
              f"speed-up {t_thesis / t_ours:5.1f}x   ({n} images, 224 px, n_jobs=1)")
        blocks = "  ".join(
            f"{name} {per_image_ms(block._transform_images, X):.2f}"
            for name, block in feat.transformers_
        )
        print(f"    ms per image: {blocks}  all {1e3 * t_ours / n:.2f}  "
              f"| one JPEG decode+resize to 224: {1e3 * t_load / n:.2f}")

        t_paths, _ = timed(feat.transform, files[:n])
        print(f"(b) PaintingFeatures(paths) {t_paths:6.2f} s / load_images(size=224) "
              f"{t_load:6.2f} s = {t_paths / t_load:4.2f}   (array input: {t_ours / t_load:4.2f})")

        runs = {1: [], 2: []}
        feats = {}
        if not args.quick:
            run_cold(1, 2 * n, os.path.join(tmp, "warmup.npy"))  # compile the kernels' cache
        for _ in range(repeats):
            for jobs in (1, 2):
                out = os.path.join(tmp, f"cold{jobs}.npy")
                runs[jobs].append(run_cold(jobs, 2 * n, out))
                feats[jobs] = np.load(out)
        (fit1, first1, second1), (fit2, first2, second2) = (
            np.median(np.array(runs[j]), axis=0) for j in (1, 2)
        )
        identical = np.array_equal(feats[1], feats[2])
        print(f"(c) first call in a fresh process: n_jobs=1 {first1:6.2f} s  n_jobs=2 "
              f"{first2:6.2f} s  speed-up {first1 / first2:4.2f}x   ({2 * n} paths; medians "
              f"of {repeats}; bit-identical: {identical})")
        print(f"    second call:                   n_jobs=1 {second1:6.2f} s  n_jobs=2 "
              f"{second2:6.2f} s  speed-up {second1 / second2:4.2f}x   (fit on 2 images "
              f"before: {fit1:.2f} s / {fit2:.2f} s)")

    for m in mem_sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(m)],
            check=True, capture_output=True, text=True,
        ).stdout.split()
        before, after = map(float, out[-2:])
        print(f"(d) peak RSS with {m:4d} paths: {after:7.1f} MiB "
              f"(RSS before the transform {before:7.1f} MiB: +{after - before:5.1f} MiB)")


if __name__ == "__main__":
    main()
