"""Time make_paintings: 400 images of 64 px must take under 2 s.

Run: python benchmarks/bench_make_paintings.py

"Cold" includes building the cached Perlin fields and figure masks (the
first call in a process); "warm" is every later call.
"""

import time

from skemo.datasets import make_paintings

LIMIT_S = 2.0


def main():
    t0 = time.perf_counter()
    make_paintings(n_samples=400, image_size=64, random_state=0)
    cold = time.perf_counter() - t0
    warm = []
    for seed in range(1, 6):
        t0 = time.perf_counter()
        make_paintings(n_samples=400, image_size=64, random_state=seed)
        warm.append(time.perf_counter() - t0)
    best, worst = min(warm), max(warm)
    print(f"make_paintings(400, image_size=64): cold {cold:.3f} s, warm best {best:.3f} s, "
          f"warm worst {worst:.3f} s (limit {LIMIT_S} s)")
    t0 = time.perf_counter()
    make_paintings(n_samples=600, image_size=64, n_classes=8, random_state=0)
    print(f"make_paintings(600, image_size=64, n_classes=8), new textures: "
          f"{time.perf_counter() - t0:.3f} s")
    print("OK" if cold < LIMIT_S else "TOO SLOW")


if __name__ == "__main__":
    main()
