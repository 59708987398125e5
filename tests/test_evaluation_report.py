"""``write_report``: the files of a ``skemo compare`` report, and no pyplot side effects."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from skemo.datasets import make_paintings
from skemo.evaluation import compare_models, format_table, write_report
from skemo.evaluation._compare import COLUMNS


@pytest.fixture(scope="module")
def compared():
    X, y = make_paintings(n_samples=24, n_classes=2, image_size=32, random_state=0,
                          return_X_y=True)
    return X, y, compare_models(X, y, ["majority", "shallnet"], n_splits=2, epochs=1)


@pytest.fixture
def ps_backend():
    # The session runs on Agg, which the old write_report left alone: "ps" is
    # another non-interactive backend, where switching it would show.
    before = matplotlib.get_backend()
    plt.close("all")
    matplotlib.use("ps")
    yield "ps"
    plt.close("all")
    matplotlib.use(before)


def test_write_report_keeps_the_backend_and_the_open_figures(compared, ps_backend, tmp_path):
    X, y, result = compared
    user_figure = plt.figure()
    user_figure.gca().plot([0, 1])
    paths = write_report(result, X, y, tmp_path, target_names=["calm", "tense"], n_cam=4)
    assert matplotlib.get_backend() == ps_backend
    assert plt.get_fignums() == [user_figure.number]
    assert plt.gcf() is user_figure
    for path in paths:
        assert path.stat().st_size > 0, path.name
    assert {p.name for p in paths} == {
        "results.csv", "report.txt", "confusion_majority.png", "confusion_shallnet.png",
        "cam_shallnet.png", "texture_references.png", "palettes.png",
    }


def test_report_files_hold_the_comparison(compared, tmp_path):
    X, y, result = compared
    write_report(result, X, y, tmp_path, n_cam=4)
    table = pd.read_csv(tmp_path / "results.csv")
    assert list(table.columns) == COLUMNS
    assert table["fold"].tolist() == ["0", "1", "0", "1", "mean", "mean", "std", "std"]
    assert (tmp_path / "report.txt").read_text(encoding="utf-8").startswith(
        format_table(result.summary))
    # The CAM figure is two contact sheets (images, then their Grad-CAMs).
    with Image.open(tmp_path / "cam_shallnet.png") as cam:
        assert np.asarray(cam).std() > 0
