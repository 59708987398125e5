"""The shared base class: the sklearn checks that apply to image transformers.

``parametrize_with_checks`` feeds tabular 2-D X, which these transformers reject by
design (their input is images or paths), so the applicable subset is run by hand:
clone, get/set_params, pickling, fit idempotence, fitted-state checks and tags.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags

from skemo.features import BrightnessFeatures, PaintingFeatures, TextureFeatures

ESTIMATORS = [
    BrightnessFeatures(),
    TextureFeatures(image_size=16),
    PaintingFeatures(image_size=16, texture=TextureFeatures(image_size=16), random_state=0),
]


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_sklearn_contract(est, tiny_images):
    with pytest.raises(NotFittedError):
        clone(est).transform(tiny_images)
    with pytest.raises(NotFittedError):
        clone(est).get_feature_names_out()
    fitted = clone(est).fit(tiny_images)
    first = fitted.transform(tiny_images)
    assert first.dtype == np.float64 and first.shape == (8, fitted.n_features_out_)
    assert len(fitted.get_feature_names_out()) == fitted.n_features_out_
    np.testing.assert_array_equal(fitted.fit(tiny_images).transform(tiny_images), first)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).transform(tiny_images), first)
    assert clone(est).get_params(deep=False).keys() == est.get_params(deep=False).keys()
    assert clone(est).set_params(verbose=1).verbose == 1
    tags = get_tags(est)
    assert tags.requires_fit and not tags.input_tags.two_d_array


def test_empty_input_is_rejected():
    with pytest.raises(ValueError):
        BrightnessFeatures().fit(np.zeros((1, 4, 4, 3))).transform(np.zeros((0, 4, 4, 3)))


def test_chunks_shrink_to_balance_workers():
    feat = BrightnessFeatures()
    feat._chunk_size = 16
    X = np.zeros((60, 4, 4, 3))
    serial = [len(raw) for _, raw in feat._chunks(X)]
    assert serial == [16, 16, 16, 12]  # at most _chunk_size images a chunk
    parallel = list(feat._chunks(X, n_workers=4))  # about four chunks a worker
    assert [start for start, _ in parallel] == list(range(0, 60, 4))
    assert sum(len(raw) for _, raw in parallel) == 60
    # Never above _chunk_size, however many images.
    big = np.zeros((1000, 1, 1, 3))
    assert max(len(raw) for _, raw in feat._chunks(big, n_workers=2)) == 16
