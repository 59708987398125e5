"""ShallNet: the thesis's shallow convolutional network."""

from numbers import Integral

import torch
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from skemo._validation import check_images_y, check_size, iter_image_chunks

from ._base import (
    NeuralClassifierMixin,
    check_skorch_kwargs,
    images_to_tensor,
    seeded,
    skorch_params_doc,
)
from ._modules import ShallNetModule

MIN_SIZE = 32


class ShallNet(NeuralClassifierMixin):
    """Shallow CNN trained from scratch on the images (the thesis's ShallNet).

    Conv(3->8, 4x4, stride 1, same) -> ReLU -> MaxPool(8, stride 8, same) ->
    Conv(8->16, 2x2, same) -> ReLU -> MaxPool(4, stride 4, same) -> Flatten
    -> Linear(n_classes), with Keras ``"same"`` padding (output size
    ``ceil(size / stride)``), trained with cross-entropy.

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

    _parameter_constraints = {
        **NeuralClassifierMixin._parameter_constraints,
        "image_size": [None, Interval(Integral, 1, None, closed="left"), tuple, list],
    }

    def __init__(
        self,
        image_size=None,
        *,
        max_epochs=60,
        batch_size=16,
        lr=0.003,
        optimizer=torch.optim.Adam,
        callbacks=None,
        train_split=None,
        device="cpu",
        verbose=0,
        random_state=None,
        **kwargs,
    ):
        self.image_size = image_size
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.callbacks = callbacks
        self.train_split = train_split
        self.device = device
        self.verbose = verbose
        self.random_state = random_state
        self._skorch_kwargs = check_skorch_kwargs(kwargs, "ShallNet")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
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
        size = check_size(self.image_size, "image_size")
        images, y = check_images_y(X, y, size=size)
        height, width = images.shape[1:3]
        if min(height, width) < MIN_SIZE:
            raise ValueError(
                f"ShallNet needs images of at least {MIN_SIZE} px per side; got "
                f"(height, width)=({height}, {width}). Pass larger images or set "
                f"image_size."
            )
        y_enc = self._encode_labels(y)
        self.image_size_ = (int(height), int(width))
        Xt = images_to_tensor(images)
        del images
        with seeded(self.random_state, self.device) as seed:
            module = ShallNetModule(len(self.classes_), self.image_size_)
            self.net_ = self._make_net(module, seed)
            self.net_.fit(Xt, y_enc)
        return self

    def _logits(self, X):
        check_is_fitted(self)
        chunks = iter_image_chunks(X, chunk_size=max(self.batch_size, 64), size=self.image_size_)
        return self._forward_batches(images_to_tensor(chunk) for _, chunk in chunks)


ShallNet.__doc__ = ShallNet.__doc__ % {"skorch_params": skorch_params_doc(60, 16, 0.003)}
