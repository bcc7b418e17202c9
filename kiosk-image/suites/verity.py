"""One byte flipped in slot A: dm-verity refuses it and slot B boots."""

import os
import re
import time

from vmlib import *  # noqa: F401,F403  (the harness: Vm, Screens, check, ...)


def run(out, layout, screens, timings):
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
