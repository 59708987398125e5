"""The ``skemo`` command line: features, train, predict, explain, gan, errors, fast help."""

import io
import json
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from skemo.cli import main
from skemo.cli._common import CLASSIFIER_NAMES, REGRESSOR_NAMES
from skemo.datasets import make_paintings

N_PER_CLASS = 6


def _save(image, path):
    Image.fromarray(image).save(path)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two classes of 32 px paintings, PNG and JPEG, one subfolder per class."""
    root = tmp_path_factory.mktemp("paintings")
    data = make_paintings(n_samples=4 * N_PER_CLASS, n_classes=2, image_size=32,
                          random_state=0)
    images = (np.asarray(data.images) * 255).round().astype(np.uint8) \
        if np.asarray(data.images).dtype != np.uint8 else np.asarray(data.images)
    for k, name in enumerate(data.target_names[:2]):
        (root / str(name)).mkdir()
        for i, j in enumerate(np.flatnonzero(np.asarray(data.target) == k)[:N_PER_CLASS]):
            _save(images[j], root / str(name) / f"p{i}.{'png' if i % 2 else 'jpg'}")
    return root


@pytest.fixture(scope="module")
def loose(folder, tmp_path_factory):
    """A flat folder: three paintings and a corrupt file."""
    root = tmp_path_factory.mktemp("loose")
    files = sorted(folder.rglob("*.*"))[:3]
    for k, f in enumerate(files):
        (root / f"{k}_{f.name}").write_bytes(f.read_bytes())
    (root / "9_broken.jpg").write_bytes(b"this is no JPEG")
    return root


def run(argv, capsys):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(status, err, *needles):
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]


# --- names and fast help -------------------------------------------------------------

def test_cli_model_names_are_the_factory_names():
    from skemo.evaluation import MODEL_NAMES
    from skemo.evaluation import _factory

    assert CLASSIFIER_NAMES == MODEL_NAMES == _factory.CLASSIFIER_NAMES
    assert REGRESSOR_NAMES == _factory.REGRESSOR_NAMES


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["gan", "--help"],
                                  ["gan", "sample", "--help"], ["features", "--help"]])
def test_help_imports_no_torch(argv):
    code = (
        "import sys\nfrom skemo.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit as e:\n    assert e.code == 0\n"
        "print('TORCH', 'torch' in sys.modules, 'sklearn.base' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "usage: skemo" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "TORCH False False"


def test_python_m_skemo_help_lists_every_command():
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "skemo", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for command in ("features", "train", "predict", "explain", "gan", "compare", "demo"):
        assert command in done.stdout
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
    assert "torch" not in imported and "skorch" not in imported


def test_installed_script_smoke_and_debug(tmp_path):
    script = Path(sys.executable).with_name("skemo")
    if not script.exists():
        pytest.skip("the skemo script is not installed in this environment")
    argv = [str(script), "features", str(tmp_path / "missing"), "-o", str(tmp_path / "f.csv")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    missing = tmp_path / "missing"
    assert done.stderr.strip() == f"skemo features: IMAGES: '{missing}' does not exist."
    debug = subprocess.run([argv[0], "--debug", *argv[1:]], capture_output=True, text=True,
                           timeout=60)
    assert debug.returncode != 0 and "Traceback" in debug.stderr and "CLIError" in debug.stderr


# --- features ------------------------------------------------------------------------

def test_features_keeps_an_error_row_for_an_unreadable_file(loose, tmp_path, capsys):
    from skemo.features import PaintingFeatures

    out = tmp_path / "features.csv"
    status, _, err = run(["features", loose, "-o", out, "--image-size", 32], capsys)
    assert status == 0
    frame = pd.read_csv(out, keep_default_na=False)
    files = sorted(str(p) for p in loose.iterdir())
    assert frame["path"].tolist() == files
    expected = PaintingFeatures(image_size=32, random_state=0).fit(files[:1])
    names = list(expected.get_feature_names_out())
    assert list(frame.columns) == ["path", *names, "error"]
    broken = frame["path"].str.endswith("broken.jpg")
    assert broken.sum() == 1 and "broken.jpg" in frame.loc[broken, "error"].item()
    assert (frame.loc[broken, names] == "").all(axis=None)
    assert (frame.loc[~broken, "error"] == "").all()
    np.testing.assert_allclose(frame.loc[~broken, names].astype(float).to_numpy(),
                               expected.transform(files[:3]), rtol=1e-6, atol=1e-9)
    assert "broken.jpg" in err and "3 of 4 images" in err


# --- train, predict, explain ---------------------------------------------------------

@pytest.fixture(scope="module")
def shallnet_file(folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("model") / "shallnet.skemo"
    status = main(["train", "--data", f"folder:{folder}", "--model", "shallnet", "-o", str(out),
                   "--folds", "2", "--max-epochs", "2", "--image-size", "32"])
    assert status == 0
    return out


def test_train_classifier_prints_cv_against_the_majority_baseline(folder, tmp_path, capsys):
    out = tmp_path / "m.skemo"
    status, printed, _ = run(["train", "--data", f"folder:{folder}", "--model", "shallnet",
                              "-o", out, "--folds", "2", "--max-epochs", "1",
                              "--image-size", "32"], capsys)
    assert status == 0 and out.stat().st_size > 0
    assert "2-fold cross-validation, stratified" in printed
    assert "balanced accuracy" in printed and "+-" in printed
    assert "baseline majority" in printed.replace("  ", " ").replace("  ", " ")
    # --no-cv skips straight to the final fit.
    status, printed, _ = run(["train", "--data", f"folder:{folder}", "--model", "majority",
                              "-o", out, "--no-cv"], capsys)
    assert status == 0 and "cross-validation" not in printed


def test_predict_sorts_by_a_class_probability(shallnet_file, folder, loose, tmp_path, capsys):
    out = tmp_path / "pred.csv"
    classes = sorted(p.name for p in folder.iterdir())
    status, _, err = run(["predict", "--model", shallnet_file, folder, loose, "-o", out,
                          "--sort-by", classes[0]], capsys)
    assert status == 0, err
    frame = pd.read_csv(out, keep_default_na=False)
    assert list(frame.columns) == ["path", "label", *[f"proba_{c}" for c in classes], "error"]
    assert len(frame) == 2 * N_PER_CLASS + 4
    errors = frame["error"] != ""
    assert errors.sum() == 1 and frame["path"].iloc[-1].endswith("broken.jpg")
    proba = frame.loc[~errors, f"proba_{classes[0]}"].astype(float).to_numpy()
    assert np.all(np.diff(proba) <= 0)
    good = frame.loc[~errors]
    probs = good[[f"proba_{c}" for c in classes]].astype(float).to_numpy()
    assert np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    assert good["label"].tolist() == [classes[i] for i in probs.argmax(axis=1)]
    assert "broken.jpg" in err

    # --top without -o prints the first K rows to stdout.
    status, printed, _ = run(["predict", "--model", shallnet_file, folder,
                              "--sort-by", classes[1], "--top", 3], capsys)
    assert status == 0
    top = pd.read_csv(io.StringIO(printed))
    assert len(top) == 3
    assert np.all(np.diff(top[f"proba_{classes[1]}"].to_numpy()) <= 0)

    status, _, err = run(["predict", "--model", shallnet_file, folder, "--sort-by", "nope"],
                         capsys)
    assert_one_line_error(status, err, "skemo predict: --sort-by:", "'nope'")


def test_explain_writes_one_gradcam_png_per_image(shallnet_file, loose, tmp_path, capsys):
    out = tmp_path / "cams"
    status, _, err = run(["explain", "--model", shallnet_file, loose, "-o", out], capsys)
    assert status == 1  # the corrupt file could not be explained; the others were
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(f"{p.stem}_gradcam.png" for p in loose.iterdir()
                             if "broken" not in p.name)
    assert all(Image.open(out / name).format == "PNG" for name in written)
    assert "broken.jpg" in err


def test_explain_refuses_a_model_without_convolutional_maps(folder, tmp_path, capsys):
    model = tmp_path / "majority.skemo"
    assert main(["train", "--data", f"folder:{folder}", "--model", "majority", "-o",
                 str(model), "--no-cv"]) == 0
    capsys.readouterr()
    status, _, err = run(["explain", "--model", model, folder, "-o", tmp_path / "x"], capsys)
    assert_one_line_error(status, err, "skemo explain: --model:", "convolutional")
    assert not (tmp_path / "x").exists()


def test_train_regressor_on_a_ratings_table(folder, tmp_path, capsys):
    files = sorted(folder.rglob("*.*"))
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"image": [f.relative_to(folder).as_posix() for f in files],
                          "valence": rng.uniform(1, 7, len(files)).round(2),
                          "arousal": rng.uniform(1, 7, len(files)).round(2)})
    csv = tmp_path / "ratings.csv"
    table.to_csv(csv, index=False)
    model = tmp_path / "reg.skemo"
    status, printed, _ = run([
        "train", "--data", f"ratings:{csv},{folder},image,valence,arousal",
        "--model", "transfer-regressor", "--backbone", "resnet18", "--random-weights",
        "--image-size", 32, "--max-epochs", 1, "--folds", 2, "-o", model], capsys)
    assert status == 0, printed
    assert "Spearman rho" in printed and "R2" in printed and "mean" in printed
    assert "2-fold cross-validation, folds" in printed
    status, printed, _ = run(["predict", "--model", model, folder, "--sort-by", "arousal"],
                             capsys)
    assert status == 0
    frame = pd.read_csv(io.StringIO(printed))
    assert list(frame.columns) == ["path", "valence", "arousal", "error"]
    assert np.all(np.diff(frame["arousal"].to_numpy()) <= 0)
    # A classifier does not fit ratings.
    status, _, err = run(["train", "--data", f"ratings:{csv},{folder},image,valence",
                          "--model", "shallnet", "-o", model], capsys)
    assert_one_line_error(status, err, "skemo train: --model:", "continuous ratings")


# --- gan -----------------------------------------------------------------------------

def test_gan_train_and_sample_a_grid(folder, tmp_path, capsys):
    model = tmp_path / "gan.skemo"
    status, printed, _ = run(["gan", "train", "--data", f"folder:{folder}", "--arch", "dcgan",
                              "--conditional", "--diffaugment", "color,translation",
                              "--image-size", 16, "--max-epochs", 1, "-o", model], capsys)
    assert status == 0 and model.exists(), printed
    grid = tmp_path / "grid.png"
    label = sorted(p.name for p in folder.iterdir())[0]
    status, _, _ = run(["gan", "sample", "--model", model, "-n", 6, "--class", label,
                        "-o", grid], capsys)
    assert status == 0
    # 3 columns x 2 rows of 16 px with 2 px padding.
    assert Image.open(grid).size == (3 * 16 + 4 * 2, 2 * 16 + 3 * 2)
    status, _, err = run(["gan", "sample", "--model", model, "--class", "nope", "-o", grid],
                         capsys)
    assert_one_line_error(status, err, "skemo gan sample: --class:", "'nope'")


def test_gan_train_defaults_to_the_few_shot_recipe_with_sheets(folder, tmp_path, capsys):
    from skemo.io import load_model

    model, sheets = tmp_path / "fast.skemo", tmp_path / "sheets"
    status, printed, err = run(["gan", "train", "--data", f"folder:{folder}", "--max-epochs", 2,
                                "--sheets", sheets, "--sheet-every", 1, "-o", model], capsys)
    assert status == 0, err
    assert "fastgan GAN (64 px)" in printed and str(sheets) in printed
    assert "2/2" in err and "d_rec=" in err  # the progress bar, with FastGAN's losses
    assert sorted(p.name for p in sheets.iterdir()) == ["epoch-00001.png", "epoch-00002.png"]
    gan = load_model(model)
    assert type(gan).__name__ == "FastGAN" and gan.callbacks is None
    assert (gan.loss, gan.diffaugment, gan.ema) == ("hinge", "color,translation", None)
    # Options reach the estimator; 'none' turns DiffAugment off.
    status, _, err = run(["gan", "train", "--data", f"folder:{folder}", "--arch", "dcgan",
                          "--image-size", 16, "--max-epochs", 1, "--diffaugment", "none",
                          "--ema", 0.9, "--r1", 0.5, "--spectral-norm", "-o", model], capsys)
    assert status == 0, err
    gan = load_model(model)
    assert (gan.diffaugment, gan.ema, gan.r1, gan.spectral_norm) == (None, 0.9, 0.5, True)


# --- bad arguments -------------------------------------------------------------------

def test_bad_arguments_exit_2_with_one_line(folder, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "m.skemo"
    cases = [
        (["train", "--data", f"folder:{tmp_path / 'missing'}", "--model", "shallnet", "-o", out],
         ["skemo train: --data:", "does not exist"]),
        (["train", "--data", f"folder:{empty}", "--model", "shallnet", "-o", out],
         ["skemo train: --data:", "no class subfolders"]),
        (["train", "--data", f"folder:{folder}", "--model", "foo", "-o", out],
         ["skemo train: --model: unknown model 'foo'; choose from majority"]),
        (["train", "--data", "mnist", "--model", "shallnet", "-o", out],
         ["skemo train: --data:", "'mnist'"]),
        (["train", "--model", "shallnet", "-o", out],
         ["skemo train:", "--data"]),
        (["features", empty, "-o", tmp_path / "f.csv"],
         ["skemo features: IMAGES:", "holds no image files"]),
        (["predict", "--model", tmp_path / "none.skemo", folder],
         ["skemo predict: --model:", "does not exist"]),
        (["gan", "train", "--data", f"folder:{folder}", "--arch", "dcgan", "--image-size", 20,
          "-o", out], ["skemo gan train: --image-size:"]),
        (["gan", "train", "--data", f"folder:{folder}", "--image-size", 32, "-o", out],
         ["skemo gan train: --image-size:", "FastGAN makes images of 64, 128, 256 px"]),
        (["gan", "train", "--data", f"folder:{folder}", "--ema", 1.5, "-o", out],
         ["skemo gan train: --ema:", "ema"]),
        (["gan", "train", "--data", f"folder:{folder}", "--sheets", folder, "-o", out],
         ["skemo gan train: --sheets:", "holds files of --data"]),
        (["gan", "train", "--data", f"folder:{folder}", "--sheets", out.parent / "x.txt",
          "-o", out], ["skemo gan train: --sheets:", "not a folder"]),
        (["compare", "--data", "mnist", "--out", tmp_path],
         ["skemo compare: --data:", "'mnist'"]),
        (["nope"], ["skemo:", "nope"]),
    ]
    (out.parent / "x.txt").write_text("a file")
    for argv, needles in cases:
        status, _, err = run(argv, capsys)
        assert_one_line_error(status, err, *needles)
    assert not out.exists()


def test_debug_shows_the_traceback(tmp_path):
    from skemo.cli._common import CLIError

    with pytest.raises(CLIError, match="--data: .* does not exist"):
        main(["--debug", "train", "--data", f"folder:{tmp_path / 'missing'}",
              "--model", "shallnet", "-o", str(tmp_path / "m.skemo")])
    with pytest.raises(CLIError, match="unknown model"):
        main(["train", "--data", f"folder:{tmp_path}", "--model", "foo", "-o",
              str(tmp_path / "m.skemo"), "--debug"])


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_a_planted_payload_runs_no_code(folder, tmp_path, capsys):
    marker = tmp_path / "pwned"
    planted = tmp_path / "planted.skemo"
    with zipfile.ZipFile(planted, "w") as zf:
        zf.writestr("params.json", json.dumps({"format": 1, "estimator": {"$": "pickle"}}))
        zf.writestr("weights.safetensors", pickle.dumps(_Payload(marker)))
        zf.writestr("model.pkl", pickle.dumps(_Payload(marker)))
    pickle.loads(pickle.dumps(_Payload(tmp_path / "proof")))  # the payload would work
    assert (tmp_path / "proof").exists()
    status, _, err = run(["predict", "--model", planted, folder], capsys)
    assert_one_line_error(status, err, "skemo predict: --model:", "planted.skemo")
    assert not marker.exists()


# --- compare and demo (moved from test_evaluation_compare.py) ------------------------

def test_cli_compare_writes_the_report(tmp_path, capsys):
    from skemo.evaluation._compare import COLUMNS

    out = tmp_path / "report"
    status = main([
        "compare", "--n-samples", "40", "--image-size", "32", "--folds", "2", "--epochs", "1",
        "--models", "majority", "shallnet", "--out", str(out), "--verbose", "0",
    ])
    assert status == 0
    printed = capsys.readouterr().out
    assert "majority" in printed and "balanced acc" in printed
    results = pd.read_csv(out / "results.csv")
    assert list(results.columns) == COLUMNS
    assert results.groupby("model").size().to_dict() == {"majority": 4, "shallnet": 4}
    assert results.query("fold == 'mean'")["model"].tolist() == ["majority", "shallnet"]
    for name in ("confusion_majority.png", "confusion_shallnet.png", "cam_shallnet.png",
                 "texture_references.png", "palettes.png", "report.txt"):
        assert (out / name).stat().st_size > 0, name
    assert not (out / "cam_transfer.png").exists()


def test_cli_rejects_unknown_data(tmp_path, capsys):
    status, _, err = run(["compare", "--data", "mnist", "--out", tmp_path], capsys)
    assert_one_line_error(status, err, "skemo compare: --data: expected one of synthetic",
                          "got 'mnist'")


def test_demo_writes_a_contact_sheet(tmp_path, capsys):
    status, printed, _ = run(["demo", "--n-samples", 16, "--image-size", 16, "--per-class", 2,
                              "--out", tmp_path / "demo"], capsys)
    assert status == 0 and "contact sheet" in printed
    assert Image.open(tmp_path / "demo" / "paintings.png").size == (2 * 16 + 3 * 2,
                                                                   4 * 16 + 5 * 2)
