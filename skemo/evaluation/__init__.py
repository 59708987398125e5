"""Evaluating the models side by side: the engine and report of ``skemo compare``.

:func:`compare_models` cross-validates the thesis's models (``MODEL_NAMES``)
on the same stratified folds, with the backbone :func:`default_backbone`
picks; :func:`summarize` and :func:`format_table` condense the per-fold rows,
and :func:`write_report` writes the table, the CSV and the figures to a folder.
Looking inside one fitted model (CAM, plots) is :mod:`skemo.inspection`.

Examples
--------
>>> from skemo.evaluation import MODEL_NAMES
>>> MODEL_NAMES
('majority', 'cvfc', 'shallnet', 'transfer', 'fusion', 'shallnet+aug')
"""

from ._compare import MODEL_NAMES, compare_models, default_backbone, summarize
from ._report import format_table, write_report

__all__ = [
    "MODEL_NAMES",
    "compare_models",
    "default_backbone",
    "format_table",
    "summarize",
    "write_report",
]
