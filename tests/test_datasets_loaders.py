import base64

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.utils import Bunch

from skemo.datasets import (
    ARTEMIS_EMOTIONS,
    WIKIART_EMOTIONS,
    load_artemis,
    load_image_folder,
    load_thesis_csv,
    load_wikiart_emotions,
)

COLORS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255)]


def _image(path, color, size=(10, 6), fmt=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, format=fmt)
    return path


def _b64(title):
    return base64.urlsafe_b64encode(title.encode("utf-8")).decode() + ".jpg"


def _assert_bunch(data, n, with_images=True):
    assert isinstance(data, Bunch)
    for key in ("filenames", "target", "target_names", "frame", "DESCR"):
        assert key in data, key
    assert ("images" in data) == with_images
    assert len(data.target) == len(data.frame) == len(data.filenames) == n
    assert str(n) in data.DESCR
    assert data.frame["filename"].tolist() == list(data.filenames)
    assert np.array_equal(data.frame["target"].to_numpy(), data.target)
    if with_images:
        assert data.images.dtype == np.float32
        assert data.images.shape[0] == n and data.images.shape[-1] == 3


# --------------------------------------------------------------------- thesis
THESIS_ROWS = [
    ("Mona Lisa", "joy", "PORTRAIT"),
    ("Été à Giverny — 夏", "Fear", "landscape"),  # non-ASCII title
    ("Self/portrait?", "NA", "portrait"),  # '/' and '?' -> URL-safe alphabet
    ("The Kiss", "lust", "Genre Painting"),
]


@pytest.fixture
def thesis(tmp_path):
    images = tmp_path / "img"
    for (title, _, _), color in zip(THESIS_ROWS, COLORS):
        _image(images / _b64(title), color)
    csv = tmp_path / "thesis.csv"
    lines = ["TitleNames|Emotion|Genre"] + ["|".join(r) for r in THESIS_ROWS]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return csv, images


def test_thesis_csv_bunch(thesis):
    csv, images = thesis
    data = load_thesis_csv(csv, images)
    _assert_bunch(data, 4)
    assert data.target.tolist() == [3, 0, 1, 2]
    assert list(data.target_names) == ["negative", "neutral", "ambivalent", "positive"]
    assert data.frame["TitleNames"].tolist() == [r[0] for r in THESIS_ROWS]
    # Red image first, green second: rows follow the CSV order.
    assert data.images[0, 0, 0].tolist() == pytest.approx([1, 0, 0], abs=0.02)
    assert data.images[1, 0, 0].tolist() == pytest.approx([0, 1, 0], abs=0.02)
    assert data.images.shape == (4, 6, 10, 3)


def test_thesis_csv_base64_names(thesis):
    csv, images = thesis
    data = load_thesis_csv(csv, images, return_paths=True)
    expected = base64.urlsafe_b64encode("Été à Giverny — 夏".encode("utf-8")).decode()
    assert data.filenames[1].endswith(expected + ".jpg")
    assert "/" not in data.filenames[2].rsplit("/", 1)[1].replace(".jpg", "")
    assert data.filenames[2].endswith(_b64("Self/portrait?"))


def test_thesis_csv_genre_filter_case_insensitive(thesis):
    csv, images = thesis
    data = load_thesis_csv(csv, images, genre="PORTRAIT", size=4)
    assert data.frame["TitleNames"].tolist() == ["Mona Lisa", "Self/portrait?"]
    assert data.target.tolist() == [3, 1]
    assert data.images.shape == (2, 4, 4, 3)
    both = load_thesis_csv(csv, images, genre=["portrait", "landscape"], return_paths=True)
    assert len(both.target) == 3
    with pytest.raises(ValueError, match="genre='still life'.*genres found"):
        load_thesis_csv(csv, images, genre="still life")


def test_thesis_csv_binary_and_return_X_y(thesis):
    csv, images = thesis
    X, y = load_thesis_csv(csv, images, scheme="binary", size=5, return_X_y=True)
    assert X.shape == (4, 5, 5, 3) and y.tolist() == [1, 0, 0, 0]
    paths, y = load_thesis_csv(csv, images, return_paths=True, return_X_y=True)
    assert [p.rsplit("/", 1)[1] for p in paths] == [_b64(r[0]) for r in THESIS_ROWS]


def test_thesis_csv_missing_column(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("Title|Emotion\nA|joy\n")
    with pytest.raises(ValueError, match=r"'TitleNames'.*bad\.csv"):
        load_thesis_csv(csv, tmp_path)
    csv.write_text("TitleNames|Emotion\nA|joy\n")
    with pytest.raises(ValueError, match=r"'Genre'.*bad\.csv"):
        load_thesis_csv(csv, tmp_path, genre="portrait")


def test_thesis_csv_unknown_emotion(thesis, tmp_path):
    csv, images = thesis
    csv.write_text("TitleNames|Emotion|Genre\nMona Lisa|boredom|x\n")
    with pytest.raises(ValueError, match="boredom.*Known labels"):
        load_thesis_csv(csv, images)
    assert load_thesis_csv(csv, images, unknown=1, return_paths=True).target.tolist() == [1]


def test_thesis_csv_missing_image(thesis):
    csv, images = thesis
    (images / _b64("The Kiss")).unlink()
    with pytest.raises(ValueError, match=_b64("The Kiss")):
        load_thesis_csv(csv, images)
    with pytest.warns(UserWarning, match=_b64("The Kiss")):
        data = load_thesis_csv(csv, images, on_error="warn")
    _assert_bunch(data, 3)
    assert data.target.tolist() == [3, 0, 1]


def test_thesis_csv_bad_image_keeps_alignment(thesis):
    csv, images = thesis
    (images / _b64(THESIS_ROWS[1][0])).write_bytes(b"not a jpeg")
    with pytest.raises(ValueError, match=_b64(THESIS_ROWS[1][0])):
        load_thesis_csv(csv, images)
    data = load_thesis_csv(csv, images, on_error="skip")
    _assert_bunch(data, 3)
    assert data.target.tolist() == [3, 1, 2]
    assert data.frame["TitleNames"].tolist() == ["Mona Lisa", "Self/portrait?", "The Kiss"]
    # The third image (blue) is now second: images moved with their labels.
    assert data.images[1, 0, 0].tolist() == pytest.approx([0, 0, 1], abs=0.02)


def test_bad_on_error_and_paths(thesis, tmp_path):
    csv, images = thesis
    with pytest.raises(ValueError, match="on_error"):
        load_thesis_csv(csv, images, on_error="ignore")
    with pytest.raises(ValueError, match="csv_path"):
        load_thesis_csv(tmp_path / "nope.csv", images)
    with pytest.raises(ValueError, match="image_dir"):
        load_thesis_csv(csv, tmp_path / "nope")


# ---------------------------------------------------------------- image folder
def test_image_folder(tmp_path):
    _image(tmp_path / "sad" / "b.JPG", COLORS[0], fmt="JPEG")
    _image(tmp_path / "sad" / "a.png", COLORS[1])
    _image(tmp_path / "joy" / "nested" / "c.webp", COLORS[2], fmt="WEBP")
    (tmp_path / "joy" / "notes.txt").write_text("not an image")
    _image(tmp_path / "joy" / ".hidden.png", COLORS[3])
    _image(tmp_path / "loose.png", COLORS[4])  # not in a class folder
    data = load_image_folder(tmp_path, size=8)
    _assert_bunch(data, 3)
    assert list(data.target_names) == ["joy", "sad"]
    assert data.target.tolist() == [0, 1, 1]
    assert data.frame["label"].tolist() == ["joy", "sad", "sad"]
    assert [f.rsplit("/", 1)[1] for f in data.filenames] == ["c.webp", "a.png", "b.JPG"]
    assert data.images[1, 0, 0].tolist() == pytest.approx([0, 1, 0], abs=0.02)
    X, y = load_image_folder(tmp_path, return_paths=True, return_X_y=True)
    assert len(X) == 3 and y.tolist() == [0, 1, 1]


def test_image_folder_skips_bad_image(tmp_path):
    _image(tmp_path / "a" / "1.png", COLORS[0])
    (tmp_path / "a" / "2.jpg").write_bytes(b"\xff\xd8 truncated")
    _image(tmp_path / "b" / "1.png", COLORS[2])
    with pytest.raises(ValueError, match="2.jpg"):
        load_image_folder(tmp_path)
    with pytest.warns(UserWarning, match="2.jpg"):
        data = load_image_folder(tmp_path, on_error="warn")
    _assert_bunch(data, 2)
    assert data.target.tolist() == [0, 1]
    assert data.images[1, 0, 0].tolist() == pytest.approx([0, 0, 1], abs=0.02)


def test_image_folder_errors(tmp_path):
    with pytest.raises(ValueError, match="no class subfolders"):
        load_image_folder(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="No image files"):
        load_image_folder(tmp_path)
    with pytest.raises(ValueError, match="root"):
        load_image_folder(tmp_path / "missing")


# -------------------------------------------------------------------- wikiart
WIKIART_META = ["ID", "Style", "Category", "Artist", "Title", "Year", "Is painting",
                "Face/body", "Ave. art rating"]
SCENARIOS = ["Art (image+title)", "ImageOnly", "TitleOnly"]


def _wikiart_tsv(path, rows):
    """rows: (id, {scenario: {emotion: score}})."""
    records = []
    for ident, scores in rows:
        record = dict(zip(WIKIART_META, [ident, "Modern Art", "Cubism", "Anon", "T",
                                         1900, "yes", "face", 1.5]))
        for emotion in WIKIART_EMOTIONS:
            for scenario in SCENARIOS:
                record[f"{scenario}: {emotion}"] = scores.get(scenario, {}).get(emotion, 0)
        records.append(record)
    pd.DataFrame(records).to_csv(path, sep="\t", index=False)
    return path


@pytest.fixture
def wikiart(tmp_path):
    rows = [
        ("58c6a", {"ImageOnly": {"fear": 1, "sadness": 1}, "TitleOnly": {"love": 1}}),
        ("58c6b", {"ImageOnly": {"happiness": 1, "trust": 1}}),  # tie, both positive
        ("58c6c", {"ImageOnly": {"anticipation": 1, "regret": 1}}),  # tie across groups
        ("58c6d", {"TitleOnly": {"fear": 1}}),  # all zero in ImageOnly -> neutral
    ]
    tsv = _wikiart_tsv(tmp_path / "WikiArt-Emotions-Ag4.tsv", rows)
    for (ident, _), color in zip(rows, COLORS):
        _image(tmp_path / "img" / f"{ident}.jpg", color)
    return tsv, tmp_path / "img"


def test_wikiart_bunch_and_dominant(wikiart):
    tsv, images = wikiart
    data = load_wikiart_emotions(tsv, images, size=4)
    _assert_bunch(data, 4)
    assert data.emotions.shape == (4, 20) and data.emotions.dtype == np.float64
    assert data.emotion_names.tolist() == list(WIKIART_EMOTIONS)
    # Ties go to the first emotion in column order; all-zero rows are neutral.
    assert data.dominant_emotion.tolist() == ["fear", "happiness", "anticipation", "neutral"]
    assert data.target.tolist() == [0, 3, 2, 1]
    assert data.frame["dominant_emotion"].tolist() == data.dominant_emotion.tolist()
    assert data.frame["ID"].tolist() == ["58c6a", "58c6b", "58c6c", "58c6d"]
    fear = WIKIART_EMOTIONS.index("fear")
    assert data.emotions[:, fear].tolist() == [1, 0, 0, 0]


@pytest.mark.parametrize("scenario", ["TitleOnly", "title", "TITLE"])
def test_wikiart_scenario_and_aliases(wikiart, scenario):
    tsv, images = wikiart
    data = load_wikiart_emotions(tsv, images, scenario=scenario, return_paths=True)
    _assert_bunch(data, 4, with_images=False)
    assert data.dominant_emotion.tolist() == ["love", "neutral", "neutral", "fear"]
    assert data.target.tolist() == [3, 1, 1, 0]


def test_wikiart_proportions_binary_and_X_y(tmp_path):
    rows = [("p1", {"ImageOnly": {"love": 0.3, "fear": 0.5}}),
            ("p2", {"ImageOnly": {"love": 0.6, "fear": 0.5}})]
    tsv = _wikiart_tsv(tmp_path / "All.tsv", rows)
    for ident, _ in rows:
        _image(tmp_path / f"{ident}.jpg", COLORS[0])
    X, y = load_wikiart_emotions(tsv, tmp_path, scheme="binary", size=3, return_X_y=True)
    assert X.shape == (2, 3, 3, 3) and y.tolist() == [0, 1]


def test_wikiart_errors(wikiart, tmp_path):
    tsv, images = wikiart
    with pytest.raises(ValueError, match="scenario .*ImageOnly"):
        load_wikiart_emotions(tsv, images, scenario="audio")
    frame = pd.read_csv(tsv, sep="\t").drop(columns=["ImageOnly: shyness"])
    frame.to_csv(tmp_path / "cut.tsv", sep="\t", index=False)
    with pytest.raises(ValueError, match=r"'ImageOnly: shyness'.*cut\.tsv"):
        load_wikiart_emotions(tmp_path / "cut.tsv", images)
    (images / "58c6b.jpg").unlink()
    with pytest.raises(ValueError, match="58c6b.jpg"):
        load_wikiart_emotions(tsv, images)
    data = load_wikiart_emotions(tsv, images, on_error="skip")
    assert data.frame["ID"].tolist() == ["58c6a", "58c6c", "58c6d"]
    assert data.emotions.shape == (3, 20)
    assert data.dominant_emotion.tolist() == ["fear", "anticipation", "neutral"]
    assert data.target.tolist() == [0, 2, 1]


# -------------------------------------------------------------------- artemis
ARTEMIS_ROWS = [
    ("Baroque", "caravaggio_judith", "fear"),
    ("Impressionism", "monet_sunrise", "contentment"),
    ("Baroque", "caravaggio_judith", "Disgust "),
    ("Baroque", "caravaggio_judith", "fear"),
    ("Impressionism", "monet_sunrise", "awe"),  # tie: contentment vs awe -> awe first
    ("Impressionism", "degas_dancers", "something else"),
    ("Baroque", "monet_sunrise", "sadness"),  # same name, other style: other painting
]


@pytest.fixture
def artemis(tmp_path):
    frame = pd.DataFrame(ARTEMIS_ROWS, columns=["art_style", "painting", "emotion"])
    frame["utterance"] = "it reminds me of something, somehow"
    frame["repetition"] = 10
    csv = tmp_path / "artemis.csv"
    frame.to_csv(csv, index=False)
    seen = dict.fromkeys((s, p) for s, p, _ in ARTEMIS_ROWS)
    for (style, painting), color in zip(seen, COLORS):
        _image(tmp_path / "wikiart" / style / f"{painting}.jpg", color)
    return csv, tmp_path / "wikiart"


def test_artemis_histogram(artemis):
    csv, root = artemis
    data = load_artemis(csv, root, size=4)
    _assert_bunch(data, 4)
    code = {e: i for i, e in enumerate(ARTEMIS_EMOTIONS)}
    expected = np.zeros((4, 9), dtype=int)
    for painting, emotions in enumerate([["fear", "disgust", "fear"], ["contentment", "awe"],
                                         ["something else"], ["sadness"]]):
        for e in emotions:
            expected[painting, code[e]] += 1
    assert np.array_equal(data.emotion_histogram, expected)
    assert data.emotion_names.tolist() == list(ARTEMIS_EMOTIONS)
    assert data.dominant_emotion.tolist() == ["fear", "awe", "something else", "sadness"]
    assert data.target.tolist() == [0, 3, 1, 0]
    assert data.frame["n_annotations"].tolist() == [3, 2, 1, 1]
    assert data.frame[["art_style", "painting"]].values.tolist() == [
        ["Baroque", "caravaggio_judith"], ["Impressionism", "monet_sunrise"],
        ["Impressionism", "degas_dancers"], ["Baroque", "monet_sunrise"]]
    assert data.filenames[3].endswith("Baroque/monet_sunrise.jpg")
    assert data.images[1, 0, 0].tolist() == pytest.approx([0, 1, 0], abs=0.02)


def test_artemis_binary_paths_and_alignment(artemis):
    csv, root = artemis
    X, y = load_artemis(csv, root, scheme="binary", return_paths=True, return_X_y=True)
    assert y.tolist() == [0, 1, 0, 0] and X[0].endswith("caravaggio_judith.jpg")
    (root / "Impressionism" / "monet_sunrise.jpg").write_bytes(b"")  # zero bytes
    with pytest.raises(ValueError, match="monet_sunrise.jpg"):
        load_artemis(csv, root)
    data = load_artemis(csv, root, on_error="skip")
    _assert_bunch(data, 3)
    assert data.frame["painting"].tolist() == ["caravaggio_judith", "degas_dancers",
                                               "monet_sunrise"]
    assert data.emotion_histogram.sum(axis=1).tolist() == [3, 1, 1]
    assert data.dominant_emotion.tolist() == ["fear", "something else", "sadness"]
    assert data.target.tolist() == [0, 1, 0]


def test_artemis_errors(artemis, tmp_path):
    csv, root = artemis
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"art_style": ["a"], "painting": ["b"], "emotion": ["bliss"]}).to_csv(
        bad, index=False)
    with pytest.raises(ValueError, match="bliss.*something else"):
        load_artemis(bad, root)
    pd.DataFrame({"art_style": ["a"], "emotion": ["awe"]}).to_csv(bad, index=False)
    with pytest.raises(ValueError, match=r"'painting'.*bad\.csv"):
        load_artemis(bad, root)
    with pytest.raises(ValueError, match="image_root"):
        load_artemis(csv, tmp_path / "nowhere")


def test_thesis_csv_bom_and_literal_na_title(tmp_path):
    # Spreadsheet exports often start with a BOM; a title "NA" is a title, not missing.
    csv = tmp_path / "bom.csv"
    csv.write_text("TitleNames|Emotion|Genre\nNA|n/a|portrait\n", encoding="utf-8-sig")
    _image(tmp_path / _b64("NA"), COLORS[0])
    data = load_thesis_csv(csv, tmp_path, genre="portrait", return_paths=True)
    assert data.frame["TitleNames"].tolist() == ["NA"]
    assert data.filenames[0].endswith(_b64("NA")) and data.target.tolist() == [1]
