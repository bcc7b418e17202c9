"""A small PCL 5 raster reader for what the VM lab's laser printer captured: renders the
raster pages back to pictures, independently of the kiosk's encoder (written from the
PCL 5 Technical Reference: escape-sequence syntax, raster graphics, compression modes
0, 1 and 2). Debian 12 has no PCL interpreter (ghostpcl's gpcl6 is not packaged).

read(data, partial=False) -> [Page]: each page's paper (`ESC & l # A`), orientation, resolution and
its raster as a 1-bit PIL image on a page-sized canvas (at the raster resolution).
"""

from PIL import Image

ESC = 0x1B
# PCL raster 1 bits are black; PIL's mode "1" has 1 = white.
INVERT = bytes(255 - i for i in range(256))
# ESC & l # A page-size codes (PCL 5): the sizes in millimetres.
PAPER_MM = {26: ("A4", 210.0, 297.0), 2: ("Letter", 215.9, 279.4), 3: ("Legal", 215.9, 355.6)}


class PclError(Exception):
    pass


class Page:
    def __init__(self, paper, orientation, dpi, image, ink):
        self.paper, self.orientation, self.dpi, self.image, self.ink = paper, orientation, dpi, image, ink

    def size_mm(self):
        return (self.image.width * 25.4 / self.dpi, self.image.height * 25.4 / self.dpi)


def _commands(data):
    """Yields ("esc", param, group, value, term, payload) and ("byte", b) items; skips PJL
    text after a Universal Exit Language (ESC % -12345 X) up to the next ESC."""
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b != ESC:
            yield ("byte", b)
            i += 1
            continue
        if i + 1 >= n:
            raise PclError(f"escape at the end of the data (offset {i})")
        c = data[i + 1]
        if 0x30 <= c <= 0x7E:  # two-character escape sequence: ESC E (reset), …
            yield ("esc", chr(c), None, None, None, b"")
            i += 2
            continue
        if not 0x21 <= c <= 0x2F:
            raise PclError(f"bad escape sequence at offset {i}: {data[i:i + 4]!r}")
        param = chr(c)
        j = i + 2
        group = None
        if j < n and 0x60 <= data[j] <= 0x7E:
            group = chr(data[j])
            j += 1
        while True:  # value fields, combined while the parameter character is lowercase
            k = j
            while k < n and (data[k] in b"+-." or 0x30 <= data[k] <= 0x39):
                k += 1
            if k >= n:
                raise PclError(f"escape sequence cut off at offset {i}")
            text = data[j:k].decode()
            value = float(text) if text not in ("", "+", "-") else 0.0
            term = chr(data[k])
            j = k + 1
            payload = b""
            if param == "*" and group == "b" and term.upper() == "W":
                payload = data[j:j + int(value)]
                if len(payload) != int(value):
                    raise PclError(f"raster row cut off at offset {i}")
                j += int(value)
            yield ("esc", param, group, value, term.upper(), payload)
            if param == "%" and term == "X":  # UEL: PJL text follows until the next ESC
                while j < n and data[j] != ESC:
                    j += 1
            if not term.islower():
                break
        i = j


def _unpack(mode, data, width_bytes):
    if mode == 0:
        row = bytes(data)
    elif mode == 1:  # run length: (count-1, byte) pairs
        row = b"".join(bytes([data[k + 1]]) * (data[k] + 1) for k in range(0, len(data) - 1, 2))
    elif mode == 2:  # TIFF PackBits
        out, k = bytearray(), 0
        while k < len(data):
            c = data[k]
            k += 1
            if c < 128:
                out += data[k:k + c + 1]
                k += c + 1
            elif c > 128:
                out += bytes([data[k]]) * (257 - c)
                k += 1
        row = bytes(out)
    else:
        raise PclError(f"raster compression mode {mode} is not read here")
    return row[:width_bytes].ljust(width_bytes, b"\0")


def read(data, partial=False):
    """partial: the data may end anywhere (a job cut short): the complete pages only."""
    pages = []
    paper, orientation, dpi = None, 0, 75
    mode, width, height, x0 = 0, 0, 0, 0
    rows, y, in_raster, drawn = [], 0, False, False
    canvas = None

    def new_canvas():
        if paper not in PAPER_MM:
            raise PclError(f"page size code {paper} is not known here")
        _, w_mm, h_mm = PAPER_MM[paper]
        return Image.new("1", (round(w_mm / 25.4 * dpi), round(h_mm / 25.4 * dpi)), 1)

    def flush_raster():
        nonlocal rows, canvas, drawn
        if not rows:
            return
        if canvas is None:
            canvas = new_canvas()
        wb = (width + 7) // 8
        img = Image.frombytes("1", (wb * 8, len(rows)), b"".join(rows).translate(INVERT)).crop((0, 0, width, len(rows)))
        canvas.paste(img, (x0, 0))
        rows = []
        drawn = True

    items = _commands(data)
    while True:
        try:
            item = next(items)
        except StopIteration:
            break
        except PclError:
            if partial:
                return pages
            raise
        if item[0] == "byte":
            if item[1] == 0x0C:  # form feed: the page is done
                flush_raster()
                if canvas is not None:
                    ink = canvas.histogram()[0] / (canvas.width * canvas.height)
                    pages.append(Page(PAPER_MM[paper][0], orientation, dpi, canvas, ink))
                canvas, drawn = None, False
            continue
        _, param, group, value, term, payload = item
        key = (param, group, term)
        if key == ("&", "l", "A"):
            paper = int(value)
        elif key == ("&", "l", "O"):
            orientation = int(value)
        elif key == ("*", "t", "R"):
            dpi = int(value)
        elif key == ("*", "p", "X"):
            x0 = int(value)
        elif key == ("*", "r", "S"):
            width = int(value)
        elif key == ("*", "r", "T"):
            height = int(value)
        elif key == ("*", "r", "A"):
            in_raster, rows, y = True, [], 0
        elif key == ("*", "b", "M"):
            mode = int(value)
        elif key == ("*", "b", "Y"):
            rows.extend([b"\0" * ((width + 7) // 8)] * int(value))
        elif key == ("*", "b", "W"):
            if not in_raster:
                raise PclError("raster data outside a raster graphic")
            rows.append(_unpack(mode, payload, (width + 7) // 8))
        elif param == "*" and group == "r" and term in ("B", "C"):
            # The raster height (ESC * r # T) pads the graphic with blank rows.
            rows.extend([b"\0" * ((width + 7) // 8)] * max(0, height - len(rows)))
            in_raster = False
    if (canvas is not None or rows) and not partial:
        raise PclError("data ends inside a page (no form feed)")
    return pages
