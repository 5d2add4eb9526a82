"""Fuzz test for checkpoints/safetensors.py: mutated files either load CORRECTLY or raise CheckpointError.

Valid files (every dtype, 0-d, zero-size, metadata) are mutated in seeded ways: truncation, byte flips
in the header and in the length field, random data_offsets, dtype and shape edits (lists, huge ints,
2^64, zero beside huge dimensions, floats, bools, nesting), random JSON headers, deep nesting,
trailing bytes. For each case the outcome must be one of:
  - a load whose arrays equal an independent decoding of the same bytes (the oracle below), or
  - CheckpointError (a ValueError) whose message names the source.
Anything else (TypeError, RecursionError, OverflowError, MemoryError, a NumPy error, a load that
disagrees with the bytes) fails with the case number, so `_case(seed, i)` reproduces it.
Every 8th case also goes through load_file (plain and mmap) and describe on disk.
"""
import json
import random
import struct
import time

import numpy as np
import pytest

from tinygrad_lm.checkpoints import safetensors as st
from tinygrad_lm.checkpoints.safetensors import DTYPES, CheckpointError

N_CASES = 3000
SEED = 20240515
NAMES = ["w", "b", "emb", "x.y", "", "ünï", "__metadata__x"]
EDGE_INTS = [0, 1, 2, 3, 4, 7, 8, 255, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 48, 2 ** 48 + 1, 2 ** 62, 2 ** 63 - 1,
             2 ** 63, 2 ** 64 - 1, 2 ** 64, 2 ** 100, -1, -(2 ** 63)]
WEIRD = [None, True, False, 1.5, float("nan"), "F32", ["F32"], {"a": 1}, [], [[1]], "", 10 ** 30]


def _valid(r: random.Random) -> bytes:
    tensors = {}
    for k in range(r.randint(0, 5)):
        dt = r.choice(list(DTYPES))
        shape = tuple(r.randint(0, 4) for _ in range(r.randint(0, 3)))
        raw = bytes(r.getrandbits(8) for _ in range(int(np.prod(shape)) * DTYPES[dt].itemsize))
        arr = np.frombuffer(raw, dtype=DTYPES[dt]).reshape(shape)
        if dt == "BOOL":
            arr = arr.view(np.uint8) % 2 == 1
        elif dt == "BF16":
            arr = arr.view(np.float16)             # written as F16 (we do not write BF16)
        tensors[f"t{k}"] = arr
    meta = {"format": "pt", "step": str(r.randint(0, 99))} if r.random() < 0.5 else None
    return st.save(tensors, meta)


def _split(data: bytes):
    n = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + n]), data[8 + n:]


def _join(header, buffer: bytes, r: random.Random) -> bytes:
    text = json.dumps(header).encode() if not isinstance(header, bytes) else header
    if r.random() < 0.7:
        text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + buffer


def _random_json(r: random.Random, depth=0):
    kind = r.randint(0, 6 if depth < 4 else 3)
    if kind == 0:
        return r.choice(EDGE_INTS)
    if kind == 1:
        return r.choice(WEIRD)
    if kind == 2:
        return r.choice(["F32", "U8", "BOOL", "x", "__metadata__"])
    if kind == 3:
        return r.random() * 1e6
    if kind == 4:
        return [_random_json(r, depth + 1) for _ in range(r.randint(0, 3))]
    keys = ["dtype", "shape", "data_offsets", "__metadata__"] + NAMES
    return {r.choice(keys): _random_json(r, depth + 1) for _ in range(r.randint(0, 4))}


def _mutate(data: bytes, r: random.Random) -> bytes:
    header, buffer = _split(data)
    names = [k for k in header if k != "__metadata__"]
    op = r.randint(0, 11)
    if op == 0:                                            # truncate anywhere
        return data[:r.randint(0, len(data))]
    if op == 1:                                            # flip / replace header bytes
        b = bytearray(data)
        n = struct.unpack("<Q", data[:8])[0]
        for _ in range(r.randint(1, 4)):
            i = r.randint(8, 8 + n - 1) if n else 0
            b[i] = r.getrandbits(8) if r.random() < 0.5 else b[i] ^ (1 << r.randint(0, 7))
        return bytes(b)
    if op == 2:                                            # the length field
        b = bytearray(data)
        if r.random() < 0.5:
            b[r.randint(0, 7)] = r.getrandbits(8)
        else:
            b[:8] = struct.pack("<Q", r.choice([0, 1, len(data) - 8, len(data), 2 ** 63, 2 ** 64 - 1]))
        return bytes(b)
    if op == 3 and names:                                  # random offsets
        e = header[r.choice(names)]
        choice = r.randint(0, 3)
        if choice == 0:
            e["data_offsets"] = [r.choice(EDGE_INTS), r.choice(EDGE_INTS)]
        elif choice == 1:
            e["data_offsets"] = e["data_offsets"][::-1]
        elif choice == 2:
            delta = r.choice([-8, -4, -1, 1, 4, 8])
            e["data_offsets"] = [max(e["data_offsets"][0] + delta, 0), e["data_offsets"][1] + delta]
        else:
            e["data_offsets"] = r.choice(WEIRD + [[0], [0, 1, 2], [0.0, 4.0]])
        return _join(header, buffer, r)
    if op == 4 and names:                                  # dtype edits
        header[r.choice(names)]["dtype"] = r.choice(list(DTYPES) + WEIRD + ["f32", "F8_E4M3", "F128"])
        return _join(header, buffer, r)
    if op == 5 and names:                                  # shape edits
        e = header[r.choice(names)]
        choice = r.randint(0, 4)
        if choice == 0:
            e["shape"] = [r.choice(EDGE_INTS) for _ in range(r.randint(0, 4))]
        elif choice == 1:
            e["shape"] = [0] + [r.choice(EDGE_INTS[8:]) for _ in range(r.randint(1, 3))]
        elif choice == 2:
            e["shape"] = [1] * r.choice([33, 65, 100])
        elif choice == 3:
            e["shape"] = list(reversed(e["shape"])) + [r.choice([1, 2])]
        else:
            e["shape"] = r.choice(WEIRD)
        return _join(header, buffer, r)
    if op == 6:                                            # a random JSON header
        return _join(_random_json(r), buffer, r)
    if op == 7:                                            # entries with random fields
        header[r.choice(NAMES)] = _random_json(r)
        return _join(header, buffer, r)
    if op == 8:                                            # deep nesting
        d = r.choice([50, 1000, 100_000])
        text = (b"[" * d + b"]" * d) if r.random() < 0.5 else (b'{"a":' * d + b"1" + b"}" * d)
        return _join(text, buffer, r)
    if op == 9:                                            # trailing or missing data bytes
        return data + bytes(r.randint(1, 9)) if r.random() < 0.5 else data[:-r.randint(1, 9)]
    if op == 10 and "__metadata__" in header:              # metadata values of other types
        header["__metadata__"][r.choice(["format", "x"])] = _random_json(r)
        return _join(header, buffer, r)
    if op == 11 and names:                                 # duplicate an entry under another name
        header[r.choice(NAMES) + "2"] = dict(header[r.choice(names)])
        return _join(header, buffer, r)
    return data                                            # unmutated: must load


def _oracle(data: bytes) -> dict:
    """Independent decoding of bytes that our loader accepted (no validation: just the layout)."""
    header, buffer = _split(data)
    header.pop("__metadata__", None)
    out = {}
    for name, e in header.items():
        dt = DTYPES[e["dtype"]]
        b, end = e["data_offsets"]
        arr = np.frombuffer(buffer[b:end], dtype=dt).reshape(e["shape"])
        if e["dtype"] == "BF16":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        out[name] = arr
    return out


def _case(seed: int, i: int) -> bytes:
    r = random.Random(seed * 1_000_003 + i)
    data = _valid(r)
    for _ in range(r.choice([0, 1, 1, 1, 1, 1, 1, 2, 2, 3])):   # 0: must load
        try:
            data = _mutate(data, r)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError, struct.error, RecursionError):
            break                                          # the previous mutation broke the JSON: keep it
    return data


def _check_outcome(i, data, load):
    try:
        got = load()
    except CheckpointError as e:
        assert isinstance(e, ValueError)
        return "error"
    except Exception as e:                                 # noqa: BLE001 - the point of the test
        pytest.fail(f"case {i}: {type(e).__name__}: {str(e)[:300]} (reproduce: _case({SEED}, {i}), "
                    f"header {data[:160]!r})")
    want = _oracle(data)
    assert sorted(got) == sorted(want), f"case {i}: loaded names {sorted(got)} != header names {sorted(want)}"
    for k in want:
        assert got[k].shape == want[k].shape, f"case {i}: {k!r} shape {got[k].shape} != {want[k].shape}"
        np.testing.assert_array_equal(got[k].view(np.uint8) if got[k].dtype == np.bool_ else got[k],
                                      want[k].view(np.uint8) if want[k].dtype == np.bool_ else want[k],
                                      err_msg=f"case {i}: {k!r}")
    return "loaded"


def test_fuzzed_files_load_correctly_or_raise_checkpoint_error(tmp_path):
    t0 = time.perf_counter()
    outcomes = {"loaded": 0, "error": 0}
    path = tmp_path / "f.safetensors"
    for i in range(N_CASES):
        data = _case(SEED, i)
        outcomes[_check_outcome(i, data, lambda: st.load(data, where="<fuzz>"))] += 1
        if i % 8 == 0:
            path.write_bytes(data)
            for mmap in (False, True):
                _check_outcome(i, data, lambda: st.load_file(path, mmap=mmap))
            try:
                described = st.describe(path)
            except CheckpointError as e:
                assert str(path) in str(e), f"case {i}: error does not name the file: {e}"
            else:
                want = _oracle(data)
                assert {k: s for k, (_, s) in described.items()} == {k: v.shape for k, v in want.items()}
    elapsed = time.perf_counter() - t0
    # both outcomes must be well represented, or the mutations are not testing anything
    assert outcomes["loaded"] > N_CASES // 10 and outcomes["error"] > N_CASES // 3, outcomes
    assert elapsed < 30, f"fuzz took {elapsed:.1f} s"


def test_errors_name_the_tensor_and_problem():
    ok = st.save({"w": np.zeros((2, 3), np.float32), "b": np.zeros(3, np.float32)})
    header, buffer = _split(ok)
    cases = {
        "list dtype": ("w", "dtype", ["F32"], "unknown dtype"),
        "2^64 dim": ("w", "shape", [2 ** 64, 1], "dimension 0"),
        "int64 overflow": ("w", "shape", [2 ** 32, 2 ** 32, 0], "dimension|limit"),
        "zero beside huge": ("w", "shape", [0, 2 ** 40, 2 ** 40], "limit"),
        "offsets swapped": ("w", "data_offsets", [24, 0], "begin <= end"),
        "offsets past end": ("b", "data_offsets", [24, 40], "needs 12 bytes"),
        "float offsets": ("b", "data_offsets", [24.0, 36.0], "data_offsets"),
    }
    for label, (name, field, value, match) in cases.items():
        h = json.loads(json.dumps(header))
        h[name][field] = value
        with pytest.raises(CheckpointError, match=match) as info:
            st.load(_join(h, buffer, random.Random(0)))
        assert repr(name) in str(info.value), f"{label}: message does not name tensor {name!r}: {info.value}"
    h = json.loads(json.dumps(header))
    h["b"]["data_offsets"], h["w"]["data_offsets"] = [0, 12], [8, 32]    # overlap
    with pytest.raises(CheckpointError, match="'w'.*overlaps the previous tensor 'b'"):
        st.load(_join(h, buffer, random.Random(0)))
    h["b"]["data_offsets"], h["w"]["data_offsets"] = [24, 36], [12, 36]
    h["w"]["shape"] = [2, 3]
    with pytest.raises(CheckpointError):
        st.load(_join(h, buffer, random.Random(0)))
    with pytest.raises(CheckpointError, match="nested too deeply"):
        st.load(_join(b"[" * 100_000 + b"]" * 100_000, b"", random.Random(0)))
    with pytest.raises(CheckpointError, match="'w'.*run past the end"):
        st.load(ok[:-4] + b"")
