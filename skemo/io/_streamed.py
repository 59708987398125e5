"""Training on image files that are decoded again every epoch (``cache=False``).

Kept apart from :mod:`skemo.io._pipeline` so that reading images imports no torch.
"""

import numpy as np
import torch
from torch.utils.data import Dataset

from ._load import ImageReadError, check_same_size
from ._pipeline import decode_batches, workers


class StreamedImages(Dataset):
    """A torch data set of image files decoded every time they are drawn (every epoch).

    Items are ``(image, target)``: a uint8 ``(3, H, W)`` tensor (float32 for a
    16-bit file) and the file's target, once :meth:`labelled` gave them. A
    DataLoader fetches whole batches through ``__getitems__``, which decodes
    them with ``n_jobs`` threads. A file that cannot be read raises its
    :class:`~skemo.io.ImageReadError`.
    """

    def __init__(self, files, size, shape, n_jobs=None, targets=None):
        self.files, self.size, self.shape = files, size, shape
        self.n_jobs, self.targets = n_jobs, targets

    def labelled(self, targets):
        """The same files with a target each (a tensor, or None for none)."""
        return StreamedImages(self.files, self.size, self.shape, self.n_jobs, targets)

    def __len__(self):
        return len(self.files)

    def __getitem__(self, index):
        return self.__getitems__([index])[0]

    def __getitems__(self, indices):
        files = [self.files[i] for i in indices]
        _, results = next(decode_batches(files, len(files), self.size, workers(self.n_jobs), 0, None))
        items = []
        for j, (image, error) in enumerate(results):
            if error is not None:
                raise ImageReadError(error)
            check_same_size([image], [files[j]], (self.files[0], self.shape))
            tensor = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))
            target = self.targets[indices[j]] if self.targets is not None else torch.zeros(())
            items.append((tensor, target))
        return items
