import math

import numpy as np
import pandas as pd
import pytest

from skemo.datasets import (
    ARTEMIS_EMOTIONS,
    ARTEMIS_TO_THESIS4,
    TARGET_NAMES,
    THESIS4_GROUPS,
    WIKIART_EMOTIONS,
    WIKIART_TO_THESIS4,
    group_emotions,
)

THESIS_EXPECTED = {
    "sadness": 0, "fear": 0, "disgust": 0, "anger": 0,
    "neutral": 1, "none": 1,
    "lust": 2, "envy": 2, "surprise": 2,
    "optimism": 3, "joy": 3, "love": 3,
}


@pytest.mark.parametrize("label, group", sorted(THESIS_EXPECTED.items()))
def test_thesis4_each_word(label, group):
    assert group_emotions([label]).tolist() == [group]


def test_thesis4_table_is_the_issue_table():
    assert THESIS4_GROUPS == THESIS_EXPECTED
    assert TARGET_NAMES["thesis4"] == ("negative", "neutral", "ambivalent", "positive")
    assert TARGET_NAMES["binary"] == ("other", "positive")


def test_case_and_whitespace_insensitive():
    out = group_emotions(["JOY", "  Fear\t", "Surprise ", "lOvE"])
    assert out.tolist() == [3, 0, 2, 3]
    assert out.dtype.kind == "i"


@pytest.mark.parametrize(
    "missing", [None, float("nan"), np.nan, pd.NA, "", "  ", "NA", "n/a", "N/A", "None"]
)
def test_missing_values_are_neutral(missing):
    assert group_emotions(["joy", missing]).tolist() == [3, 1]
    assert group_emotions(["joy", missing], scheme="binary").tolist() == [1, 0]


def test_pandas_series_with_nan():
    labels = pd.Series(["anger", math.nan, "envy"])
    assert group_emotions(labels).tolist() == [0, 1, 2]


def test_binary_scheme():
    labels = list(THESIS_EXPECTED)
    expected = [int(lab in {"optimism", "joy", "love"}) for lab in labels]
    assert group_emotions(labels, scheme="binary").tolist() == expected


def test_unknown_label_error_lists_known_labels():
    with pytest.raises(ValueError, match="boredom") as info:
        group_emotions(["joy", "boredom"])
    message = str(info.value)
    for word in THESIS_EXPECTED:
        assert repr(word) in message
    assert "unknown=" in message


def test_unknown_group():
    assert group_emotions(["joy", "boredom", "Bliss"], unknown=1).tolist() == [3, 1, 1]
    assert group_emotions(["joy", "boredom"], scheme="binary", unknown=0).tolist() == [1, 0]


@pytest.mark.parametrize("bad", [4, -1, 1.5, "1", True])
def test_unknown_out_of_range(bad):
    with pytest.raises(ValueError, match="unknown"):
        group_emotions(["joy"], unknown=bad)


def test_binary_unknown_must_be_binary():
    with pytest.raises(ValueError, match=r"unknown .*\[0, 1\]"):
        group_emotions(["boredom"], scheme="binary", unknown=3)


def test_bad_scheme_and_vocabulary():
    with pytest.raises(ValueError, match="scheme .*'binary'.*'thesis4'"):
        group_emotions(["joy"], scheme="thesis5")
    with pytest.raises(ValueError, match="vocabulary .*'artemis'"):
        group_emotions(["joy"], vocabulary="imdb")


def test_single_string_and_2d_rejected():
    with pytest.raises(TypeError, match="labels"):
        group_emotions("joy")
    with pytest.raises(ValueError, match="1-d"):
        group_emotions([["joy"]])


def test_empty_input():
    out = group_emotions([])
    assert out.shape == (0,) and out.dtype.kind == "i"


def test_thesis_vocabulary_is_strict():
    # "happiness" is a WikiArt word; the thesis vocabulary must not guess it.
    with pytest.raises(ValueError, match="happiness"):
        group_emotions(["happiness"])


def test_every_wikiart_emotion_is_mapped():
    assert len(WIKIART_EMOTIONS) == 20 == len(set(WIKIART_EMOTIONS))
    assert set(WIKIART_TO_THESIS4) == set(WIKIART_EMOTIONS)
    out = group_emotions(list(WIKIART_EMOTIONS), vocabulary="wikiart")
    assert out.tolist() == [WIKIART_TO_THESIS4[e] for e in WIKIART_EMOTIONS]
    assert set(out) == {0, 1, 2, 3}


def test_every_artemis_emotion_is_mapped():
    assert len(ARTEMIS_EMOTIONS) == 9
    assert set(ARTEMIS_TO_THESIS4) == set(ARTEMIS_EMOTIONS)
    out = group_emotions([e.upper() for e in ARTEMIS_EMOTIONS], vocabulary="artemis")
    assert out.tolist() == [3, 3, 3, 3, 0, 0, 0, 0, 1]


def test_shared_words_agree_across_vocabularies():
    # A word that two vocabularies share must land in the same group.
    for mapping in (WIKIART_TO_THESIS4, ARTEMIS_TO_THESIS4):
        for word, group in mapping.items():
            if word in THESIS4_GROUPS:
                assert THESIS4_GROUPS[word] == group, word


def test_wikiart_valence_choices():
    positive = {"gratitude", "happiness", "humility", "love", "optimism", "trust"}
    negative = {
        "anger", "arrogance", "disagreeableness", "disgust", "fear", "pessimism",
        "regret", "sadness", "shame",
    }
    assert {e for e, g in WIKIART_TO_THESIS4.items() if g == 3} == positive
    assert {e for e, g in WIKIART_TO_THESIS4.items() if g == 0} == negative
    assert {e for e, g in WIKIART_TO_THESIS4.items() if g == 1} == {"neutral"}


def test_binary_on_other_vocabularies():
    out = group_emotions(["happiness", "surprise", "trust"], "binary", vocabulary="wikiart")
    assert out.tolist() == [1, 0, 1]
    out = group_emotions(["awe", "something else", "fear"], "binary", vocabulary="artemis")
    assert out.tolist() == [1, 0, 0]
