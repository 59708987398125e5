"""The input pipeline against plain torch, side by side in one run (issue 17).

    python benchmarks/bench_pipeline.py                  # 512 JPEGs (2,048 with CUDA)
    python benchmarks/bench_pipeline.py --n-images 2048 --workers 8
    python benchmarks/bench_pipeline.py --quick          # 48 JPEGs of 128 px (seconds)

The images are generated paintings (``make_paintings``) saved as JPEG at quality
90, 384 px, decoded and resized to 224 px, as in the issue. It prints:

1. **Embedding from JPEG paths**: ``BackboneEmbedding(n_jobs=W, prefetch=2).transform``
   against a plain torch ``DataLoader(num_workers=W, pin_memory=True)`` (Pillow decode
   and resize in worker processes, uint8 batches to the device, the same backbone
   module and the same pooling), and against the device-only limit (the module on
   pre-loaded tensors). On CUDA also with ``decoder="torchvision"`` (nvJPEG).
2. **Overlap**: the same stream feeding a model slowed on purpose (a sleep per batch
   as long as decoding a batch takes): serial (``n_jobs=1, prefetch=0``) the times add
   up; with decode threads ahead they overlap, and the ratio says by how much.
3. **Fine-tuning** ``TransferClassifier(trainable_layers=2)`` from paths: one epoch
   (``partial_fit``, which decodes the files) against one epoch of a plain torch loop
   over the same ``DataLoader``, the network built beforehand for both.
4. **PaintingFeatures** at ``n_jobs`` = 1, 2, 4, 8, 16 (as many as the machine has
   cores): the first ``transform`` after ``fit`` in a fresh interpreter (cold: pools
   started, kernels from numba's cache), as speed-ups over 1.
5. **Decoders**: the torchvision decoder's pixels against Pillow's (mean and largest
   difference in grey levels).

Runs on the CPU anywhere, on CUDA when present (``--device``).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_files(folder, n, side, seed=0):
    import numpy as np
    from PIL import Image

    from skemo.datasets import make_paintings

    images = np.asarray(make_paintings(n_samples=min(n, 256), image_size=side,
                                       random_state=seed).images)
    paths = []
    for i in range(n):
        path = Path(folder) / f"{i:05d}.jpg"
        Image.fromarray(np.roll(images[i % len(images)], i, axis=1)).save(path, quality=90)
        paths.append(str(path))
    return paths


def synced(device):
    import torch

    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def rate(run, n, device):
    synced(device)
    start = time.perf_counter()
    run()
    synced(device)
    seconds = time.perf_counter() - start
    return n / seconds, seconds


class Files:
    """The plain torch side: a map-style data set of JPEG files, decoded by Pillow."""

    def __init__(self, paths, size, labels=None):
        self.paths, self.size, self.labels = paths, size, labels

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        import numpy as np
        import torch
        from PIL import Image

        with Image.open(self.paths[i]) as img:
            img = img.convert("RGB").resize((self.size, self.size), Image.Resampling.BILINEAR)
            x = torch.from_numpy(np.asarray(img).transpose(2, 0, 1).copy())
        return x if self.labels is None else (x, int(self.labels[i]))


def loader(paths, size, batch_size, workers, device, labels=None, shuffle=False):
    import torch

    return torch.utils.data.DataLoader(
        Files(paths, size, labels), batch_size=batch_size, num_workers=workers,
        pin_memory=torch.device(device).type == "cuda", shuffle=shuffle,
        persistent_workers=False)


def embedding(args, paths, results):
    import torch

    from skemo.models import BackboneEmbedding

    device, size, bs, w = args.device, args.image_size, args.batch_size, args.workers
    emb = BackboneEmbedding(args.backbone, weights=None, layers="last", statistics=("mean",),
                            image_size=size, batch_size=bs, n_jobs=w, prefetch=2,
                            device=device, random_state=0).fit()
    module = emb.backbone_

    def plain():
        with torch.no_grad():
            for x in loader(paths, size, bs, w, device):
                x = x.to(device, non_blocking=True).float() / 255
                emb._embed(x).cpu()

    def device_only():
        x = torch.randint(0, 256, (bs, 3, size, size), dtype=torch.uint8, device=device)
        with torch.no_grad():
            for _ in range(0, len(paths), bs):
                emb._embed(x.float() / 255).cpu()

    module.eval()
    emb.transform(paths[:bs])  # warm-up
    n = len(paths)
    runs = {"skemo": lambda: emb.transform(paths), "plain DataLoader": plain,
            "device only": device_only}
    # Interleaved rounds, median of each: on a shared machine one pass moves by ~10 %.
    rates = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, run in runs.items():
            rates[name].append(rate(run, n, device)[0])
    rows = {name: statistics.median(values) for name, values in rates.items()}
    if torch.device(device).type == "cuda":
        nvjpeg = emb.set_params(decoder="torchvision")
        rows["skemo, nvJPEG"] = rate(lambda: nvjpeg.transform(paths), n, device)[0]
    print(f"\n1. embedding {n} JPEG paths ({args.backbone}, {size} px, batch {bs}, "
          f"{w} workers, {device}; median of {args.repeats} interleaved rounds)")
    for name, value in rows.items():
        print(f"   {name:<18s} {value:8.1f} img/s")
    print(f"   skemo / plain DataLoader = {rows['skemo'] / rows['plain DataLoader']:.2f}x "
          f"(target >= {'1.5' if torch.device(device).type == 'cuda' else '1.0'}); "
          f"skemo / device only = {rows['skemo'] / rows['device only']:.1%} of the limit")
    results["embedding"] = rows


def overlap(args, paths, results):
    from skemo.io import stream_images

    size, bs = args.image_size, args.batch_size
    n_batches = -(-len(paths) // bs)
    start = time.perf_counter()
    for _ in stream_images(paths, bs, size, n_jobs=1, prefetch=0, device=None):
        pass
    decode = (time.perf_counter() - start) / n_batches
    runs = {}
    for name, n_jobs, prefetch in [("serial", 1, 0), ("2 threads ahead", 2, 2),
                                   (f"{max(args.workers, 4)} threads ahead",
                                    max(args.workers, 4), 2)]:
        start = time.perf_counter()
        for _ in stream_images(paths, bs, size, n_jobs=n_jobs, prefetch=prefetch, device=None):
            time.sleep(decode)  # a model exactly as slow as decoding its batch
        runs[name] = time.perf_counter() - start
    model = decode * n_batches
    print(f"\n2. overlap: decoding a batch takes {decode * 1000:.0f} ms; a model slowed to the "
          f"same, {n_batches} batches")
    print(f"   decode alone {model:.2f} s, model alone {model:.2f} s, sum {2 * model:.2f} s")
    for name, seconds in runs.items():
        print(f"   {name:<18s} {seconds:6.2f} s   ({2 * model / seconds:.2f}x the serial sum)")
    results["overlap"] = {"decode_s": model, **runs}


def finetune(args, paths, results):
    import numpy as np
    import torch

    from skemo.models import TransferClassifier

    device, size, bs, w = args.device, args.image_size, args.batch_size, args.workers
    n = args.n_tune
    files, y = paths[:n], np.arange(n) % 4
    clf = TransferClassifier(args.backbone, weights=None, trainable_layers=2, image_size=size,
                             hidden_units=64, max_epochs=1, batch_size=bs, n_jobs=w,
                             device=device, random_state=0)
    clf.fit(files[:bs], y[:bs])  # builds the network: timed apart from the epochs
    skemo_rate = rate(lambda: clf.partial_fit(files, y), n, device)[0]
    module = clf.module_.train()
    optimizer = torch.optim.Adam([p for p in module.parameters() if p.requires_grad], lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def plain():
        for x, target in loader(files, size, bs, w, device, labels=y, shuffle=True):
            x = x.to(device, non_blocking=True).float() / 255
            optimizer.zero_grad()
            loss_fn(module(x), target.to(device)).backward()
            optimizer.step()

    plain_rate = rate(plain, n, device)[0]
    print(f"\n3. fine-tuning TransferClassifier(trainable_layers=2) on {n} paths: one epoch of "
          f"partial_fit, the network built, the files decoded in it")
    print(f"   skemo {skemo_rate:8.1f} img/s   plain torch loop {plain_rate:8.1f} img/s   "
          f"ratio {skemo_rate / plain_rate:.2f}x (target >= 1.0)")
    results["finetune"] = {"skemo": skemo_rate, "plain": plain_rate}


def time_features(listing, n_jobs):
    """Seconds of the first ``transform`` after ``fit`` (cold), then of the same call (warm).

    Imports skemo itself, so that in a fresh interpreter the first call is cold.
    """
    from skemo.features import PaintingFeatures

    paths = json.loads(Path(listing).read_text())
    features = PaintingFeatures(n_jobs=n_jobs, random_state=0).fit(paths[:1])
    seconds = []
    for _ in range(2):
        start = time.perf_counter()
        features.transform(paths)
        seconds.append(time.perf_counter() - start)
    return seconds


# A fresh interpreter runs time_features (this module imports nothing heavy at the top).
_COLD = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); "
         "from bench_pipeline import time_features; "
         "print(*time_features(sys.argv[1], int(sys.argv[2])))")


def features(args, paths, results):
    from joblib import cpu_count

    counts = [k for k in (1, 2, 4, 8, 16) if k <= max(cpu_count(), 1)]
    listing = Path(args.folder) / "paths.json"
    listing.write_text(json.dumps(paths[:args.n_features]))
    cold, warm = {}, {}
    for k in counts:
        if args.quick:  # in this interpreter: the part runs, without two fresh start-ups
            cold[k], warm[k] = time_features(listing, k)
            continue
        done = subprocess.run([sys.executable, "-c", _COLD, str(listing), str(k)],
                              capture_output=True, text=True, check=True,
                              env={**os.environ, "OMP_NUM_THREADS": "1"})
        cold[k], warm[k] = map(float, done.stdout.strip().splitlines()[-1].split())
    n = args.n_features
    print(f"\n4. PaintingFeatures on {n} paths: the first transform in a fresh interpreter, "
          "after fit (cold), then the same call again (warm)")
    for k in counts:
        target = {2: "   (target >= 1.8x cold)", 16: "   (target >= 10x)"}.get(k, "")
        print(f"   n_jobs={k:<3d} cold {n / cold[k]:7.1f} img/s {cold[1] / cold[k]:5.2f}x   "
              f"warm {n / warm[k]:7.1f} img/s {warm[1] / warm[k]:5.2f}x{target}")
    results["features"] = {k: {"cold": n / cold[k], "warm": n / warm[k]} for k in counts}


def decoders(args, paths, results):
    import warnings

    import numpy as np

    from skemo.io import load_images, stream_images
    from skemo.io._torch_decode import pixel_difference

    sample, size = paths[:args.batch_size], args.image_size
    expected = load_images(sample, size=size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torchvision 0.29's notice
        got = np.concatenate([b.images.cpu().numpy() for b in stream_images(
            sample, 16, size, decoder="torchvision", device=args.device)]).transpose(0, 2, 3, 1)
    mean, largest = pixel_difference(got, expected)
    print(f"\n5. decoder='torchvision' ({args.device}) against Pillow on {len(sample)} JPEGs: "
          f"mean {mean:.3f}, largest {largest:.0f} grey levels (stated tolerance 1 and 16)")
    results["decoder"] = {"mean": mean, "max": largest}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=None,
                        help="JPEG files (default 512 on the CPU, 2,048 on CUDA)")
    parser.add_argument("--side", type=int, default=384, help="side of the JPEG files")
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--backbone", default="efficientnet_lite0")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--workers", type=int, default=None,
                        help="decode workers, both sides (default: the cores, at most 8)")
    parser.add_argument("--n-tune", type=int, default=None, help="images to fine-tune on")
    parser.add_argument("--n-features", type=int, default=256)
    parser.add_argument("--device", default=None, help="default: cuda when present")
    parser.add_argument("--json", default=None, help="also write the figures here")
    parser.add_argument("--repeats", type=int, default=3,
                        help="interleaved rounds of the embedding comparison (median)")
    parser.add_argument("--quick", action="store_true", help="48 files of 128 px, 64 px input")
    args = parser.parse_args(argv)

    import torch
    from joblib import cpu_count

    args.device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    cuda = torch.device(args.device).type == "cuda"
    args.workers = args.workers or min(cpu_count(), 8)
    if args.quick:
        args.n_images, args.side, args.image_size, args.batch_size = 48, 128, 64, 16
        args.n_tune, args.n_features, args.backbone = 32, 32, "resnet18"
        args.repeats = 1
    args.n_images = args.n_images or (2048 if cuda else 512)
    args.n_tune = args.n_tune or (args.n_images if cuda else 128)
    print(f"bench_pipeline: torch {torch.__version__}, {cpu_count()} cores, device "
          f"{torch.cuda.get_device_name() if cuda else 'cpu'}, {args.workers} workers")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        args.folder = folder
        start = time.perf_counter()
        paths = make_files(folder, args.n_images, args.side)
        print(f"{len(paths)} JPEG paintings of {args.side} px, quality 90, written in "
              f"{time.perf_counter() - start:.1f} s")
        for part in (embedding, overlap, finetune, features, decoders):
            part(args, paths, results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
