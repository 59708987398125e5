"""The plot helpers: plot_image_grid draws skemo.io.tile_images, on any Axes."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from skemo.inspection import plot_image_grid
from skemo.io import tile_images


def _images(n=5, size=6):
    return np.random.default_rng(0).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def test_image_grid_is_the_io_sheet_with_titles_on_their_images():
    images = _images()
    ax = Figure().subplots()
    assert plot_image_grid(images, titles=list("abcde"), ncols=3, padding=1, ax=ax) is ax
    np.testing.assert_array_equal(ax.images[0].get_array(), tile_images(images, 3, 1))
    # Title i in the top-left corner of image i: row i // 3, column i % 3.
    corners = [t.get_position() for t in ax.texts]
    np.testing.assert_allclose(corners, [(1.5 + 7 * (i % 3), 1.5 + 7 * (i // 3))
                                         for i in range(5)])
    assert [t.get_text() for t in ax.texts] == list("abcde")


def test_image_grid_blends_cams_as_plot_cam_composites_them():
    images = _images(2)
    cams = np.stack([np.zeros((6, 6)), np.ones((6, 6))])
    ax = Figure().subplots()
    plot_image_grid(images, cams=cams, alpha=0.25, cmap="gray", padding=0, ax=ax)
    sheet = ax.images[0].get_array().astype(float)
    # gray maps 0 to black and 1 to white: the second image is lightened by a quarter.
    colors = 255 * np.concatenate(cams, axis=1)[..., None].repeat(3, axis=2)
    expected = 0.75 * np.concatenate(images, axis=1) + 0.25 * colors
    np.testing.assert_allclose(sheet, expected, atol=1)


def test_image_grid_on_a_figure_leaves_pyplot_alone():
    plt.close("all")
    plot_image_grid(_images(), ax=Figure().subplots())
    assert plt.get_fignums() == []
    ax = plot_image_grid(_images(3), ncols=2)  # no Axes: a new pyplot figure
    assert plt.get_fignums() == [ax.figure.number]
    plt.close("all")


def test_image_grid_checks_its_inputs():
    images = _images(3)
    with pytest.raises(ValueError, match="one title per image"):
        plot_image_grid(images, titles=["a"], ax=Figure().subplots())
    with pytest.raises(ValueError, match="cams must have shape"):
        plot_image_grid(images, cams=np.zeros((3, 5, 6)), ax=Figure().subplots())
    with pytest.raises(ValueError, match="alpha"):
        plot_image_grid(images, cams=np.zeros((3, 6, 6)), alpha=2, ax=Figure().subplots())
    with pytest.raises(ValueError, match="ncols"):
        plot_image_grid(images, ncols=0, ax=Figure().subplots())
