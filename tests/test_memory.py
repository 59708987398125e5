"""Bounded memory over path lists (issue 11): deterministic properties only.

The peak-RSS measurements live in benchmarks/bench_memory.py; here: the heap is
trimmed once per chunk of decoded files (and never for arrays), no batch is kept
alive across chunks, and the trim is a guarded no-op where glibc is absent.
"""

import gc
import weakref

import numpy as np
import pytest
from joblib import effective_n_jobs
from PIL import Image

import skemo.features._base as features_base
import skemo.io._check as check
from skemo.features import BrightnessFeatures, PaintingFeatures
from skemo.models import BackboneEmbedding
from skemo.models._base import image_batches


@pytest.fixture
def varied_paths(tmp_path):
    rng = np.random.default_rng(0)
    paths = []
    for i in range(7):
        h, w = 20 + 7 * i, 40 - 3 * i
        path = tmp_path / f"img_{i}.jpg"
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(path)
        paths.append(str(path))
    return paths


@pytest.fixture
def trims(monkeypatch):
    calls = []
    monkeypatch.setattr(check, "_malloc_trim", lambda: lambda pad: calls.append(pad))
    return calls


def test_release_freed_memory_calls_malloc_trim_zero(trims):
    check.release_freed_memory()
    assert trims == [0]


def test_release_freed_memory_switch_off(trims, monkeypatch):
    monkeypatch.setattr(check, "_RELEASE_BETWEEN_CHUNKS", False)
    check.release_freed_memory()
    assert trims == []


def test_malloc_trim_absent_off_linux_is_a_no_op(monkeypatch):
    monkeypatch.setattr(check.sys, "platform", "darwin")
    check._malloc_trim.cache_clear()
    try:
        assert check._malloc_trim() is None
        check.release_freed_memory()  # nothing to call, nothing raised
    finally:
        check._malloc_trim.cache_clear()


def test_iter_image_chunks_trims_after_each_path_chunk(varied_paths, trims):
    seen = []
    for _, chunk in check.iter_image_chunks(varied_paths, chunk_size=3, size=8):
        seen.append(len(trims))
        del chunk
    assert seen == [0, 1, 2]  # the trim comes after the consumer is done with a chunk
    assert len(trims) == 3


def test_iter_image_chunks_arrays_not_trimmed(trims):
    chunks = list(check.iter_image_chunks(np.zeros((5, 4, 4, 3), np.uint8), chunk_size=2))
    assert len(chunks) == 3 and trims == []


def test_image_batches_keep_no_batch_alive(varied_paths, monkeypatch):
    # At each trim, neither the decoded chunk nor the tensor made from it may still
    # be referenced, or the trim could not give their pages back.
    import skemo.io._pipeline as pipeline

    refs, alive_at_trim = [], []
    to_device = pipeline.to_device

    def recording_to_tensor(images, device="cpu"):
        tensor = to_device(images, device)
        refs.extend([weakref.ref(images), weakref.ref(tensor)])
        return tensor

    def trim(pad):
        gc.collect()
        alive_at_trim.append(sum(r() is not None for r in refs))

    monkeypatch.setattr(pipeline, "to_device", recording_to_tensor)
    monkeypatch.setattr(check, "_malloc_trim", lambda: trim)
    shapes = []
    for batch in image_batches(varied_paths, batch_size=2, size=(8, 8)):
        shapes.append(tuple(batch.shape))
        del batch
    assert alive_at_trim == [0, 0, 0, 0]
    assert shapes == [(2, 3, 8, 8)] * 3 + [(1, 3, 8, 8)]


def test_backbone_embedding_trims_once_per_batch(varied_paths, trims):
    emb = BackboneEmbedding("resnet18", weights=None, image_size=16, batch_size=3,
                            random_state=0).fit()
    out = emb.transform(varied_paths)
    assert out.shape[0] == 7 and len(trims) == 3
    trims.clear()
    emb.transform(np.zeros((7, 16, 16, 3), np.uint8))
    assert trims == []


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_features_trim_once_per_path_chunk(varied_paths, n_jobs, monkeypatch):
    calls = []
    monkeypatch.setattr(features_base, "release_freed_memory", lambda: calls.append(1))
    feat = PaintingFeatures(image_size=16, n_jobs=n_jobs, random_state=0).set_params(
        texture__image_size=16
    )
    feat.fit(varied_paths)
    n_chunks = len(list(feat._chunks(varied_paths, effective_n_jobs(n_jobs))))
    calls.clear()
    feat.transform(varied_paths)
    assert len(calls) == n_chunks
    calls.clear()
    feat.transform(np.zeros((7, 16, 16, 3), np.uint8))
    assert calls == []


def test_features_fit_chunks_trimmed(varied_paths, monkeypatch):
    calls = []
    monkeypatch.setattr(features_base, "release_freed_memory", lambda: calls.append(1))
    block = BrightnessFeatures().fit(varied_paths)
    chunks = list(block._loaded_chunks(varied_paths))
    assert len(chunks) == 1 and len(calls) == 1
