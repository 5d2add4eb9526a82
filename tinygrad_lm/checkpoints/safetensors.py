"""A hand-written reader and writer for the safetensors file format (no pickle, ever).

File layout (the format of the reference `safetensors` package, which this module reads and writes
byte for byte):

    [8 bytes]  N, the header length, unsigned 64-bit little-endian
    [N bytes]  JSON header, UTF-8, padded at the end with spaces so that 8 + N is a multiple of 8
               {"__metadata__": {"str": "str", ...},                     (optional)
                "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
    [rest]     the byte buffer: every tensor's raw little-endian C-order bytes; data_offsets are
               relative to the start of this buffer, tensors are contiguous, non-overlapping and
               together cover the buffer exactly.

Handles: F64, F32, F16, BF16 (read -> float32; numpy has no bfloat16), I64, I32, I16, I8, U64,
U32, U16, U8, BOOL; 0-d and zero-size tensors; `__metadata__`; atomic writes (temp file in the
same directory, fsync, os.replace; stale temp files of killed writers are removed by the next save);
reading into fresh arrays or memory-mapped (read-only views).
Every field is validated when loading, before any tensor data is read (untrusted files are fine):
problems raise `CheckpointError` (a ValueError) naming the file, the tensor and the problem. Sizes
are computed with Python ints (no int64 overflow); limits: at most MAX_NDIM dimensions, each at most
MAX_DIM, and the shape's element count (zero dimensions left out) times the item size at most
MAX_DIM bytes, so even a zero-size tensor has a shape NumPy can build.

Does not handle: writing BF16 / F8 (write float32 or float16 instead), the lazy `safe_open` API of
the reference package (use `load_file(path, mmap=True)`: only the pages you touch are read).
"""
import json
import os
import re
import struct
import tempfile
import time

import numpy as np

# safetensors dtype name -> numpy dtype (always little-endian on disk)
DTYPES = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),   # raw bits; converted to float32 on read
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "I16": np.dtype("<i2"), "I8": np.dtype("i1"),
    "U64": np.dtype("<u8"), "U32": np.dtype("<u4"), "U16": np.dtype("<u2"), "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
# numpy dtype -> safetensors name, for writing (BF16 is read-only here)
_NAME_OF = {np.dtype(v).newbyteorder("="): k for k, v in DTYPES.items() if k != "BF16"}
_NAME_OF[np.dtype(np.bool_)] = "BOOL"

# The reference writer orders tensors by this dtype rank (descending), then by name: wide dtypes
# first, so every tensor starts aligned to its itemsize. Writing the same order gives identical bytes.
_RANK = {n: i for i, n in enumerate(["BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32",
                                     "F32", "F64", "I64", "U64"])}
MAX_HEADER_BYTES = 100_000_000    # the reference implementation refuses bigger headers too
MAX_NDIM = 32                     # NumPy 1.x allows 32 dimensions (2.x: 64); real files use <= 5
MAX_DIM = 2 ** 48                 # 256 TiB: bounds each dimension and each shape's size in bytes
_ALIGN = 8
# Temp files of save_file: ".<name>.tglm-<pid>-<random>.tmp" in the target folder. The pid says
# whether the writer still runs; a later save removes the files of writers that died (kill -9).
_TMP_RE = re.compile(r"^\..+\.tglm-(\d+)-[A-Za-z0-9_]+\.tmp$")


class CheckpointError(ValueError):
    """A safetensors / checkpoint file is truncated, corrupt or not what the caller expected."""


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------
def _as_array(name, value) -> np.ndarray:
    arr = value.data if hasattr(value, "data") and not isinstance(value, np.ndarray) else value
    arr = np.asarray(arr)
    key = arr.dtype.newbyteorder("=") if arr.dtype.byteorder in "<>" else arr.dtype
    if key not in _NAME_OF:
        raise TypeError(f"safetensors: tensor {name!r} has dtype {arr.dtype}, which safetensors cannot "
                        f"store; supported: {sorted(str(d) for d in _NAME_OF)}")
    # (np.ascontiguousarray would turn a 0-d array into shape (1,))
    return np.require(arr.astype(arr.dtype.newbyteorder("<"), copy=False), requirements="C")


def _build_header(tensors: dict, metadata) -> tuple:
    """-> (header bytes incl. the 8-byte length, list of arrays in file order)."""
    if not isinstance(tensors, dict):
        raise TypeError(f"safetensors: expected a dict name -> array, got {type(tensors).__name__}")
    arrays = {}
    for name, value in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise ValueError(f"safetensors: invalid tensor name {name!r}")
        arrays[name] = _as_array(name, value)
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                     for k, v in metadata.items()):
            raise TypeError("safetensors: metadata must be a dict of str -> str "
                            "(encode other values with json.dumps)")
    names = {n: _NAME_OF[a.dtype.newbyteorder("=")] for n, a in arrays.items()}
    order = sorted(arrays, key=lambda n: (-_RANK[names[n]], n))
    header, offset = {}, 0
    if metadata:
        header["__metadata__"] = dict(sorted(metadata.items()))   # the reference sorts these keys
    for name in order:
        arr = arrays[name]
        header[name] = {"dtype": names[name], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((_ALIGN - (8 + len(text)) % _ALIGN) % _ALIGN)
    return struct.pack("<Q", len(text)) + text, [arrays[n] for n in order]


def save(tensors: dict, metadata: dict = None) -> bytes:
    """Serialize {name: array or Tensor} (+ optional str->str metadata) to safetensors bytes."""
    head, arrays = _build_header(tensors, metadata)
    return head + b"".join(a.tobytes() for a in arrays)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True                   # maybe another thread of ours is writing right now
    try:
        os.kill(pid, 0)               # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True                   # exists (another user's), or cannot tell: keep the file
    return True


def remove_stale_temp_files(directory, older_than: float = None) -> list:
    """Delete save_file's temp files (".<name>.tglm-<pid>-<random>.tmp") left in `directory` by
    writers that no longer run (killed mid-write), if last modified before `older_than` (a
    time.time() value; default now). Other files, and temp files of live writers, are never
    touched. -> the names removed. Called by save_file before every write."""
    older_than = time.time() if older_than is None else older_than
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        m = _TMP_RE.match(name)
        if m is None or _pid_alive(int(m.group(1))):
            continue
        full = os.path.join(directory, name)
        try:
            if os.path.isfile(full) and not os.path.islink(full) and os.stat(full).st_mtime < older_than:
                os.unlink(full)
                removed.append(name)
        except OSError:
            pass                      # gone already, or not ours to delete: never fail a save for it
    return removed


def save_file(tensors: dict, path, metadata: dict = None) -> None:
    """Write {name: array or Tensor} to `path` atomically (a crash never leaves a half file;
    a killed writer's temp file is removed by the next save_file into the same folder)."""
    start = time.time()
    head, arrays = _build_header(tensors, metadata)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    remove_stale_temp_files(directory, older_than=start)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.tglm-{os.getpid()}-",
                               suffix=".tmp")
    try:
        umask = os.umask(0)          # mkstemp makes 0600 files; give the usual 0666 & ~umask
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            f.write(head)
            for arr in arrays:
                f.write(memoryview(arr.reshape(-1)).cast("B") if arr.size else b"")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:                      # make the rename itself durable (best effort; not on every OS)
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------
def _check_entry(name, info, fail):
    """One header entry -> (name, dtype, shape tuple, begin, end); every field type- and range-checked."""
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        fail(f"tensor {name!r}: entry must have exactly dtype, shape, data_offsets; got {_short(info)}")
    dtype, shape, offs = info["dtype"], info["shape"], info["data_offsets"]
    if not isinstance(dtype, str) or dtype not in DTYPES:
        fail(f"tensor {name!r}: unknown dtype {_short(dtype)} (supported: {', '.join(DTYPES)})")
    if not (isinstance(shape, list) and all(type(d) is int and d >= 0 for d in shape)):
        fail(f"tensor {name!r}: shape must be a list of non-negative ints, got {_short(shape)}")
    if len(shape) > MAX_NDIM:
        fail(f"tensor {name!r}: shape has {len(shape)} dimensions, more than the limit {MAX_NDIM}")
    itemsize, size, nonzero = DTYPES[dtype].itemsize, 1, 1          # Python ints: no overflow
    for axis, d in enumerate(shape):
        if d > MAX_DIM:
            fail(f"tensor {name!r}: dimension {axis} is {d}, larger than the limit {MAX_DIM} (2^48)")
        size *= d
        nonzero *= max(d, 1)
    if nonzero * itemsize > MAX_DIM:
        fail(f"tensor {name!r}: shape {shape} x {dtype} would describe {nonzero * itemsize} bytes "
             f"(zero dimensions left out), more than the limit {MAX_DIM} (2^48)")
    if not (isinstance(offs, list) and len(offs) == 2 and all(type(o) is int for o in offs)
            and 0 <= offs[0] <= offs[1]):
        fail(f"tensor {name!r}: data_offsets must be [begin, end] with 0 <= begin <= end, got {_short(offs)}")
    expected = size * itemsize
    if offs[1] - offs[0] != expected:
        fail(f"tensor {name!r}: shape {shape} x {dtype} needs {expected} bytes but data_offsets "
             f"{offs} span {offs[1] - offs[0]}")
    return name, dtype, tuple(shape), offs[0], offs[1]


def _short(value, limit: int = 120) -> str:
    """repr(value) cut to `limit` characters (a corrupt header can hold megabytes in one field)."""
    try:
        text = repr(value)
    except (RecursionError, ValueError):
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit] + "...]"


def _parse_header(raw: bytes, file_size: int, where: str):
    """Validate the 8-byte length + JSON header. -> (data_start, metadata, [(name, info), ...] by offset)."""
    def fail(msg):
        raise CheckpointError(f"{where}: {msg}")

    if file_size < 8:
        fail(f"file is {file_size} bytes, too short for the 8-byte header length (truncated?)")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > MAX_HEADER_BYTES:
        fail(f"header length {n} is larger than the limit {MAX_HEADER_BYTES} (corrupt file?)")
    if 8 + n > file_size:
        fail(f"header length {n} goes beyond the end of the file ({file_size} bytes; truncated?)")
    if len(raw) < 8 + n:
        fail(f"could only read {len(raw) - 8} of {n} header bytes")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            dup = next(k for k in keys if keys.count(k) > 1)
            raise CheckpointError(f"{where}: header lists {dup!r} more than once")
        return dict(pairs)
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"), object_pairs_hook=no_duplicates)
    except UnicodeDecodeError as e:
        fail(f"header is not valid UTF-8 JSON ({e})")
    except RecursionError:            # [[[[...]]]]: a valid header is nested 3 levels deep
        fail("header is not valid JSON for safetensors: nested too deeply")
    except ValueError as e:           # JSONDecodeError, or an int literal of more than 4300 digits
        fail(f"header is not valid UTF-8 JSON ({str(e)[:200]})")
    if not isinstance(header, dict):
        fail(f"header must be a JSON object, got {type(header).__name__}")

    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (isinstance(metadata, dict) and
                                     all(isinstance(v, str) for v in metadata.values())):
        fail("__metadata__ must be an object of string -> string")

    entries = [_check_entry(name, info, fail) for name, info in header.items()]

    # The tensors must tile the buffer: sorted by begin, each starts where the previous ended
    # (the JSON may list them in any order; the reference package checks the same).
    entries.sort(key=lambda e: (e[3], e[4]))
    buffer_size = file_size - 8 - n
    pos = 0
    for name, _, _, begin, end in entries:
        if begin != pos:
            kind = (f"overlaps the previous tensor {prev!r}" if begin < pos
                    else f"leaves a gap of {begin - pos} bytes")
            fail(f"tensor {name!r}: data_offsets [{begin}, {end}] {kind} (previous data ends at {pos})")
        if end > buffer_size:
            fail(f"tensor {name!r}: data_offsets [{begin}, {end}] run past the end of the data buffer "
                 f"({buffer_size} bytes; truncated?)")
        pos, prev = end, name
    if pos != buffer_size:
        fail(f"tensors cover {pos} bytes but the data buffer has {buffer_size} bytes "
             f"(trailing bytes not covered by any tensor)")
    return 8 + n, metadata or {}, entries


def _finish(name, dtype, arr, where):
    if dtype == "BF16":                  # bfloat16 = the top 16 bits of a float32
        return (arr.astype(np.uint32) << 16).view(np.float32)
    if dtype == "BOOL" and arr.size and arr.view(np.uint8).max() > 1:
        raise CheckpointError(f"{where}: tensor {name!r}: BOOL bytes must be 0 or 1")
    return arr.astype(arr.dtype.newbyteorder("="), copy=False)   # no-op on little-endian machines


def load(data: bytes, where: str = "<bytes>") -> dict:
    """Parse safetensors bytes -> {name: np.ndarray} (arrays are fresh copies, writable)."""
    start, _, entries = _parse_header(data, len(data), where)
    out = {}
    for name, dtype, shape, begin, end in entries:
        arr = np.frombuffer(data, dtype=DTYPES[dtype], count=(end - begin) // DTYPES[dtype].itemsize,
                            offset=start + begin).reshape(shape).copy()
        out[name] = _finish(name, dtype, arr, where)
    return out


def _read_header(f, path):
    size = os.fstat(f.fileno()).st_size
    first = f.read(8)
    n = struct.unpack("<Q", first)[0] if len(first) == 8 else 0
    raw = first + (f.read(n) if 8 + n <= size and n <= MAX_HEADER_BYTES else b"")
    return _parse_header(raw, size, path)


def load_file(path, mmap: bool = False) -> dict:
    """Read a safetensors file -> {name: np.ndarray}, in the file's tensor order.

    mmap=False: each tensor is read into a fresh, aligned, writable array.
    mmap=True:  arrays are read-only views of a memory map (nothing is read until used; BF16 and
                byte-swapped tensors are still converted into fresh arrays).
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        start, _, entries = _read_header(f, path)
        out = {}
        if mmap:
            mm = np.memmap(path, dtype=np.uint8, mode="r") if entries and start < os.fstat(f.fileno()).st_size else None
            for name, dtype, shape, begin, end in entries:
                dt = DTYPES[dtype]
                arr = (mm[start + begin:start + end].view(np.ndarray).view(dt).reshape(shape)
                       if end > begin else np.empty(shape, dtype=dt))
                out[name] = _finish(name, dtype, arr, path)
            return out
        for name, dtype, shape, begin, end in entries:       # entries are in offset order
            dt = DTYPES[dtype]
            arr = np.empty(shape, dtype=dt)
            got = f.readinto(memoryview(arr.reshape(-1)).cast("B")) if arr.size else 0
            if got != end - begin:
                raise CheckpointError(f"{path}: tensor {name!r}: read {got} of {end - begin} bytes (truncated?)")
            out[name] = _finish(name, dtype, arr, path)
    return out


def load_metadata(path) -> dict:
    """Only the `__metadata__` dict (str -> str) of a safetensors file; the tensors are not read."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        return dict(_read_header(f, path)[1])


def describe(path) -> dict:
    """{name: (dtype name, shape)} of a safetensors file, without reading the tensors."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        return {name: (dtype, shape) for name, dtype, shape, _, _ in _read_header(f, path)[2]}
