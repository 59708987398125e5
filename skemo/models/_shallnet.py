"""ShallNet: the thesis's shallow convolutional network."""

from numbers import Integral

from sklearn.utils._param_validation import Interval

from skemo._validation import check_labels, check_size, n_images

from ._base import _ImageClassifier, image_batches
from ._modules import ShallNetModule

MIN_SIZE = 32


class ShallNet(_ImageClassifier):
    """Shallow CNN trained from scratch on the images (the thesis's ShallNet).

    Conv(3->8, 4x4, stride 1, same) -> ReLU -> MaxPool(8, stride 8, same) ->
    Conv(8->16, 2x2, same) -> ReLU -> MaxPool(4, stride 4, same) -> Flatten
    -> Linear(n_classes), with Keras ``"same"`` padding (output size
    ``ceil(size / stride)``), trained with cross-entropy
    (``module__dropout=p`` adds dropout before the last linear layer).

    The defaults (Adam, lr 0.003, batch 16, 60 epochs) were tuned on
    :func:`~skemo.datasets.make_paintings` with only its local cue (the
    figure's shape), where they reach about 0.7 balanced accuracy (600
    images of 64 px, 4 classes, 5-fold); ``lr=0.01`` scored markedly
    lower there.

    Parameters
    ----------
    image_size : None, int or (int, int), default=None
        Resize images to this ``(height, width)`` in ``fit``. None keeps
        the size of the training images. Either way the size seen in
        ``fit`` is fixed in ``image_size_``, and images of another size
        given to ``predict`` are resized to it. At least 32 px per side.
%(skorch_params)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels seen in ``fit``.
    image_size_ : tuple of (int, int)
        ``(height, width)`` the network was built for.
    net_ : skorch.NeuralNetClassifier
        The fitted skorch net. ``module_`` is its
        :class:`~skemo.models._modules.ShallNetModule`, whose
        ``forward_features(x)`` returns the last conv feature maps and
        ``forward_head(maps)`` the logits.

    See Also
    --------
    TransferClassifier : A pretrained backbone with a small trained head.

    Examples
    --------
    >>> import numpy as np
    >>> from skemo.models import ShallNet
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(16, 32, 32, 3), dtype=np.uint8)
    >>> y = ["sad", "happy"] * 8
    >>> clf = ShallNet(max_epochs=2, random_state=0).fit(X, y)
    >>> clf.image_size_, clf.predict_proba(X).shape
    ((32, 32), (16, 2))
    """

    _module = ShallNetModule
    _parameter_constraints = {
        **_ImageClassifier._parameter_constraints,
        "image_size": [None, Interval(Integral, 1, None, closed="left"), tuple, list],
    }

    def __init__(self, image_size=None, *, max_epochs=60, batch_size=16, lr=0.003, **kwargs):
        self.image_size = image_size
        super().__init__(max_epochs=max_epochs, batch_size=batch_size, lr=lr, **kwargs)

    def fit(self, X, y):
        """Train the network on images.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W, 3) or list of paths
            ``uint8`` or ``[0, 1]`` float images, or image files.
        y : array-like of shape (n_samples,)
            Labels of any hashable type.

        Returns
        -------
        self : ShallNet
            The fitted classifier.
        """
        return self._fit(X, y)

    def _fit_input(self, X, y, first):
        size = check_size(self.image_size, "image_size") if first else self.image_size_
        y = check_labels(y, n_images(X))
        images, (height, width) = self._training_images(X, size)
        if first:
            if min(height, width) < MIN_SIZE:
                raise ValueError(
                    f"ShallNet needs images of at least {MIN_SIZE} px per side; got "
                    f"(height, width)=({height}, {width}). Pass larger images or set "
                    f"image_size."
                )
            self.image_size_ = (height, width)
        return images, y

    def _module_params(self):
        return {"n_classes": len(self.classes_), "image_size": self.image_size_}

    def _predict_batches(self, X):
        return image_batches(X, max(self.batch_size, 64), self.image_size_,
                             **self._stream_options())
