"""Every public name is in the API reference and carries a runnable example.

The walk covers ``skemo.__all__`` and the ``__all__`` of every public
subpackage, so a name added to a subpackage without docs fails here.
"""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import skemo

API = (Path(__file__).resolve().parents[1] / "docs" / "api.rst").read_text()
SUBPACKAGES = sorted(
    info.name for info in pkgutil.iter_modules(skemo.__path__)
    if info.ispkg and not info.name.startswith("_") and info.name != "cli"
)


def _public():
    for sub in SUBPACKAGES:
        module = importlib.import_module(f"skemo.{sub}")
        for name in module.__all__:
            yield sub, name, getattr(module, name)


PUBLIC = list(_public())
IDS = [f"{sub}.{name}" for sub, name, _ in PUBLIC]


def _documented(sub, name):
    entry = rf"^\s+{re.escape(sub)}\.{re.escape(name)}\s*$"
    directive = rf"^\.\. auto\w+:: skemo\.{re.escape(sub)}\.{re.escape(name)}\s*$"
    return bool(re.search(entry, API, re.M) or re.search(directive, API, re.M))


def test_the_walk_sees_every_subpackage():
    assert {"augment", "datasets", "evaluation", "features", "gan", "inspection", "io",
            "models"} <= set(SUBPACKAGES)
    assert len(PUBLIC) > 60


@pytest.mark.parametrize("name", skemo.__all__)
def test_top_level_names_are_documented_where_they_live(name):
    sub = skemo._WHERE[name].split(".")[1]
    assert _documented(sub, name), f"skemo.{name} is not in docs/api.rst as {sub}.{name}"


@pytest.mark.parametrize(("sub", "name", "obj"), PUBLIC, ids=IDS)
def test_public_name_is_in_the_api_reference(sub, name, obj):
    assert _documented(sub, name), f"skemo.{sub}.{name} is missing from docs/api.rst"


@pytest.mark.parametrize(("sub", "name", "obj"), PUBLIC, ids=IDS)
def test_public_name_has_a_runnable_example(sub, name, obj):
    if callable(obj):
        doc = inspect.getdoc(obj) or ""
        section = doc.partition("Examples\n--------\n")[2]
        assert ">>> " in section, f"skemo.{sub}.{name} has no Examples section with a doctest"
    else:
        # Data (a dict or tuple) carries no docstring: its subpackage's
        # docstring shows it in a doctest, which pytest runs.
        doc = importlib.import_module(f"skemo.{sub}").__doc__ or ""
        lines = [line for line in doc.splitlines() if line.lstrip().startswith(">>> ")]
        assert any(name in line for line in lines), (
            f"skemo.{sub}.{name} is used in no doctest of skemo.{sub}'s docstring"
        )


# First person singular in prose: "I", "I'm", "me", "my", "mine", "myself". A
# capital I counts only before a space or an apostrophe (not the identity
# matrix "1e-6 * I" nor a Roman numeral in a heading, which are followed by
# punctuation or nothing).
FIRST_PERSON = re.compile(r"(?<![\w*.=])I(?=[ '’])|\b[Mm](?:e|y|ine|yself)\b")
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "path",
    [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.rst")),
     *sorted((ROOT / "examples").glob("*.py"))],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_documents_speak_as_the_project_not_as_one_person(path):
    hits = [f"{path.name}:{n}: {line.strip()}"
            for n, line in enumerate(path.read_text().splitlines(), 1)
            if FIRST_PERSON.search(line)]
    assert not hits, "\n".join(hits)
