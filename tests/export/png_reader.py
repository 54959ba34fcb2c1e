"""A minimal PNG decoder for tests: chunks, IHDR, inflated and unfiltered pixels.

Pillow is not a dependency; the PNG format is simple enough to read back with
zlib, which is exactly what checking a renderer's output needs.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: Bytes per pixel for 8-bit colour types: grey, RGB, palette, grey+alpha, RGBA.
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


@dataclass
class Png:
    """A decoded 8-bit PNG: size, colour type and unfiltered rows."""

    width: int
    height: int
    colour_type: int
    rows: list[bytes]
    chunk_types: list[bytes]

    @property
    def channels(self) -> int:
        """Bytes per pixel."""
        return _CHANNELS[self.colour_type]

    def pixel(self, x: int, y: int) -> tuple[int, ...]:
        """The channel values of one pixel."""
        n = self.channels
        return tuple(self.rows[y][x * n : x * n + n])


def decode(data: bytes) -> Png:
    """Parse and unfilter a non-interlaced 8-bit PNG; assert on anything else."""
    assert data[:8] == SIGNATURE, "not a PNG signature"
    pos, idat, types = 8, b"", []
    header: tuple[int, ...] = ()
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        types.append(kind)
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert types[0] == b"IHDR" and types[-1] == b"IEND"
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and interlace == 0, "only 8-bit non-interlaced PNGs"
    n = _CHANNELS[colour_type]
    stride = width * n
    raw = zlib.decompress(idat)
    assert len(raw) == height * (stride + 1), "IDAT does not hold height rows"

    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - n] if i >= n else 0
            b = previous[i]
            c = previous[i - n] if i >= n else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
            else:
                assert kind == 0, f"unknown filter {kind}"
        rows.append(bytes(line))
        previous = line
    return Png(width, height, colour_type, rows, types)
