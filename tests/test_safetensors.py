"""Tests for tinygrad_lm.checkpoints.safetensors: round trips, byte-compatibility with the reference package
(fixture written once by tests/fixtures/safetensors/make_fixtures.py), and corrupt-file errors."""
import json
import os
import struct
import sys

import numpy as np
import pytest

from tinygrad_lm.checkpoints import safetensors as st
from tinygrad_lm.checkpoints.safetensors import CheckpointError

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "safetensors")
sys.path.insert(0, FIXTURES)
from make_fixtures import BF16_VALUES, NUMPY_METADATA, expected_numpy  # noqa: E402  (plain numpy; torch only in __main__)

sys.path.pop(0)
REFERENCE = os.path.join(FIXTURES, "reference.safetensors")


def _assert_same(got: dict, want: dict):
    assert list(sorted(got)) == list(sorted(want))
    for k in want:
        assert got[k].dtype == want[k].dtype, f"{k}: dtype {got[k].dtype} != {want[k].dtype}"
        assert got[k].shape == want[k].shape, f"{k}: shape {got[k].shape} != {want[k].shape}"
        np.testing.assert_array_equal(got[k], want[k], err_msg=k)


@pytest.mark.parametrize("mmap", [False, True])
def test_reads_reference_file(mmap):
    got = st.load_file(REFERENCE, mmap=mmap)
    bf16 = got.pop("bf16")
    assert bf16.dtype == np.float32
    np.testing.assert_array_equal(bf16, got.pop("bf16_as_f32"))
    np.testing.assert_allclose(bf16, BF16_VALUES, rtol=1e-2)
    _assert_same(got, expected_numpy())
    assert st.load_metadata(REFERENCE)["format"] == "pt"
    assert st.describe(REFERENCE)["bf16"] == ("BF16", (6,))


def test_writes_same_bytes_as_reference(tmp_path):
    # Same tensors + metadata -> byte-identical file (same order, same padding, same JSON).
    want = open(os.path.join(FIXTURES, "reference_numpy.safetensors"), "rb").read()
    assert st.save(expected_numpy(), NUMPY_METADATA) == want
    st.save_file(expected_numpy(), tmp_path / "x.safetensors", NUMPY_METADATA)
    assert (tmp_path / "x.safetensors").read_bytes() == want
    assert (8 + struct.unpack("<Q", want[:8])[0]) % 8 == 0, "header is padded so the data buffer is 8-aligned"


def test_roundtrip_file(tmp_path):
    t = expected_numpy()
    t["big_endian"] = np.arange(4, dtype=">f4")
    t["noncontig"] = np.arange(12, dtype=np.float32).reshape(3, 4).T
    path = tmp_path / "x.safetensors"
    st.save_file(t, path, metadata={"step": "3"})
    for mmap in (False, True):
        got = st.load_file(path, mmap=mmap)
        want = dict(t, big_endian=np.arange(4, dtype=np.float32), noncontig=np.ascontiguousarray(t["noncontig"]))
        _assert_same(got, want)
    assert st.load_metadata(path) == {"step": "3"}
    assert [p.name for p in tmp_path.iterdir()] == ["x.safetensors"], "temp file left behind"


def test_loaded_arrays_are_writable_and_aligned(tmp_path):
    st.save_file({"a": np.ones(5, np.float32), "b": np.zeros(3, np.int64)}, tmp_path / "x.safetensors")
    got = st.load_file(tmp_path / "x.safetensors")
    for arr in got.values():
        assert arr.flags.writeable and arr.flags.aligned and arr.flags.c_contiguous
    mm = st.load_file(tmp_path / "x.safetensors", mmap=True)
    assert not mm["a"].flags.writeable


def test_accepts_tensors_and_rejects_bad_input(tmp_path):
    from tinygrad_lm import Tensor
    st.save_file({"w": Tensor(np.ones((2, 2), np.float32))}, tmp_path / "t.safetensors")
    assert st.load_file(tmp_path / "t.safetensors")["w"].shape == (2, 2)
    with pytest.raises(TypeError, match="complex"):
        st.save({"c": np.zeros(2, np.complex64)})
    with pytest.raises(TypeError, match="metadata"):
        st.save({"a": np.zeros(2)}, metadata={"n": 3})
    with pytest.raises(ValueError, match="name"):
        st.save({"__metadata__": np.zeros(2)})


def test_overwrite_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "x.safetensors"
    st.save_file({"a": np.ones(3, np.float32)}, path)

    def boom(*args):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        st.save_file({"a": np.zeros(3, np.float32)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(st.load_file(path)["a"], np.ones(3, np.float32))
    assert [p.name for p in tmp_path.iterdir()] == ["x.safetensors"], "temp file left behind"


# ---- corrupt files: every problem raises CheckpointError naming the file ---------------------
def _file(tmp_path, header, data=b"", pad=True, raw_header=None):
    text = raw_header if raw_header is not None else json.dumps(header).encode()
    if pad:
        text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    path = tmp_path / "bad.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)
    return path


def _expect_error(path, match):
    for mmap in (False, True):
        with pytest.raises(CheckpointError, match=match) as info:
            st.load_file(path, mmap=mmap)
        assert str(path) in str(info.value), "error must name the file"
        assert isinstance(info.value, ValueError)


def test_truncated_file(tmp_path):
    good = st.save({"a": np.arange(10, dtype=np.float32)})
    path = tmp_path / "bad.safetensors"
    path.write_bytes(good[:-4])
    _expect_error(path, "truncated")
    path.write_bytes(good[:5])
    _expect_error(path, "too short")
    path.write_bytes(good[:20])
    _expect_error(path, "beyond the end")


def test_header_length_beyond_file(tmp_path):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(struct.pack("<Q", 10_000) + b"{}      ")
    _expect_error(path, "beyond the end")
    path.write_bytes(struct.pack("<Q", 2 ** 62) + b"{}      ")
    _expect_error(path, "larger than the limit")


def test_bad_json(tmp_path):
    _expect_error(_file(tmp_path, None, raw_header=b'{"a": {"dtype": "F32",'), "JSON")
    _expect_error(_file(tmp_path, None, raw_header=b"[1, 2]"), "JSON object")
    _expect_error(_file(tmp_path, None, raw_header=b"\xff\xfe{}"), "UTF-8")
    dup = b'{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}'
    _expect_error(_file(tmp_path, None, raw_header=dup, data=b"\0"), "more than once")


def test_wrong_dtype_and_shape(tmp_path):
    _expect_error(_file(tmp_path, {"a": {"dtype": "F128", "shape": [1], "data_offsets": [0, 16]}}, b"\0" * 16),
                  "unknown dtype 'F128'")
    _expect_error(_file(tmp_path, {"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8),
                  r"needs 12 bytes")
    _expect_error(_file(tmp_path, {"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4),
                  "non-negative")
    _expect_error(_file(tmp_path, {"a": {"dtype": "F32", "shape": [1]}}, b"\0" * 4), "exactly dtype")
    _expect_error(_file(tmp_path, {"a": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}}, b"\x01\x07"),
                  "BOOL")


def test_offsets_overlap_gap_and_range(tmp_path):
    ent = lambda b, e: {"dtype": "F32", "shape": [(e - b) // 4], "data_offsets": [b, e]}  # noqa: E731
    _expect_error(_file(tmp_path, {"a": ent(0, 8), "b": ent(4, 12)}, b"\0" * 12), "overlaps")
    _expect_error(_file(tmp_path, {"a": ent(0, 4), "b": ent(8, 12)}, b"\0" * 12), "gap")
    _expect_error(_file(tmp_path, {"a": ent(0, 4)}, b"\0" * 8), "trailing bytes")
    _expect_error(_file(tmp_path, {"a": ent(0, 16)}, b"\0" * 8), "truncated")
    _expect_error(_file(tmp_path, {"a": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}}, b"\0" * 8),
                  "begin <= end")
    _expect_error(_file(tmp_path, {"__metadata__": {"a": 1}}), "__metadata__")


# ---- temp files of killed writers ------------------------------------------------------------
def test_stale_temp_files_of_dead_writers_are_removed(tmp_path):
    import subprocess
    import time
    dead = subprocess.Popen(["true"])
    dead.wait()                                             # a pid that no longer runs
    stale = tmp_path / f".best.safetensors.tglm-{dead.pid}-abc123.tmp"
    stale.write_bytes(b"\0" * 1000)
    alive = tmp_path / f".best.safetensors.tglm-{os.getppid()}-xyz.tmp"   # a live writer: kept
    alive.write_bytes(b"\0" * 10)
    others = [tmp_path / "notes.tmp", tmp_path / f".x.tglm-{dead.pid}.tmp", tmp_path / "last.safetensors.tmp"]
    for p in others:
        p.write_bytes(b"keep")
    old = time.time() - 60
    for p in [stale, alive] + others:
        os.utime(p, (old, old))
    fresh = tmp_path / f".last.safetensors.tglm-{dead.pid}-new.tmp"     # newer than this write: kept
    fresh.write_bytes(b"\0")
    os.utime(fresh, (time.time() + 60, time.time() + 60))
    st.save_file({"a": np.ones(3, np.float32)}, tmp_path / "last.safetensors")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert stale.name not in left, "the dead writer's temp file should have been removed"
    for p in [alive, fresh] + others:
        assert p.name in left, f"{p.name} is not a stale temp file of ours and must be kept"


def test_killed_writer_leaves_a_temp_file_that_the_next_save_removes(tmp_path):
    """kill -9 during a write (simulated: the child stops inside the write, then is killed)."""
    import signal
    import subprocess
    import sys
    code = ("import os, sys, numpy as np\n"
            "from tinygrad_lm.checkpoints import safetensors as st\n"
            "real = os.fsync\n"
            "def hang(fd):\n"
            "    print('writing', flush=True); import time; time.sleep(60)\n"
            "os.fsync = hang\n"
            f"st.save_file({{'w': np.zeros(1_000_000, np.float32)}}, {str(tmp_path / 'ckpt.safetensors')!r})\n")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env=env)
    assert child.stdout.readline().strip() == b"writing"
    child.send_signal(signal.SIGKILL)
    child.wait()
    orphans = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(orphans) == 1 and (tmp_path / orphans[0]).stat().st_size >= 4_000_000, orphans
    st.save_file({"w": np.ones(2, np.float32)}, tmp_path / "ckpt.safetensors")
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.safetensors"], "orphaned temp file not cleaned"
