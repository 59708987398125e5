"""GPU paths: ``device="cuda"`` predicts as on CPU, mixed precision trains without NaN.

Every test is marked ``cuda`` and skipped without a CUDA device.
"""

import numpy as np
import pytest
import torch

from skemo.gan import DCGAN
from skemo.models import CVFC, ShallNet, TransferClassifier

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]

ATOL = 1e-4


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(16, 32, 32, 3), dtype=np.uint8)
    return X, np.array(["calm", "tense"] * 8)


def on_both(make, X, y):
    """The estimator fitted on CPU, and the same weights moved to CUDA."""
    cpu = make("cpu").fit(X, y)
    gpu = make("cuda").fit(X, y)
    # Training itself may differ by float rounding across devices: compare
    # inference on one set of weights.
    gpu.net_.module_.load_state_dict(cpu.net_.module_.state_dict())
    return cpu, gpu


def test_cvfc_cuda_predicts_as_cpu():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 6)), np.array(["a", "b"] * 20)
    cpu, gpu = on_both(lambda d: CVFC(max_epochs=3, random_state=0, device=d), X, y)
    assert next(gpu.module_.parameters()).is_cuda
    np.testing.assert_allclose(gpu.predict_proba(X), cpu.predict_proba(X), atol=ATOL)


def test_shallnet_cuda_predicts_as_cpu(images):
    X, y = images
    cpu, gpu = on_both(lambda d: ShallNet(max_epochs=2, batch_size=8, random_state=0,
                                          device=d), X, y)
    np.testing.assert_allclose(gpu.predict_proba(X), cpu.predict_proba(X), atol=ATOL)


def test_transfer_cuda_predicts_as_cpu(images):
    X, y = images
    cpu, gpu = on_both(lambda d: TransferClassifier(
        "resnet18", weights=None, image_size=32, hidden_units=8, max_epochs=2,
        random_state=0, device=d), X, y)
    np.testing.assert_allclose(gpu.predict_proba(X), cpu.predict_proba(X), atol=ATOL)


def test_dcgan_cuda_samples_as_cpu(images):
    X, _ = images
    cpu = DCGAN(image_size=32, max_epochs=1, batch_size=8, random_state=0).fit(X)
    gpu = DCGAN(image_size=32, max_epochs=1, batch_size=8, random_state=0, device="cuda").fit(X)
    gpu.net_.module_.load_state_dict(cpu.net_.module_.state_dict())
    # The latent vectors come from a CUDA generator on the GPU: draw them on
    # CPU for both and compare the generator's images.
    z = torch.randn(6, cpu.latent_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        a = cpu.net_.module_.eval()(z)
        b = gpu.net_.module_.eval()(z.cuda()).cpu()
    np.testing.assert_allclose(b.numpy(), a.numpy(), atol=ATOL)
    assert gpu.sample(4, random_state=0).shape == (4, 32, 32, 3)


@pytest.mark.parametrize("precision", ["bf16", "16"])
def test_mixed_precision_trains_without_nan(images, precision):
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bfloat16")
    X, y = images
    clf = ShallNet(max_epochs=2, batch_size=8, random_state=0, device="cuda",
                   precision=precision).fit(X, y)
    assert np.isfinite(clf.history_[:, "train_loss"]).all()
    assert np.isfinite(clf.predict_proba(X)).all()
    gan = DCGAN(image_size=32, max_epochs=2, batch_size=8, random_state=0, device="cuda",
                precision=precision).fit(X)
    assert np.isfinite(gan.history_[:, "d_loss"]).all()
    assert np.isfinite(gan.history_[:, "g_loss"]).all()
    assert gan.sample(2, random_state=0).dtype == np.uint8


def test_checkpoint_resume_on_cuda(images, tmp_path):
    X, y = images
    params = dict(max_epochs=3, batch_size=8, random_state=0, device="cuda")
    straight = ShallNet(**params).fit(X, y)
    ShallNet(**{**params, "max_epochs": 1}, checkpoint_dir=tmp_path).fit(X, y)
    resumed = ShallNet(**params, checkpoint_dir=tmp_path, resume=True).fit(X, y)
    # cuDNN kernels may be non-deterministic: equal within float rounding.
    np.testing.assert_allclose(resumed.predict_proba(X), straight.predict_proba(X), atol=1e-4)


@pytest.fixture(scope="module")
def jpeg_files(tmp_path_factory):
    from PIL import Image

    from skemo.datasets import make_paintings

    root = tmp_path_factory.mktemp("jpegs")
    images = np.asarray(make_paintings(n_samples=24, image_size=384, random_state=0).images)
    paths = []
    for i, image in enumerate(images):
        paths.append(str(root / f"{i:02d}.jpg"))
        Image.fromarray(image).save(paths[-1], quality=90)
    return paths


def test_the_pipeline_delivers_bytes_to_cuda_as_the_cpu_reads_them(jpeg_files):
    from skemo.io import stream_images

    cpu = torch.cat([b.images for b in stream_images(jpeg_files, 8, 64, n_jobs=4)])
    gpu = torch.cat([b.images.cpu() for b in stream_images(jpeg_files, 8, 64, n_jobs=4,
                                                           device="cuda")])
    torch.testing.assert_close(gpu, cpu, rtol=0, atol=1e-7)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_nvjpeg_stays_within_the_stated_tolerance_of_pillow(jpeg_files):
    """The tolerance the user guide states for decoder="torchvision": a mean of at most 1
    grey level and a largest difference of at most 16, as on the CPU."""
    from skemo.io import load_images, stream_images
    from skemo.io._torch_decode import pixel_difference

    for size in (64, 224):
        got = torch.cat([b.images.cpu() for b in stream_images(
            jpeg_files, 8, size, decoder="torchvision", device="cuda")])
        mean, largest = pixel_difference(got.numpy().transpose(0, 2, 3, 1),
                                         load_images(jpeg_files, size=size))
        assert mean <= 1.0 and largest <= 16, (size, mean, largest)
