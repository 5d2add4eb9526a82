"""datasets/png.py: our PNG files are valid PNG (parsed back chunk by chunk: signature, IHDR, CRC, zlib),
and the reader undoes all five row filters (rows filtered here by an independent encoder)."""
import struct
import zlib

import numpy as np
import pytest

from tinygrad_lm.datasets import png


def _chunks(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "the PNG signature"
    pos, out = 8, []
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, f"CRC of {kind}"
        out.append((kind, body))
        pos += 12 + n
    return out


def test_written_png_is_valid():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    data = png.encode_png(img)
    chunks = _chunks(data)
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    W, H, depth, ctype, comp, filt, inter = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (W, H, depth, ctype, comp, filt, inter) == (7, 5, 8, 2, 0, 0, 0)
    raw = zlib.decompress(chunks[1][1])
    rows = np.frombuffer(raw, np.uint8).reshape(5, 1 + 21)
    assert (rows[:, 0] == 0).all() and (rows[:, 1:].reshape(5, 7, 3) == img).all()
    assert (png.decode_png(data) == img).all()
    f = (np.arange(12, dtype=np.float32).reshape(2, 2, 3) / 11)
    assert (png.decode_png(png.encode_png(f)) == np.rint(f * 255)).all()


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _filtered_png(img: np.ndarray, filters) -> bytes:
    """An independent encoder: row y uses filter filters[y % len(filters)]."""
    H, W, _ = img.shape
    flat = img.reshape(H, W * 3).astype(int)
    out = bytearray()
    for y in range(H):
        f = filters[y % len(filters)]
        prev = flat[y - 1] if y else np.zeros(W * 3, int)
        row = []
        for i in range(W * 3):
            a = flat[y, i - 3] if i >= 3 else 0
            b = prev[i]
            c = prev[i - 3] if i >= 3 else 0
            pred = [0, a, b, (a + b) // 2, _paeth(a, b, c)][f]
            row.append((flat[y, i] - pred) % 256)
        out += bytes([f] + row)
    ch = lambda k, d: struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d) & 0xFFFFFFFF)  # noqa
    return (b"\x89PNG\r\n\x1a\n" + ch(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0)) +
            ch(b"tEXt", b"Comment\x00ancillary chunks are skipped") +
            ch(b"IDAT", zlib.compress(bytes(out))[:10]) + ch(b"IDAT", zlib.compress(bytes(out))[10:]) + ch(b"IEND", b""))


def test_reader_undoes_every_filter():
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (10, 6, 3), dtype=np.uint8)
    for filters in ([0], [1], [2], [3], [4], [0, 1, 2, 3, 4]):
        assert (png.decode_png(_filtered_png(img, filters)) == img).all(), f"filters {filters}"


def test_clear_errors(tmp_path):
    good = png.encode_png(np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(ValueError, match="not a PNG"):
        png.decode_png(b"GIF89a" + good[6:])
    bad_crc = bytearray(good)
    bad_crc[30] ^= 0xFF                                      # inside IHDR / IDAT
    with pytest.raises(ValueError, match="CRC|truncated"):
        png.decode_png(bytes(bad_crc))
    rgba = good[:8] + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 2, 2, 8, 6, 0, 0, 0)
    rgba += struct.pack(">I", zlib.crc32(rgba[12:]) & 0xFFFFFFFF)
    with pytest.raises(ValueError, match="8-bit RGB.*RGBA"):
        png.decode_png(rgba + good[33:])
    with pytest.raises(ValueError, match="truncated|IEND"):
        png.decode_png(good[:-12])
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        png.encode_png(np.zeros((3, 4, 4)))


def test_grid_shape():
    g = png.image_grid(np.zeros((5, 4, 4, 3), np.float32), cols=3, scale=2, pad=1)
    assert g.shape == (2 * 9 + 1, 3 * 9 + 1, 3) and g.dtype == np.uint8
