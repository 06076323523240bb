"""png.py - write an 8-bit grey or RGB PNG with the standard library only (no
imaging package is a dependency), and read back the files it writes (the
tests check figures pixel by pixel with it)."""
import os
import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def write_png(path, pixels):
    """pixels: uint8 [H, W] (grey) or [H, W, 3] (RGB). Written to a temporary
    file and renamed, so a failure leaves no half-written PNG."""
    h, w = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    if pixels.dtype != np.uint8 or channels not in (1, 3):
        raise ValueError("write_png: expected uint8 [H, W] or [H, W, 3], got %s %s"
                         % (pixels.dtype, pixels.shape))
    rows = np.ascontiguousarray(pixels).reshape(h, w * channels)
    raw = np.hstack([np.zeros((h, 1), np.uint8), rows]).tobytes()  # filter type 0 per row
    tmp = "%s.tmp.%d" % (path, os.getpid())
    try:
        with open(tmp, "wb") as f:
            f.write(SIGNATURE)
            f.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0 if channels == 1 else 2,
                                                0, 0, 0)))
            f.write(_chunk(b"IDAT", zlib.compress(raw, 9)))
            f.write(_chunk(b"IEND", b""))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_png(path):
    """The pixels of a PNG as write_png writes it (8-bit grey or RGB, no
    interlace, filter 0 on every row); anything else is refused."""
    b = open(path, "rb").read()
    if b[:8] != SIGNATURE:
        raise ValueError("%s: not a PNG" % path)
    pos, idat, header = 8, b"", None
    while pos < len(b):
        n, = struct.unpack(">I", b[pos:pos + 4])
        kind, data = b[pos + 4:pos + 8], b[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", data)
        elif kind == b"IDAT":
            idat += data
        pos += 12 + n
    w, h, depth, color, _, _, interlace = header
    if depth != 8 or color not in (0, 2) or interlace:
        raise ValueError("%s: not an 8-bit grey or RGB PNG without interlace" % path)
    channels = 1 if color == 0 else 3
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + w * channels)
    if raw[:, 0].any():
        raise ValueError("%s: rows use PNG filters; read_png reads only write_png's files" % path)
    pixels = raw[:, 1:].reshape(h, w, channels)
    return pixels[:, :, 0] if channels == 1 else pixels
