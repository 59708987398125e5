"""Emotion taxonomy: map emotion words onto the thesis's emotion groups.

The thesis this project reproduces labels each painting with one emotion word
and groups the words into four classes (``scheme="thesis4"``):

====  ==============  ==========================================
code  name            emotion words
====  ==============  ==========================================
0     ``negative``    sadness, fear, disgust, anger
1     ``neutral``     neutral, none, and missing values (NA)
2     ``ambivalent``  lust, envy, surprise
3     ``positive``    optimism, joy, love
====  ==============  ==========================================

Group 2 is called ``ambivalent`` because its words have no fixed valence:
surprise can be pleasant or not, and lust and envy mix attraction with a
negative moral judgement.

The ``"binary"`` scheme keeps only the valence the thesis cares most about:
1 (``positive``) for optimism, joy and love, 0 (``other``) for every other
known word, missing values included.

Two public vocabularies are mapped onto the same four groups, so that models
trained on one data set can be scored on another (see :data:`WIKIART_TO_THESIS4`
and :data:`ARTEMIS_TO_THESIS4` for the reasons behind each choice).
"""

import math
import numbers

import numpy as np

__all__ = [
    "ARTEMIS_EMOTIONS",
    "ARTEMIS_TO_THESIS4",
    "TARGET_NAMES",
    "THESIS4_GROUPS",
    "WIKIART_EMOTIONS",
    "WIKIART_TO_THESIS4",
    "group_emotions",
]

#: Thesis emotion word -> thesis4 group code (``none`` is the thesis's own
#: spelling of "no emotion"; other missing-value spellings are handled by
#: :func:`group_emotions`).
THESIS4_GROUPS = {
    "sadness": 0,
    "fear": 0,
    "disgust": 0,
    "anger": 0,
    "neutral": 1,
    "none": 1,
    "lust": 2,
    "envy": 2,
    "surprise": 2,
    "optimism": 3,
    "joy": 3,
    "love": 3,
}

#: Class names of each scheme, indexed by group code.
TARGET_NAMES = {
    "thesis4": ("negative", "neutral", "ambivalent", "positive"),
    "binary": ("other", "positive"),
}

#: The 20 WikiArt Emotions emotions, in the column order of the published TSV.
WIKIART_EMOTIONS = (
    "agreeableness",
    "anger",
    "anticipation",
    "arrogance",
    "disagreeableness",
    "disgust",
    "fear",
    "gratitude",
    "happiness",
    "humility",
    "love",
    "optimism",
    "pessimism",
    "regret",
    "sadness",
    "shame",
    "shyness",
    "surprise",
    "trust",
    "neutral",
)

#: WikiArt Emotions emotion -> thesis4 group code.
#:
#: Words shared with the thesis (anger, disgust, fear, sadness, love, optimism,
#: surprise, neutral) keep their thesis group. For the others we follow the
#: positive / negative / "other or mixed" split that the dataset's authors
#: (Mohammad & Kiritchenko, LREC 2018) use, with "other or mixed" sent to the
#: thesis's ``ambivalent`` group:
#:
#: - happiness -> positive: the thesis's "joy" under another name.
#: - gratitude, humility, trust -> positive: the authors list them as positive
#:   emotions; in Plutchik's wheel trust and joy together make love.
#: - pessimism -> negative: the opposite of optimism.
#: - regret, shame -> negative: self-directed forms of sadness.
#: - arrogance -> negative: listed as negative by the authors (vanity, hubris,
#:   conceit). One could argue for ``ambivalent`` by analogy with envy and lust
#:   (pride is the third deadly sin), but raters who chose it disliked what
#:   they saw, so valence wins.
#: - disagreeableness -> negative: a dislike of the work, closest to disgust.
#: - agreeableness -> ambivalent: the authors file it under "other or mixed";
#:   it records approval of the work rather than a felt emotion, so it is not
#:   strong enough evidence for the ``positive`` group.
#: - anticipation -> ambivalent: the counterpart of surprise in Plutchik's
#:   wheel, aroused but without a fixed valence.
#: - shyness -> ambivalent: "other or mixed" for the authors; an emotion, so
#:   not ``neutral``, but with no clear valence.
WIKIART_TO_THESIS4 = {
    "agreeableness": 2,
    "anger": 0,
    "anticipation": 2,
    "arrogance": 0,
    "disagreeableness": 0,
    "disgust": 0,
    "fear": 0,
    "gratitude": 3,
    "happiness": 3,
    "humility": 3,
    "love": 3,
    "optimism": 3,
    "pessimism": 0,
    "regret": 0,
    "sadness": 0,
    "shame": 0,
    "shyness": 2,
    "surprise": 2,
    "trust": 3,
    "neutral": 1,
}

#: The 9 ArtEmis emotions, positive ones first, as in the ArtEmis paper.
ARTEMIS_EMOTIONS = (
    "amusement",
    "awe",
    "contentment",
    "excitement",
    "anger",
    "disgust",
    "fear",
    "sadness",
    "something else",
)

#: ArtEmis emotion -> thesis4 group code.
#:
#: - anger, disgust, fear, sadness -> negative: the same words as the thesis.
#: - amusement, contentment -> positive: forms of joy.
#: - excitement -> positive: ArtEmis counts it as positive; it is joy with
#:   high arousal, not the valence-free arousal of surprise.
#: - awe -> positive: ArtEmis counts it as positive. Awe has a surprise-like
#:   component, but ArtEmis raters use it for the sublime and the beautiful,
#:   which is closer to the thesis's love/optimism than to lust or envy.
#: - something else -> neutral: the rater felt none of the eight emotions, so
#:   the label carries no valence; this matches the thesis's "none".
ARTEMIS_TO_THESIS4 = {
    "amusement": 3,
    "awe": 3,
    "contentment": 3,
    "excitement": 3,
    "anger": 0,
    "disgust": 0,
    "fear": 0,
    "sadness": 0,
    "something else": 1,
}

_VOCABULARIES = {
    "thesis": THESIS4_GROUPS,
    "wikiart": WIKIART_TO_THESIS4,
    "artemis": ARTEMIS_TO_THESIS4,
}
_NA_STRINGS = frozenset({"", "na", "n/a", "nan", "none"})
_NEUTRAL = 1
_POSITIVE = 3


def _is_missing(label):
    if label is None:
        return True
    if isinstance(label, numbers.Real) and not isinstance(label, bool):
        return math.isnan(label)
    # pandas.NA and numpy datetime NaT refuse bool(); they are missing too.
    try:
        return bool(label != label)
    except TypeError:
        return True


def group_emotions(labels, scheme="thesis4", unknown=None, vocabulary="thesis"):
    """Map emotion words onto the thesis's emotion groups.

    Matching ignores case and surrounding whitespace. Missing values
    (``None``, NaN, ``""``, ``"na"``, ``"n/a"``, ``"none"``) count as
    ``neutral`` in ``"thesis4"`` and as ``other`` in ``"binary"``.

    Parameters
    ----------
    labels : array-like of str of shape (n_samples,)
        Emotion words, e.g. the thesis CSV's ``Emotion`` column.
    scheme : {"thesis4", "binary"}, default="thesis4"
        ``"thesis4"``: 0 = negative (sadness, fear, disgust, anger),
        1 = neutral (neutral, none, missing), 2 = ambivalent (lust, envy,
        surprise), 3 = positive (optimism, joy, love). ``"binary"``:
        1 = positive (optimism, joy, love), 0 = every other known word.
        Class names are in ``TARGET_NAMES[scheme]``.
    unknown : int or None, default=None
        Group code given to words outside the vocabulary. ``None`` raises
        a ``ValueError`` listing the known words instead.
    vocabulary : {"thesis", "wikiart", "artemis"}, default="thesis"
        Which words are known: the thesis's own (:data:`THESIS4_GROUPS`), the
        20 WikiArt Emotions emotions (:data:`WIKIART_TO_THESIS4`) or the 9
        ArtEmis emotions (:data:`ARTEMIS_TO_THESIS4`).

    Returns
    -------
    groups : ndarray of int of shape (n_samples,)
        The group code of each label.

    Raises
    ------
    ValueError
        If a label is unknown and ``unknown`` is None, or if ``scheme``,
        ``vocabulary`` or ``unknown`` is not one of the allowed values.

    Examples
    --------
    >>> from skemo.datasets import group_emotions
    >>> group_emotions(["Joy", " fear ", None, "envy", "NA"])
    array([3, 0, 1, 2, 1])
    >>> group_emotions(["joy", "surprise", "neutral"], scheme="binary")
    array([1, 0, 0])
    >>> group_emotions(["joy", "boredom"], unknown=1)
    array([3, 1])
    >>> group_emotions(["awe", "something else"], vocabulary="artemis")
    array([3, 1])
    """
    if scheme not in TARGET_NAMES:
        raise ValueError(
            f"scheme must be one of {sorted(TARGET_NAMES)}; got {scheme!r}."
        )
    if vocabulary not in _VOCABULARIES:
        raise ValueError(
            f"vocabulary must be one of {sorted(_VOCABULARIES)}; got {vocabulary!r}."
        )
    n_groups = len(TARGET_NAMES[scheme])
    if unknown is not None and (
        not isinstance(unknown, numbers.Integral)
        or isinstance(unknown, bool)
        or not 0 <= unknown < n_groups
    ):
        raise ValueError(
            f"unknown must be None or an int in [0, {n_groups - 1}] for "
            f"scheme={scheme!r}; got {unknown!r}."
        )
    if isinstance(labels, (str, bytes)):
        raise TypeError(
            "labels must be a sequence of emotion words, not a single string; "
            f"got {labels!r}. Wrap it in a list."
        )
    labels = np.asarray(labels, dtype=object)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-d; got shape {labels.shape}.")

    mapping = _VOCABULARIES[vocabulary]
    groups = np.empty(labels.shape[0], dtype=np.int64)
    bad = []
    for i, label in enumerate(labels):
        if _is_missing(label):
            group = _NEUTRAL
        else:
            key = str(label).strip().lower()
            group = _NEUTRAL if key in _NA_STRINGS else mapping.get(key)
        if group is None:
            if unknown is None:
                bad.append(label)
                continue
            groups[i] = unknown
        elif scheme == "binary":
            groups[i] = int(group == _POSITIVE)
        else:
            groups[i] = group
    if bad:
        unique_bad = sorted({str(b) for b in bad})
        raise ValueError(
            f"Unknown emotion label(s) {unique_bad[:10]} for vocabulary="
            f"{vocabulary!r}. Known labels (case-insensitive): "
            f"{sorted(mapping)}; missing values {sorted(_NA_STRINGS)} and None/NaN "
            "count as neutral. Pass unknown=<group> to map other labels."
        )
    return groups
