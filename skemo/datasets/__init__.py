"""Data sets: the thesis emotion taxonomy, real-data loaders and synthetic paintings.

The loaders cover the thesis CSV, one-folder-per-class image trees, WikiArt
Emotions, ArtEmis, OASIS and, through :func:`load_ratings`, any table of
per-image ratings.

The taxonomy's tables are public data: ``THESIS4_GROUPS`` maps the thesis's
emotion words to its four groups, ``TARGET_NAMES`` names each scheme's
classes, and the ``WIKIART_*`` and ``ARTEMIS_*`` tables do the same for those
data sets' emotion vocabularies.

Examples
--------
>>> from skemo.datasets import (ARTEMIS_EMOTIONS, ARTEMIS_TO_THESIS4, TARGET_NAMES,
...     THESIS4_GROUPS, WIKIART_EMOTIONS, WIKIART_TO_THESIS4)
>>> THESIS4_GROUPS["joy"], TARGET_NAMES["thesis4"][THESIS4_GROUPS["joy"]]
(3, 'positive')
>>> len(WIKIART_EMOTIONS), WIKIART_TO_THESIS4["fear"]
(20, 0)
>>> len(ARTEMIS_EMOTIONS), ARTEMIS_TO_THESIS4["contentment"]
(9, 3)
"""

from ._art_emotions import load_artemis, load_wikiart_emotions
from ._loaders import load_image_folder, load_thesis_csv
from ._oasis import load_oasis
from ._ratings import load_ratings
from ._synthetic import make_paintings
from ._taxonomy import (
    ARTEMIS_EMOTIONS,
    ARTEMIS_TO_THESIS4,
    TARGET_NAMES,
    THESIS4_GROUPS,
    WIKIART_EMOTIONS,
    WIKIART_TO_THESIS4,
    group_emotions,
)

__all__ = [
    "ARTEMIS_EMOTIONS",
    "ARTEMIS_TO_THESIS4",
    "TARGET_NAMES",
    "THESIS4_GROUPS",
    "WIKIART_EMOTIONS",
    "WIKIART_TO_THESIS4",
    "group_emotions",
    "load_artemis",
    "load_image_folder",
    "load_oasis",
    "load_ratings",
    "load_thesis_csv",
    "load_wikiart_emotions",
    "make_paintings",
]
