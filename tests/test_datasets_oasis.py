"""load_oasis on a tiny fake OASIS (old-Mac CSV, trailing-space themes) and the real one."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.utils import Bunch

from skemo.datasets import load_oasis

COLORS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255)]


def _image(path, color, size):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)


def _assert_bunch(data, n, with_images=True):
    assert isinstance(data, Bunch)
    assert ("images" in data) == with_images
    assert len(data.target) == len(data.frame) == len(data.filenames) == n
    assert str(n) in data.DESCR
    assert data.frame["filename"].tolist() == list(data.filenames)
    assert np.array_equal(data.frame["target"].to_numpy(), data.target)
    if with_images:
        assert data.images.dtype == np.float32 and data.images.shape[0] == n


OASIS_HEADER = (",Theme,Category,Source,Valence_mean,Valence_SD,Valence_N,"
                "Arousal_mean,Arousal_SD,Arousal_N")
OASIS_ROWS = [  # theme, valence, arousal
    ("Acorns 1", 2.0, 5.0),
    ("Crosswalk 1 ", 3.5, 1.0),  # trailing space in the CSV, not in the file name
    ("Lake 3", 4.0, 3.0),  # exactly the valence median
    ("War 2 ", 4.5, 2.0),
    ("Dog 4", 6.0, 4.0),
]


@pytest.fixture
def oasis(tmp_path):
    lines = [OASIS_HEADER] + [
        f"I{i + 1},{theme},Object,Pixabay,{v},0.9,102,{a},1.6,101"
        for i, (theme, v, a) in enumerate(OASIS_ROWS)
    ]
    (tmp_path / "OASIS.csv").write_bytes(("\r".join(lines) + "\r").encode("ascii"))
    for (theme, _, _), color in zip(OASIS_ROWS, COLORS):
        _image(tmp_path / "images" / f"{theme.strip()}.jpg", color, size=(10, 8))
    return tmp_path


@pytest.mark.parametrize(
    "target, expected, names",
    [
        # median valence 4.0: "Lake 3" sits on it and counts as low.
        ("valence2", [0, 0, 0, 1, 1], ["low valence", "high valence"]),
        # closed neutral band [3.5, 4.5].
        ("valence3", [0, 1, 1, 1, 2], ["negative", "neutral", "positive"]),
        # arousal median 3.0 -> high arousal = [1, 0, 0, 0, 1]
        ("quadrant4", [1, 0, 0, 2, 3], None),
        ("valence", [2.0, 3.5, 4.0, 4.5, 6.0], ["valence"]),
        ("arousal", [5.0, 1.0, 3.0, 2.0, 4.0], ["arousal"]),
    ],
)
def test_oasis_targets(oasis, target, expected, names):
    data = load_oasis(oasis, target=target, size=(4, 5))
    _assert_bunch(data, 5)
    assert data.target.tolist() == expected
    if names is not None:
        assert data.target_names.tolist() == names
    assert data.images.shape == (5, 4, 5, 3)
    assert data.images[1, 0, 0].tolist() == pytest.approx([0, 1, 0], abs=0.02)


def test_oasis_frame_and_names(oasis):
    data = load_oasis(oasis, target="quadrant4", return_paths=True)
    _assert_bunch(data, 5, with_images=False)
    assert data.target_names.tolist() == [
        "low valence, low arousal", "low valence, high arousal",
        "high valence, low arousal", "high valence, high arousal"]
    header = OASIS_HEADER.split(",")[1:]
    assert list(data.frame.columns[:10]) == ["ID"] + header
    assert data.frame["ID"].tolist() == ["I1", "I2", "I3", "I4", "I5"]
    assert data.frame["Theme"].tolist() == [t for t, _, _ in OASIS_ROWS]
    assert data.filenames[1].endswith("images/Crosswalk 1.jpg")
    assert data.target.dtype.kind == "i"
    assert load_oasis(oasis, target="valence", return_paths=True).target.dtype.kind == "f"


def test_oasis_missing_theme_and_bad_image(oasis):
    (oasis / "images" / "War 2.jpg").unlink()
    with pytest.raises(ValueError, match="'War 2 '"):
        load_oasis(oasis)
    with pytest.warns(UserWarning, match="War 2"):
        data = load_oasis(oasis, on_error="warn", size=4)
    # Medians come from the whole CSV, so dropping a row changes no label.
    assert data.target.tolist() == [0, 0, 0, 1]
    assert data.frame["Theme"].tolist() == ["Acorns 1", "Crosswalk 1 ", "Lake 3", "Dog 4"]
    (oasis / "images" / "Lake 3.jpg").write_bytes(b"GIF89a garbage")
    X, y = load_oasis(oasis, target="valence3", on_error="skip", size=4, return_X_y=True)
    assert X.shape == (3, 4, 4, 3) and y.tolist() == [0, 1, 2]


def test_oasis_target_list(oasis):
    data = load_oasis(oasis, ["valence", "arousal"], return_paths=True)
    assert data.target.shape == (5, 2) and data.target.dtype == np.float64
    assert data.target.tolist() == [[v, a] for _, v, a in OASIS_ROWS]
    assert data.target_names.tolist() == ["valence", "arousal"]
    assert np.array_equal(data.frame[["target_valence", "target_arousal"]], data.target)
    assert "target" not in data.frame
    # A class target next to a rating: one float array, columns in list order.
    X, y = load_oasis(oasis, ("arousal", "valence2"), return_X_y=True, size=3)
    assert X.shape == (5, 3, 3, 3) and y.dtype == np.float64
    assert y.tolist() == [[5, 0], [1, 0], [3, 0], [2, 1], [4, 1]]
    y = load_oasis(oasis, ["valence3"], return_paths=True).target
    assert y.shape == (5, 1) and y.dtype.kind == "i"
    # Dropping a row keeps each target row with its image.
    (oasis / "images" / "Lake 3.jpg").unlink()
    data = load_oasis(oasis, ["arousal", "valence"], on_error="skip", size=2)
    assert data.target.tolist() == [[5, 2], [1, 3.5], [2, 4.5], [4, 6]]
    assert data.images[1, 0, 0].tolist() == pytest.approx([0, 1, 0], abs=0.02)


def test_oasis_errors(oasis, tmp_path):
    for target in ["dominance", ["valence", "dominance"], [], ["valence", "valence"]]:
        with pytest.raises(ValueError, match="target must be one of .*arousal"):
            load_oasis(oasis, target=target)
    with pytest.raises(ValueError, match="OASIS.csv"):
        load_oasis(oasis / "images")


@pytest.mark.real_data
def test_oasis_real_data_all_900_load(oasis_root):
    expected_values = {"valence2": {0, 1}, "valence3": {0, 1, 2}, "quadrant4": {0, 1, 2, 3}}
    for target, values in expected_values.items():
        data = load_oasis(oasis_root, target=target, return_paths=True)
        assert len(data.filenames) == len(data.frame) == 900
        assert set(data.target.tolist()) == values
    # valence2 is a median split: as many highs as lows, up to ties at the median.
    assert abs(int(load_oasis(oasis_root, return_X_y=True, return_paths=True)[1].sum())
               - 450) <= 5
    data = load_oasis(oasis_root, target="valence", size=32)
    assert data.images.shape == (900, 32, 32, 3)
    assert data.target.dtype.kind == "f" and 1 <= data.target.min() < data.target.max() <= 7
    assert data.frame["Theme"].str.endswith(" ").sum() == 2  # "Crosswalk 1 ", "War 2 "


@pytest.mark.real_data
def test_oasis_real_data_valence_arousal_match_csv(oasis_root):
    data = load_oasis(oasis_root, ["valence", "arousal"], return_paths=True)
    expected = pd.read_csv(oasis_root / "OASIS.csv")[["Valence_mean", "Arousal_mean"]]
    assert data.target.shape == (900, 2) and data.target.dtype == np.float64
    assert np.array_equal(data.target, expected.to_numpy())
    assert data.frame["ID"].tolist() == [f"I{i}" for i in range(1, 901)]
