"""A citizen's journey by touch on a kiosk provisioned as a real one (run mode, its own
certificate): the reference central server and an IPP printer on the host, reached
only through guestfwd; NIK + PIN → documents → print → receipt → attract again."""

import os
import time

from vmlib import *  # noqa: F401,F403  (the harness: Vm, Screens, check, ...)
from hostsvc import SIM_OUTPUT, CentralServer, IppPrinter, run_data_dir
from journeylib import (DEMO_NIK, KIOSK_ID, MASKED_NIK, exported_documents, log_services, sha256, sign_in, step,
                        vm_file, vm_ls)
from touch import Touches

# Budi's documents (central/README.md): Akta Kelahiran, KK (2 pages), Biodata.
DOCUMENTS = 3


def run(out, layout, screens, timings):
    touches = Touches(os.path.join(out, "reference"))
    central = CentralServer(out, "journey-central")
    printer = IppPrinter(out, "journey-ipp")
    central.start()
    printer.start()
    vm = None
    try:
        log_services(central, printer)
        data = run_data_dir(out, central, printer, KIOSK_ID, "data-journey")
        vm = Vm(out, "journey", fresh_disk(out, layout, "journey", data))
        vm.start(guestfwd=[central.port, printer.port])
        log("power on (provisioned: run mode against the host's central server)")
        step(vm, screens, timings, "journey-attract", "attract", BOOT_TIMEOUT)
        timings["journey_power_on_to_attract_s"] = round(vm.since_power_on(), 1)
        vm.lab_sync(120)
        rc, cmd = vm.lab("tr '\\0' ' ' < /proc/$(systemctl show -p MainPID --value adm-kiosk.service)/cmdline")
        check(rc == 0 and "adm-kiosk run --config /etc/adm-kiosk/kiosk.toml" in cmd, f"the kiosk runs provisioned, not the demo ({cmd.strip()})")

        t0 = time.monotonic()
        sign_in(vm, screens, touches, timings, "journey")
        step(vm, screens, timings, "journey-documents", "documents", 60)
        touches.tap(vm, "documents", f"Lanjut dengan {DOCUMENTS} dokumen")
        step(vm, screens, timings, "journey-confirm", "confirm", 30)
        touches.tap(vm, "confirm", "Cetak sekarang")
        # The printing screen changes with every job's progress, and the demo shot it at
        # one moment (first job done): nearest to it, or already the collect screen (a
        # fast printer is done within a screendump or two).
        step(vm, screens, timings, "journey-printing", "printing", 60, loose=True, also=("collect",),
             why="the jobs' progress need not be at the demo's moment")
        step(vm, screens, timings, "journey-collect", "collect", 120)
        timings["journey_touch_to_collect_s"] = round(time.monotonic() - t0, 1)

        # --- on the host: the printer got the documents, the server the reports
        deadline = time.monotonic() + 60
        while len(printer.jobs()) < DOCUMENTS and time.monotonic() < deadline:
            time.sleep(1)
        jobs = printer.jobs()
        check(len(jobs) == DOCUMENTS, f"{DOCUMENTS} print jobs arrived at the IPP printer through guestfwd ({len(jobs)})")
        stored = exported_documents(central, os.path.join(out, "vm", "journey-documents"))
        for path, size in jobs:
            with open(path, "rb") as f:
                data = f.read()
            check(data.startswith(b"%PDF-"), f"{os.path.basename(path)} is a PDF ({size} bytes)")
            doc = stored.get(sha256(data))
            check(doc is not None, f"{os.path.basename(path)} is byte for byte the signed PDF the server stores ({doc[0] if doc else '?'}, {size} bytes)")
        deadline = time.monotonic() + 60
        while len(central.print_reports(KIOSK_ID)) < DOCUMENTS and time.monotonic() < deadline:
            time.sleep(1)
        reports = central.print_reports(KIOSK_ID)
        check(len(reports) == DOCUMENTS and all(r[3] == 1 for r in reports),
              f"the central server recorded {DOCUMENTS} completed print reports from {KIOSK_ID} ({len(reports)})")
        check(sorted(r[1] for r in reports) == sorted(stored[sha256(open(p, 'rb').read())][0] for p, _ in jobs),
              "the reports name the documents that were printed")
        check(central.flagged_reports(KIOSK_ID) == [], "none of them is flagged (each names its download's grant)")

        # --- in the VM: the receipt the simulated receipt printer printed
        receipts = [n for n in vm_ls(vm, SIM_OUTPUT) if n.startswith("receipt-") and n.endswith(".bin")]
        check(len(receipts) == 1, f"one receipt printed ({receipts})")
        escpos = vm_file(vm, f"{SIM_OUTPUT}/{receipts[0]}")
        check(escpos is not None and MASKED_NIK.encode() in escpos, f"the receipt shows the masked NIK {MASKED_NIK}")
        check(DEMO_NIK.encode() not in escpos, "the receipt does not show the full NIK")
        rc, hits = vm.lab(f"grep -rl {DEMO_NIK} /var/lib/adm /tmp /var/log /run/log 2>/dev/null | head -5")
        check(hits.strip() == "", f"the full NIK is written nowhere on the data partition, in /tmp or in the journal ({hits.strip()})")

        # --- done: goodbye, then the attract screen for the next citizen
        touches.tap(vm, "collect", "Selesai")
        step(vm, screens, timings, "journey-goodbye", "goodbye", 30)
        step(vm, screens, timings, "journey-attract-again", "attract", 60)
        timings["journey_touch_total_s"] = round(time.monotonic() - t0, 1)
    finally:
        if vm is not None:
            vm.stop()
        central.stop()
        printer.stop()
