"""Hard limits on what reading a ``.skemo`` file may cost, and the bounded readers.

Every member is read through :func:`read_members`, which accepts stored or
deflated members only and stops at the smaller of the member's limit and the
size its header declares; the JSON and the safetensors headers are measured
(values, depth, arrays) before anything is parsed, and :class:`Budget` counts
the arrays and elements the decoder builds. A refusal names the limit it hit.
"""

import dataclasses
import json
import struct
import zipfile

import numpy as np

from skemo._validation import MAX_IMAGE_SIDE

from ._allowlist import FormatError

MiB, GiB = 2**20, 2**30
PARAMS, WEIGHTS, ARRAYS = "params.json", "weights.safetensors", "arrays.safetensors"
MEMBERS = (PARAMS, WEIGHTS, ARRAYS)


@dataclasses.dataclass(frozen=True)
class ModelFileLimits:
    """Hard limits on a ``.skemo`` file, checked before the memory is spent.

    The defaults hold every model skemo makes with room to spare: the largest,
    a fully fine-tuned ResNet-50 with its Adam state, has 0.3 GB of weights; a
    GAN trained for 100,000 batches has a 10 MB ``params.json``. Raise a limit
    for a file you trust with ``ModelFileLimits(weights_bytes=4 * 2**30)``.

    Parameters
    ----------
    weights_bytes : int, default=2**30
        Bytes of ``weights.safetensors`` (torch weights and optimizer state), as
        decompressed.
    arrays_bytes : int, default=2**28
        Bytes of ``arrays.safetensors`` (numeric fitted arrays), as decompressed.
    json_bytes : int, default=2**26
        Bytes of ``params.json``, as decompressed.
    json_values : int, default=4_000_000
        JSON values (numbers, strings, lists, objects) of ``params.json`` and of
        each safetensors header.
    json_depth : int, default=100
        Nesting depth of any JSON document in the file.
    array_count : int, default=65_536
        Tensors and arrays over both safetensors members.
    array_elements : int, default=2**30
        Elements of all the tensors and arrays, text arrays included.
    string_width : int, default=4096
        Characters (or bytes) per element of a text dtype.
    image_side : int, default=4096
        Largest image side a model may work at (``image_size`` parameters and
        fitted ``image_size_``): inputs are resized to it.

    Examples
    --------
    >>> from skemo.model_file import ModelFileLimits
    >>> ModelFileLimits().weights_bytes == 2**30
    True
    >>> ModelFileLimits(weights_bytes=4 * 2**30).weights_bytes
    4294967296
    """

    weights_bytes: int = GiB
    arrays_bytes: int = 256 * MiB
    json_bytes: int = 64 * MiB
    json_values: int = 4_000_000
    json_depth: int = 100
    array_count: int = 65_536
    array_elements: int = GiB
    string_width: int = 4096
    image_side: int = MAX_IMAGE_SIDE

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"ModelFileLimits.{field.name} must be a positive int; "
                                 f"got {value!r}.")

    def member_bytes(self, member):
        return {PARAMS: self.json_bytes, WEIGHTS: self.weights_bytes,
                ARRAYS: self.arrays_bytes}[member]

    def refuse(self, what, name, value=None):
        """The :class:`FormatError` of ``what`` exceeding the limit ``name``."""
        limit = getattr(self, name)
        amount = "" if value is None else f" ({value:,})"
        return FormatError(
            f"{what}{amount} exceeds the limit ModelFileLimits.{name}={limit:,}; if you trust "
            f"the file, raise it: load_model(path, limits=ModelFileLimits({name}=...))."
        )


_FIELD_NAMES = {PARAMS: "json_bytes", WEIGHTS: "weights_bytes", ARRAYS: "arrays_bytes"}
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
_CHUNK = MiB


def read_members(file, limits):
    """The three members of an open ``.skemo`` zip, each read within its limit."""
    with zipfile.ZipFile(file) as zf:
        infos = zf.infolist()
        names = [info.filename for info in infos]
        extra = sorted(set(names) - set(MEMBERS))
        if extra or len(names) != len(set(names)):
            raise FormatError(f"it holds the unexpected members {extra or names}; a .skemo "
                              f"file holds {list(MEMBERS)} only.")
        missing = [name for name in MEMBERS if name not in names]
        if missing:
            raise FormatError(f"it lacks the member {missing[0]!r}.")
        for info in infos:  # every header is checked before any member is inflated
            if info.compress_type not in _METHODS:
                method = zipfile.compressor_names.get(info.compress_type, info.compress_type)
                raise FormatError(f"its member {info.filename!r} is compressed with {method}; "
                                  "a .skemo file has stored or deflated members only.")
            if info.flag_bits & 0x1:
                raise FormatError(f"its member {info.filename!r} is encrypted.")
            if info.file_size > limits.member_bytes(info.filename):
                raise limits.refuse(f"its member {info.filename!r} declares "
                                    f"{info.file_size:,} bytes, which",
                                    _FIELD_NAMES[info.filename])
        return {info.filename: _read_bounded(zf, info, limits) for info in infos}


def _read_bounded(zf, info, limits):
    """A member's bytes, inflated a MiB at a time and never past its declared size."""
    limit = limits.member_bytes(info.filename)
    parts, total = [], 0
    with zf.open(info) as member:
        while True:
            part = member.read(_CHUNK)
            if not part:
                return b"".join(parts)
            total += len(part)
            if total > limit:
                raise limits.refuse(f"its member {info.filename!r} inflates past the limit; "
                                    "it", _FIELD_NAMES[info.filename])
            parts.append(part)


def parse_json(raw, limits, what):
    """``raw`` parsed as JSON, its values and depth measured first, without parsing it."""
    values, depth = _measure(raw)
    if values > limits.json_values:
        raise limits.refuse(f"{what} holds up to {values:,} JSON values, which",
                            "json_values")
    if depth > limits.json_depth:
        raise limits.refuse(f"{what} nests JSON {depth:,} levels deep, which", "json_depth")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"{what} is not valid JSON ({exc}).") from None


_BACKSLASH, _QUOTE = ord("\\"), ord('"')
_OPEN, _CLOSE, _SEPARATORS = (np.frombuffer(chars, np.uint8) for chars in (b"[{", b"]}", b",:"))


def _measure(raw):
    """``(values, depth)`` of a JSON text: an upper bound of its values, and its nesting.

    Only structure outside strings counts: a quote not escaped by an odd run of
    backslashes opens or closes a string. Every value or key follows an opening
    bracket, a comma or a colon, so those bound the values. Linear in ``raw`` and
    a MiB at a time, so a hostile text costs no more than a valid one.
    """
    values, deepest, level, in_string, run = 1, 0, 0, 0, 0
    for start in range(0, len(raw), _CHUNK):
        chars = np.frombuffer(raw, np.uint8, count=min(_CHUNK, len(raw) - start), offset=start)
        index = np.arange(len(chars))
        backslash = chars == _BACKSLASH
        last_other = np.maximum.accumulate(np.where(backslash, -1, index))
        before = np.concatenate(([-1], last_other[:-1]))  # last non-backslash before i
        run_before = index - 1 - before + np.where(before < 0, run, 0)
        quote = (chars == _QUOTE) & (run_before % 2 == 0)
        toggles = np.cumsum(quote)
        outside = ((toggles + in_string) % 2 == 0) & ~quote
        opens = outside & np.isin(chars, _OPEN)
        values += int(opens.sum()) + int((outside & np.isin(chars, _SEPARATORS)).sum())
        steps = opens.astype(np.int32) - (outside & np.isin(chars, _CLOSE))
        running = level + np.cumsum(steps)
        deepest, level = max(deepest, int(running.max())), int(running[-1])
        in_string = (in_string + int(toggles[-1])) % 2
        run = run + len(chars) if last_other[-1] < 0 else len(chars) - 1 - int(last_other[-1])
    return values, deepest


class Budget:
    """Arrays and elements built so far from one file, against its limits."""

    def __init__(self, limits):
        self.limits = limits
        self.arrays = 0
        self.elements = 0

    def check_room(self, n_arrays, what):
        """Refuse ``n_arrays`` more arrays before they are built."""
        if self.arrays + n_arrays > self.limits.array_count:
            raise self.limits.refuse(f"{what} brings the arrays to "
                                     f"{self.arrays + n_arrays:,}, which", "array_count")

    def add(self, n_arrays, n_elements, what):
        self.check_room(n_arrays, what)
        self.arrays += n_arrays
        self.elements += n_elements
        if self.elements > self.limits.array_elements:
            raise self.limits.refuse(f"{what} brings the array elements to "
                                     f"{self.elements:,}, which", "array_elements")


# safetensors dtypes skemo reads, with their item sizes.
_DTYPES = {"BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2, "I32": 4,
           "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8}


def check_safetensors(raw, member, budget):
    """Check a safetensors member's header against the limits before it is loaded.

    The 8-byte header length, then the JSON header: every entry a known dtype, a
    shape of non-negative ints and the byte range that shape needs, inside the
    member. Counts the arrays and elements into ``budget``.
    """
    if len(raw) < 8:
        raise FormatError(f"its member {member!r} is not in the safetensors format (too short).")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise FormatError(f"its member {member!r} is not in the safetensors format (its header "
                          "is longer than the member).")
    header_bytes = raw[8:8 + n]
    # Each array's entry names its data_offsets: an upper bound on the arrays, counted
    # before the header is parsed.
    budget.check_room(header_bytes.count(b"data_offsets"), f"the header of {member!r}")
    header = parse_json(header_bytes, budget.limits, f"the header of {member!r}")
    if not isinstance(header, dict):
        raise FormatError(f"its member {member!r} is not in the safetensors format.")
    data_size = len(raw) - 8 - n
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        if not (isinstance(entry, dict) and entry.get("dtype") in _DTYPES
                and _is_shape(entry.get("shape")) and _is_shape(entry.get("data_offsets"))
                and len(entry["data_offsets"]) == 2):
            raise FormatError(f"its member {member!r} has a malformed entry {key!r}.")
        elements = int(np.prod(entry["shape"], dtype=object))
        begin, end = entry["data_offsets"]
        if not begin <= end <= data_size or end - begin != elements * _DTYPES[entry["dtype"]]:
            raise FormatError(f"its member {member!r} has an entry {key!r} whose shape does not "
                              "match its bytes.")
        budget.add(1, elements, f"the entry {key!r} of {member!r}")


def _is_shape(value):
    return isinstance(value, list) and all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in value)
