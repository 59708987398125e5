"""Images per second on a CUDA device: backbone embedding, fine-tuning, DCGAN training.

    python benchmarks/bench_gpu.py [--n-images 512] [--image-size 224] [--precision 32|bf16|16]
    python benchmarks/bench_gpu.py --quick   # 64 images of 64 px, 1 epoch (seconds)

Each stage is timed after one warm-up batch, with ``torch.cuda.synchronize``
around the timed part. Without a CUDA device it prints one line and exits 0.
"""

import argparse
import sys
import time


def timed(run, n_images, device):
    import torch

    torch.cuda.synchronize(device)
    start = time.perf_counter()
    run()
    torch.cuda.synchronize(device)
    seconds = time.perf_counter() - start
    return n_images / seconds, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=512)
    parser.add_argument("--image-size", type=int, default=224, help="backbone input size")
    parser.add_argument("--gan-size", type=int, default=64, help="DCGAN image size")
    parser.add_argument("--backbone", default="resnet18")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--precision", default="32", choices=["32", "bf16", "16"])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--quick", action="store_true",
                        help="64 images of 64 px, DCGAN at 32 px, batch 32, 1 epoch")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_images, args.image_size, args.gan_size = 64, 64, 32
        args.batch_size, args.epochs = 32, 1

    import torch

    if not torch.cuda.is_available():
        print("bench_gpu: no CUDA device available; nothing to benchmark (exit 0).")
        return 0

    import numpy as np

    from skemo.gan import DCGAN
    from skemo.models import BackboneEmbedding, TransferClassifier

    device = torch.device(args.device)
    print(f"device {torch.cuda.get_device_name(device)}, torch {torch.__version__}, "
          f"precision {args.precision}, {args.n_images} images")
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (args.n_images, args.image_size, args.image_size, 3), dtype=np.uint8)
    y = np.arange(args.n_images) % 4
    n, bs = args.n_images, args.batch_size

    embedder = BackboneEmbedding(args.backbone, weights=None, image_size=args.image_size,
                                 batch_size=bs, device=args.device).fit(X[:bs])
    embedder.transform(X[:bs])  # warm-up
    rate, seconds = timed(lambda: embedder.transform(X), n, device)
    print(f"embedding    {args.backbone:<12} {rate:9.1f} images/s ({seconds:.2f} s)")

    def fine_tune():
        TransferClassifier(args.backbone, weights=None, trainable_layers=2,
                           image_size=args.image_size, batch_size=bs, max_epochs=args.epochs,
                           device=args.device, precision=args.precision,
                           random_state=0).fit(X, y)

    TransferClassifier(args.backbone, weights=None, trainable_layers=2,
                       image_size=args.image_size, batch_size=bs, max_epochs=1,
                       device=args.device, precision=args.precision).fit(X[:bs], y[:bs])
    rate, seconds = timed(fine_tune, n * args.epochs, device)
    print(f"fine-tuning  {args.backbone:<12} {rate:9.1f} images/s ({seconds:.2f} s, "
          f"{args.epochs} epochs, last 2 stages trained)")

    small = X[:, :: max(1, args.image_size // args.gan_size), :: max(1, args.image_size // args.gan_size)]

    def gan():
        DCGAN(image_size=args.gan_size, batch_size=bs, max_epochs=args.epochs,
              device=args.device, precision=args.precision, random_state=0).fit(small)

    DCGAN(image_size=args.gan_size, batch_size=bs, max_epochs=1, device=args.device,
          precision=args.precision).fit(small[:bs])
    rate, seconds = timed(gan, n * args.epochs, device)
    print(f"DCGAN        {args.gan_size} px{'':<7} {rate:9.1f} images/s ({seconds:.2f} s, "
          f"{args.epochs} epochs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
