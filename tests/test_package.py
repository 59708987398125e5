"""Top-level package: lazy re-exports resolve, and nothing heavy loads on import."""

import importlib
import subprocess
import sys

import pytest

import skemo


@pytest.mark.parametrize("name", skemo.__all__)
def test_every_export_resolves(name):
    obj = getattr(skemo, name)
    module = importlib.import_module(skemo._WHERE[name])
    assert obj is getattr(module, name)
    assert name in module.__all__


def test_unknown_attribute():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        skemo.nope  # noqa: B018


def test_import_does_not_load_torch():
    code = "import sys, skemo; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_inspection_and_evaluation_split():
    # sklearn's sense: inspection looks inside one fitted model; comparing
    # models lives in evaluation alone, with no alias left behind.
    import skemo.evaluation
    import skemo.inspection

    assert skemo.compare_models is skemo.evaluation.compare_models
    assert not set(skemo.evaluation.__all__) & set(skemo.inspection.__all__)
    for name in skemo.evaluation.__all__:
        assert not hasattr(skemo.inspection, name), name
