"""Touches on the VM's screen where the kiosk's own headless demo touched it.

`adm-kiosk demo --headless --out DIR` (kiosk-image/test renders it into OUT/reference)
writes DIR/touches.json: every tap of its script with the screen it was made on, the
element's label and its centre in physical pixels of the 1080x1920 window. The suites
look a touch up by (screen, label) and send it through QMP to the VM's usb-tablet, so
no coordinate is measured by hand and a layout change moves the touches with it.
"""

import json
import os
import time

from vmlib import HEIGHT, WIDTH, TestFailure

# The usb-tablet's absolute axes run 0..0x7fff; libinput maps them onto the screen as
# value * size / 0x8000.
ABS_RANGE = 0x8000


class Touches:
    def __init__(self, reference_dir):
        path = os.path.join(reference_dir, "touches.json")
        with open(path) as f:
            self.recorded = json.load(f)
        self.where = {}
        for t in self.recorded:
            self.where.setdefault((t["screen"], t["label"]), (t["x"], t["y"]))

    def at(self, screen, label):
        try:
            return self.where[(screen, label)]
        except KeyError:
            raise TestFailure(f"the headless demo never touched {label!r} on the {screen} screen "
                              "(reference/touches.json): cannot know where it is")

    def tap(self, vm, screen, label):
        """A finger on the element labelled `label` of `screen`: down, 80 ms, up."""
        x, y = self.at(screen, label)
        press(vm, x, y)

    def type_digits(self, vm, screen, digits, gap=0.15):
        for d in digits:
            self.tap(vm, screen, d)
            time.sleep(gap)


def _axis(pixel, size):
    # The centre of the pixel, so rounding in the guest lands on it.
    return min(ABS_RANGE - 1, int((pixel + 0.5) * ABS_RANGE / size))


def press(vm, x, y, hold=0.08):
    """Touches physical pixel (x, y) of the VM's 1080x1920 display (QMP input-send-event
    to the usb-tablet: absolute position, left button down, then up)."""
    if not (0 <= x < WIDTH and 0 <= y < HEIGHT):
        raise TestFailure(f"touch outside the screen: ({x}, {y})")
    vm.qmp.cmd("input-send-event", events=[
        {"type": "abs", "data": {"axis": "x", "value": _axis(x, WIDTH)}},
        {"type": "abs", "data": {"axis": "y", "value": _axis(y, HEIGHT)}},
        {"type": "btn", "data": {"down": True, "button": "left"}},
    ])
    time.sleep(hold)
    vm.qmp.cmd("input-send-event", events=[{"type": "btn", "data": {"down": False, "button": "left"}}])
