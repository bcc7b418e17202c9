#!/usr/bin/python3
"""The kiosk image's VM test suite (run by kiosk-image/test OUT).

Boots OUT/adm-kiosk-lab.img (the production image plus the lab agent, see
kiosk-image/lab/) in QEMU under TCG with OVMF, a portrait 1080x1920 virtio-vga display,
a USB tablet for touch, the serial console in OUT/serial.log and QMP for screendumps and
power (the harness: vmlib.py). What the kiosk shows is checked against the reference
screens the kiosk's own headless demo renders (same layout, same size, same software
renderer): a screendump "shows" a reference screen when less than MATCH_PERCENT of its
pixels differ from it (by more than 48 in a channel). The same screen differs in 0.0 %
of its pixels; two different screens, even two text-only ones, in more than 2 %.

The suites are in suites/, one file each, run in the order of SUITES; ADM_VM_ONLY
(comma-separated names) runs a subset. Keeps OUT/screens/NN-step.png, OUT/serial.log,
OUT/timings.json.
"""

import importlib
import json
import os
import shutil
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from PIL import Image  # noqa: E402
from vmlib import FIRMWARE_HANGS, Screens, TestFailure, free_gib, load_layout, log, serial_tail  # noqa: E402

SUITES = ["boot", "verity", "journey", "powercut", "fleet", "hwlab", "hwippusb", "hwcamera", "hwjourney", "update"]


SERIAL_TAIL = 40


def describe(path):
    """A screendump in words, for a log that cannot show it: how much of it is black
    (a display never drawn, a paused or hung guest) and its commonest colour."""
    with Image.open(path) as img:
        small = img.convert("RGB").resize((108, 192))
    px = list(small.getdata())
    dark = sum(1 for p in px if max(p) < 24) / len(px)
    colour, n = max(((c, k) for k, c in small.getcolors(len(px))), key=lambda x: x[1])
    return f"{dark:.0%} black; commonest colour #{colour[0]:02x}{colour[1]:02x}{colour[2]:02x} ({n / len(px):.0%})"


def main():
    if len(sys.argv) != 3:
        print("usage: vmtest.py OUT REFERENCE_SCREENS_DIR", file=sys.stderr)
        return 2
    out, reference = os.path.abspath(sys.argv[1]), sys.argv[2]
    only = os.environ.get("ADM_VM_ONLY", "")
    layout = load_layout(out)
    screens = Screens(out, reference)
    serial = os.path.join(out, "serial.log")
    if os.path.exists(serial):
        os.unlink(serial)
    timings = {"image_version": layout["version"], "accel": "tcg"}
    t0 = time.monotonic()
    failed = None
    try:
        for name in SUITES:
            if only and name not in only.split(","):
                continue
            t = time.monotonic()
            log(f"suite {name}")
            importlib.import_module(f"suites.{name}").run(out, layout, screens, timings)
            timings[f"suite_{name}_s"] = round(time.monotonic() - t, 1)
            # A passed suite's own disk copy is of no more use: ten of them (0.7 GB
            # written each) kept to the end made the VM suites the peak of a run's disk.
            # A failed run keeps everything for the post-mortem.
            disk = os.path.join(out, "vm", f"{name}.img")
            if os.path.exists(disk) and not os.environ.get("ADM_VM_KEEP"):
                os.unlink(disk)
    except TestFailure as e:
        failed = str(e)
    except Exception as e:  # a harness bug or a host error: reported like a failure
        traceback.print_exc()
        failed = f"{type(e).__name__}: {e}"
    timings["vm_suite_s"] = round(time.monotonic() - t0, 1)
    timings["firmware_hangs"] = ",".join(FIRMWARE_HANGS)
    with open(os.path.join(out, "timings.json"), "w") as f:
        json.dump(timings, f, indent=2)
        f.write("\n")
    log("timings: " + json.dumps(timings))
    shutil.rmtree(os.path.join(out, "vm"), ignore_errors=True) if not failed and not os.environ.get("ADM_VM_KEEP") else None
    if failed:
        # What CI keeps of a run is its output: the failed boot's console and the disk
        # left go there, not only into OUT.
        log(f"the last {SERIAL_TAIL} lines on the serial console:")
        for line in serial_tail(out, SERIAL_TAIL):
            print(f"  | {line}")
        kept = sorted(f for f in os.listdir(screens.dir) if f.endswith(".png"))
        if kept:
            log(f"the last screendump kept, {kept[-1]}: {describe(os.path.join(screens.dir, kept[-1]))}")
        log(f"{free_gib(out):.1f} GiB free on the disk of {out}")
        log(f"FAILED: {failed} (screens in {screens.dir}, console in {serial})")
        return 1
    log("all VM checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
