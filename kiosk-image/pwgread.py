"""A small PWG raster reader (PWG 5102.4, `image/pwg-raster`) for what the VM lab's IPP
printer received: each page's header fields and its pixels as a PIL image, independently
of the kiosk's encoder. Debian 12 has no PWG raster reader in Python; CUPS' own
(cupsRaster*) is C only.

read(data) -> [Page]. Only what the kiosk sends and IPP Everywhere requires is decoded:
8-bit sGray (and 1-bit black, for completeness); other colour spaces are refused.
"""

import struct

from PIL import Image

HEADER_LEN = 1796
# sGray (18) and black (3) in cupsColorSpace; for sGray 0 is black, for black 1 is.
SGRAY, BLACK = 18, 3


class PwgError(Exception):
    pass


class Page:
    def __init__(self, header, image):
        self.header, self.image = header, image
        self.dpi = header["resolution"][0]
        self.width, self.height = header["width"], header["height"]

    def size_mm(self):
        return (self.width * 25.4 / self.dpi, self.height * 25.4 / self.dpi)


def _u32(h, at):
    return struct.unpack_from(">I", h, at)[0]


def _text(h, at):
    return h[at:at + 64].split(b"\0", 1)[0].decode("ascii", "replace")


def header_of(h):
    """The fields of one page header (the CUPS v2 layout PWG 5102.4 §4.3 uses)."""
    if h[:9] != b"PwgRaster":
        raise PwgError(f"page header does not start with PwgRaster: {h[:16]!r}")
    return {
        "resolution": (_u32(h, 276), _u32(h, 280)),
        "copies": _u32(h, 340),
        "orientation": _u32(h, 344),
        "page_size_pt": (_u32(h, 352), _u32(h, 356)),
        "width": _u32(h, 372),
        "height": _u32(h, 376),
        "bits_per_color": _u32(h, 384),
        "bits_per_pixel": _u32(h, 388),
        "bytes_per_line": _u32(h, 392),
        "color_order": _u32(h, 396),
        "color_space": _u32(h, 400),
        "num_colors": _u32(h, 420),
        "total_pages": _u32(h, 452),
        "page_size_name": _text(h, 1732),
    }


def _line(data, i, n_bytes, bpp, white):
    """One compressed line from offset i: (the line's bytes, the offset after it)."""
    out = bytearray()
    while len(out) < n_bytes:
        if i >= len(data):
            raise PwgError("data ends inside a line")
        c = data[i]
        i += 1
        if c == 0x80:  # the rest of the line is white
            out.extend(white * ((n_bytes - len(out)) // bpp))
        elif c < 0x80:  # the next pixel c+1 times
            out.extend(data[i:i + bpp] * (c + 1))
            i += bpp
        else:  # 257-c literal pixels
            n = (257 - c) * bpp
            out.extend(data[i:i + n])
            i += n
    if len(out) != n_bytes:
        raise PwgError(f"a line decodes to {len(out)} bytes, not {n_bytes}")
    return bytes(out), i


def read(data):
    if data[:4] != b"RaS2":
        raise PwgError(f"not PWG raster (sync word {data[:4]!r})")
    pages, i = [], 4
    while i < len(data):
        if len(data) - i < HEADER_LEN:
            raise PwgError(f"truncated page header at offset {i}")
        h = header_of(data[i:i + HEADER_LEN])
        i += HEADER_LEN
        w, ht, bpl = h["width"], h["height"], h["bytes_per_line"]
        if h["color_space"] == SGRAY and h["bits_per_pixel"] == 8:
            bpp, white, mode = 1, b"\xff", "L"
        elif h["color_space"] == BLACK and h["bits_per_pixel"] == 1:
            bpp, white, mode = 1, b"\x00", "1"
        else:
            raise PwgError(f"colour space {h['color_space']} at {h['bits_per_pixel']} bits is not read here")
        rows = []
        while len(rows) < ht:
            if i >= len(data):
                raise PwgError(f"data ends after {len(rows)} of {ht} lines")
            repeat = data[i] + 1
            line, i = _line(data, i + 1, bpl, bpp, white)
            rows.extend([line] * min(repeat, ht - len(rows)))
        raw = b"".join(rows)
        if mode == "1":  # 1 = black in PWG, 1 = white in PIL; lines padded to bytes
            raw = raw.translate(bytes(255 - b for b in range(256)))
            image = Image.frombytes(mode, (bpl * 8, ht), raw).crop((0, 0, w, ht))
        else:
            image = Image.frombytes(mode, (w, ht), raw)
        pages.append(Page(h, image))
    return pages
