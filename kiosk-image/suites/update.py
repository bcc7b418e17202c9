"""A/B updates with RAUC: signature, install, boot counting, rollback."""

import os
import re
import time

from vmlib import *  # noqa: F401,F403  (the harness: Vm, Screens, check, ...)


def wait_blessed(vm, slot, timeout=180):
    """Waits until systemd-bless-boot has marked this boot good (counter gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if f"adm-kiosk-{slot}.efi" in esp_entries(vm):
            return
        time.sleep(3)
    raise TestFailure(f"the boot of slot {slot} was not marked good within {timeout}s: {esp_entries(vm)}")


def install(vm, device, size):
    """Copies a bundle from a read-only virtio disk and installs it with RAUC."""
    return vm.lab(f"head -c {size} {device} > /tmp/update.raucb && rauc install /tmp/update.raucb; rc=$?; rm -f /tmp/update.raucb; exit $rc", timeout=900)


def run(out, layout, screens, timings):
    """A/B: a bundle signed by another key is refused; a newer one installs into the
    other slot, which boots next and is marked good; a newer one whose kiosk never
    starts is rolled back after its three boot tries."""
    lab = os.path.join(out, "lab")
    bundles = [os.path.join(lab, f"update-{n}.raucb") for n in ("good", "broken", "foreign")]
    sizes = [os.path.getsize(b) for b in bundles]
    disk = fresh_disk(out, layout, "update", demo_data_dir(out))
    vm = Vm(out, "update", disk)
    # Each guest reboot powers on a new QEMU with fresh OVMF variables (Vm.start).
    vm.start(extra_disks=bundles, power_on_per_boot=True)  # /dev/vdb, /dev/vdc, /dev/vdd
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
        timings["update_guest_reboots"] = vm.reboots
    finally:
        vm.stop()
