"""Compares the pages a virtual printer received with the signed PDFs they came from.

The PDFs are rendered by poppler's `pdftoppm` (an independent renderer: the kiosk draws
with hayro), the printed pages are what kiosk-image/pclread.py read back from the
captured PCL. Both are brought to the A4 sheet at a coarse resolution (COARSE_DPI: fine
enough to see every line of text as a band, coarse enough that a 1-bit halftone and
anti-aliased grey agree), a landscape PDF page turned onto the portrait sheet the way a
printer must (either way round), and compared by mean absolute difference in grey levels.

A page printed at true scale lands on its source page within a few grey levels; a page
scaled to fit (or shifted, or another page) is off by many times more. `match` pairs each
printed page with its nearest source page and reports the nearest and the next-nearest
distance (how clearly the page was recognised), and the distance to its source shrunk
to FIT_SCALE about the sheet's centre, as a driver that "fits to the printable area"
would print it: a true-scale page is nearer the source as it is than to that.
"""

import glob
import os
import re
import subprocess
import tempfile

from PIL import Image, ImageChops, ImageStat

COARSE_DPI = 30
# What "fit to page" typically shrinks an A4 page to on a printer with ~4-6 mm margins.
FIT_SCALE = 0.96
A4_MM = (210.0, 297.0)


def sheet_px():
    return tuple(round(mm / 25.4 * COARSE_DPI) for mm in A4_MM)


def render_pdf(path):
    """Every page of the PDF at `path`, as greyscale PIL images at COARSE_DPI (pdftoppm)."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-gray", "-r", str(COARSE_DPI), path, os.path.join(tmp, "p")], check=True,
                       capture_output=True)
        pages = []
        for f in sorted(glob.glob(os.path.join(tmp, "p-*.pgm")), key=lambda p: int(p.rsplit("-", 1)[1][:-4])):
            with Image.open(f) as im:
                pages.append(im.convert("L").copy())
        return pages


def page_sizes_mm(path):
    """Each page's (width, height) in mm as poppler's pdfinfo reads the PDF at `path`."""
    r = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", path], check=True, capture_output=True, text=True)
    sizes = []
    for line in r.stdout.splitlines():
        m = re.match(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", line)
        if m:
            sizes.append(tuple(float(v) * 25.4 / 72 for v in m.groups()))
    return sizes


def uprights(page):
    """A source page as it may lie on the portrait A4 sheet: itself, or a landscape page
    turned a quarter either way; each resized to the exact sheet size (pdftoppm rounds)."""
    size = sheet_px()
    if page.width > page.height:
        return [page.rotate(90, expand=True).resize(size), page.rotate(270, expand=True).resize(size)]
    return [page.resize(size)]


def coarse(printed):
    """A printed page (a PIL image of the whole A4 sheet at the printer's resolution, any
    mode) at COARSE_DPI in grey, averaging the dots."""
    return printed.convert("L").resize(sheet_px(), Image.BOX)


def shrunk(page, scale=FIT_SCALE):
    """`page` shrunk to `scale` about the sheet's centre, on white."""
    sheet = Image.new("L", page.size, 255)
    small = page.resize((round(page.width * scale), round(page.height * scale)), Image.BOX)
    sheet.paste(small, ((page.width - small.width) // 2, (page.height - small.height) // 2))
    return sheet


def distance(a, b):
    """Mean absolute grey difference, 0-255."""
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]


def match(printed_pages, sources):
    """printed_pages: PIL images of printed A4 sheets; sources: [(name, [PIL page, ...])].
    Returns, per printed page, (name, page number from 1, nearest distance, next-nearest
    distance, distance to the nearest source page shrunk to FIT_SCALE)."""
    candidates = []
    for name, pages in sources:
        for i, page in enumerate(pages, 1):
            candidates.append((name, i, uprights(page)))
    found = []
    for printed in printed_pages:
        p = coarse(printed)
        scored = sorted((min((distance(p, u), k) for k, u in enumerate(ups)), name, i, ups)
                        for name, i, ups in candidates)
        (best, turn), name, i, ups = scored[0]
        second = scored[1][0][0] if len(scored) > 1 else float("inf")
        found.append((name, i, best, second, distance(p, shrunk(ups[turn]))))
    return found
