"""Seed files and mutations for tests/test_fuzz.py (not a test module).

Seeds are small valid images in every format skemo reads, in the modes and options
that take different decoder paths (progressive and CMYK JPEG, 16-bit and palette PNG,
animated GIF/PNG/WebP, compressed and float TIFF, EXIF orientation tags), made with
Pillow at test time, and ``.skemo`` files of tiny fitted estimators.  Mutations are
described by plain tuples that hypothesis draws, so a failing case prints as data.
"""

import contextlib
import faulthandler
import functools
import io
import json
import os
import resource
import signal
import zipfile

import numpy as np
from hypothesis import strategies as st
from PIL import Image

#: One case may run this long (seconds) before it counts as a hang.
CASE_TIMEOUT = 10.0

# -- seed images --------------------------------------------------------------------------
# (format, variant) -> how to make it; every variant is a few hundred bytes to a few kB.
_EXIF_ROTATED = 6  # "rotate 90 CW": exif_transpose must turn the image


def _rgb(h=12, w=17, seed=0):
    rng = np.random.default_rng(seed)
    base = np.linspace(0, 255, w)[None, :, None] * rng.random((1, 1, 3))
    noise = rng.integers(0, 64, (h, w, 3))
    return Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))


def _exif(orientation=_EXIF_ROTATED):
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010E] = "fuzz"  # ImageDescription: a string tag beside the orientation
    return exif


def _frames(n=3):
    return [_rgb(seed=i).convert("P") for i in range(n)]


SEEDS = {
    ("JPEG", "rgb"): lambda f: _rgb().save(f, "JPEG", quality=80),
    ("JPEG", "progressive"): lambda f: _rgb(20, 20).save(f, "JPEG", progressive=True),
    ("JPEG", "gray"): lambda f: _rgb().convert("L").save(f, "JPEG"),
    ("JPEG", "cmyk"): lambda f: _rgb().convert("CMYK").save(f, "JPEG"),
    ("JPEG", "exif"): lambda f: _rgb().save(f, "JPEG", exif=_exif()),
    ("JPEG", "444"): lambda f: _rgb().save(f, "JPEG", subsampling=0, quality=95),
    ("PNG", "rgb"): lambda f: _rgb().save(f, "PNG"),
    ("PNG", "rgba"): lambda f: _rgb().convert("RGBA").save(f, "PNG"),
    ("PNG", "la"): lambda f: _rgb().convert("LA").save(f, "PNG"),
    ("PNG", "palette"): lambda f: _rgb().convert("P").save(f, "PNG", transparency=0),
    ("PNG", "gray16"): lambda f: Image.fromarray(
        (np.arange(12 * 17, dtype=np.uint16).reshape(12, 17) * 300)).save(f, "PNG"),
    ("PNG", "bilevel"): lambda f: _rgb().convert("1").save(f, "PNG"),
    ("PNG", "exif"): lambda f: _rgb().save(f, "PNG", exif=_exif()),
    ("PNG", "animated"): lambda f: _frames()[0].save(f, "PNG", save_all=True,
                                                   append_images=_frames()[1:]),
    ("GIF", "still"): lambda f: _rgb().save(f, "GIF"),
    ("GIF", "animated"): lambda f: _frames()[0].save(f, "GIF", save_all=True,
                                                   append_images=_frames()[1:], loop=0),
    ("GIF", "transparent"): lambda f: _rgb().convert("P").save(f, "GIF", transparency=3),
    ("BMP", "rgb"): lambda f: _rgb().save(f, "BMP"),
    ("BMP", "palette"): lambda f: _rgb().convert("P").save(f, "BMP"),
    ("BMP", "bilevel"): lambda f: _rgb().convert("1").save(f, "BMP"),
    ("BMP", "rgba"): lambda f: _rgb().convert("RGBA").save(f, "BMP"),
    ("TIFF", "raw"): lambda f: _rgb().save(f, "TIFF"),
    ("TIFF", "lzw"): lambda f: _rgb().save(f, "TIFF", compression="tiff_lzw"),
    ("TIFF", "deflate"): lambda f: _rgb().save(f, "TIFF", compression="tiff_adobe_deflate"),
    ("TIFF", "packbits"): lambda f: _rgb().convert("L").save(f, "TIFF", compression="packbits"),
    ("TIFF", "jpeg"): lambda f: _rgb(16, 16).save(f, "TIFF", compression="jpeg"),
    ("TIFF", "cmyk"): lambda f: _rgb().convert("CMYK").save(f, "TIFF"),
    ("TIFF", "gray16"): lambda f: Image.fromarray(
        (np.arange(12 * 17, dtype=np.uint16).reshape(12, 17) * 300)).save(f, "TIFF"),
    ("TIFF", "float"): lambda f: Image.fromarray(
        np.linspace(0, 300, 12 * 17, dtype=np.float32).reshape(12, 17)).save(f, "TIFF"),
    ("TIFF", "multipage"): lambda f: _rgb().save(f, "TIFF", save_all=True,
                                                append_images=[_rgb(seed=1)]),
    ("TIFF", "exif"): lambda f: _rgb().save(f, "TIFF", exif=_exif()),
    ("WEBP", "lossy"): lambda f: _rgb().save(f, "WEBP", quality=70),
    ("WEBP", "lossless"): lambda f: _rgb().save(f, "WEBP", lossless=True),
    ("WEBP", "rgba"): lambda f: _rgb().convert("RGBA").save(f, "WEBP"),
    ("WEBP", "animated"): lambda f: _rgb().save(f, "WEBP", save_all=True,
                                               append_images=[_rgb(seed=1)]),
    ("WEBP", "exif"): lambda f: _rgb().save(f, "WEBP", exif=_exif()),
}
SEED_KEYS = sorted(SEEDS)
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "BMP": ".bmp", "TIFF": ".tif",
              "WEBP": ".webp"}


@functools.lru_cache(maxsize=None)
def seed_bytes(key):
    """The bytes of one seed image (made once per process)."""
    buffer = io.BytesIO()
    SEEDS[key](buffer)
    return buffer.getvalue()


# -- mutations -------------------------------------------------------------------------------
_INTERESTING_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE)
_INTERESTING_INTS = (0, 1, 2, 7, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
                     0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)

# An offset: near the start (headers, most fields live there) or anywhere.
offsets = st.one_of(st.integers(0, 96).map(lambda i: ("abs", i)),
                    st.floats(0, 1).map(lambda x: ("rel", x)))

mutations = st.one_of(
    st.tuples(st.just("flip"), offsets, st.integers(0, 7)),
    st.tuples(st.just("byte"), offsets, st.sampled_from(_INTERESTING_BYTES)),
    st.tuples(st.just("int"), offsets, st.sampled_from([1, 2, 4]), st.sampled_from("<>"),
              st.sampled_from(_INTERESTING_INTS)),
    st.tuples(st.just("truncate"), offsets),
    st.tuples(st.just("delete"), offsets, st.integers(1, 64)),
    st.tuples(st.just("insert"), offsets, st.binary(min_size=1, max_size=32)),
    st.tuples(st.just("duplicate"), offsets, st.integers(1, 256)),
    st.tuples(st.just("splice"), st.sampled_from(SEED_KEYS), offsets),
)


def _at(offset, length):
    kind, value = offset
    pos = value if kind == "abs" else int(value * length)
    return min(pos, max(length - 1, 0))


def mutate(data, ops):
    """Apply mutation tuples (see ``mutations``) in order to ``data``."""
    buf = bytearray(data)
    for op in ops:
        name = op[0]
        if not buf and name not in ("insert", "splice"):
            continue
        pos = _at(op[1] if name != "splice" else op[2], len(buf))
        if name == "flip":
            buf[pos] ^= 1 << op[2]
        elif name == "byte":
            buf[pos] = op[2]
        elif name == "int":
            width, order, value = op[2], op[3], op[4]
            raw = (value & ((1 << (8 * width)) - 1)).to_bytes(width, "little" if order == "<"
                                                              else "big")
            buf[pos:pos + width] = raw
        elif name == "truncate":
            del buf[pos:]
        elif name == "delete":
            del buf[pos:pos + op[2]]
        elif name == "insert":
            buf[pos:pos] = op[2]
        elif name == "duplicate":
            buf[pos:pos] = buf[pos:pos + op[2]]
        elif name == "splice":
            # The head of another format's file, then this file from the same offset.
            other = seed_bytes(op[1])
            cut = _at(op[2], min(len(other), len(buf)) or 1)
            buf = bytearray(other[:cut]) + buf[cut:]
    return bytes(buf)


MAGICS = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"GIF87a", b"BM", b"II*\x00",
          b"MM\x00*", b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"RIFF\x00\x00\x00\x00WEBPVP8L",
          b"PK\x03\x04", b"")


# -- the per-case guard ----------------------------------------------------------------------
class CaseTimeout(Exception):
    """A fuzz case ran past CASE_TIMEOUT: a hang (fails the test)."""


def _alarm(signum, frame):
    raise CaseTimeout(f"a fuzz case ran over {CASE_TIMEOUT:g} s")


@contextlib.contextmanager
def case_guard(timeout=CASE_TIMEOUT):
    """Fail a case that runs over ``timeout`` seconds.

    SIGALRM raises :class:`CaseTimeout` in Python code; a hang inside C code that never
    returns to the interpreter is caught by faulthandler, which dumps every thread's
    stack and exits the process (so the run fails) a little later.
    """
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    faulthandler.dump_traceback_later(timeout + 20, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def address_space_limit(extra_bytes=4 * 2**30):
    """Cap the address space at its current size plus ``extra_bytes`` while fuzzing.

    A mutated file can ask for a huge allocation; on a shared machine that must be a
    clean MemoryError, never the out-of-memory killer.  The soft limit is restored.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as f:
        current = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = current + extra_bytes
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


# -- .skemo files ------------------------------------------------------------------------------
def zip_members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def make_zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, raw in members.items():
            zf.writestr(name, raw, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# JSON values to plant, including skemo's own tagged nodes with odd contents.
_TAGS = ["estimator", "object", "tuple", "dict", "scalar", "ndarray", "tensor", "text_array",
         "path", "device", "random_state", "class", "module", "skorch_net", "nope"]
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 300), st.sampled_from([-2**31, 2**31, 2**63, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["<f8", "<i8", "|b1", "<U3", "|O", "<M8[s]", "V8", "torch.optim.Adam",
                     "skemo.models.CVFC", "sklearn.pipeline.Pipeline", "__class__",
                     "predict", "net_", "CVFC.mean_#0", "cpu", "cuda:7", "meta"]))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=6), inner, max_size=4),
        st.builds(lambda tag, rest: {"$": tag, **rest}, st.sampled_from(_TAGS),
                  st.dictionaries(st.sampled_from(["items", "class", "params", "state", "key",
                                                   "dtype", "value", "shape", "name",
                                                   "prefix", "modules", "optimizers",
                                                   "attributes", "history"]),
                                  inner, max_size=4)),
    ),
    max_leaves=12,
)


def json_paths(node, prefix=()):
    """Every path (tuple of keys and indices) into a JSON tree, the root included."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from json_paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from json_paths(value, prefix + (i,))


def json_edit(tree, path, op, value):
    """A copy of ``tree`` with the node at ``path`` replaced, deleted or wrapped."""
    tree = json.loads(json.dumps(tree))
    if not path:
        return value if op != "wrap" else [tree]
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if op == "delete":
        del parent[key]
    elif op == "wrap":
        parent[key] = [parent[key]]
    elif op == "rename" and isinstance(parent, dict) and isinstance(value, str):
        parent[value] = parent.pop(key)
    else:
        parent[key] = value
    return tree


# -- structure-aware .skemo mutations ------------------------------------------------------------
def estimator_nodes(tree, path=()):
    """``(path, node)`` of every estimator node of a params.json tree, nested ones included."""
    if isinstance(tree, dict):
        if tree.get("$") == "estimator":
            yield path, tree
        for key, value in tree.items():
            yield from estimator_nodes(value, path + (key,))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            yield from estimator_nodes(value, path + (i,))


#: Estimator classes, splitters and optimizers of the allow-list, to plant where they do
#: not belong (the loader must refuse them by kind, by schema or by validation).
CLASS_NAMES = ["skemo.models.CVFC", "skemo.models.BackboneEmbedding", "skemo.gan.DCGAN",
               "skemo.features.PaintingFeatures", "sklearn.pipeline.Pipeline",
               "sklearn.preprocessing.StandardScaler", "sklearn.linear_model.RidgeCV",
               "sklearn.model_selection.KFold", "torch.optim.SGD", "skorch.dataset.ValidSplit"]
HUGE = [2**31, 2**35, 2**40, 10**12, -1, -2**31, 0]


def _planted(draw, keys):
    """A value of another type: a number, a huge size, text, a list, or a tagged node."""
    kind = draw(st.sampled_from(["huge", "scalar", "list", "tuple", "ndarray", "text_array",
                                 "estimator", "class", "object", "module", "skorch_net",
                                 "dict", "scalar_node", "device", "path"]))
    if kind == "huge":
        return draw(st.sampled_from(HUGE))
    if kind == "scalar":
        return draw(json_scalars)
    if kind == "list":
        return [draw(st.sampled_from(HUGE + [0.5, "a", None]))] * draw(st.integers(0, 3))
    if kind == "tuple":
        return {"$": "tuple", "items": [draw(st.sampled_from(HUGE)) for _ in range(2)]}
    if kind == "ndarray":
        return {"$": "ndarray", "key": draw(st.sampled_from(keys or ["none"]))}
    if kind == "text_array":
        width = draw(st.sampled_from([1, 8, 5000, 10**8]))
        shape = draw(st.sampled_from([[1], [2], [10**6, 10**6], [0]]))
        return {"$": "text_array", "dtype": f"<U{width}", "shape": shape, "items": ["a"]}
    if kind in ("estimator", "object"):
        return {"$": kind, "class": draw(st.sampled_from(CLASS_NAMES)),
                "params": draw(st.sampled_from([{}, {"n_jobs": 10**6}, {"device": "meta"}])),
                "state": {}}
    if kind == "class":
        return {"$": "class", "name": draw(st.sampled_from(CLASS_NAMES))}
    if kind == "module":
        return {"$": "module", "prefix": draw(st.sampled_from(["", "x.", "CVFC.net_.module_."]))}
    if kind == "skorch_net":
        return {"$": "skorch_net", "modules": {"module": "CVFC.net_.module_."},
                "optimizers": {}, "attributes": {"seed_": draw(st.sampled_from(HUGE))}}
    if kind == "dict":
        return {"$": "dict", "items": [["compile", True], [draw(st.sampled_from(HUGE)), 1]]}
    if kind == "scalar_node":
        return {"$": "scalar", "dtype": draw(st.sampled_from(["<f8", "<U9999999", "|O", "<i8"])),
                "value": draw(st.sampled_from(HUGE + ["a"]))}
    if kind == "device":
        return {"$": "device", "value": draw(st.sampled_from(["xla", "cuda:99", "meta", "cpu"]))}
    return {"$": "path", "value": "/tmp/elsewhere"}


@st.composite
def schema_edits(draw, params_json, array_keys):
    """params.json with 1-3 estimators' state fields, parameters or classes replaced."""
    tree = json.loads(params_json)
    for _ in range(draw(st.integers(1, 3))):
        nodes = list(estimator_nodes(tree))
        _, node = draw(st.sampled_from(nodes))
        where = draw(st.sampled_from(["state", "state", "params", "class"]))
        if where == "class":
            node["class"] = draw(st.sampled_from(CLASS_NAMES))
            continue
        fields = node.setdefault(where, {})
        names = sorted(fields) + ["n_jobs", "image_size", "hidden_units", "classes_", "_x",
                                  "module__hidden_units", "iterator_valid__num_workers"]
        fields[draw(st.sampled_from(names))] = _planted(draw, array_keys)
    return json.dumps(tree).encode()
