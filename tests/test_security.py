"""Hostile input (issue 15): crafted model files, special and odd input files, unsafe outputs.

A ``.skemo`` file, an image file and a path may come from a stranger. Each test
here is an attack tried against skemo; the crafted files are built in
``_attacks.py``. The contract they check:

- a model file sets only what its class declares, through the class's own
  validation; no file makes skemo run code, compile, read or write other paths,
  or start more workers than the machine has cores;
- every member is read with hard limits on the bytes actually produced, and
  networks are shaped on the ``meta`` device against the weights before any
  memory is allocated;
- every failure of ``load_model`` is one ``ValueError`` naming the file;
- only regular files are read, any decoder failure is that file's error row,
  and ``-o`` never replaces an input, a directory or a special file.
"""

import json
import os
import resource
import signal
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image
from sklearn.linear_model import LogisticRegressionCV
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler

import _attacks as attack
from _fuzz_corpus import case_guard
from skemo.cli import main
from skemo.features import BrightnessFeatures, PaintingFeatures
from skemo.gan import DCGAN
from skemo.io import load_model, save_model
from skemo.models import CVFC, ShallNet

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 3))
Y = np.array(["calm", "tense"] * 8)
IMAGES = RNG.integers(0, 256, (8, 16, 16, 3), dtype=np.uint8)
CORES = joblib.cpu_count()


@pytest.fixture(scope="module")
def cvfc_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cvfc") / "cvfc.skemo"
    save_model(CVFC(max_epochs=1, hidden_units=4, random_state=0).fit(X, Y), path)
    return path


@pytest.fixture(scope="module")
def union_file(tmp_path_factory):
    """A pipeline of a feature union and a LogisticRegressionCV, on images."""
    union = FeatureUnion([("a", BrightnessFeatures()), ("b", BrightnessFeatures())])
    model = Pipeline([("feat", union), ("scale", StandardScaler()),
                      ("clf", LogisticRegressionCV(Cs=2, cv=2))])
    path = tmp_path_factory.mktemp("union") / "union.skemo"
    save_model(model.fit(IMAGES, Y[:8]), path)
    return path


def _write(tmp_path, data, name="evil.skemo"):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else attack.zip_of(data))
    return path


def _refused(path, *needles, **kwargs):
    """load_model refuses ``path`` with one ValueError naming the file and every needle."""
    with pytest.raises(ValueError) as info:
        load_model(path, **kwargs)
    message = str(info.value)
    assert type(info.value) is ValueError, type(info.value)
    assert str(path) in message, message
    for needle in needles:
        assert needle in message, message
    return message


def _estimator_node(params):
    return params["estimator"]


def _cvfc_state(edit):
    return lambda params: edit(_estimator_node(params)["state"])


def _cvfc_params(edit):
    return lambda params: edit(_estimator_node(params)["params"])


# -- no code runs: what a file may set ----------------------------------------------------------
COMPILE_OPTIONS = {"$": "dict", "items": [
    ["compile", True], ["compile__backend", "inductor"],
    ["compile__options", {"$": "dict", "items": [
        ["cpp.cxx", {"$": "tuple", "items": ["sh", "-c", "touch /tmp/skemo-pwned #"]}]]}]]}


@pytest.mark.parametrize("key, value", [
    ("_skorch_kwargs", COMPILE_OPTIONS),       # torch.compile runs the compiler it names
    ("_net_class", {"$": "class", "name": "torch.optim.SGD"}),
    ("_union_image_size", {"$": "tuple", "items": [16, 16]}),  # private even where legacy
    ("predict_proba_cache_", 1),                # public, but no fitted attribute of CVFC
    ("classes_", {"$": "class", "name": "torch.optim.SGD"}),   # declared, of the wrong type
])
def test_a_file_sets_only_the_fitted_attributes_its_class_declares(cvfc_file, tmp_path,
                                                                   key, value):
    members = attack.edited(attack.members_of(cvfc_file),
                            _cvfc_state(lambda state: state.__setitem__(key, value)))
    _refused(_write(tmp_path, members), key)


@pytest.mark.parametrize("key, value, needle", [
    ("checkpoint_dir", {"$": "path", "value": "/tmp/elsewhere"}, "checkpoint_dir"),
    ("callbacks", ["print_log"], "callbacks"),
    ("compile", True, "compile"),
    ("compile__mode", "max-autotune", "compile"),
    ("callbacks__print_log__sink", "print", "callbacks__print_log__sink"),
    ("dataset__length", 3, "dataset__length"),
    ("iterator_valid__multiprocessing_context", "fork", "iterator_valid__multiprocessing_context"),
    ("module__hidden_units", {"$": "class", "name": "skemo.models.CVFC"}, "module__hidden_units"),
    ("verbose", [0] * 5, "verbose"),            # the class's own validation runs
    ("lr", {"$": "estimator", "class": "sklearn.preprocessing.StandardScaler",
            "params": {}, "state": {}}, "lr"),
])
def test_options_that_reach_compilers_paths_or_callbacks_are_refused(cvfc_file, tmp_path,
                                                                     key, value, needle):
    members = attack.edited(attack.members_of(cvfc_file),
                            _cvfc_params(lambda params: params.__setitem__(key, value)))
    _refused(_write(tmp_path, members), needle)


def test_a_pipeline_memory_folder_is_refused(union_file, tmp_path):
    members = attack.edited(attack.members_of(union_file), lambda params: _estimator_node(
        params)["params"].__setitem__("memory", "/tmp/skemo-cache"))
    _refused(_write(tmp_path, members), "memory")


def test_a_class_given_where_a_function_belongs_is_refused(tmp_path):
    from sklearn.preprocessing import FunctionTransformer

    path = tmp_path / "f.skemo"
    save_model(FunctionTransformer().fit(X), path)
    members = attack.edited(attack.members_of(path), lambda params: _estimator_node(
        params)["params"].__setitem__("func", {"$": "class", "name": "skemo.gan.DCGAN"}))
    _refused(_write(tmp_path, members), "func")


def test_worker_counts_are_clamped_to_the_cores(union_file, cvfc_file, tmp_path):
    def many_jobs(params):
        steps = _estimator_node(params)["params"]["steps"]
        union, clf = steps[0]["items"][1], steps[2]["items"][1]
        union["params"]["n_jobs"] = 5000
        union["params"]["transformer_list"][0]["items"][1]["params"]["n_jobs"] = 5000
        clf["params"]["n_jobs"] = 5000

    model = load_model(_write(tmp_path, attack.edited(attack.members_of(union_file), many_jobs)))
    union, clf = model[0], model[-1]
    assert union.n_jobs == CORES and clf.n_jobs == CORES
    assert union.transformer_list[0][1].n_jobs == CORES
    members = attack.edited(attack.members_of(cvfc_file), _cvfc_params(
        lambda params: params.__setitem__("iterator_valid__num_workers", 5000)))
    loaded = load_model(_write(tmp_path, members, "workers.skemo"))
    assert loaded.get_params()["iterator_valid__num_workers"] == CORES


@pytest.mark.parametrize("device", ["xla", "hpu", "privateuseone", "mtia", "xpu", "lazy",
                                    "meta", "cuda:abc", "vulkan"])
def test_device_names_other_than_cpu_cuda_mps_are_refused(cvfc_file, tmp_path, device):
    members = attack.edited(attack.members_of(cvfc_file),
                            _cvfc_params(lambda params: params.__setitem__("device", device)))
    _refused(_write(tmp_path, members), "device", repr(device))


def test_a_cuda_model_loads_on_the_cpu_where_cuda_is_absent(cvfc_file, tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    members = attack.edited(attack.members_of(cvfc_file),
                            _cvfc_params(lambda params: params.__setitem__("device", "cuda")))
    with pytest.warns(UserWarning, match="CUDA.*cpu"):
        model = load_model(_write(tmp_path, members))
    assert model.device == "cpu"
    np.testing.assert_array_equal(model.predict_proba(X), load_model(cvfc_file).predict_proba(X))


# -- bounded resources --------------------------------------------------------------------------
def _peak_python_bytes(func):
    """Run ``func`` (which must raise ValueError); the peak of traced allocations."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as info:
            func()
        return tracemalloc.get_traced_memory()[1], str(info.value)
    finally:
        tracemalloc.stop()


def _valid_members(cvfc_file):
    members = attack.members_of(cvfc_file)
    return [(name, attack.STORED, raw, len(raw)) for name, raw in members.items()]


@pytest.mark.parametrize("member, method, raw, size, needle", [
    # 3 GiB of zeros in 2,289 bytes: refused by its compression method, never inflated.
    ("weights.safetensors", attack.BZIP2, attack.BZIP2_3GIB_ZEROS, 3 * 2**30, "bzip2"),
    # 1.5 GiB of zeros that the header declares: over the weights limit.
    ("weights.safetensors", attack.DEFLATED, attack.deflate_zeros(1536), 1536 * 2**20,
     "weights_bytes"),
    # 300 MiB of zeros behind a header that claims 100 bytes.
    ("arrays.safetensors", attack.DEFLATED, attack.deflate_zeros(300), 100, "arrays.safetensors"),
    ("params.json", attack.DEFLATED, attack.deflate_zeros(100), 100 * 2**20, "json_bytes"),
])
def test_decompression_bombs_are_refused_without_inflating(cvfc_file, tmp_path, member,
                                                           method, raw, size, needle):
    entries = [e if e[0] != member else (member, method, raw, size)
               for e in _valid_members(cvfc_file)]
    path = _write(tmp_path, attack.raw_zip(entries))
    start = time.perf_counter()
    peak, message = _peak_python_bytes(lambda: load_model(path))
    assert str(path) in message and needle in message, message
    assert peak < 64 * 2**20, f"{peak / 2**20:.0f} MiB traced while refusing"
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize("edit, node, needle", [
    (_cvfc_state, {"$": "text_array", "dtype": "<U500000000", "shape": [1], "items": ["a"]},
     "string_width"),
    (_cvfc_params, {"$": "scalar", "dtype": "<U500000000", "value": "a"}, "string_width"),
    (_cvfc_state, {"$": "text_array", "dtype": "<U1", "shape": [10**6, 10**6], "items": ["a"]},
     "shape"),
])
def test_wide_string_dtypes_and_false_shapes_are_refused(cvfc_file, tmp_path, edit, node,
                                                         needle):
    key = "classes_" if edit is _cvfc_state else "verbose"
    members = attack.edited(attack.members_of(cvfc_file),
                            edit(lambda mapping: mapping.__setitem__(key, node)))
    path = _write(tmp_path, members)
    peak, message = _peak_python_bytes(lambda: load_model(path))
    assert needle in message and str(path) in message, message
    assert peak < 64 * 2**20, f"{peak / 2**20:.0f} MiB traced while refusing"


def test_json_size_values_and_depth_are_limited(cvfc_file, tmp_path):
    members = attack.members_of(cvfc_file)
    numbers = _write(tmp_path, {**members, "params.json": attack.numbers_json(15_000_000)})
    peak, message = _peak_python_bytes(lambda: load_model(numbers))
    assert "json_values" in message and peak < 256 * 2**20, (message, peak)
    deep = _write(tmp_path, {**members, "params.json": attack.nested_json(100_000)}, "deep.skemo")
    _refused(deep, "json_depth")


def test_array_floods_and_repeated_references_are_refused(cvfc_file, tmp_path):
    members = attack.members_of(cvfc_file)
    flood = _write(tmp_path, {**members,
                              "arrays.safetensors": attack.safetensors_of_empty_arrays(1_500_000)})
    _refused(flood, "arrays.safetensors", "array_count")

    def repeat(state):  # one 2-float array, referenced a million times
        state["many_"] = [state["mean_"]] * 1_000_000

    _refused(_write(tmp_path, attack.edited(members, _cvfc_state(repeat)), "refs.skemo"))

    def twice(state):
        state["scale_"] = dict(state["mean_"])

    _refused(_write(tmp_path, attack.edited(members, _cvfc_state(twice)), "twice.skemo"),
             "more than once")


@pytest.mark.parametrize("edit, needle", [
    (_cvfc_params(lambda p: p.__setitem__("hidden_units", 2**35)), "net_.module_"),
    (_cvfc_state(lambda s: s.__setitem__("n_features_in_", 2**35)), "n_features_in_"),
])
def test_networks_are_shaped_on_the_meta_device_before_memory_is_allocated(
        cvfc_file, tmp_path, edit, needle):
    path = _write(tmp_path, attack.edited(attack.members_of(cvfc_file), edit))
    start = time.perf_counter()
    message = _refused(path, needle)
    assert "allocate" not in message, message  # refused by shape, not by a failed allocation
    assert time.perf_counter() - start < 10


def test_gan_and_image_sizes_are_bounded(tmp_path):
    gan_path = tmp_path / "gan.skemo"
    save_model(DCGAN(image_size=16, latent_dim=4, max_epochs=1, batch_size=8,
                     random_state=0).fit(IMAGES), gan_path)
    members = attack.edited(attack.members_of(gan_path), lambda params: _estimator_node(
        params)["params"].__setitem__("latent_dim", 2**36))
    assert "allocate" not in _refused(_write(tmp_path, members), "net_.module_")
    shallnet = tmp_path / "shallnet.skemo"
    save_model(ShallNet(max_epochs=1, random_state=0).fit(IMAGES.repeat(2, 1).repeat(2, 2),
                                                          Y[:8]), shallnet)
    members = attack.edited(attack.members_of(shallnet), lambda params: _estimator_node(
        params)["state"].__setitem__("image_size_", {"$": "tuple", "items": [10**6, 10**6]}))
    _refused(_write(tmp_path, members, "side.skemo"), "image_size_", "image_side")
    features = tmp_path / "features.skemo"
    save_model(PaintingFeatures(image_size=16, random_state=0).fit(IMAGES), features)
    members = attack.edited(attack.members_of(features), lambda params: _estimator_node(
        params)["params"].__setitem__("image_size", 10**6))
    _refused(_write(tmp_path, members, "features.skemo"), "image_size", "image_side")


def test_limits_can_be_raised_for_a_trusted_file(cvfc_file, tmp_path):
    from skemo.model_file import ModelFileLimits

    _refused(cvfc_file, "weights_bytes", limits=ModelFileLimits(weights_bytes=64))
    assert load_model(cvfc_file, limits=ModelFileLimits(weights_bytes=2**20)).classes_.size == 2


# -- one error type -----------------------------------------------------------------------------
@pytest.mark.parametrize("error", [MemoryError, RecursionError, ImportError,
                                   ModuleNotFoundError, AssertionError, RuntimeError,
                                   NotImplementedError, OverflowError])
def test_every_failure_inside_load_model_is_a_value_error_naming_the_file(
        cvfc_file, monkeypatch, error):
    def fail(*args, **kwargs):
        raise error("injected")

    monkeypatch.setattr(torch.nn.Module, "load_state_dict", fail)
    _refused(cvfc_file)


def test_keyboard_interrupt_stays_what_it_is(cvfc_file, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(torch.nn.Module, "load_state_dict", interrupt)
    with pytest.raises(KeyboardInterrupt):
        load_model(cvfc_file)


# -- inputs: only regular files, any decoder failure is one error row -------------------------
@pytest.fixture
def images_dir(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(2):
        Image.fromarray(IMAGES[k]).save(folder / f"{k}.png")
    return folder


def _cli(argv, timeout=120, preexec_fn=None):
    """``python -m skemo ARGV`` in a subprocess: (status, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "skemo", *map(str, argv)], capture_output=True,
                          text=True, timeout=timeout, preexec_fn=preexec_fn,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    return proc.returncode, proc.stdout, proc.stderr


def _dds_not_implemented():
    """A DDS header (any file name) whose pixel format Pillow raises NotImplementedError for."""
    import struct

    header = (struct.pack("<6I", 0x1007, 4, 4, 0, 0, 0) + bytes(44)
              + struct.pack("<4I", 32, 0x4, 0x31313131, 0) + bytes(36))
    return b"DDS " + struct.pack("<I", 124) + header + bytes(64)


def test_a_fifo_and_a_device_are_error_rows_not_hangs(images_dir, tmp_path):
    fifo = images_dir / "fifo.png"
    os.mkfifo(fifo)
    out = tmp_path / "features.csv"
    status, _, err = _cli(["features", images_dir / "0.png", fifo, "/dev/zero",
                           images_dir / "1.png", "--image-size", 16, "-o", out], timeout=60)
    assert status == 0, err
    frame = pd.read_csv(out, keep_default_na=False)
    assert frame["path"].tolist() == [str(images_dir / "0.png"), str(fifo), "/dev/zero",
                                      str(images_dir / "1.png")]
    assert [("not a regular file" in e) for e in frame["error"]] == [False, True, True, False]


def test_a_fifo_in_a_folder_is_an_error_row(images_dir):
    from skemo.io import load_images
    from skemo.io._load import read_chunk

    os.mkfifo(images_dir / "fifo.png")
    with case_guard(20), pytest.raises(ValueError, match="fifo.png.*not a regular file"):
        load_images([images_dir / "fifo.png"])
    with case_guard(20):
        images, ok, errors = read_chunk([images_dir / "0.png", images_dir / "fifo.png"], 16)
    assert ok == [0] and "not a regular file" in errors[1]


def test_any_decoder_exception_is_that_files_error_row(images_dir, tmp_path):
    (images_dir / "texture.png").write_bytes(_dds_not_implemented())
    out = tmp_path / "features.csv"
    status, _, err = _cli(["features", images_dir, "--image-size", 16, "-o", out])
    assert status == 0, err
    frame = pd.read_csv(out, keep_default_na=False)
    assert len(frame) == 3
    bad = frame[frame["path"].str.endswith("texture.png")]
    assert "Unimplemented pixel format" in bad["error"].iloc[0]
    assert (frame["error"] == "").sum() == 2


def test_non_utf8_file_names_keep_their_rows(images_dir, tmp_path):
    raw = os.fsencode(images_dir) + b"/caf\xe9.png"
    with open(raw, "wb") as f:
        Image.fromarray(IMAGES[2]).save(f, "PNG")
    out = tmp_path / "features.csv"
    status, _, err = _cli(["features", images_dir, "--image-size", 16, "-o", out])
    assert status == 0, err
    frame = pd.read_csv(out, keep_default_na=False, encoding_errors="surrogateescape")
    assert len(frame) == 3 and (frame["error"] == "").all()
    assert os.fsdecode(raw) in frame["path"].tolist()
    assert all(Path(p).is_file() for p in frame["path"])  # the path column finds the file


# -- outputs: -o never replaces an input, a directory or a special file ------------------------
def _features_argv(images_dir, out):
    return ["features", images_dir, "--image-size", 16, "-o", out]


def _refused_before_work(argv, monkeypatch, capsys, *needles):
    import skemo.parallel

    def no_work(*args, **kwargs):
        raise AssertionError("work started before -o was checked")

    monkeypatch.setattr(skemo.parallel, "map_images", no_work)
    status = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err


def test_output_naming_an_input_is_refused_and_the_input_kept(images_dir, monkeypatch, capsys):
    image = images_dir / "0.png"
    before = image.read_bytes()
    _refused_before_work(_features_argv(images_dir, image), monkeypatch, capsys, "-o", "input")
    assert image.read_bytes() == before
    link = images_dir.parent / "link.csv"
    link.symlink_to(image)
    _refused_before_work(_features_argv(images_dir, link), monkeypatch, capsys, "-o", "input")
    assert image.read_bytes() == before


@pytest.mark.parametrize("kind", ["directory", "fifo", "device"])
def test_output_naming_a_directory_fifo_or_device_is_refused(images_dir, tmp_path, monkeypatch,
                                                             capsys, kind):
    target = tmp_path / kind
    if kind == "directory":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target = Path("/dev/null")
    needle = {"directory": "a directory", "fifo": "a FIFO", "device": "a character device"}
    _refused_before_work(_features_argv(images_dir, target), monkeypatch, capsys, "-o",
                         needle[kind])
    assert kind != "fifo" or target.is_fifo()


def test_output_through_a_symlink_writes_its_target(images_dir, tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert main([str(a) for a in _features_argv(images_dir, link)]) == 0
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert pd.read_csv(target)["path"].tolist() == sorted(str(p) for p in images_dir.iterdir())


def test_new_files_get_the_mode_of_a_plain_open_under_the_umask(images_dir, tmp_path):
    old = os.umask(0o027)
    try:
        assert main([str(a) for a in _features_argv(images_dir, tmp_path / "a.csv")]) == 0
        with open(tmp_path / "plain", "w"):
            pass
    finally:
        os.umask(old)
    assert (tmp_path / "a.csv").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "plain").stat().st_mode & 0o777 == 0o640
    (tmp_path / "a.csv").chmod(0o604)  # replacing a file keeps its mode, as open("w") does
    assert main([str(a) for a in _features_argv(images_dir, tmp_path / "a.csv")]) == 0
    assert (tmp_path / "a.csv").stat().st_mode & 0o777 == 0o604


def _file_size_limit(n_bytes):
    def limit():  # in the child: writes past n_bytes fail with EFBIG, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (n_bytes, n_bytes))
    return limit


def test_a_full_disk_is_one_line_the_old_file_kept_and_no_temporary_left(images_dir, tmp_path):
    out = tmp_path / "features.csv"
    out.write_text("old content\n")
    status, _, err = _cli(_features_argv(images_dir, out), preexec_fn=_file_size_limit(100))
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert str(out) in err
    assert out.read_text() == "old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["features.csv", "in"]


# -- big numbers on the command line ------------------------------------------------------------
@pytest.fixture(scope="module")
def gan_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("gan") / "gan.skemo"
    save_model(DCGAN(image_size=16, latent_dim=4, max_epochs=1, batch_size=8,
                     random_state=0).fit(IMAGES), path)
    return path


@pytest.mark.parametrize("argv, option", [
    (["gan", "sample", "--model", "{gan}", "-n", 100_000_000, "-o", "{out}/grid.png"], "-n"),
    (["features", "{images}", "--image-size", 10**9, "-o", "{out}/f.csv"], "--image-size"),
    (["gan", "train", "--data", "synthetic:1000000000", "--arch", "dcgan", "-o", "{out}/g.skemo"],
     "--data"),
])
def test_sizes_typed_on_the_command_line_are_bounded(gan_file, images_dir, tmp_path, capsys,
                                                     argv, option):
    argv = [str(a).format(gan=gan_file, out=tmp_path, images=images_dir) for a in argv]
    start = time.perf_counter()
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1, err
    assert option in err, err
    assert time.perf_counter() - start < 30


def test_huge_top_ncols_and_n_jobs_are_harmless(gan_file, images_dir, tmp_path, capsys):
    status = main(["gan", "sample", "--model", str(gan_file), "-n", "4", "--ncols", str(10**9),
                   "-o", str(tmp_path / "g.png")])
    assert status == 0, capsys.readouterr().err
    assert Image.open(tmp_path / "g.png").size == (4 * 18 + 2, 18 + 2)  # one row of four
    model = tmp_path / "cvfc.skemo"
    pipe = Pipeline([("feat", PaintingFeatures(image_size=16, random_state=0)),
                     ("clf", CVFC(max_epochs=1, random_state=0))])
    save_model(pipe.fit(IMAGES, Y[:8]), model)
    status = main(["predict", "--model", str(model), str(images_dir), "--top", str(10**30),
                   "--n-jobs", str(10**6), "-o", str(tmp_path / "p.csv")])
    assert status == 0, capsys.readouterr().err
    assert len(pd.read_csv(tmp_path / "p.csv")) == 2
