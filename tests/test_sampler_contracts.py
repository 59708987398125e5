"""imbalanced-learn's sampler contract, for skemo's image samplers, and the GANs' target tag.

imbalanced-learn's own checks (``imblearn.utils.estimator_checks``) run on
both augmenters. They feed 2-D feature tables, which neither accepts: both
take images ``(n, H, W, 3)`` or image files. So each check that needs a table
is skipped there, with the reason, and runs here again on images, as written
in ``IMAGE_CHECKS`` (the same assertions on a small image version of the same
data). ``test_every_imblearn_check_is_run_on_tables_or_on_images`` keeps the
two lists in step when imbalanced-learn adds a check.
"""

from collections import Counter
from functools import partial

import numpy as np
import pytest
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils.estimator_checks import estimator_checks_generator
from PIL import Image
from sklearn.preprocessing import label_binarize
from sklearn.utils import get_tags
from sklearn.utils.multiclass import type_of_target

from skemo.augment import FlipRotateAugmenter
from skemo.gan import DCGAN, GANAugmenter

SIZE = 16


def _gan(**params):
    return DCGAN(image_size=SIZE, max_epochs=1, batch_size=8, latent_dim=8,
                 **{"module__ngf": 4, "discriminator__ndf": 4, **params})


SAMPLERS = [FlipRotateAugmenter(random_state=0), GANAugmenter(_gan(), random_state=0)]


def _name(check):
    """The check's function name, through imbalanced-learn's partial and skip wrapper."""
    while hasattr(check, "__wrapped__"):
        check = check.__wrapped__
    return check.func.__name__ if isinstance(check, partial) else check.__name__


def _id(value):
    return type(value).__name__ if hasattr(value, "fit_resample") else _name(value)


# -- image versions of imbalanced-learn's sampler checks (its 0.14 wording) -----------------
def sample_image_dataset(n_per_class=(6, 9, 15), seed=0):
    """imbalanced-learn's sample_dataset_generator in images: three classes, 20/30/50 %."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.repeat(np.arange(len(n_per_class)), n_per_class))
    X = rng.integers(0, 256, (len(y), SIZE, SIZE, 3), dtype=np.uint8)
    return X, y


def _images(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, SIZE, SIZE, 3), dtype=np.uint8)


def check_target_type(sampler, tmp_path):
    # The error must come from y: the images are valid.
    X = _images(20)
    with pytest.raises(ValueError, match="Unknown label type"):
        sampler.fit_resample(X, np.linspace(0, 1, 20))
    y = np.random.RandomState(42).randint(2, size=(20, 3))
    with pytest.raises(ValueError, match="Multilabel and multioutput targets are not supported"):
        sampler.fit_resample(X, y)


def check_samplers_one_label(sampler, tmp_path):
    with pytest.raises(ValueError, match="class"):
        sampler.fit_resample(_images(20), np.zeros(20))


def check_samplers_fit(sampler, tmp_path):
    X, y = _images(30), np.array([1] * 20 + [0] * 10)
    sampler.fit(X, y)
    assert hasattr(sampler, "sampling_strategy_"), "No fitted attribute sampling_strategy_"


def check_samplers_fit_resample(sampler, tmp_path):
    X, y = sample_image_dataset()
    X_res, y_res = sampler.fit_resample(X, y)
    counts, counts_res = Counter(y), Counter(y_res)
    if isinstance(sampler, BaseOverSampler):
        assert all(value >= max(counts.values()) for value in counts_res.values())
    else:
        # imbalanced-learn asserts nothing for a sampler of no kind; the
        # augmenter's own contract: every class grows by n_copies copies.
        assert counts_res == {c: k * (1 + sampler.n_copies) for c, k in counts.items()}
    assert len(X_res) == len(y_res)


def check_samplers_sampling_strategy_fit_resample(sampler, tmp_path):
    X, y = sample_image_dataset()
    expected = Counter(y)[1]
    sampler.set_params(sampling_strategy={2: 15, 0: 15})
    _, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res)[1] == expected and Counter(y_res)[0] == 15


def check_samplers_list(sampler, tmp_path):
    # A list of images is a list of their files. Resampling them gives the
    # arrays the decoded images give (imbalanced-learn would hand a list
    # back, but generated and transformed images have no files to list), and
    # labels given as a list come back as the same labels.
    X, y = sample_image_dataset()
    paths = []
    for i, image in enumerate(X):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(image).save(paths[-1])
    X_res, y_res = sampler.fit_resample(X, y)
    X_res_list, y_res_list = sampler.fit_resample(paths, y.tolist())
    np.testing.assert_allclose(X_res, X_res_list)
    np.testing.assert_allclose(y_res, y_res_list)


def check_samplers_multiclass_ova(sampler, tmp_path):
    X, y = sample_image_dataset()
    y_ova = label_binarize(y, classes=np.unique(y))
    X_res, y_res = sampler.fit_resample(X, y)
    X_res_ova, y_res_ova = sampler.fit_resample(X, y_ova)
    np.testing.assert_allclose(X_res, X_res_ova)
    assert type_of_target(y_res_ova) == type_of_target(y_ova)
    np.testing.assert_allclose(y_res, y_res_ova.argmax(axis=1))


def check_samplers_2d_target(sampler, tmp_path):
    X, y = sample_image_dataset()
    sampler.fit_resample(X, y.reshape(-1, 1))


def check_samplers_preserve_dtype(sampler, tmp_path):
    X, y = sample_image_dataset()
    X, y = X.astype(np.float32) / 255, y.astype(np.int32)
    X_res, y_res = sampler.fit_resample(X, y)
    assert X.dtype == X_res.dtype, "X dtype is not preserved"
    assert y.dtype == y_res.dtype, "y dtype is not preserved"


def check_samplers_sample_indices(sampler, tmp_path):
    sampler.fit_resample(*sample_image_dataset())
    assert hasattr(sampler, "sample_indices_") is get_tags(sampler).sampler_tags.sample_indices


IMAGE_CHECKS = {check.__name__: check for check in [
    check_target_type, check_samplers_one_label, check_samplers_fit,
    check_samplers_fit_resample, check_samplers_sampling_strategy_fit_resample,
    check_samplers_list, check_samplers_multiclass_ova, check_samplers_preserve_dtype,
    check_samplers_sample_indices, check_samplers_2d_target,
]}
ON_IMAGES = "feeds a 2-D table, and the sampler takes images: run on images in IMAGE_CHECKS"
# The checks that apply neither to tables nor to images, per sampler, and why.
NOT_APPLICABLE = {
    "check_sampler_get_feature_names_out": (
        "feature names belong to 2-D tables; images have none (imbalanced-learn itself "
        "returns early for two_d_array=False)"),
    "check_sampler_get_feature_names_out_pandas": (
        "feature names belong to 2-D tables; images have none (imbalanced-learn itself "
        "returns early for two_d_array=False)"),
}
NOT_APPLICABLE_TO = {
    "FlipRotateAugmenter": {
        "check_samplers_one_label": (
            "it copies every image whatever its class, so a single class is valid input "
            "(the images of one class, before an unconditional GAN); it balances nothing"),
        "check_samplers_sampling_strategy_fit_resample": (
            "it has no sampling_strategy: it adds n_copies copies of every image"),
    },
}


def _skipped(sampler):
    return {**dict.fromkeys(IMAGE_CHECKS, ON_IMAGES), **NOT_APPLICABLE,
            **NOT_APPLICABLE_TO.get(type(sampler).__name__, {})}


@pytest.mark.parametrize("sampler", SAMPLERS, ids=_id)
def test_tags_say_what_the_sampler_is(sampler):
    tags = get_tags(sampler)
    assert tags.estimator_type == "sampler" and tags.sampler_tags is not None
    assert tags.target_tags.required  # fit_resample(X) without y raises
    with pytest.raises((TypeError, ValueError)):
        sampler.fit_resample(_images(4), None)
    assert not (tags.input_tags.two_d_array or tags.input_tags.sparse
                or tags.input_tags.dataframe)  # images only
    assert tags.sampler_tags.sample_indices is isinstance(sampler, FlipRotateAugmenter)


@pytest.mark.parametrize(
    "sampler, check",
    [(estimator, check) for sampler in SAMPLERS for estimator, check in estimator_checks_generator(
        sampler, expected_failed_checks=_skipped(sampler), mark="skip")],
    ids=_id,
)
def test_imblearn_checks(sampler, check):
    check(sampler)


@pytest.mark.parametrize("sampler", SAMPLERS, ids=_id)
def test_every_imblearn_check_is_run_on_images_or_does_not_apply(sampler):
    # Each check imbalanced-learn runs is accounted for above, and no name
    # above is made up: a check it adds or renames fails here first.
    names = {_name(check) for _, check in estimator_checks_generator(sampler)}
    assert names == set(_skipped(sampler))


@pytest.mark.parametrize("name", IMAGE_CHECKS)
@pytest.mark.parametrize("sampler", SAMPLERS, ids=_id)
def test_imblearn_checks_on_images(sampler, name, tmp_path):
    reason = NOT_APPLICABLE_TO.get(type(sampler).__name__, {}).get(name)
    if reason:
        pytest.skip(reason)
    from sklearn.base import clone

    IMAGE_CHECKS[name](clone(sampler), tmp_path)


@pytest.mark.parametrize("sampler", SAMPLERS, ids=_id)
def test_one_hot_labels_come_back_one_hot_as_random_over_sampler_returns_them(sampler):
    # Oracle: imbalanced-learn's RandomOverSampler keeps a one-hot y one-hot
    # (three classes; with two, label_binarize would give it a single column).
    from imblearn.over_sampling import RandomOverSampler

    X, y = sample_image_dataset()
    y_ova = np.eye(3, dtype=int)[y]
    _, y_res = sampler.fit_resample(X, y_ova)
    _, y_ros = RandomOverSampler(random_state=0).fit_resample(X.reshape(len(X), -1), y_ova)
    assert y_res.ndim == y_ros.ndim == 2 and y_res.shape[1] == y_ros.shape[1] == 3
    assert y_res.dtype == y_ova.dtype
    np.testing.assert_array_equal(y_res.sum(axis=1), 1)
    # Two columns stay two columns too.
    X2, y2 = X[y < 2], np.eye(2)[y[y < 2]]
    assert sampler.fit_resample(X2, y2)[1].shape[1] == 2


@pytest.mark.parametrize("conditional", [False, True])
def test_gan_target_tag_says_whether_fit_needs_y(conditional):
    gan = _gan(conditional=conditional, random_state=0)
    required = get_tags(gan).target_tags.required
    X = _images(8)
    if conditional:
        with pytest.raises(ValueError, match="needs y"):
            gan.fit(X)
    else:
        gan.fit(X)  # y is optional: the fit works without it
    assert required is conditional
