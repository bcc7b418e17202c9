"""A hard power-off in the middle of a session while a print report waits in the
kiosk's durable outbox (the central server away): after the next boot the outbox
passes SQLite's integrity check and the report reaches the central server."""

import os
import time

from vmlib import *  # noqa: F401,F403  (the harness: Vm, Screens, check, ...)
from hostsvc import CentralServer, IppPrinter, run_data_dir
from journeylib import (DEMO_NIK, KIOSK_ID, copy_outbox, log_services, nearest, outbox_state, sign_in, step,
                        wait_settled)
from touch import Touches


def run(out, layout, screens, timings):
    touches = Touches(os.path.join(out, "reference"))
    central = CentralServer(out, "powercut-central")
    # A slow printer (~10 s a job): time to stop the central server between the first
    # document's download and its print report.
    printer = IppPrinter(out, "powercut-ipp", slow=True)
    central.start()
    printer.start()
    copies = os.path.join(out, "vm", "powercut-outbox")
    vm = vm2 = None
    try:
        log_services(central, printer)
        disk = fresh_disk(out, layout, "powercut", run_data_dir(out, central, printer, KIOSK_ID, "data-powercut"))
        vm = Vm(out, "powercut", disk)
        vm.start(guestfwd=[central.port, printer.port])
        step(vm, screens, timings, "powercut-attract", "attract", BOOT_TIMEOUT)
        vm.lab_sync(120)

        # --- session 1: prints; the central server goes away after the first download
        sign_in(vm, screens, touches, timings, "powercut")
        step(vm, screens, timings, "powercut-documents", "documents", 60)
        touches.tap(vm, "documents", "Lanjut dengan 3 dokumen")
        step(vm, screens, timings, "powercut-confirm", "confirm", 30)
        touches.tap(vm, "confirm", "Cetak sekarang")
        deadline = time.monotonic() + 120
        while not printer.jobs() and time.monotonic() < deadline:
            time.sleep(0.2)
        check(len(printer.jobs()) == 1, "the first document was downloaded and sent to the printer")
        # Gone at once: a graceful stop would still serve the kiosk's open connection.
        central.stop(hard=True)
        t_stop = time.monotonic()
        log("central server killed while the first document prints")
        check(central.print_reports(KIOSK_ID) == [], "no print report reached the server before it stopped")

        # The print ends (~10 s), its report cannot be delivered: it waits in the outbox.
        queued = set()
        while not queued and time.monotonic() < t_stop + 90:
            time.sleep(3)
            _, prints = outbox_state(copy_outbox(vm, copies + "-before"))
            queued = {k for k, state in prints.items() if state == "pending"}
        check(len(queued) == 1, f"the print report waits in the kiosk's outbox ({len(queued)} pending)")
        timings["powercut_report_queued_s"] = round(time.monotonic() - t_stop, 1)

        # The other two documents cannot be downloaded: the collect screen lists the
        # printed one and the two that were not (no reference screen has that list; the
        # nearest is a collect screen, and the one with a refused document's red line —
        # `print-refused-inactive`, from the document-check demo — is nearer than the
        # all-printed one).
        collect_screens = ("collect", "collect-after-retry", "print-refused-inactive")
        img, name, d = wait_settled(vm, screens, collect_screens, 60)
        screens.keep(img, "powercut-session1-collect")
        check(True, f"session 1 ends on the collect screen (nearest reference {name}, {d:.1f} %: two documents not printed)")
        touches.tap(vm, "collect", "Selesai")
        step(vm, screens, timings, "powercut-attract-2", "attract", 60)

        # --- session 2 in progress: half a NIK typed, then the power is cut
        touches.tap(vm, "attract", "Sentuh di sini untuk mulai")
        step(vm, screens, timings, "powercut-session2-choose-method", "choose-method", 30)
        touches.tap(vm, "choose-method", "Ketik NIK dan PIN saya")
        time.sleep(2)
        touches.type_digits(vm, "enter-nik", DEMO_NIK[:8])
        time.sleep(1)
        img = vm.screen()
        screens.keep(img, "powercut-session2-nik-half")
        name, d = nearest(screens, img)
        check(name in ("nik-typed", "nik-invalid"), f"session 2 is on the NIK screen when the power goes (nearest reference {name}, {d:.1f} %)")
        vm.stop()  # QMP quit: QEMU ends at once, nothing is flushed or unmounted
        check(vm.proc.returncode is not None, "hard power-off (QMP quit) in the middle of session 2")

        # --- power on again, the same disk; the central server still away
        vm2 = Vm(out, "powercut-after", disk)
        vm2.start(guestfwd=[central.port, printer.port])
        vm2.lab_sync(BOOT_TIMEOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            rc, state = vm2.lab("systemctl is-active adm-kiosk.service")
            if state.strip() == "active":
                break
            time.sleep(2)
        check(state.strip() == "active", "the kiosk runs again after the power cut")
        t_boot = vm2.since_power_on()
        integrity, prints = outbox_state(copy_outbox(vm2, copies + "-after"))
        check(integrity == "ok", f"the outbox passes PRAGMA integrity_check after the power cut ({integrity})")
        check(all(prints.get(k) == "pending" for k in queued),
              f"the queued print report is still in the outbox, waiting ({[prints.get(k) for k in queued]})")

        # --- the central server back: the report arrives (the kiosk retries every 30 s)
        central.start()
        t_up = time.monotonic()
        deadline = t_up + 120
        while time.monotonic() < deadline:
            delivered = {r[0] for r in central.print_reports(KIOSK_ID)}
            if queued <= delivered:
                break
            time.sleep(2)
        check(queued <= delivered, "the queued print report reached the central server: none lost")
        timings["powercut_server_up_to_report_s"] = round(time.monotonic() - t_up, 1)
        reports = central.print_reports(KIOSK_ID)
        check(len(reports) == len(printer.jobs()) and all(r[3] == 1 for r in reports),
              f"every document that came out of the printer is reported exactly once ({len(reports)} reports, {len(printer.jobs())} jobs)")
        check(central.flagged_reports(KIOSK_ID) == [], "the late report is not flagged (its grant outlived the power cut)")
        step(vm2, screens, timings, "powercut-attract-after", "attract", 120)
        timings["powercut_power_on_to_kiosk_s"] = round(t_boot, 1)
    finally:
        for v in (vm, vm2):
            if v is not None:
                v.stop()
        central.stop()
        printer.stop()
