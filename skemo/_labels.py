"""Class labels of skemo's skorch-backed classifiers and conditional generators."""

import numpy as np


class _EncodesLabels:
    """``classes_``, fixed by the first fit, and labels encoded as codes into it."""

    def _encode_labels(self, y, first, classes):
        """Labels as int64 codes into ``classes_``, which the first fit fixes.

        For classifiers and conditional generators alike: later calls
        (``partial_fit``, ``warm_start``) must use labels of ``classes_``.
        """
        y = np.asarray(y)
        if first:
            self.classes_ = self._first_classes(y, classes)
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"classes={np.unique(classes).tolist()} differs from classes_ "
                f"{self.classes_.tolist()}, fixed by the first fit."
            )
        unseen = ~np.isin(y, self.classes_)
        if unseen.any():
            raise ValueError(
                f"y has labels {np.unique(y[unseen]).tolist()} that are not in classes_ "
                f"{self.classes_.tolist()}, fixed by the first fit. Pass every label "
                "with classes= on the first partial_fit, or refit with warm_start=False."
            )
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def _first_classes(self, y, classes):
        name = type(self).__name__
        if classes is not None:
            classes = np.unique(np.asarray(classes))
            if len(classes) < 2:
                raise ValueError(
                    f"{name} needs at least 2 classes; got classes={classes.tolist()}."
                )
            return classes
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(
                f"{name} needs samples of at least 2 classes in y; got only one class, "
                f"{classes[0]!r}."
            )
        return classes
