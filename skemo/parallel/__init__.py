"""Feature extraction over folders too large for one process, on a Dask cluster.

:func:`map_images` cuts a list of image files into chunks, runs a function on
each chunk's images and yields one ``(path, row, error)`` per file, in input
order; a file that cannot be read comes back as an error row. With a
``dask.distributed.Client`` the chunks run on its workers (install
``skemo[dask]``); without one they run here, in this process, with the same
results. The estimators themselves need nothing from this module to run on a
cluster: their joblib parallelism follows an enclosing
``joblib.parallel_backend("dask")`` (the user guide's "Scaling out" page).

Examples
--------
Without a client nothing is imported from Dask:

>>> import pathlib, tempfile
>>> import numpy as np
>>> from PIL import Image
>>> from skemo.features import PaintingFeatures
>>> from skemo.parallel import map_images
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> rng = np.random.default_rng(0)
>>> for i in range(3):
...     pixels = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
...     Image.fromarray(pixels).save(folder / f"painting{i}.png")
>>> _ = (folder / "notes.png").write_text("not an image")
>>> feat = PaintingFeatures(image_size=32, random_state=0).set_params(texture__image_size=32)
>>> feat = feat.fit(np.zeros((1, 32, 32, 3), dtype=np.float32))
>>> files = sorted(folder.iterdir())
>>> rows = list(map_images(feat.transform, files, chunk_size=2, size=32))
>>> [(path.name, None if row is None else row.shape, error is None) for path, row, error in rows]
[('notes.png', None, False), ('painting0.png', (13,), True), ('painting1.png', (13,), True), ('painting2.png', (13,), True)]
"""

from ._map import map_images

__all__ = ["map_images"]
