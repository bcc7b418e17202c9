#!/usr/bin/python3
"""The kiosk image's VM test suite (run by kiosk-image/test OUT).

Boots OUT/adm-kiosk-lab.img (the production image plus the lab agent, see
kiosk-image/lab/) in QEMU under TCG with OVMF, a portrait 1080x1920 virtio-vga display,
a USB tablet for touch, the serial console in OUT/serial.log and QMP for screendumps and
power. What the kiosk shows is checked against the reference screens the kiosk's own
headless demo renders (same layout, same size, same software renderer): a screendump
"shows" a reference screen when less than MATCH_PERCENT of its pixels differ from it
(by more than 48 in a channel). The same screen differs in 0.0 % of its pixels; two
different screens, even two text-only ones, in more than 2 %.

Keeps OUT/screens/NN-step.png, OUT/serial.log, OUT/timings.json.
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
        self.lab_sock = None
        self.lab_buf = ""

    def start(self, guestfwd=(), extra_disks=()):
        shutil.copy(OVMF_VARS, self.vars)
        for p in (self.qmp_path, self.lab_path):
            if os.path.exists(p):
                os.unlink(p)
        serial = os.path.join(self.out, "serial.log")
        with open(serial, "a") as f:
            f.write(f"\n===== kiosk-image/test: {self.name}: power on =====\n")
        # The VM reaches nothing but services the test started on the host's loopback.
        net = "user,model=virtio-net-pci,restrict=on"
        for port in guestfwd:
            net += f",guestfwd=tcp:10.0.2.100:{port}-tcp:127.0.0.1:{port}"
        cmd = [
            "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-m", "2048", "-smp", "2",
            "-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
            "-drive", f"if=pflash,format=raw,file={self.vars}",
            "-drive", f"if=virtio,format=raw,file={self.disk}",
            *[a for d in extra_disks for a in ("-drive", f"if=virtio,format=raw,readonly=on,file={d}")],
            "-device", f"virtio-vga,xres={WIDTH},yres={HEIGHT}",
            "-device", "qemu-xhci", "-device", "usb-tablet",
            "-nic", net,
            "-chardev", f"file,id=serial0,path={serial},append=on", "-serial", "chardev:serial0",
            "-chardev", f"socket,id=lab,path={self.lab_path},server=on,wait=off",
            "-device", "virtio-serial-pci", "-device", "virtserialport,chardev=lab,name=org.admkiosk.lab",
            "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
            "-display", "none", "-no-user-config", "-nodefaults",
        ]
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, f"{self.name}.qemu.log"), "w"))
        self.qmp = Qmp(self.qmp_path)
        self.lab_sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.lab_sock.connect(self.lab_path)
        self.lab_sock.settimeout(0.5)
        self.lab_buf = ""

    def since_power_on(self):
        return time.monotonic() - self.t0

    def screen(self):
        """The VM's display now, as an RGB image."""
        path = os.path.join(self.dir, f"{self.name}.ppm")
        self.qmp.cmd("screendump", filename=path)
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
                raise TestFailure(f"QEMU exited ({self.proc.returncode})")
            try:
                chunk = self.lab_sock.recv(65536)
                self.lab_buf += chunk.decode(errors="replace")
            except socket.timeout:
                pass

    def lab_sync(self, timeout):
        """Waits until the lab agent in the booted VM answers."""
        deadline = time.monotonic() + timeout
        n = 0
        while time.monotonic() < deadline:
            n += 1
            self.lab_sock.sendall(f"echo @@SYNC-{n}@@\n".encode())
            _, m = self._lab_read_until(rf"@@SYNC-{n}@@\s*@@LAB-RC=0@@", 5)
            if m:
                self.lab_buf = ""
                return
        raise TestFailure(f"lab agent did not answer within {timeout:.0f}s")

    def lab(self, command, timeout=60):
        """Runs a shell command as root in the VM: (exit status, output)."""
        self.lab_sock.sendall(command.encode() + b"\n")
        out, m = self._lab_read_until(r"@@LAB-RC=(\d+)@@\n?", timeout)
        if m is None:
            raise TestFailure(f"lab command timed out: {command}")
        return int(m.group(1)), out.strip()

    def stop(self):
        if self.proc and self.proc.poll() is None:
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
        if vm.proc.poll() is not None:
            raise TestFailure(f"QEMU exited ({vm.proc.returncode})")
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


# --------------------------------------------------------------------------- the suite
def suite_boot(out, layout, screens, timings):
    # The image as flashed: an empty data partition, so not provisioned.
    disk = fresh_disk(out, layout, "boot")
    vm = Vm(out, "boot", disk)
    vm.start()
    try:
        log("power on (not provisioned): waiting for the unprovisioned screen")
        img, _, shown = wait_screen(vm, screens, "unprovisioned", BOOT_TIMEOUT)
        screens.keep(img, "boot-unprovisioned")
        # The kiosk's first frame is its first screen (the firmware's before it does not
        # count); screendumps are polled every 0.5 s.
        timings["power_on_to_first_frame_s"] = round(shown, 1)
        log(f"power-on to the kiosk's first frame: {shown:.1f}s (TCG)")
        check(True, f"an unprovisioned kiosk boots to the unprovisioned screen ({screens.diff(img, 'unprovisioned'):.2f} % < {MATCH_PERCENT}%)")
        vm.lab_sync(120)
        p = systemd_props(vm, "adm-kiosk.service", "ActiveState", "Type")
        check(p.get("ActiveState") == "active" and p.get("Type") == "notify", "unprovisioned: adm-kiosk.service is active (Type=notify)")

        # Provisioned as a demonstration kiosk (the lab image's kiosk has the demo).
        rc, out_ = vm.lab("touch /etc/adm-kiosk/demo && systemctl restart adm-kiosk.service")
        check(rc == 0, "provisioned as a demo kiosk on the data partition")
        img, _, shown = wait_screen(vm, screens, "attract", 120)
        screens.keep(img, "provisioned-attract")
        check(True, f"the attract screen is on the VM display ({screens.diff(img, 'attract'):.2f} % < {MATCH_PERCENT}%)")

        vm.lab_sync(120)
        p = systemd_props(vm, "adm-kiosk.service", "ActiveState", "Type", "WatchdogUSec", "Restart", "MainPID", "NRestarts")
        check(p.get("ActiveState") == "active", f"adm-kiosk.service is active ({p.get('ActiveState')})")
        check(p.get("Type") == "notify", "adm-kiosk.service is Type=notify")
        check(p.get("WatchdogUSec") not in (None, "0", "infinity"), f"adm-kiosk.service has a watchdog (WatchdogUSec={p.get('WatchdogUSec')})")
        check(p.get("Restart") == "always", "adm-kiosk.service restarts always")
        rc, cmdline = vm.lab("cat /proc/cmdline")
        check("adm.slot=a" in cmdline, "booted slot A")

        # --- read-only and locked down
        rc, _ = vm.lab("touch /kiosk-image-test-probe")
        check(rc != 0, "writing to / fails")
        rc, _ = vm.lab("echo x >> /usr/bin/adm-kiosk")
        check(rc != 0, "the kiosk binary cannot be modified")
        rc, fs = vm.lab("findmnt -n -o SOURCE,FSTYPE,OPTIONS /")
        check(rc == 0 and "/dev/mapper/adm-root" in fs and "erofs" in fs and re.search(r"(^|,| )ro(,|$)", fs.split()[-1]) is not None,
              f"/ is the dm-verity erofs, read-only ({fs})")
        rc, vt = vm.lab("veritysetup status adm-root")
        check(rc == 0 and "verified" in vt, "dm-verity is active on the root")
        rc, fs = vm.lab("findmnt -n -o FSTYPE /tmp; findmnt -n -o FSTYPE /var; findmnt -n -o FSTYPE,OPTIONS /var/lib/adm")
        lines = fs.splitlines()
        check(len(lines) >= 3 and lines[0] == "tmpfs" and lines[1] == "tmpfs", f"/tmp and /var (logs) are in RAM ({lines[:2]})")
        check(len(lines) >= 3 and re.match(r"ext4\s+rw,", lines[2]) is not None, f"the data partition is mounted read-write ({lines[2:]})")
        rc, _ = vm.lab("test -d /run/log/journal && ! test -d /var/lib/adm/log")
        check(rc == 0, "the journal is volatile")
        rc, v = vm.lab("cat /proc/sys/kernel/sysrq")
        check(v == "0", "SysRq is off")
        rc, g = vm.lab("systemctl list-units --all --no-legend 'getty@*' 'serial-getty@*' 'autovt@*' | grep -c running || true")
        check(g.strip() == "0", "no getty runs on any console")
        rc, _ = vm.lab("modprobe usb-storage")
        check(rc != 0, "USB storage cannot be loaded")
        rc, _ = vm.lab("ls /usr/sbin/sshd /usr/bin/ssh 2>/dev/null | grep -q .")
        check(rc != 0, "no remote shell installed")

        # --- killed: systemd restarts it and the attract screen is back within 5 s.
        # Only screendumps while waiting (QMP, outside the VM): the lab agent's commands
        # would compete with the restarting kiosk for the emulated CPU.
        old_pid = p["MainPID"]
        vm.lab(f"kill -KILL {old_pid}")
        t_kill = time.monotonic()
        left = None
        while time.monotonic() < t_kill + 60:
            img = vm.screen()
            if not screens.shows(img, "attract"):
                left = left or time.monotonic()
            elif left is not None:
                break
            time.sleep(0.25)
        back = time.monotonic() - t_kill
        check(left is not None, f"the screen went dark when the kiosk died ({left - t_kill if left else 0:.1f}s after the kill)")
        check(screens.shows(img, "attract"), "the attract screen came back")
        screens.keep(img, "after-kill-attract")
        q = systemd_props(vm, "adm-kiosk.service", "ActiveState", "MainPID")
        new_pid = q.get("MainPID")
        check(q.get("ActiveState") == "active" and new_pid not in ("0", old_pid), f"killed kiosk restarted by systemd (pid {old_pid} -> {new_pid})")
        timings["kill_to_attract_s"] = round(back, 1)
        log(f"kill to attract screen: {back:.1f}s")
        check(back <= 5.0, f"attract screen back within 5 s of the kill ({back:.1f}s)")

        # --- UI hung: the watchdog restarts it
        vm.lab(f"kill -STOP {new_pid}")
        t_hang = time.monotonic()
        restarted = None
        while time.monotonic() < t_hang + 150:
            q = systemd_props(vm, "adm-kiosk.service", "ActiveState", "MainPID")
            if q.get("ActiveState") == "active" and q.get("MainPID") not in ("0", new_pid):
                restarted = q["MainPID"]
                break
            time.sleep(2)
        check(restarted is not None, f"hung kiosk restarted by the watchdog (pid {new_pid} -> {restarted})")
        timings["hang_to_restart_s"] = round(time.monotonic() - t_hang, 1)
        rc, j = vm.lab("journalctl -u adm-kiosk.service --no-pager | grep -c 'Watchdog timeout' || true")
        check(j.strip() not in ("", "0"), "the journal names the watchdog timeout")
        img, _, _ = wait_screen(vm, screens, "attract", 60)
        screens.keep(img, "after-watchdog-attract")
    finally:
        vm.stop()


def suite_verity(out, layout, screens, timings):
    """One byte flipped in slot A: A does not boot (dm-verity), B does."""
    disk = fresh_disk(out, layout, "verity", demo_data_dir(out))
    # The first byte of the erofs superblock (offset 1024): read at every mount.
    flip_byte(disk, layout["partitions"]["root-a"] * 512 + 1024)
    vm = Vm(out, "verity", disk)
    vm.start()
    try:
        log("slot A corrupted: waiting for the fallback to slot B")
        img, _, shown = wait_screen(vm, screens, "attract", BOOT_TIMEOUT + 240)
        screens.keep(img, "verity-fallback-attract")
        timings["verity_fallback_to_attract_s"] = round(shown, 1)
        vm.lab_sync(120)
        rc, cmdline = vm.lab("cat /proc/cmdline")
        check("adm.slot=b" in cmdline, "slot A with a flipped byte did not boot; slot B did")
        with open(os.path.join(out, "serial.log"), errors="replace") as f:
            log_text = f.read().split("===== kiosk-image/test: verity: power on =====")[-1]
        # dm-verity (restart-on-corruption) reboots at the first corrupted block read;
        # systemd-boot counts each try, then falls back to slot B.
        tries_a = len(re.findall(r"adm-initramfs: slot a,", log_text))
        corrupted = len(re.findall(r"device-mapper: verity: .*is corrupted", log_text))
        check(tries_a == 3 and corrupted >= 3, f"slot A was tried 3 times and dm-verity found the corruption each time ({tries_a} tries, {corrupted} reports)")
        check("root-a verified" not in log_text, "slot A never got past dm-verity")
    finally:
        vm.stop()


def esp_entries(vm):
    """The UKIs on the ESP (systemd-gpt-auto-generator mounts it at /boot)."""
    rc, out = vm.lab("ls /boot/EFI/Linux/")
    if rc != 0:
        raise TestFailure(f"cannot list the ESP: {out}")
    return sorted(out.split())


def wait_blessed(vm, slot, timeout=180):
    """Waits until systemd-bless-boot has marked this boot good (counter gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if f"adm-kiosk-{slot}.efi" in esp_entries(vm):
            return
        time.sleep(3)
    raise TestFailure(f"the boot of slot {slot} was not marked good within {timeout}s: {esp_entries(vm)}")


def booted(vm):
    rc, out = vm.lab(". /etc/os-release; echo \"$IMAGE_VERSION\"; cat /proc/cmdline")
    lines = out.splitlines()
    slot = re.search(r"adm\.slot=(\w)", out)
    return (slot.group(1) if slot else None), (lines[0] if lines else "")


def install(vm, device, size):
    """Copies a bundle from a read-only virtio disk and installs it with RAUC."""
    return vm.lab(f"head -c {size} {device} > /tmp/update.raucb && rauc install /tmp/update.raucb; rc=$?; rm -f /tmp/update.raucb; exit $rc", timeout=900)


def serial_size(out):
    return os.path.getsize(os.path.join(out, "serial.log"))


def wait_serial(out, since, pattern, timeout):
    """Waits until the serial console, from byte `since` on, matches `pattern`."""
    deadline = time.monotonic() + timeout
    rx = re.compile(pattern)
    while time.monotonic() < deadline:
        with open(os.path.join(out, "serial.log"), "rb") as f:
            f.seek(since)
            if rx.search(f.read().decode(errors="replace")):
                return
        time.sleep(1)
    raise TestFailure(f"no {pattern!r} on the serial console within {timeout:.0f}s")


def reboot(vm, out):
    """A clean reboot from inside; returns once the new boot's initramfs has started."""
    mark = serial_size(out)
    vm.lab("systemctl reboot")
    wait_serial(out, mark, r"adm-initramfs: slot \w", BOOT_TIMEOUT)


def suite_update(out, layout, screens, timings):
    """A/B: a bundle signed by another key is refused; a newer one installs into the
    other slot, which boots next and is marked good; a newer one whose kiosk never
    starts is rolled back after its three boot tries."""
    lab = os.path.join(out, "lab")
    bundles = [os.path.join(lab, f"update-{n}.raucb") for n in ("good", "broken", "foreign")]
    sizes = [os.path.getsize(b) for b in bundles]
    disk = fresh_disk(out, layout, "update", demo_data_dir(out))
    vm = Vm(out, "update", disk)
    vm.start(extra_disks=bundles)  # /dev/vdb, /dev/vdc, /dev/vdd
    try:
        img, _, _ = wait_screen(vm, screens, "attract", BOOT_TIMEOUT)
        vm.lab_sync(120)
        slot, version = booted(vm)
        check(slot == "a" and version == layout["version"], f"the flashed image runs slot A, version {version}")
        wait_blessed(vm, "a")
        check(True, f"slot A's boot was marked good by the kiosk's boot check ({esp_entries(vm)})")

        rc, text = install(vm, "/dev/vdd", sizes[2])
        check(rc != 0, "a bundle signed by another key is refused")
        check("adm-kiosk-b+3.efi" not in esp_entries(vm), "... and slot B's boot entry is untouched")

        t = time.monotonic()
        rc, text = install(vm, "/dev/vdb", sizes[0])
        check(rc == 0, f"the signed newer bundle installs into the other slot ({time.monotonic() - t:.0f}s)")
        timings["update_install_s"] = round(time.monotonic() - t, 1)
        check("adm-kiosk-b+3.efi" in esp_entries(vm), "slot B gets a boot entry with 3 tries")
        t = time.monotonic()
        reboot(vm, out)
        img, _, _ = wait_screen(vm, screens, "attract", BOOT_TIMEOUT)
        screens.keep(img, "update-slot-b-attract")
        vm.lab_sync(120)
        slot, version = booted(vm)
        timings["update_reboot_to_attract_s"] = round(time.monotonic() - t, 1)
        check(slot == "b" and version == "99.0.0+lab", f"after the reboot: slot B, the new version ({slot}, {version})")
        wait_blessed(vm, "b")
        check(True, "the new version's boot was marked good")

        rc, text = install(vm, "/dev/vdc", sizes[1])
        check(rc == 0, "a newer bundle with a broken kiosk installs into slot A")
        t = time.monotonic()
        reboot(vm, out)
        log("slot A now has a kiosk that never starts: waiting for the rollback to B")
        deadline = time.monotonic() + 3 * BOOT_TIMEOUT
        slot = None
        while time.monotonic() < deadline:
            img = vm.screen()
            if screens.shows(img, "attract"):
                try:
                    vm.lab_sync(30)
                    slot, version = booted(vm)
                    if slot == "b":
                        break
                except TestFailure:
                    pass
            time.sleep(2)
        timings["rollback_s"] = round(time.monotonic() - t, 1)
        check(slot == "b" and version == "99.0.0+lab", f"rolled back to slot B, the good version ({slot}, {version})")
        screens.keep(img, "rollback-slot-b-attract")
        entries = esp_entries(vm)
        check("adm-kiosk-a+0-3.efi" in entries, f"slot A used up its 3 tries ({entries})")
        with open(os.path.join(out, "serial.log"), errors="replace") as f:
            log_text = f.read().split("===== kiosk-image/test: update: power on =====")[-1]
        tries = log_text.count("crashed 3 times: this boot is NOT marked good")
        check(tries >= 3, f"the broken kiosk failed its boot check on each try ({tries})")
    finally:
        vm.stop()


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
        for name, fn in (("boot", suite_boot), ("verity", suite_verity), ("update", suite_update)):
            if only and name not in only.split(","):
                continue
            t = time.monotonic()
            fn(out, layout, screens, timings)
            timings[f"suite_{name}_s"] = round(time.monotonic() - t, 1)
    except TestFailure as e:
        failed = str(e)
    timings["vm_suite_s"] = round(time.monotonic() - t0, 1)
    with open(os.path.join(out, "timings.json"), "w") as f:
        json.dump(timings, f, indent=2)
        f.write("\n")
    log("timings: " + json.dumps(timings))
    shutil.rmtree(os.path.join(out, "vm"), ignore_errors=True) if not failed and not os.environ.get("ADM_VM_KEEP") else None
    if failed:
        log(f"FAILED: {failed} (screens in {screens.dir}, console in {serial})")
        return 1
    log("all VM checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
