"""A/B updates through the kiosk's own update path (src/update/): the VM is a real kiosk
(run mode, its own certificate) of the reference central server on the host; the
operator publishes a bundle there (`adm-central publish-update`), the kiosk downloads
it over its mTLS connection through guestfwd and hands it to the image's root helper,
which installs it with RAUC; the kiosk asks for the reboot on its attract screen.

A bundle signed by another key is refused; a newer one installs into the other slot,
boots and is marked good; a newer one whose kiosk never starts is rolled back after its
three boot tries. The kiosk's metrics say which version runs and that an update failed.
"""

import hashlib
import os
import re
import time

from vmlib import *  # noqa: F401,F403  (the harness: Vm, Screens, check, ...)
from hostsvc import CentralServer, run_data_dir

KIOSK_ID = "ADM-VM-UPD"
GOOD_VERSION = "99.0.0+lab"  # the versions kiosk-image/build gives the test bundles
BROKEN_VERSION = "99.0.1+lab-broken"
METRICS = "127.0.0.1:9464"
# The kiosk asks at start, then every minute (the shortest interval it accepts).
CHECK_EVERY_S = 60
UPDATE_DIR = "/var/lib/adm-kiosk/update"
STATUS = "/var/lib/adm/update/status"


def provision(out, central):
    """A real kiosk of `central`, its metrics on loopback, asking for updates every minute."""
    data = run_data_dir(out, central, None, KIOSK_ID, "data-update",
                        extra_toml=f"\n[update]\ncheck_every_secs = {CHECK_EVERY_S}\n")
    toml = os.path.join(data, "etc", "kiosk.toml")
    with open(toml) as f:
        text = f.read()
    # A top-level key: before the first table.
    with open(toml, "w") as f:
        f.write(f'metrics_listen = "{METRICS}"\n' + text)
    return data


def wait_blessed(vm, slot, timeout=240):
    """Waits until systemd-bless-boot has marked this boot good (counter gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if f"adm-kiosk-{slot}.efi" in esp_entries(vm):
            return
        time.sleep(3)
    raise TestFailure(f"the boot of slot {slot} was not marked good within {timeout}s: {esp_entries(vm)}")


def ask_now(vm):
    """Has the kiosk ask for an update now: it asks at every start (as after the
    technician's "check now"), so a restart saves the suite waiting up to a whole
    check interval. The first bundle (the foreign one) is found by the periodic check."""
    rc, text = vm.lab("systemctl restart adm-kiosk.service")
    if rc != 0:
        raise TestFailure(f"restarting the kiosk: {text}")


def kiosk_metrics(vm):
    """The kiosk's OpenMetrics text, fetched inside the VM (bash: the image has no curl)."""
    rc, text = vm.lab(f"bash -c 'exec 3<>/dev/tcp/{METRICS.replace(':', '/')} && "
                      f"printf \"GET /metrics HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n\" >&3 && cat <&3'", timeout=30)
    if rc != 0:
        raise TestFailure(f"the kiosk's metrics endpoint did not answer: {text[-300:]}")
    return text


def failed_reasons(text):
    return sorted(re.findall(r'^kiosk_update_failed\{reason="(\w+)"\} 1$', text, re.M))


def wait_metrics(vm, predicate, what, timeout=120):
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        try:
            text = kiosk_metrics(vm)
            if predicate(text):
                return text
        except TestFailure:
            pass
        time.sleep(3)
    lines = [l for l in text.splitlines() if l.startswith(("kiosk_image_info", "kiosk_update_failed"))]
    raise TestFailure(f"the kiosk's metrics did not show {what} within {timeout}s: {lines}")


def image_info(text):
    m = re.search(r'^kiosk_image_info\{version="([^"]*)",slot="(\w+)"\} 1$', text, re.M)
    return (m.group(1), m.group(2)) if m else None


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def follow_update(vm, timings, name, bundle, until, timeout):
    """Watches the kiosk download a published bundle and the root helper record it, until
    its status for this bundle says `until` (installed, failed); records the download
    and install times and the download rate. Returns the status text, or None when the
    VM rebooted meanwhile (after 'installed', the kiosk asks for the reboot at once)."""
    sha = sha256_file(bundle)
    reboots = vm.reboots
    t0 = time.monotonic()
    first_bytes = download_end = None
    size = 0
    status = ""
    while time.monotonic() - t0 < timeout:
        try:
            rc, out = vm.lab(f"stat -c %s {UPDATE_DIR}/bundle.partial 2>/dev/null; echo @; cat {STATUS} 2>/dev/null")
        except TestFailure:
            if vm.reboots > reboots:
                status = None
                break
            raise
        partial, _, status = out.partition("@")
        ours = f"sha256={sha}" in status
        if partial.strip().isdigit():
            size = int(partial.strip())
            first_bytes = first_bytes or time.monotonic()
        elif download_end is None and (first_bytes or ours):
            # The partial file was renamed and handed over (or was never caught growing).
            download_end = time.monotonic()
        if ours and f"result={until}" in status:
            break
        time.sleep(2)
    else:
        raise TestFailure(f"{name}: the helper did not record '{until}' within {timeout}s (status: {status.strip()!r})")
    now = time.monotonic()
    download_end = download_end or now
    download_s = download_end - (first_bytes or download_end)
    timings[f"{name}_publish_to_download_start_s"] = round((first_bytes or download_end) - t0, 1)
    timings[f"{name}_download_s"] = round(download_s, 1)
    timings[f"{name}_install_s"] = round(now - download_end, 1)
    if download_s > 0:
        timings[f"{name}_download_mb_per_s"] = round(os.path.getsize(bundle) / 1e6 / download_s, 1)
    log(f"{name}: download {download_s:.0f}s (last seen {size / 1e6:.0f} MB), then '{until}' after {now - download_end:.0f}s")
    return status


def run(out, layout, screens, timings):
    lab = os.path.join(out, "lab")
    good, broken, foreign = (os.path.join(lab, f"update-{n}.raucb") for n in ("good", "broken", "foreign"))
    bundle_mb = os.path.getsize(good) / 1e6
    central = CentralServer(out, "update-central")
    central.start()
    vm = None
    try:
        vm = Vm(out, "update", fresh_disk(out, layout, "update", provision(out, central)))
        # Each guest reboot powers on a new QEMU with fresh OVMF variables (Vm.start).
        vm.start(guestfwd=[central.port], power_on_per_boot=True)
        img, _, _ = wait_screen(vm, screens, "attract", BOOT_TIMEOUT)
        vm.lab_sync(120)
        slot, version = booted(vm)
        check(slot == "a" and version == layout["version"], f"the flashed image runs slot A, version {version}")
        wait_blessed(vm, "a")
        check(True, f"slot A's boot was marked good by the kiosk's boot check ({esp_entries(vm)})")
        text = wait_metrics(vm, lambda t: image_info(t) is not None, "the image version")
        check(image_info(text) == (layout["version"], "a") and failed_reasons(text) == [],
              f"the kiosk's metrics: image {image_info(text)}, no failed update")

        # --- a bundle signed by another key: downloaded, refused by RAUC, reported
        central.admin("publish-update", "--bundle", foreign, "--version", GOOD_VERSION)
        log(f"published a {bundle_mb:.0f} MB bundle signed by another key")
        status = follow_update(vm, timings, "update_foreign", foreign, "failed", 900)
        check(status is not None and "result=failed" in status, f"a bundle signed by another key is refused ({status.splitlines()[-1]})")
        check("adm-kiosk-b+3.efi" not in esp_entries(vm), "... and slot B's boot entry is untouched")
        text = wait_metrics(vm, lambda t: failed_reasons(t) == ["install"], "the refused install")
        check(True, "the kiosk's metrics report the failed update: kiosk_update_failed{reason=\"install\"} 1")

        # --- a newer signed bundle: installed into B, rebooted into when idle, marked good
        central.admin("publish-update", "--bundle", good, "--version", GOOD_VERSION)
        ask_now(vm)
        log(f"published {GOOD_VERSION}; the kiosk asks at once (restarted)")
        reboots = vm.reboots
        status = follow_update(vm, timings, "update_good", good, "installed", 900)
        t = time.monotonic()
        if status is not None:
            check("adm-kiosk-b+3.efi" in esp_entries(vm), "the new version went into slot B: boot entry with 3 tries")
            # The kiosk is on its attract screen: it asks the root helper for the reboot.
            if vm.reboots == reboots:
                vm.wait_reboot(120)
        timings["update_installed_to_reboot_s"] = round(time.monotonic() - t, 1)
        check(vm.reboots == reboots + 1, "the kiosk had the VM rebooted into the new slot once installed")
        img, _, _ = wait_screen(vm, screens, "attract", BOOT_TIMEOUT)
        screens.keep(img, "update-slot-b-attract")
        vm.lab_sync(120)
        slot, version = booted(vm)
        timings["update_reboot_to_attract_s"] = round(time.monotonic() - t, 1)
        check(slot == "b" and version == GOOD_VERSION, f"after the reboot: slot B, the new version ({slot}, {version})")
        wait_blessed(vm, "b")
        check(True, "the new version's boot was marked good")
        text = wait_metrics(vm, lambda t: image_info(t) == (GOOD_VERSION, "b"), "the new version")
        check(failed_reasons(text) == [], f"the kiosk's metrics: image {image_info(text)}, no failed update")

        # --- a newer bundle whose kiosk never starts: three tries, then back to B
        central.admin("publish-update", "--bundle", broken, "--version", BROKEN_VERSION)
        ask_now(vm)
        log(f"published {BROKEN_VERSION} (its kiosk never starts)")
        reboots = vm.reboots
        follow_update(vm, timings, "update_broken", broken, "installed", 900)
        t = time.monotonic()
        if vm.reboots == reboots:
            vm.wait_reboot(120)
        log("slot A now has a kiosk that never starts: waiting for the rollback to B")
        deadline = time.monotonic() + 3 * BOOT_TIMEOUT
        slot = None
        while time.monotonic() < deadline:
            img = vm.screen()
            if vm.reboots > reboots and screens.shows(img, "attract"):
                try:
                    vm.lab_sync(30)
                    slot, version = booted(vm)
                    if slot == "b":
                        break
                except TestFailure:
                    pass
            time.sleep(2)
        timings["rollback_s"] = round(time.monotonic() - t, 1)
        check(slot == "b" and version == GOOD_VERSION, f"rolled back to slot B, the good version ({slot}, {version})")
        screens.keep(img, "rollback-slot-b-attract")
        entries = esp_entries(vm)
        check("adm-kiosk-a+0-3.efi" in entries, f"slot A used up its 3 tries ({entries})")
        with open(os.path.join(out, "serial.log"), errors="replace") as f:
            log_text = f.read().split("===== kiosk-image/test: update: power on =====")[-1]
        tries = log_text.count("crashed 3 times: this boot is NOT marked good")
        check(tries >= 3, f"the broken kiosk failed its boot check on each try ({tries})")
        text = wait_metrics(vm, lambda t: failed_reasons(t) == ["rollback"], "the rollback")
        check(image_info(text) == (GOOD_VERSION, "b"),
              "the kiosk's metrics report the failed update: kiosk_update_failed{reason=\"rollback\"} 1, "
              f"running {image_info(text)}")
        # The bundle on offer is the one that was rolled back: not fetched again, neither
        # at the kiosk's start nor at its next periodic check.
        ask_now(vm)
        time.sleep(CHECK_EVERY_S + 10)
        rc, left = vm.lab(f"ls {UPDATE_DIR} 2>/dev/null")
        check("bundle" not in left and "ready" not in left,
              f"the rolled-back bundle is not downloaded again after the next check ({left.split()})")
        timings["update_guest_reboots"] = vm.reboots
    finally:
        if vm:
            vm.stop()
        central.stop()
