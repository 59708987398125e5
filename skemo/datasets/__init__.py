"""Data sets: the thesis emotion taxonomy, real-data loaders and synthetic paintings.

The loaders cover the thesis CSV, one-folder-per-class image trees, WikiArt
Emotions, ArtEmis, OASIS and, through :func:`load_ratings`, any table of
per-image ratings.
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
