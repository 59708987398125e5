"""Time make_paintings: 400 images of 64 px must take under 2 s.

Run: python benchmarks/bench_make_paintings.py [--quick]

"Cold" includes building the cached Perlin fields and figure masks (the
first call in a process); "warm" is every later call. ``--quick`` times 40
and 60 images, two warm calls, and leaves the 2 s limit unchecked (it is
set for 400 images).
"""

import argparse
import time

from skemo.datasets import make_paintings

LIMIT_S = 2.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 images (seconds); no limit")
    args = parser.parse_args()
    n, n_new, warm_runs = (40, 60, 2) if args.quick else (400, 600, 5)
    t0 = time.perf_counter()
    make_paintings(n_samples=n, image_size=64, random_state=0)
    cold = time.perf_counter() - t0
    warm = []
    for seed in range(1, warm_runs + 1):
        t0 = time.perf_counter()
        make_paintings(n_samples=n, image_size=64, random_state=seed)
        warm.append(time.perf_counter() - t0)
    best, worst = min(warm), max(warm)
    print(f"make_paintings({n}, image_size=64): cold {cold:.3f} s, warm best {best:.3f} s, "
          f"warm worst {worst:.3f} s (limit {LIMIT_S} s for 400)")
    t0 = time.perf_counter()
    make_paintings(n_samples=n_new, image_size=64, n_classes=8, random_state=0)
    print(f"make_paintings({n_new}, image_size=64, n_classes=8), new textures: "
          f"{time.perf_counter() - t0:.3f} s")
    if args.quick:
        print("limit not checked at --quick sizes")
    else:
        print("OK" if cold < LIMIT_S else "TOO SLOW")


if __name__ == "__main__":
    main()
