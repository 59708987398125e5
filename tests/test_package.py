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
