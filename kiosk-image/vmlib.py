"""The VM test harness (kiosk-image/test): QEMU, QMP, the lab agent, screendumps and
the disks the suites boot. The suites are in suites/, one file each; vmtest.py runs them.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

from PIL import Image, ImageChops, ImageStat

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
WIDTH, HEIGHT = 1080, 1920
MATCH_PERCENT = 0.5
# The firmware's hand-over to Linux, on the serial console: the kernel's EFI stub, or
# our initramfs's first line.
HANDOVER = r"EFI stub: |adm-initramfs: slot"
FIRMWARE_TIMEOUT = float(os.environ.get("ADM_VM_FIRMWARE_TIMEOUT", "150"))
# Suites whose VM was powered on once more because the firmware hung (Vm.start).
FIRMWARE_HANGS = []
BOOT_TIMEOUT = float(os.environ.get("ADM_VM_BOOT_TIMEOUT", "420"))


class TestFailure(Exception):
    pass


def log(msg):
    print(f"kiosk-image/test: {msg}", flush=True)


def check(cond, what):
    if not cond:
        raise TestFailure(what)
    log(f"ok: {what}")


class Qmp:
    def __init__(self, path, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.buf = b""
        self._read()  # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise TestFailure("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, execute, **arguments):
        msg = {"execute": execute}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise TestFailure(f"QMP {execute}: {reply['error']}")
            # events: ignored


class Vm:
    """One QEMU process. The disk is a private copy the test may modify."""

    def __init__(self, out, name, disk):
        self.out, self.name, self.disk = out, name, disk
        self.dir = os.path.join(out, "vm")
        os.makedirs(self.dir, exist_ok=True)
        self.qmp_path = os.path.join(self.dir, f"{name}.qmp")
        self.lab_path = os.path.join(self.dir, f"{name}.lab")
        self.vars = os.path.join(self.dir, f"{name}.vars.fd")
        self.proc = None
        self.qmp = None
        self.lab_sock = None
        self.lab_buf = ""
        self.power_on_per_boot = False
        self.stopping = False
        self.reboots = 0

    def start(self, guestfwd=(), extra_disks=(), power_on_per_boot=False):
        """Powers on. power_on_per_boot: every guest reboot ends QEMU (-no-reboot) and
        the harness powers on again with the same disks and a FRESH copy of OVMF_VARS.
        Why: a VM rebooted 6-9 times in one QEMU process hung in OVMF in 2 of 4 runs
        (every boot appends to the variable store; reclaiming a full store on emulated
        flash is the likely culprit). Nothing the kiosk needs lives in NVRAM: systemd-boot's
        boot counters are file names on the ESP. See running()."""
        self.guestfwd, self.extra_disks = tuple(guestfwd), tuple(extra_disks)
        self.power_on_per_boot = power_on_per_boot
        self.stopping = False
        self.reboots = 0
        self._power_on("power on")
        # The firmware (OVMF under TCG) must hand over to Linux, as it does within
        # seconds. Once, on CI, a VM stayed black for the whole boot wait, the cause
        # unknown (its console was not kept). Only a hang before Linux starts, which is
        # no code of the kiosk's, gets one more power-on, said in the log and counted in
        # timings.json; a hang after it fails the suite, with the guest's console and
        # journal in the output: a kiosk that stays black on a cold boot is a defect.
        try:
            wait_serial(self.out, self.serial_mark, HANDOVER, FIRMWARE_TIMEOUT)
        except TestFailure:
            log(f"{self.name}: the firmware did not start Linux within {FIRMWARE_TIMEOUT:.0f}s of power-on "
                f"(console: {' / '.join(serial_tail(self.out, 4, since=self.serial_mark))!r}): powering on once more")
            FIRMWARE_HANGS.append(self.name)
            self.proc.kill()
            self.proc.wait()
            self._power_on("power on again: the firmware did not start Linux")

    def _power_on(self, why):
        # A QEMU powered on again (a guest reboot, a firmware hang) gets new sockets;
        # the old ones' peer is gone.
        for sock in (self.qmp and self.qmp.sock, self.lab_sock):
            if sock is not None:
                sock.close()
        shutil.copy(OVMF_VARS, self.vars)
        for p in (self.qmp_path, self.lab_path):
            if os.path.exists(p):
                os.unlink(p)
        serial = os.path.join(self.out, "serial.log")
        with open(serial, "a") as f:
            f.write(f"\n===== kiosk-image/test: {self.name}: {why} =====\n")
            self.serial_mark = f.tell()
        # The VM reaches nothing but services the test started on the host's loopback.
        net = "user,model=virtio-net-pci,restrict=on"
        # A relay process per guest connection (guestfwd-relay says why not `-tcp:`).
        relay = os.path.join(os.path.dirname(os.path.abspath(__file__)), "guestfwd-relay")
        for port in self.guestfwd:
            net += f",guestfwd=tcp:10.0.2.100:{port}-cmd:/usr/bin/python3 {relay} 127.0.0.1 {port}"
        cmd = [
            "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-m", "2048", "-smp", "2",
            "-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
            "-drive", f"if=pflash,format=raw,file={self.vars}",
            "-drive", f"if=virtio,format=raw,file={self.disk}",
            *[a for d in self.extra_disks for a in ("-drive", f"if=virtio,format=raw,readonly=on,file={d}")],
            "-device", f"virtio-vga,xres={WIDTH},yres={HEIGHT}",
            "-device", "qemu-xhci", "-device", "usb-tablet",
            "-nic", net,
            "-chardev", f"file,id=serial0,path={serial},append=on", "-serial", "chardev:serial0",
            "-chardev", f"socket,id=lab,path={self.lab_path},server=on,wait=off",
            "-device", "virtio-serial-pci", "-device", "virtserialport,chardev=lab,name=org.admkiosk.lab",
            "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
            "-display", "none", "-no-user-config", "-nodefaults",
            *(["-no-reboot"] if self.power_on_per_boot else []),
        ]
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, f"{self.name}.qemu.log"), "a"))
        self.qmp = Qmp(self.qmp_path)
        self.lab_sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.lab_sock.connect(self.lab_path)
        self.lab_sock.settimeout(0.5)
        self.lab_buf = ""

    def running(self):
        """Whether the VM runs. With power_on_per_boot, a QEMU that ended because the
        guest rebooted (exit status 0, not stopped by the test) is powered on again here,
        so every poll loop of the harness follows the guest's reboots."""
        if self.proc.poll() is None:
            return True
        if self.power_on_per_boot and self.proc.returncode == 0 and not self.stopping:
            self.reboots += 1
            self._power_on(f"guest reboot {self.reboots}: power on again (fresh OVMF_VARS)")
            return True
        return False

    def wait_reboot(self, timeout):
        """With power_on_per_boot: waits until the guest reboots (QEMU ends) and powers
        on again with the same disks."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise TestFailure(f"the VM did not reboot within {timeout:.0f}s")
            time.sleep(0.5)
        if not self.running():
            raise TestFailure(f"QEMU exited ({self.proc.returncode})")

    def since_power_on(self):
        return time.monotonic() - self.t0

    def screen(self):
        """The VM's display now, as an RGB image."""
        path = os.path.join(self.dir, f"{self.name}.ppm")
        if not self.running():
            raise TestFailure(f"QEMU exited ({self.proc.returncode})")
        try:
            self.qmp.cmd("screendump", filename=path)
        except (TestFailure, OSError):
            # QEMU may have ended between the check and the command (a guest reboot).
            time.sleep(1)
            if not self.running():
                raise
            self.qmp.cmd("screendump", filename=path)
        # A guest paused on a failed disk write shows its last frame for ever: every
        # screen wait would time out on it, minutes later and without the reason.
        if self._stopped() == "io-error":
            raise TestFailure(self._stopped_why("io-error"))
        with Image.open(path) as img:
            return img.convert("RGB")

    # --- the lab agent (kiosk-image/lab/usr/lib/adm-kiosk-lab/agent)
    def _lab_read_until(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            m = rx.search(self.lab_buf)
            if m:
                before = self.lab_buf[: m.start()]
                self.lab_buf = self.lab_buf[m.end():]
                return before, m
            if time.monotonic() > deadline:
                return None, None
            if self.proc.poll() is not None:
                self._lab_gone()
            try:
                chunk = self.lab_sock.recv(65536)
                self.lab_buf += chunk.decode(errors="replace")
            except socket.timeout:
                pass

    def _lab_send(self, data):
        """Sends to the lab agent. The socket breaks when QEMU ends: with
        power_on_per_boot, a guest that reboots between two of a poll loop's commands
        (an installed update asks for the reboot at once) ends QEMU, and the write fails
        before any read could see it. That is reported as a reboot, like a read would."""
        try:
            self.lab_sock.sendall(data)
        except OSError as e:
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                raise TestFailure(f"the lab agent's socket broke while QEMU runs: {e}") from e
            self._lab_gone()

    def _lab_gone(self):
        """QEMU ended under a lab command: a guest reboot (powered on again by running())
        or an exit."""
        if self.running():
            raise TestFailure("the VM rebooted during a lab command")
        raise TestFailure(f"QEMU exited ({self.proc.returncode})")

    def lab_sync(self, timeout):
        """Waits until the lab agent in the booted VM answers."""
        deadline = time.monotonic() + timeout
        n = 0
        while time.monotonic() < deadline:
            n += 1
            self._lab_send(f"echo @@SYNC-{n}@@\n".encode())
            _, m = self._lab_read_until(rf"@@SYNC-{n}@@\s*@@LAB-RC=0@@", 5)
            if m:
                self.lab_buf = ""
                return
        raise TestFailure(f"lab agent did not answer within {timeout:.0f}s")

    def lab(self, command, timeout=60):
        """Runs a shell command as root in the VM: (exit status, output)."""
        self._lab_send(command.encode() + b"\n")
        out, m = self._lab_read_until(r"@@LAB-RC=(\d+)@@\n?", timeout)
        if m is None:
            raise TestFailure(f"lab command timed out: {command}")
        return int(m.group(1)), out.strip()

    def _stopped(self):
        """QEMU's status when it does not run the guest ('io-error', 'paused', ...), else
        None. The default werror=enospc pauses the guest when a write to its disk copy
        fails, as on a full host disk: from the screen alone, a hang."""
        st = self.qmp.cmd("query-status")
        return None if st.get("running", True) else st.get("status", "?")

    def _stopped_why(self, status):
        if status == "io-error":
            return f"QEMU paused the guest: a write to its disk failed ({free_gib(self.out):.1f} GiB free on the host's disk)"
        return f"QEMU had stopped the guest: {status}"

    def _post_mortem(self):
        """Stopped while a failure propagates: what the guest's own logs say, into the
        output (all that CI keeps of a run) while the guest still runs. Best effort."""
        try:
            self.lab_sync(20)
            _, o = self.lab("systemctl is-system-running; systemctl --failed --no-legend --plain; "
                            "journalctl -b --no-pager -o short-monotonic -n 30 -u adm-kiosk.service "
                            "2>&1 | cut -c1-300", timeout=30)
        except (TestFailure, OSError) as e:
            log(f"{self.name}: no word from the guest's lab agent ({e})")
            return
        log(f"{self.name}: the guest at the failure (systemd state, failed units, the kiosk's journal):")
        for line in o.splitlines()[-45:]:
            print(f"  | {line}", flush=True)

    def stop(self):
        self.stopping = True
        if self.proc and self.proc.poll() is None:
            try:
                status = self._stopped()
                if status:
                    log(f"{self.name}: {self._stopped_why(status)}")
            except (TestFailure, OSError):
                pass
            if isinstance(sys.exc_info()[1], TestFailure):
                self._post_mortem()
            try:
                self.qmp.cmd("quit")  # a power cut
            except (TestFailure, OSError):
                pass
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Screens:
    """OUT/screens/NN-step.png, and the reference screens they are checked against."""

    def __init__(self, out, reference_dir):
        self.dir = os.path.join(out, "screens")
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.n = 0
        self.ref = {}
        for f in sorted(os.listdir(reference_dir)):
            m = re.match(r"\d+-(.+)\.png$", f)
            if m and m.group(1) not in self.ref:
                with Image.open(os.path.join(reference_dir, f)) as img:
                    self.ref[m.group(1)] = img.convert("RGB")

    def keep(self, img, step):
        self.n += 1
        path = os.path.join(self.dir, f"{self.n:02d}-{step}.png")
        img.save(path)
        return path

    def diff(self, img, ref_name):
        """Percentage of pixels that differ from the reference screen."""
        return differing_percent(img, self.ref[ref_name])

    def shows(self, img, ref_name):
        return self.diff(img, ref_name) < MATCH_PERCENT


def thumb(img):
    return img.resize((WIDTH // 10, HEIGHT // 10), Image.BILINEAR)


def differing_percent(a, b):
    if a.size != b.size:
        return 100.0
    mask = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 48 else 0)
    return 100.0 * mask.histogram()[255] / (a.size[0] * a.size[1])


def is_blank(img):
    """Black or single-coloured: firmware, console, nothing drawn yet."""
    lo_hi = ImageStat.Stat(thumb(img)).extrema
    return all(hi - lo < 16 for lo, hi in lo_hi)


def wait_screen(vm, screens, ref_name, timeout, poll=0.5):
    """Polls screendumps until the VM shows the reference screen; returns (image, first
    non-blank time, match time), times since power-on."""
    deadline = time.monotonic() + timeout
    first_drawn = None
    last = None
    while time.monotonic() < deadline:
        img = vm.screen()
        now = vm.since_power_on()
        if first_drawn is None and not is_blank(img):
            first_drawn = now
        if screens.shows(img, ref_name):
            return img, first_drawn, now
        last = img
        time.sleep(poll)
    if last is not None:
        screens.keep(last, f"FAILED-waiting-for-{ref_name}")
        raise TestFailure(f"the screen did not show '{ref_name}' within {timeout:.0f}s (last: {screens.diff(last, ref_name):.1f}% of pixels differ)")
    raise TestFailure(f"no screendump within {timeout:.0f}s")


def systemd_props(vm, unit, *props):
    rc, out = vm.lab("systemctl show " + unit + " " + " ".join(f"-p {p}" for p in props))
    if rc != 0:
        raise TestFailure(f"systemctl show {unit}: {out}")
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


# --------------------------------------------------------------------------- disks
def load_layout(out):
    with open(os.path.join(out, "adm-kiosk-lab.json")) as f:
        return json.load(f)


def fresh_disk(out, layout, name, data_dir=None):
    """A private sparse copy of the lab image, with a data partition made from data_dir."""
    disk = os.path.join(out, "vm", f"{name}.img")
    os.makedirs(os.path.dirname(disk), exist_ok=True)
    subprocess.run(["cp", "--sparse=always", os.path.join(out, "adm-kiosk-lab.img"), disk], check=True)
    if data_dir:
        data_img = disk + ".data"
        size = layout["data_sectors"] * 512
        subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "adm-data", "-d", data_dir, data_img, str(size // 1024) + "k"], check=True)
        subprocess.run(["dd", f"if={data_img}", f"of={disk}", "bs=1M", f"seek={layout['partitions']['adm-data'] // 2048}",
                        "conv=notrunc,sparse", "status=none"], check=True)
        os.unlink(data_img)
    return disk


def demo_data_dir(out):
    """A data partition provisioned as a demonstration kiosk (kiosk-image/README.md)."""
    d = os.path.join(out, "vm", "data-demo")
    shutil.rmtree(d, ignore_errors=True)
    for sub, mode in (("etc", 0o755), ("kiosk", 0o700), ("private", 0o700)):
        os.makedirs(os.path.join(d, sub))
        os.chmod(os.path.join(d, sub), mode)
    open(os.path.join(d, "etc", "demo"), "w").close()
    return d


def flip_byte(disk, offset):
    with open(disk, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0xFF]))


# --------------------------------------------------------------------------- boots
def esp_entries(vm):
    """The UKIs on the ESP (systemd-gpt-auto-generator mounts it at /boot)."""
    rc, out = vm.lab("ls /boot/EFI/Linux/")
    if rc != 0:
        raise TestFailure(f"cannot list the ESP: {out}")
    return sorted(out.split())


def booted(vm):
    rc, out = vm.lab(". /etc/os-release; echo \"$IMAGE_VERSION\"; cat /proc/cmdline")
    lines = out.splitlines()
    slot = re.search(r"adm\.slot=(\w)", out)
    return (slot.group(1) if slot else None), (lines[0] if lines else "")


def free_gib(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize / 2**30


# Terminal control sequences on the console (colours, cursor moves, OVMF's mode sets).
ANSI = re.compile(r"\x1b\[[0-9;?=]*[A-Za-z]")


def serial_tail(out, n, since=0):
    """The console's last n non-empty lines (of those from byte `since` on), printable,
    or a word on why there are none."""
    try:
        with open(os.path.join(out, "serial.log"), "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(since, f.tell() - 64 * 1024))
            text = f.read().decode("utf-8", "replace")
    except OSError as e:
        return [f"(no console: {e})"]
    lines = [re.sub(r"[^\x20-\x7e]", "", ANSI.sub("", line)) for line in text.replace("\r", "\n").splitlines()]
    return [line for line in lines if line.strip()][-n:]


def serial_size(out):
    return os.path.getsize(os.path.join(out, "serial.log"))


def wait_serial(out, since, pattern, timeout, vm=None):
    """Waits until the serial console, from byte `since` on, matches `pattern` (with
    `vm`: following its reboots, see Vm.running)."""
    deadline = time.monotonic() + timeout
    rx = re.compile(pattern)
    while time.monotonic() < deadline:
        if vm is not None and not vm.running():
            raise TestFailure(f"QEMU exited ({vm.proc.returncode})")
        with open(os.path.join(out, "serial.log"), "rb") as f:
            f.seek(since)
            if rx.search(f.read().decode(errors="replace")):
                return
        time.sleep(1)
    raise TestFailure(f"no {pattern!r} on the serial console within {timeout:.0f}s")


def reboot(vm, out):
    """A clean reboot from inside; returns once the new boot's initramfs has started."""
    mark = serial_size(out)
    try:
        vm.lab("systemctl reboot")
    except TestFailure:
        pass  # the VM went down before the agent answered
    wait_serial(out, mark, r"adm-initramfs: slot \w", BOOT_TIMEOUT, vm)
