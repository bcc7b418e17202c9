"""The lab's virtual camera from the host (suites): adm-lab-camera (lab/camera, lab image
only) plays a UVC camera over USB/IP in the VM, so the kiosk meets it through vhci-hcd,
uvcvideo, V4L2 and the udev rule that names it /dev/adm/camera.

    use_camera(data_dir)        kiosk.toml of run_data_dir: camera.device = /dev/adm/camera
    start(vm); plug(vm)         the camera's server, then the camera plugged in
    prepare(vm, styles)         draw pictures in the VM in the background, ahead of time
    show(vm, style) / show(vm, "blank")   what is in front of the lens
    unplug(vm)
    status(vm)                  {plugged, streaming, frames_sent, picture, generation,
                                 shown_at_us, first_byte_us, first_frame_us, now_us}
                                (µs since the epoch, the guest's clock, as journald's)
"""

import json
import os
import subprocess
import time

from vmlib import TestFailure

DEVICE = "/dev/adm/camera"
# The reference server's demo notice (central/server/src/seed.rs DEMO_NOTICE_CODE/PIN)
# for the notice host run_data_dir configures (public_host).
NOTICE_CODE = "7QK3M9ZT4HX2WD8R"
NOTICE_PIN = "482915"
NOTICE_PAYLOAD = f"https://siak.demo.invalid/n/{NOTICE_CODE}"
# What `adm-lab-camera synth` draws: photographed notices, and a sheet with no code.
STYLES = ("clean", "perspective", "blur", "glare", "phone", "phone-dark", "nocode")
PICTURES = "/run/adm-lab/camera"


def use_camera(data_dir):
    """Points the kiosk of a run_data_dir data partition at the lab camera."""
    path = os.path.join(data_dir, "etc", "kiosk.toml")
    with open(path) as f:
        text = f.read()
    old = '[camera]\ndevice = "sim"'
    if old not in text:
        raise TestFailure(f"{path}: no simulated camera to replace")
    with open(path, "w") as f:
        f.write(text.replace(old, f'[camera]\ndevice = "{DEVICE}"'))


def ctl(vm, *words, timeout=60):
    rc, o = vm.lab("adm-lab-camera ctl " + " ".join(words), timeout=timeout)
    if rc != 0:
        raise TestFailure(f"adm-lab-camera ctl {' '.join(words)}: {o.strip()[-500:]}")
    return json.loads(o.splitlines()[-1])


def status(vm):
    return ctl(vm, "status")


def start(vm):
    rc, o = vm.lab("systemctl start adm-lab-camera.service", timeout=90)
    if rc != 0:
        _, journal = vm.lab("journalctl -b -u adm-lab-camera --no-pager | tail -30")
        raise TestFailure(f"the lab camera's server did not start: {o} {journal}")


def plug(vm, timeout=60):
    """Plugs the camera in; returns once udev has made /dev/adm/camera."""
    st = ctl(vm, "plug", timeout=timeout)
    rc, o = vm.lab(f"udevadm settle -t 20; test -e {DEVICE} && echo present", timeout=30)
    if "present" not in o:
        raise TestFailure(f"camera plugged in (vhci-hcd port {st['port']}) but {DEVICE} did not appear")
    return st


def unplug(vm):
    return ctl(vm, "unplug")


def _synth_cmd(style, payload, seed):
    # Written under a temporary name and renamed: a picture drawn in the background
    # (prepare) is never read half-written.
    path = f"{PICTURES}/{style}-{seed}.png"
    tmp = f"{PICTURES}/{style}-{seed}.tmp.png"
    return path, (f"mkdir -p {PICTURES} && {{ test -e {path} || {{ adm-lab-camera synth {style} {tmp} "
                  f"--payload {payload} --seed {seed} >/dev/null && mv {tmp} {path}; }}; }}")


def prepare(vm, styles, payload=NOTICE_PAYLOAD, seed=1):
    """Starts drawing pictures in the VM in the background (a dev build under TCG takes
    a few seconds each), so showing them later does not wait."""
    cmds = " ; ".join(_synth_cmd(s, payload, seed)[1] for s in styles)
    vm.lab(f"nohup sh -c '{cmds}' >/dev/null 2>&1 &")


def wait_prepared(vm, styles, seed=1, timeout=120):
    """Until the pictures prepare() draws are all there (so no drawing competes for the
    VM's CPU with what a suite measures)."""
    paths = " ".join(f"{PICTURES}/{s}-{seed}.png" for s in styles)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rc, _ = vm.lab(f"ls {paths} >/dev/null 2>&1")
        if rc == 0:
            return
        time.sleep(1)
    raise TestFailure(f"the lab camera's pictures were not drawn within {timeout}s")


def picture(vm, style, payload=NOTICE_PAYLOAD, seed=1):
    """A synthesised picture in the VM (drawn now unless prepare already did); its path."""
    path, cmd = _synth_cmd(style, payload, seed)
    rc, o = vm.lab(cmd, timeout=120)
    if rc != 0:
        raise TestFailure(f"adm-lab-camera synth {style}: {o.strip()[-300:]}")
    return path


def show(vm, style, payload=NOTICE_PAYLOAD, seed=1):
    """Puts a synthesised picture (or "blank") in front of the lens; returns the status."""
    return ctl(vm, "show", "blank" if style == "blank" else picture(vm, style, payload, seed))


def wait_frames(vm, after, timeout=30):
    """Waits until the kiosk has taken frames beyond `after` (frames_sent), i.e. it streams."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = status(vm)
        if st["frames_sent"] > after:
            return st
        time.sleep(0.5)
    raise TestFailure(f"the kiosk took no frame from the camera within {timeout}s")


def keep_pictures(out, styles=STYLES, payload=NOTICE_PAYLOAD, seed=1):
    """The same pictures, drawn on the host into OUT/lab/camera-STYLE.png for people to
    look at (synth is deterministic)."""
    binary = os.path.join(out, "bin", "adm-lab-camera")
    lab = os.path.join(out, "lab")
    os.makedirs(lab, exist_ok=True)
    paths = {}
    for style in styles:
        path = os.path.join(lab, f"camera-{style}.png")
        subprocess.run([binary, "synth", style, path, "--payload", payload, "--seed", str(seed)], check=True,
                       capture_output=True)
        paths[style] = path
    return paths
