"""skemo on a Dask cluster: the same numbers as a local run, and map_images survives a lost worker.

One 2-worker LocalCluster (processes, one thread each, loopback only) serves the
whole module. The tests marked ``dask`` skip only when ``distributed`` is not
installed (``make test`` installs it: the ``dask`` extra); the first ones check
``map_images`` without Dask.
"""

import contextlib
import os
import time

import numpy as np
import pytest
from joblib import parallel_backend
from PIL import Image

from skemo.datasets import make_paintings
from skemo.features import PaintingFeatures
from skemo.parallel import map_images

SIZE = 32
CORRUPT = (5, 30, 61)  # positions of the unreadable files among the paths


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
        host="127.0.0.1",
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def paintings():
    return make_paintings(n_samples=64, image_size=SIZE, random_state=0, return_X_y=True)


@pytest.fixture(scope="module")
def files(paintings, tmp_path_factory):
    """The 64 paintings as PNGs, and the same list with three corrupt files put in."""
    folder = tmp_path_factory.mktemp("paintings")
    good = []
    for i, image in enumerate(paintings[0]):
        path = folder / f"painting{i:02d}.png"
        Image.fromarray(np.asarray(image)).save(path)
        good.append(str(path))
    mixed = list(good)
    for position in CORRUPT:
        path = folder / f"corrupt{position:02d}.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
        mixed.insert(position, str(path))
    return good, mixed


def get_task_stream(client):
    from distributed import get_task_stream

    return get_task_stream(client)


def _features():
    return PaintingFeatures(image_size=SIZE, random_state=0).set_params(texture__image_size=SIZE)


def _matrix(rows, width):
    return np.vstack([np.full(width, np.nan) if row is None else row for _, row, _ in rows])


class _SlowFunc:
    """``transform`` of a fitted transformer that takes a while per chunk and
    appends a line to ``log`` each time it starts (so re-runs can be counted)."""

    def __init__(self, transformer, log, delay):
        self.transformer, self.log, self.delay = transformer, log, delay

    def __call__(self, images):
        with open(self.log, "a") as f:
            f.write(f"{len(images)}\n")
        time.sleep(self.delay)
        return self.transformer.transform(images)


# --- map_images without Dask -----------------------------------------------------------
def _mean_rgb(images):
    return images.mean(axis=(1, 2))


def test_map_images_isolates_the_image_func_fails_on(files):
    good, _ = files
    bad = np.asarray(Image.open(good[2]), dtype=np.float32) / 255

    def picky(images):
        if any(np.array_equal(image, bad) for image in images):
            raise RuntimeError("no thanks")
        return _mean_rgb(images)

    rows = list(map_images(picky, iter(good[:6]), 4, size=SIZE))
    expected = list(map_images(_mean_rgb, good[:6], 4, size=SIZE))
    assert [path for path, _, _ in rows] == good[:6]
    assert rows[2][1] is None and "RuntimeError: no thanks" in rows[2][2]
    assert good[2] in rows[2][2]
    for i in (0, 1, 3, 4, 5):
        assert rows[i][2] is None
        np.testing.assert_array_equal(rows[i][1], expected[i][1])


def test_map_images_at_native_size_groups_the_shapes(tmp_path):
    paths = []
    for i, shape in enumerate([(8, 8), (6, 10), (8, 8), (6, 10), (5, 5)]):
        paths.append(tmp_path / f"{i}.png")
        Image.new("RGB", shape[::-1], (10 * i, 0, 0)).save(paths[-1])
    calls = []

    def shapes(images):
        calls.append(images.shape)
        return [images.shape[1:3]] * len(images)

    rows = list(map_images(shapes, paths, 4))
    assert [path for path, _, _ in rows] == paths
    assert [tuple(row) for _, row, _ in rows] == [(8, 8), (6, 10), (8, 8), (6, 10), (5, 5)]
    assert sorted(calls) == [(1, 5, 5, 3), (2, 6, 10, 3), (2, 8, 8, 3)]


def test_map_images_refuses_a_func_that_loses_rows(files):
    with pytest.raises(ValueError, match="one row per image: it got 4 images and returned 1 rows"):
        list(map_images(lambda images: images[:1], files[0][:4], 4, size=SIZE))


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"func": None}, "func must be callable"),
    ({"chunk_size": 0}, "chunk_size must be an int >= 1"),
    ({"retries": -1}, "retries must be an int >= 0"),
    ({"max_in_flight": 0}, "max_in_flight must be None or an int >= 1"),
    ({"client": "tcp://127.0.0.1:8786"}, "client must be None or a dask.distributed.Client"),
])
def test_map_images_checks_its_arguments(kwargs, error):
    arguments = {"func": _mean_rgb, "paths": ["a.png"], **kwargs}
    with pytest.raises((TypeError, ValueError), match=error):
        next(map_images(**arguments))


def test_features_under_a_backend_that_cannot_stream_results(files):
    # Ray's joblib backend refuses return_as="generator"; the features then take
    # their chunks' results as one list, unchanged.
    from joblib import register_parallel_backend
    from joblib._parallel_backends import ThreadingBackend

    class ListOnly(ThreadingBackend):
        supports_return_generator = False

    register_parallel_backend("skemo-list-only", ListOnly)
    good, _ = files
    feat = _features().fit(good[:8])
    with parallel_backend("skemo-list-only", n_jobs=2):
        listed = feat.transform(good[:8])
    np.testing.assert_array_equal(listed, feat.transform(good[:8]))


def test_help_and_local_map_images_import_no_dask():
    import subprocess
    import sys

    code = ("import sys\n"
            "from skemo.cli import main\n"
            "try:\n    main(['features', '--help'])\nexcept SystemExit:\n    pass\n"
            "import skemo.parallel\n"
            "print('DASK', any(m.split('.')[0] in ('dask', 'distributed') for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().endswith("DASK False")


# --- on the cluster --------------------------------------------------------------------
@pytest.mark.dask
def test_features_on_the_cluster_equal_the_local_ones_bit_for_bit(client, files):
    good, _ = files
    feat = _features().fit(good)
    local = feat.transform(good)
    with get_task_stream(client) as stream, parallel_backend("dask"):
        remote = feat.transform(good)
    assert len(stream.data) > 0, "the chunks did not run on the cluster"
    np.testing.assert_array_equal(remote, local)

    affective = PaintingFeatures(affective=True, image_size=SIZE, random_state=0)
    affective = affective.set_params(texture__image_size=SIZE).fit(good)
    with parallel_backend("dask"):
        remote = affective.transform(good)
    np.testing.assert_array_equal(remote, affective.transform(good))

    rows = list(map_images(feat.transform, good, 8, client, size=SIZE))
    assert [path for path, _, _ in rows] == good
    assert all(error is None for _, _, error in rows)
    np.testing.assert_array_equal(_matrix(rows, local.shape[1]), local)


@pytest.mark.dask
def test_grid_search_on_the_cluster_equals_the_local_one(client, paintings):
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline

    from skemo.models import CVFC

    X, y = paintings[0][:32], paintings[1][:32]
    pipe = Pipeline([("feat", _features()), ("clf", CVFC(max_epochs=2, random_state=0))])

    def search():
        return GridSearchCV(pipe, {"clf__lr": [0.01, 0.1]}, cv=2)

    local = search().fit(X, y)
    with get_task_stream(client) as stream, parallel_backend("dask"):
        remote = search().fit(X, y)
    assert len(stream.data) > 0, "the search did not run on the cluster"
    for key in ("split0_test_score", "split1_test_score", "mean_test_score", "rank_test_score"):
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(remote.predict(X), local.predict(X))


@pytest.mark.dask
def test_backbone_embedding_cross_validates_on_the_cluster(client, paintings):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline

    from skemo.models import BackboneEmbedding

    X, y = paintings[0][:24], paintings[1][:24]
    model = make_pipeline(
        BackboneEmbedding("resnet18", weights=None, image_size=SIZE, random_state=0),
        LogisticRegression(max_iter=200),
    )
    local = cross_val_score(model, X, y, cv=2)
    with parallel_backend("dask"):
        remote = cross_val_score(model, X, y, cv=2)
    np.testing.assert_array_equal(remote, local)


@pytest.mark.dask
def test_skemo_features_with_a_scheduler_writes_the_local_csv(client, files, tmp_path, capsys):
    from skemo.cli import main

    _, mixed = files
    inputs = mixed[:12]  # one corrupt file among them (position 5)
    local, remote = tmp_path / "local.csv", tmp_path / "remote.csv"
    assert main(["features", *inputs, "-o", str(local), "--image-size", str(SIZE)]) == 0
    address = client.scheduler.address
    assert main(["features", *inputs, "-o", str(remote), "--image-size", str(SIZE),
                 "--scheduler", address]) == 0
    assert remote.read_bytes() == local.read_bytes()
    assert "cannot read image" in remote.read_text()
    assert "11 of 12 images" in capsys.readouterr().err


@pytest.mark.dask
def test_map_images_reads_paths_lazily_within_its_window(client, files):
    good, _ = files
    taken = []

    def paths():
        for path in good:
            taken.append(path)
            yield path

    rows = map_images(_mean_rgb, paths(), 4, client, size=SIZE, max_in_flight=2)
    first = next(rows)
    assert first[0] == good[0] and first[2] is None
    assert len(taken) <= 3 * 4  # two chunks in flight, one more after the first
    rest = list(rows)
    assert [p for p, _, _ in [first, *rest]] == good
    expected = list(map_images(_mean_rgb, good, 4, size=SIZE))
    np.testing.assert_array_equal(_matrix([first, *rest], 3), _matrix(expected, 3))


@pytest.mark.dask
def test_map_images_keeps_order_and_error_rows_when_a_worker_dies(client, files, tmp_path):
    _, mixed = files
    feat = _features().fit(mixed[:1])
    chunk_size = 4
    n_chunks = -(-len(mixed) // chunk_size)

    expected = list(map_images(feat.transform, mixed, chunk_size, size=SIZE))
    log = tmp_path / "calls.txt"
    func = _SlowFunc(feat, str(log), delay=0.4)
    rows, killed = [], None
    for row in map_images(func, mixed, chunk_size, client, size=SIZE, max_in_flight=4):
        rows.append(row)
        if killed is None:
            # Kill a worker that is running a chunk right now.
            busy = [w for w, keys in client.processing().items() if keys]
            killed = busy[0]
            with contextlib.suppress(Exception):
                client.run(os._exit, 1, workers=[killed])
    calls = log.read_text().split()

    assert killed is not None
    assert [path for path, _, _ in rows] == mixed
    errors = {path: error for path, _, error in rows if error is not None}
    assert sorted(errors) == sorted(mixed[i] for i in CORRUPT)
    assert all("cannot read image" in message for message in errors.values())
    assert [e for _, _, e in rows] == [e for _, _, e in expected]
    width = feat.n_features_out_
    np.testing.assert_array_equal(_matrix(rows, width), _matrix(expected, width))
    # The chunk(s) the dead worker held ran again elsewhere.
    reruns = len(calls) - n_chunks
    print(f"\nworker {killed} killed; {len(calls)} calls for {n_chunks} chunks: "
          f"{reruns} re-run")
    assert reruns >= 1
    client.wait_for_workers(2, timeout=60)
