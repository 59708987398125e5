"""Tests for skemo.datasets.make_paintings."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skemo.datasets import make_paintings


def _global_stats(images):
    """Mean/std colour, luminance and gradient energy: purely global statistics."""
    x = images.astype(np.float32) / 255
    lum = x @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    gx, gy = np.diff(lum, axis=2), np.diff(lum, axis=1)
    return np.column_stack(
        [x.mean((1, 2)), x.std((1, 2)), lum.std((1, 2)), (gx**2).mean((1, 2)),
         (gy**2).mean((1, 2)), np.abs(gx).mean((1, 2)) + np.abs(gy).mean((1, 2))]
    )


def _balanced_accuracy(features, y):
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    return cross_val_score(model, features, y, cv=cv, scoring="balanced_accuracy").mean()


def test_shapes_dtypes_and_bunch():
    data = make_paintings(n_samples=30, n_classes=3, image_size=24, random_state=0)
    assert data.images.shape == (30, 24, 24, 3)
    assert data.images.dtype == np.uint8
    assert data.target.shape == (30,) and data.target.dtype.kind == "i"
    assert data.target_names.tolist() == ["class_0", "class_1", "class_2"]
    assert isinstance(data.frame, pd.DataFrame) and len(data.frame) == 30
    np.testing.assert_array_equal(data.frame["target"], data.target)
    assert {"true_class", "flipped", "style_class", "shape_class", "shape",
            "figure_row", "figure_col", "figure_size"} <= set(data.frame.columns)
    assert "30 RGB images" in data.DESCR
    assert data.images.min() < 60 and data.images.max() > 150  # not a flat image
    X, y = make_paintings(n_samples=30, n_classes=3, image_size=24, return_X_y=True,
                          random_state=0)
    np.testing.assert_array_equal(X, data.images)
    np.testing.assert_array_equal(y, data.target)


@pytest.mark.parametrize("n_samples, n_classes", [(40, 4), (43, 4), (7, 7), (50, 2)])
def test_true_classes_balanced(n_samples, n_classes):
    data = make_paintings(n_samples, n_classes, image_size=16, random_state=1)
    counts = np.bincount(data.frame["true_class"], minlength=n_classes)
    assert counts.max() - counts.min() <= 1 and counts.sum() == n_samples


@pytest.mark.parametrize("label_noise", [0.0, 0.1, 0.25, 0.33, 1.0])
def test_label_noise_fraction_exact(label_noise):
    n = 60
    data = make_paintings(n, 4, image_size=16, label_noise=label_noise, random_state=2)
    f = data.frame
    assert f["flipped"].sum() == round(label_noise * n)
    # Flipped labels always change class; the others are the true class.
    np.testing.assert_array_equal(f["flipped"], f["target"] != f["true_class"])
    if round(label_noise * n) % 4 == 0:  # evenly flipped: counts stay balanced
        assert np.bincount(data.target).tolist() == [15] * 4


def test_label_noise_two_classes_odd_flips():
    data = make_paintings(10, 2, image_size=16, label_noise=0.3, random_state=0)
    assert data.frame["flipped"].sum() == 3
    np.testing.assert_array_equal(data.frame["flipped"], data.target != data.frame["true_class"])


def test_reproducible_with_random_state():
    a = make_paintings(20, image_size=16, random_state=5)
    b = make_paintings(20, image_size=16, random_state=5)
    c = make_paintings(20, image_size=16, random_state=6)
    np.testing.assert_array_equal(a.images, b.images)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert not np.array_equal(a.images, c.images)
    rs = np.random.RandomState(5)
    np.testing.assert_array_equal(make_paintings(20, image_size=16, random_state=rs).images,
                                  a.images)


def test_cue_switches_follow_their_definition():
    off = make_paintings(80, 4, image_size=16, global_cue=0, local_cue=0, random_state=0).frame
    on = make_paintings(80, 4, image_size=16, global_cue=1, local_cue=1, random_state=0).frame
    np.testing.assert_array_equal(on["style_class"], on["true_class"])
    np.testing.assert_array_equal(on["shape_class"], on["true_class"])
    # Off: styles and shapes are drawn independently of the class.
    assert (off["style_class"] != off["true_class"]).mean() > 0.5
    assert (off["shape_class"] != off["true_class"]).mean() > 0.5
    assert set(on["shape"]) == {"circle", "square", "triangle", "cross"}


def test_more_classes_than_shapes_cycle():
    f = make_paintings(20, 10, image_size=16, label_noise=0, random_state=0).frame
    assert set(f.loc[f["true_class"] == 8, "shape"]) == {"circle"}


@pytest.mark.parametrize(
    "params, name",
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_samples": 3, "n_classes": 4}, "n_samples"),
        ({"n_classes": 1}, "n_classes"),
        ({"n_classes": 2.5}, "n_classes"),
        ({"image_size": 8}, "image_size"),
        ({"global_cue": 1.5}, "global_cue"),
        ({"local_cue": -0.1}, "local_cue"),
        ({"label_noise": 2}, "label_noise"),
        ({"return_X_y": "yes"}, "return_X_y"),
        ({"random_state": "seed"}, "random_state"),
    ],
)
def test_parameter_errors_name_the_parameter(params, name):
    with pytest.raises((ValueError, InvalidParameterError), match=f"'{name}'"):
        make_paintings(**params)


def test_cue_separation_with_global_statistics():
    # Global statistics + LR see the global cue, and little of the figure:
    # its shapes share stroke length, ink area and edge softness. The figure
    # is large and near black or white (so that ShallNet can learn it), which
    # leaves a rasterisation trace in colour spread and gradient energy
    # together (each alone is <= 0.33 here, all together ~0.49, against 0.85
    # for the figure's own pixels below); 0.55 bounds that trace.
    kwargs = dict(n_samples=200, n_classes=4, image_size=32, label_noise=0.1, random_state=0)
    only_global = make_paintings(global_cue=1, local_cue=0, **kwargs)
    only_local = make_paintings(global_cue=0, local_cue=1, **kwargs)
    assert _balanced_accuracy(_global_stats(only_global.images), only_global.target) >= 0.75
    assert _balanced_accuracy(_global_stats(only_local.images), only_local.target) <= 0.55


def test_local_cue_visible_in_the_figure():
    # Oracle for the local cue: the figure's own pixels (located from the
    # frame) separate the classes when the global cue is off.
    data = make_paintings(200, 4, image_size=32, global_cue=0, local_cue=1,
                          label_noise=0.1, random_state=0)
    f, s = data.frame, data.frame["figure_size"].iloc[0]
    gray = data.images.astype(np.float32).mean(-1)
    crops = np.stack([gray[i, r:r + s, c:c + s]
                      for i, (r, c) in enumerate(zip(f["figure_row"], f["figure_col"]))])
    crops = crops.reshape(len(crops), -1)
    crops = np.abs(crops - crops.mean(1, keepdims=True)) / (crops.std(1, keepdims=True) + 1e-6)
    assert _balanced_accuracy(crops, data.target) >= 0.7
