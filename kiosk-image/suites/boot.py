"""Boot of the flashed image, provisioning as a demo kiosk, read-only and locked down,
restart after a kill, the watchdog."""

import os
import re
import time

from vmlib import *  # noqa: F401,F403  (the harness: Vm, Screens, check, ...)


def run(out, layout, screens, timings):
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
