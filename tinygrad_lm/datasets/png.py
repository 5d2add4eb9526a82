"""PNG files for our own images: an 8-bit RGB writer and reader in zlib + struct (no Pillow).

A PNG (RFC 2083 / W3C PNG spec) is the 8-byte signature, then chunks, each
    length (4 bytes, big-endian) | type (4 ASCII bytes) | data (length bytes) | CRC-32 of type + data
IHDR (first): width, height (uint32), bit depth 8, colour type 2 (RGB), compression 0, filter 0,
interlace 0. IDAT (one or more, concatenated): the zlib stream of the rows, each row one filter-type
byte followed by W * 3 bytes. IEND ends the file.
Filters (per row, reconstruct left to right; a = left pixel's byte, b = above, c = above-left, 0 off-image):
    0 None     x             1 Sub   x + a            2 Up    x + b
    3 Average  x + (a + b) // 2                       4 Paeth x + paeth(a, b, c)     (all mod 256)
    paeth: p = a + b - c; the one of a, b, c closest to p (ties: a, then b, then c).
The writer uses filter 0 (our images are tiny); the reader undoes all five.

    write_png("grid.png", image)        # image (H, W, 3) uint8, or float in [0, 1]
    image = read_png("grid.png")        # (H, W, 3) uint8
Does not handle: palette / grey / alpha / 16-bit images, interlacing, ancillary chunks other than
skipping them (a clear ValueError says which feature a file uses).
"""
import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOUR_TYPES = {0: "greyscale", 2: "RGB", 3: "palette", 4: "greyscale + alpha", 6: "RGBA"}


def _chunk(kind: bytes, data: bytes) -> bytes:
    """length | type | data | CRC-32(type + data)."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def as_uint8(image) -> np.ndarray:
    """(H, W, 3) uint8 from uint8, or from floats in [0, 1] (rounded, clipped)."""
    a = np.asarray(image)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ValueError(f"PNG: an image must be (H, W, 3) RGB, got shape {a.shape} (a (3, H, W) tensor? "
                         f"transpose it with .transpose(1, 2, 0))")
    if a.dtype == np.uint8:
        return a
    if a.dtype.kind != "f":
        raise TypeError(f"PNG: pixels must be uint8 or floats in [0, 1], got dtype {a.dtype}")
    return np.clip(np.rint(a * 255.0), 0, 255).astype(np.uint8)


def encode_png(image) -> bytes:
    """(H, W, 3) uint8 or float [0, 1] -> the bytes of a PNG file (filter 0 on every row)."""
    a = as_uint8(image)
    H, W, _ = a.shape
    if H == 0 or W == 0:
        raise ValueError(f"PNG: the image is empty ({H} x {W})")
    rows = np.concatenate([np.zeros((H, 1), np.uint8), a.reshape(H, W * 3)], axis=1)   # (H, 1 + 3W)
    ihdr = struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0)
    return SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 9)) + \
        _chunk(b"IEND", b"")


def write_png(path, image) -> None:
    with open(path, "wb") as f:
        f.write(encode_png(image))


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(raw: bytes, H: int, W: int, where: str) -> np.ndarray:
    """The decompressed IDAT bytes (H rows of 1 + 3W) -> (H, W, 3) uint8."""
    stride, bpp = 3 * W, 3
    if len(raw) != H * (stride + 1):
        raise ValueError(f"{where}: image data holds {len(raw)} bytes, {H} rows of 1 + {stride} = "
                         f"{H * (stride + 1)} expected (truncated or not 8-bit RGB)")
    out = np.zeros((H, stride), np.int64)
    data = np.frombuffer(raw, np.uint8).reshape(H, stride + 1).astype(np.int64)
    prev = np.zeros(stride, np.int64)
    for y in range(H):
        ftype, x = int(data[y, 0]), data[y, 1:]
        if ftype == 0:
            row = x.copy()
        elif ftype == 2:
            row = (x + prev) % 256
        elif ftype in (1, 3, 4):                                  # depend on the left byte: sequential
            row = np.zeros(stride, np.int64)
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                pred = a if ftype == 1 else (a + b) // 2 if ftype == 3 else _paeth(a, b, c)
                row[i] = (x[i] + pred) % 256
        else:
            raise ValueError(f"{where}: row {y} has filter type {ftype}; PNG defines only 0-4 (corrupt file?)")
        out[y], prev = row, row
    return out.astype(np.uint8).reshape(H, W, 3)


def decode_png(data: bytes, where: str = "<bytes>") -> np.ndarray:
    """The bytes of an 8-bit RGB, non-interlaced PNG -> (H, W, 3) uint8; ValueError naming what is wrong."""
    if data[:8] != SIGNATURE:
        raise ValueError(f"{where}: not a PNG file (the first 8 bytes are {data[:8]!r}, not the PNG signature)")
    pos, header, idat, seen_end = 8, None, [], False
    while pos < len(data):
        if pos + 8 > len(data):
            raise ValueError(f"{where}: truncated chunk header at byte {pos}")
        length, kind = struct.unpack(">I", data[pos:pos + 4])[0], data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if len(body) != length or pos + 12 + length > len(data):
            raise ValueError(f"{where}: chunk {kind!r} at byte {pos} is truncated")
        crc = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise ValueError(f"{where}: chunk {kind!r} at byte {pos} fails its CRC check (corrupt file)")
        pos += 12 + length
        if kind == b"IHDR":
            if length != 13:
                raise ValueError(f"{where}: IHDR must hold 13 bytes, got {length}")
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            seen_end = True
            break
        elif kind[:1].isupper():                     # a critical chunk we do not know (e.g. PLTE)
            raise ValueError(f"{where}: chunk {kind.decode('latin-1')!r} is not supported (only 8-bit RGB "
                             f"images without a palette)")
    if header is None:
        raise ValueError(f"{where}: no IHDR chunk")
    W, H, depth, ctype, comp, filt, interlace = header
    if ctype != 2 or depth != 8:
        raise ValueError(f"{where}: only 8-bit RGB PNGs are supported, this one is {depth}-bit "
                         f"{COLOUR_TYPES.get(ctype, f'colour type {ctype}')} (convert it to 8-bit RGB)")
    if comp != 0 or filt != 0:
        raise ValueError(f"{where}: unknown compression {comp} / filter method {filt}")
    if interlace:
        raise ValueError(f"{where}: interlaced (Adam7) PNGs are not supported; save it non-interlaced")
    if not seen_end:
        raise ValueError(f"{where}: no IEND chunk (truncated file)")
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as e:
        raise ValueError(f"{where}: the image data is not a valid zlib stream ({e})") from None
    return _unfilter(raw, H, W, where)


def read_png(path) -> np.ndarray:
    """An 8-bit RGB PNG file -> (H, W, 3) uint8."""
    with open(path, "rb") as f:
        return decode_png(f.read(), where=str(path))


def image_grid(images, cols: int, scale: int = 1, pad: int = 2, background: int = 255) -> np.ndarray:
    """N images (N, H, W, 3) (uint8 or float [0, 1]) -> one (rows*(sH+pad)+pad, cols*(sW+pad)+pad, 3)
    uint8 grid, each image enlarged `scale` times (nearest neighbour), row-major order."""
    imgs = [as_uint8(im) for im in images]
    if not imgs:
        raise ValueError("image_grid: no images")
    H, W, _ = imgs[0].shape
    sH, sW = H * scale, W * scale
    rows = -(-len(imgs) // cols)
    grid = np.full((rows * (sH + pad) + pad, cols * (sW + pad) + pad, 3), background, np.uint8)
    for i, im in enumerate(imgs):
        r, c = divmod(i, cols)
        big = im.repeat(scale, axis=0).repeat(scale, axis=1)             # (sH, sW, 3)
        grid[pad + r * (sH + pad):pad + r * (sH + pad) + sH, pad + c * (sW + pad):pad + c * (sW + pad) + sW] = big
    return grid
