"""load_ratings on generated tables; pandas.read_csv on the same table is the oracle."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.utils import Bunch

from skemo.datasets import load_ratings

COLORS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255)]
# ID, valence, arousal, note: a zero-padded ID, an "NA" ID and a literal "NA" note.
ROWS = [
    ("007", "5,5", "2,25", "calm sea"),
    ("NA", "1,75", "6", "NA"),
    ("fire", "3", "4,125", "night"),
    ("dune", "4,5", "1,5", ""),
]


def _image(path, color, size=(10, 6)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)


def _write(path, rows, header=("image", "valence", "arousal", "note"), sep=";",
           encoding="utf-8", decimal=","):
    lines = [sep.join(header)] + [
        sep.join(v.replace(",", decimal) if 0 < j < 3 else v for j, v in enumerate(r))
        for r in rows
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


@pytest.fixture
def table(tmp_path):
    for (name, *_), color in zip(ROWS, COLORS):
        _image(tmp_path / "img" / f"{name}.png", color)
    return _write(tmp_path / "ratings.csv", ROWS), tmp_path / "img"


def _oracle(path, columns, sep=";", decimal=",", encoding="utf-8", drop=()):
    frame = pd.read_csv(path, sep=sep, decimal=decimal, encoding=encoding,
                        dtype={"image": str}, keep_default_na=False)
    frame = frame[~frame["image"].isin(drop)]
    return frame[columns].to_numpy(dtype=np.float64)


def _check_bunch(data, n, with_images=True):
    assert isinstance(data, Bunch)
    assert ("images" in data) == with_images
    assert len(data.target) == len(data.frame) == len(data.filenames) == n
    assert str(n) in data.DESCR
    assert data.frame.index.tolist() == list(range(n))
    assert data.frame["filename"].tolist() == list(data.filenames)


def test_semicolon_decimal_comma_matches_pandas(table):
    csv, img = table
    data = load_ratings(csv, img, file_column="image",
                        target_columns=["valence", "arousal"], decimal=",",
                        file_pattern="{}.png")
    _check_bunch(data, 4)
    assert np.array_equal(data.target, _oracle(csv, ["valence", "arousal"]))
    assert data.target.tolist()[0] == [5.5, 2.25]
    assert data.frame.attrs == {"sep": ";", "decimal": ",", "encoding": "utf-8"}
    assert "sep=';'" in data.DESCR and "encoding='utf-8'" in data.DESCR
    # IDs and other columns stay text as written: "007", "NA", an empty note.
    assert data.frame["image"].tolist() == ["007", "NA", "fire", "dune"]
    assert data.frame["note"].tolist() == ["calm sea", "NA", "night", ""]
    assert data.filenames[0].endswith("img/007.png")
    for i, color in enumerate(COLORS[:4]):
        assert data.images[i, 0, 0].tolist() == pytest.approx(np.divide(color, 255),
                                                              abs=0.02)


@pytest.mark.parametrize("sep", [",", "\t", "|", ";"])
def test_targets_equal_pandas_for_each_separator(tmp_path, sep):
    rows = [(f"p{i}", f"{i / 8 + 1:.3f}", f"{7 - i / 3:.4f}", "x") for i in range(20)]
    csv = _write(tmp_path / "t.txt", rows, sep=sep, decimal=".")
    for name, *_ in rows:
        (tmp_path / f"{name}.jpg").touch()
    data = load_ratings(csv, tmp_path, file_column="image", file_pattern="{}.jpg",
                        target_columns=["arousal", "valence"], return_paths=True)
    assert data.frame.attrs["sep"] == sep
    expected = _oracle(csv, ["arousal", "valence"], sep=sep, decimal=".")
    assert np.array_equal(data.target, expected)


def test_latin1_table(tmp_path):
    rows = [("Été", "4,5", "3", "déjà vu"), ("hiver", "2", "5,5", "froid")]
    csv = _write(tmp_path / "r.csv", rows, header=("image", "valence", "éveil", "note"),
                 encoding="latin-1")
    _image(tmp_path / "Été.png", COLORS[0])
    _image(tmp_path / "hiver.png", COLORS[1])
    data = load_ratings(csv, tmp_path, file_column="image", target_columns="éveil",
                        decimal=",", file_pattern="{}.png")
    assert data.frame.attrs["encoding"] == "latin-1" and "latin-1" in data.DESCR
    expected = _oracle(csv, ["éveil"], encoding="latin-1")[:, 0]
    assert np.array_equal(data.target, expected) and data.target.tolist() == [3, 5.5]
    assert data.frame["image"].tolist() == ["Été", "hiver"]
    assert data.frame["note"].tolist() == ["déjà vu", "froid"]
    assert data.images[0, 0, 0].tolist() == pytest.approx([1, 0, 0], abs=0.02)
    with pytest.raises(ValueError, match=r"r\.csv.*not valid 'utf-8'"):
        load_ratings(csv, tmp_path, file_column="image", target_columns="éveil",
                     encoding="utf-8")
    # UTF-8 with a byte-order mark: the BOM does not end up in the first column name.
    csv.write_bytes(csv.read_bytes().decode("latin-1").encode("utf-8-sig"))
    data = load_ratings(csv, tmp_path, file_column="image", target_columns="valence",
                        decimal=",", file_pattern="{}.png", return_paths=True)
    assert data.frame.attrs["encoding"] == "utf-8" and data.target.tolist() == [4.5, 2]


@pytest.mark.parametrize("on_error", ["raise", "warn", "skip"])
@pytest.mark.parametrize("damage", ["missing", "unreadable"])
def test_bad_file_drops_its_row_aligned(table, on_error, damage):
    csv, img = table
    if damage == "missing":
        (img / "fire.png").unlink()
    else:
        (img / "fire.png").write_bytes(b"not a png")
    kwargs = dict(file_column="image", target_columns=["valence", "arousal"],
                  decimal=",", file_pattern="{}.png", on_error=on_error)
    if on_error == "raise":
        with pytest.raises(ValueError, match=r"fire\.png"):
            load_ratings(csv, img, **kwargs)
        return
    if on_error == "warn":
        with pytest.warns(UserWarning, match=r"fire\.png"):
            data = load_ratings(csv, img, **kwargs)
    else:
        data = load_ratings(csv, img, **kwargs)
    _check_bunch(data, 3)
    expected = _oracle(csv, ["valence", "arousal"], drop=["fire"])
    assert np.array_equal(data.target, expected)
    assert np.array_equal(data.frame[["target_valence", "target_arousal"]], expected)
    assert data.frame["image"].tolist() == ["007", "NA", "dune"]
    for i, color in enumerate([COLORS[0], COLORS[1], COLORS[3]]):
        assert data.images[i, 0, 0].tolist() == pytest.approx(np.divide(color, 255),
                                                              abs=0.02)


def test_return_paths_checks_existence_only(table):
    csv, img = table
    (img / "NA.png").unlink()
    (img / "fire.png").write_bytes(b"not a png")
    kwargs = dict(file_column="image", target_columns="valence", decimal=",",
                  file_pattern="{}.png", return_paths=True)
    with pytest.raises(ValueError, match=r"NA\.png"):
        load_ratings(csv, img, **kwargs)
    filenames, y = load_ratings(csv, img, on_error="skip", return_X_y=True, **kwargs)
    assert [f.rsplit("/", 1)[1] for f in filenames] == ["007.png", "fire.png", "dune.png"]
    assert np.array_equal(y, _oracle(csv, ["valence"], drop=["NA"])[:, 0])


def test_duplicate_ids_raise(table):
    csv, img = table
    rows = ROWS + [(" fire ", "2", "2", "again"), ("dune", "1", "1", "again")]
    _write(csv, rows)
    with pytest.raises(ValueError, match=r"repeats the ID\(s\) \['dune', 'fire'\]"):
        load_ratings(csv, img, file_column="image", target_columns="valence",
                     decimal=",", file_pattern="{}.png")


def test_single_column_vs_list_shapes(table):
    csv, img = table
    kwargs = dict(file_column="image", decimal=",", file_pattern="{}.png",
                  return_paths=True)
    one = load_ratings(csv, img, target_columns="arousal", **kwargs)
    assert one.target.shape == (4,) and one.target.dtype == np.float64
    assert one.target_names.tolist() == ["arousal"]
    assert np.array_equal(one.frame["target"], one.target)
    assert np.array_equal(one.frame["arousal"], one.target)
    listed = load_ratings(csv, img, target_columns=["arousal"], **kwargs)
    assert listed.target.shape == (4, 1) and "target" not in listed.frame
    assert np.array_equal(listed.target[:, 0], one.target)
    both = load_ratings(csv, img, target_columns=["arousal", "valence"], **kwargs)
    assert both.target.shape == (4, 2)
    assert both.target_names.tolist() == ["arousal", "valence"]
    assert np.array_equal(both.target[:, 0], one.target)


def test_size_and_return_X_y(table):
    csv, img = table
    _image(img / "dune.png", COLORS[3], size=(7, 9))
    kwargs = dict(file_column="image", target_columns="valence", decimal=",",
                  file_pattern="{}.png")
    with pytest.raises(ValueError, match=r"different sizes.*dune\.png"):
        load_ratings(csv, img, **kwargs)
    X, y = load_ratings(csv, img, size=(4, 5), return_X_y=True, **kwargs)
    assert X.shape == (4, 4, 5, 3) and X.dtype == np.float32
    assert y.tolist() == [5.5, 1.75, 3, 4.5]


def test_missing_columns_named(table):
    csv, img = table
    with pytest.raises(ValueError, match=r"\['file', 'liking'\] are missing from .*"
                                         r"ratings\.csv.*'image', 'valence', 'arousal'"):
        load_ratings(csv, img, file_column="file", target_columns=["valence", "liking"])


def test_non_numeric_and_missing_ratings(table):
    csv, img = table
    kwargs = dict(file_column="image", target_columns=["valence", "arousal"],
                  file_pattern="{}.png")
    # Without decimal="," the value "5,5" is not a number.
    with pytest.raises(ValueError, match=r"'valence' of .*ratings\.csv.*'5,5' for ID '007"):
        load_ratings(csv, img, **kwargs)
    _write(csv, ROWS[:2] + [("fire", "3.5", "4", "")])
    with pytest.raises(ValueError, match=r"'valence'.*'3\.5' for ID 'fire'"):
        load_ratings(csv, img, decimal=",", **kwargs)
    _write(csv, ROWS[:2] + [("fire", "high", "4", "")])
    with pytest.raises(ValueError, match=r"'valence'.*'high' for ID 'fire'"):
        load_ratings(csv, img, decimal=",", **kwargs)
    _write(csv, ROWS[:2] + [("fire", "3", "NA", "")])
    with pytest.raises(ValueError, match=r"'arousal'.*missing value.*\['fire'\]"):
        load_ratings(csv, img, decimal=",", **kwargs)


def test_parameter_errors(table, tmp_path):
    csv, img = table
    kwargs = dict(file_column="image", target_columns="valence", decimal=",")
    for pattern in ["photo.png", "{id}.png", 3]:
        with pytest.raises(ValueError, match="file_pattern must"):
            load_ratings(csv, img, file_pattern=pattern, **kwargs)
    with pytest.raises(ValueError, match="decimal must be a single character"):
        load_ratings(csv, img, file_column="image", target_columns="valence", decimal="")
    (tmp_path / "ragged.csv").write_text("image,valence\nsea,3\nfire,4,5\n")
    with pytest.raises(ValueError, match=r"ragged\.csv.*sep=','"):
        load_ratings(tmp_path / "ragged.csv", img, file_column="image",
                     target_columns="valence", sep=",")
    with pytest.raises(ValueError, match="on_error must be one of"):
        load_ratings(csv, img, on_error="ignore", **kwargs)
    with pytest.raises(ValueError, match="encoding='klingon'"):
        load_ratings(csv, img, encoding="klingon", **kwargs)
    with pytest.raises(ValueError, match="csv_path .*nope.csv"):
        load_ratings(tmp_path / "nope.csv", img, **kwargs)
    with pytest.raises(ValueError, match="image_dir .*nope"):
        load_ratings(csv, tmp_path / "nope", **kwargs)
    for columns in [[], ["valence", "valence"]]:
        with pytest.raises(ValueError, match="target_columns must"):
            load_ratings(csv, img, file_column="image", target_columns=columns)
    (tmp_path / "one.csv").write_text("image\nsea\n")
    with pytest.raises(ValueError, match="separator of .*one.csv.*pass sep"):
        load_ratings(tmp_path / "one.csv", img, **kwargs)
    _write(csv, ROWS[:2] + [("  ", "3", "4", "")])
    with pytest.raises(ValueError, match=r"'image' of .*ratings\.csv' is empty .*\[3\]"):
        load_ratings(csv, img, **kwargs)
    _write(csv, ROWS, header=("image", "valence", "arousal", "target"))
    with pytest.raises(ValueError, match=r"column\(s\) \['target'\]"):
        load_ratings(csv, img, **kwargs)
