"""How the skorch-backed estimators declare and document their parameters.

``SKORCH_PARAMS_DOC`` is the one numpydoc text of the parameters every
:class:`~skemo._skorch._SkorchEstimator` shares; :func:`chain_signature`
completes a subclass's ``__init__`` signature along its MRO, so that
sklearn's ``get_params``, ``clone`` and ``repr`` see every parameter.
"""

import functools
import inspect

SKORCH_PREFIXES = (
    "module__",
    "optimizer__",
    "criterion__",
    "callbacks__",
    "iterator_train__",
    "iterator_valid__",
    "dataset__",
)

SKORCH_PARAMS_DOC = """\
    max_epochs : int, default=%(max_epochs)s
        Number of passes over the training data in each ``fit`` or
        ``partial_fit`` call.
    batch_size : int, default=%(batch_size)s
        Mini-batch size for training and prediction.
    lr : float, default=%(lr)s
        Learning rate (skorch's ``lr``; ``optimizer__lr`` overrides it).
    optimizer : torch optimizer class, default=torch.optim.Adam
        Any ``optimizer__<name>`` keyword argument is passed to it, e.g.
        ``optimizer__momentum=0.9`` for :class:`torch.optim.SGD`.
    callbacks : list of skorch callbacks, "disable" or None, default=None
        Extra skorch callbacks, e.g. ``[skorch.callbacks.EarlyStopping()]``.
    train_split : callable or None, default=None
        None trains on all of the data, as sklearn estimators do. Pass
        ``skorch.dataset.ValidSplit(0.2)`` to hold out a validation split
        (its shuffle is seeded by ``random_state``).
    device : str, default="cpu"
        Torch device, e.g. ``"cpu"`` or ``"cuda"``. Training and inference
        both run there.
    precision : {"32", "bf16", "16"}, default="32"
        ``"bf16"`` and ``"16"`` run training and inference under
        :func:`torch.autocast` on ``device`` (bfloat16 or float16 mixed
        precision; the weights stay float32 and the outputs are returned as
        float32). ``"bf16"`` works on CPU and on GPUs that support it;
        ``"16"`` needs a CUDA device and uses no loss scaling, so prefer
        ``"bf16"``. An unsupported combination is refused at ``fit``.
    checkpoint_dir : str, path or None, default=None
        Folder where training saves a checkpoint every ``checkpoint_every``
        epochs, with skorch's ``save_params`` (module and optimizer state
        dicts, the criterion, the history; a GAN's discriminator and its
        optimizer too) plus the run's seed. Each checkpoint is written to a
        new subfolder that replaces the previous one only once complete, so
        an interruption (Ctrl-C, a crash) never leaves a half-written one.
        Callbacks' own state (e.g. a learning-rate scheduler's) is not saved.
    checkpoint_every : int, default=1
        Epochs between two checkpoints.
    resume : bool, default=False
        When True and ``checkpoint_dir`` holds a checkpoint, the first
        ``fit`` (or ``partial_fit``) loads it and trains only the epochs
        missing to reach ``max_epochs`` in all (none if the checkpoint has
        as many): rerunning an interrupted script with ``resume=True`` on
        the same data finishes the run. With an int ``random_state`` the
        resumed run ends with the same weights, bit for bit on CPU, as an
        uninterrupted one: every random stream of an epoch (weight updates'
        dropout, batch shuffling, a GAN's latent vectors) is seeded from
        ``(random_state, epoch)``. Without a checkpoint, ``fit`` starts afresh.
        A ``fit`` interrupted by Ctrl-C (KeyboardInterrupt) returns, as in
        skorch, with the epochs trained so far, and the estimator is usable.
    warm_start : bool, default=False
        skorch's meaning: when True, ``fit`` on a fitted estimator trains
        the current network for ``max_epochs`` more epochs instead of
        re-initialising it, as ``partial_fit`` always does. What the first
        fit learned about the data (``classes_``, the input size or
        features) stays fixed.
    verbose : int, default=0
        Print skorch's per-epoch table when positive.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch shuffling and the validation
        split. Fitting twice with the same int gives identical models. The
        global torch RNG is left untouched.
    **kwargs : dict
        skorch parameters with one of the prefixes ``module__`` (extra
        arguments of the torch module's constructor, e.g.
        ``module__dropout=0.2``), ``optimizer__``, ``criterion__``,
        ``callbacks__`` (e.g. ``callbacks__print_log__sink``),
        ``iterator_train__``, ``iterator_valid__``, ``dataset__``%(more_prefixes)s.
        They are part of ``get_params`` and ``set_params``."""


INPUT_PARAMS_DOC = """\
    n_jobs : int, default=None
        Threads decoding image files (None: one; -1: all cores), while the
        network works on the batch before (the input pipeline,
        :func:`skemo.io.stream_images`).
    prefetch : int, default=2
        Batches of files decoded ahead of the one in use (0 to 64); memory
        holds at most ``prefetch + 1`` batches of decoded images.
    decoder : {"pil", "torchvision"}, default="pil"
        ``"torchvision"`` decodes JPEG files with :func:`torchvision.io.decode_jpeg`
        on ``device`` (nvJPEG on a GPU) and resizes them there; its pixels differ
        slightly from Pillow's (the user guide's "Scaling out" gives the measured
        difference).
    cache : "auto", bool, default="auto"
        Training on image files: keep them decoded, as 8-bit images, for the
        epochs after the first (True), or decode them again every epoch
        (False). ``"auto"`` keeps them when they fit in a quarter of the
        machine's memory. The results are the same either way."""


def skorch_params_doc(max_epochs, batch_size, lr, prefixes=SKORCH_PREFIXES, inputs=False):
    """The numpydoc entries of the skorch parameters, with these defaults; with
    ``inputs``, those of the input pipeline too."""
    more = "".join(f", ``{p}``" for p in prefixes if p not in SKORCH_PREFIXES)
    text = SKORCH_PARAMS_DOC % {
        "max_epochs": max_epochs, "batch_size": batch_size, "lr": lr, "more_prefixes": more,
    }
    return f"{INPUT_PARAMS_DOC}\n{text}" if inputs else text


def own_init(init):
    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)

    return __init__


def chain_signature(cls):
    """The signature of ``cls.__init__`` completed along the MRO.

    The most derived ``__init__`` gives the positional parameters and the
    defaults it sets; each ``__init__`` further up the MRO adds the keyword-only
    parameters it takes that are not listed yet (e.g. ``loss`` from the
    regressor base, ``optimizer`` from :class:`_SkorchEstimator`).
    """
    inits = [vars(c)["__init__"] for c in cls.__mro__ if "__init__" in vars(c)]
    inits = [inspect.unwrap(i) for i in inits if i is not object.__init__]
    first = inspect.signature(inits[0])
    params = [p for p in first.parameters.values() if p.kind is not p.VAR_KEYWORD]
    names = {p.name for p in params}
    for init in inits[1:]:
        for p in inspect.signature(init).parameters.values():
            if p.kind is p.KEYWORD_ONLY and p.name not in names:
                params.append(p)
                names.add(p.name)
    var_kw = [p for p in first.parameters.values() if p.kind is p.VAR_KEYWORD]
    return first.replace(parameters=[*params, *var_kw])
