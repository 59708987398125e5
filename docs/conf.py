"""Sphinx configuration for skemo."""

import skemo

project = "skemo"
author = "skemo developers"
copyright = "2026, skemo developers"
release = skemo.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
autodoc_default_options = {
    "members": True,
    "inherited-members": False,
    # sklearn's generated metadata-routing setters add noise, not information
    "exclude-members": ",".join(
        f"set_{method}_request"
        for method in ("fit", "score", "predict", "predict_proba", "transform", "partial_fit")
    ),
}
# Docstrings inherited from scikit-learn (``score``) link to its own pages; with
# no network at build time there is no inventory to resolve them against.
suppress_warnings = ["ref.ref", "ref.term"]
numpydoc_show_class_members = False
numpydoc_validation_checks = set()
templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py", "**/sg_execution_times.rst"]

html_theme = "pydata_sphinx_theme"
html_title = "skemo"
html_static_path = []

# No network at build time: intersphinx inventories are optional.
intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "write_computation_times": True,
    # Each API page ends with the gallery examples that use its object
    # (the ``minigallery`` in docs/_templates/autosummary; it names both the
    # object's subpackage path and the top-level re-export sphinx-gallery records).
    "doc_module": ("skemo",),
    "backreferences_dir": "generated/backreferences",
}
