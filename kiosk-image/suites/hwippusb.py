"""The virtual hardware lab: the IPP-over-USB printer (issue #20, device 2 and acceptance 1).

`adm-lab-gadget` plays, on a third dummy_hcd controller, an HP OfficeJet Pro 8730
(03f0:7a12) with two interfaces of class 7/1/4 (FunctionFS, lab/gadget/src/ippusb/),
whose bulk pipes carry HTTP to an ippeveprinter on the host (through guestfwd). In the
VM, udev starts Debian's ipp-usb for it, which serves it on loopback from port 60000;
the kiosk finds it there itself (drivers/a4/src/usb/ipp_usb.rs), next to the
HP LaserJet P2055 (7/1/2) and the Epson TM-T20III of hwlab. What ippeveprinter received
is kept in OUT/lab/ippusb-*.pdf. Last, the running kiosk on it: a citizen's journey by
touch, her documents arriving at ippeveprinter, her receipt on the lab's TM-T20III.
"""

import base64
import os
import re
import shutil
import subprocess
import time

from vmlib import *  # noqa: F401,F403  (the harness: Vm, check, log, ...)
import camlab
import pagecmp
from hostsvc import GUEST_HOST, IppPrinter
from journeylib import sign_in, step
from suites.hwjourney import check_receipt
from suites.journey import DOCUMENTS
from touch import Touches
from suites.hwlab import (A4_URI, AS_KIOSK, RECEIPT_URI, REPLUG_WITHIN_S, ctl, json_lines, printer_states,
                          three_page_pdf, wait_state)

IPPUSB_URI = "usb://03f0:7a12"
IPPUSB_SERIAL = "TH7BM2J0RS"
CONFIG = "/etc/adm-kiosk/hwippusb.toml"

TOML = f"""# VM lab (kiosk-image/suites/hwippusb.py): the A4 printer is the IPP-over-USB one.
kiosk_id = "ADM-LAB-02"
site = "VM lab"

[server]
url = "demo"

[printers]
a4 = "{IPPUSB_URI}"
receipt = "{RECEIPT_URI}"
receipt_width_mm = 80
"""


# With the lab's camera (adm-lab-camera) where the image has it.
CAMERA_TOML = """
[camera]
device = "/dev/adm/camera"
"""


# The kiosk service itself on the IPP-USB printer (run mode, the in-process reference
# server), its printer state read from its metrics as in hwlab.
KIOSK_TOML = TOML.replace("\n[server]\n", '\nmetrics_listen = "127.0.0.1:9464"\n\n[server]\n', 1)


def data_dir(out):
    d = os.path.join(out, "vm", "data-hwippusb")
    subprocess.run(["rm", "-rf", d], check=True)
    for sub, mode in (("etc", 0o755), ("kiosk", 0o700), ("private", 0o700)):
        os.makedirs(os.path.join(d, sub))
        os.chmod(os.path.join(d, sub), mode)
    for name, text in (("hwippusb.toml", TOML), ("hwippusb-camera.toml", TOML + CAMERA_TOML)):
        path = os.path.join(d, "etc", name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
    return d


def ipp_usb_serving(vm):
    """Whether something listens on loopback port 60000 (ipp-usb's first port)."""
    _, o = vm.lab("cat /proc/net/tcp /proc/net/tcp6 2>/dev/null")
    return any(re.match(r"\s*\d+: [0-9A-F]+:EA60 [0-9A-F]+:0000 0A ", line) for line in o.splitlines())


def plug_and_wait(vm, words, timeout=90):
    """Plugs the IPP-USB printer in; seconds until the host configured it and ipp-usb
    serves it."""
    t = time.monotonic()
    ctl(vm, "ippusb", *words)
    while time.monotonic() - t < timeout:
        if ctl(vm, "status")["ippusb"]["configured"] and ipp_usb_serving(vm):
            return time.monotonic() - t
        time.sleep(0.5)
    _, j = vm.lab("journalctl -b -u ipp-usb -u adm-lab-gadget --no-pager | tail -40; "
                  "tail -30 /var/log/ipp-usb/main.log 2>/dev/null")
    raise TestFailure(f"the IPP-USB printer was not served by ipp-usb within {timeout}s: "
                      f"{ctl(vm, 'status')['ippusb']} {j}")


def print_and_keep(vm, ipp, lab_out, n, pdf):
    """`adm-kiosk print-test` to the IPP-USB printer; the job ippeveprinter received is
    kept as OUT/lab/ippusb-N.pdf. Returns (seconds, first byte after the command)."""
    before = len(ipp.jobs())
    ctl(vm, "mark")
    t = time.monotonic()
    rc, o = vm.lab(f"date +%s.%N; {AS_KIOSK} print-test --printer {IPPUSB_URI} /tmp/ippusb.pdf 2>&1", timeout=300)
    took = time.monotonic() - t
    t_cmd = float(o.splitlines()[0])
    outcome = [e for e in json_lines(o) if e.get("event") == "outcome"]
    ok = rc == 0 and outcome and not outcome[-1].get("error")
    if not ok:
        _, j = vm.lab("journalctl -b -u ipp-usb --no-pager | tail -30")
        raise TestFailure(f"`adm-kiosk print-test --printer {IPPUSB_URI}` (print {n}) failed: {o[-1500:]} {j}")
    deadline = time.monotonic() + 30
    while len(ipp.jobs()) <= before and time.monotonic() < deadline:
        time.sleep(0.5)
    jobs = ipp.jobs()
    check(len(jobs) > before, f"print {n}: ippeveprinter on the host received a job through ipp-usb and the "
                              f"7/1/4 bulk pipes ({outcome[-1]}, {took:.1f}s)")
    path, size = jobs[-1]
    ext = os.path.splitext(path)[1] or ".bin"
    dest = os.path.join(lab_out, f"ippusb-{n}{ext}")
    shutil.copyfile(path, dest)
    with open(dest, "rb") as f:
        got = f.read()
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", got))
    check(got.startswith(b"%PDF") and pages == 3,
          f"print {n}: ippeveprinter received the 3-page PDF ({size} bytes, {pages} pages, "
          f"{'byte for byte as sent' if got == pdf else 'rewritten by the kiosk'}; OUT/lab/{os.path.basename(dest)})")
    first = ctl(vm, "status")["ippusb"]["first_byte"]
    return took, (round(first - t_cmd, 2) if first else None)


def replug_in_running_kiosk(vm, timings):
    """The kiosk service, started once, keeps its IPP-USB printer through an unplug: ipp-usb
    exits with the last printer and udev starts it again on the replug, on the same port."""
    toml = base64.b64encode(KIOSK_TOML.encode()).decode()
    rc, o = vm.lab(f"echo {toml} | base64 -d > /etc/adm-kiosk/kiosk.toml && chmod 0644 /etc/adm-kiosk/kiosk.toml "
                   "&& systemctl restart adm-kiosk.service")
    check(rc == 0, f"the kiosk service runs with printers.a4 = {IPPUSB_URI} (run mode, metrics) {o}")
    pid = vm.lab("systemctl show -p MainPID --value adm-kiosk.service")[1].strip()
    try:
        waited = wait_state(vm, "a4", "idle", 180)
    except TestFailure as e:
        _, j = vm.lab("journalctl -b -u adm-kiosk --no-pager | tail -30")
        raise TestFailure(f"{e}; journal: {j}")
    check(True, f"the running kiosk reports the IPP-USB printer idle ({waited:.1f}s after start)")
    ctl(vm, "ippusb", "unplug")
    t = time.monotonic()
    seen = "idle"
    while seen == "idle" and time.monotonic() - t < REPLUG_WITHIN_S:
        time.sleep(0.5)
        seen = printer_states(vm).get("a4")
    check(seen not in ("idle", None), f"IPP-USB printer unplugged: the running kiosk reports it {seen} "
                                      f"({time.monotonic() - t:.1f}s)")
    plug_and_wait(vm, ["plug"])
    back = wait_state(vm, "a4", "idle", REPLUG_WITHIN_S)
    timings["hwippusb_replug_to_kiosk_idle_s"] = round(back, 1)
    now = vm.lab("systemctl show -p MainPID --value adm-kiosk.service")[1].strip()
    check(now == pid, f"plugged back: the same kiosk process reports it idle again {back:.1f}s after ipp-usb "
                      f"served it (pid {pid} -> {now}; no restart)")


def journey_over_ippusb(out, vm, screens, ipp, lab_out, timings):
    """Acceptance 2 over IPP-USB: a citizen, by touch only, prints her documents on the
    IPP-over-USB printer (the running kiosk of `replug_in_running_kiosk`, its in-process
    reference server) and gets her receipt from the lab's TM-T20III. ippeveprinter on the
    host must receive each signed PDF (kept as OUT/lab/ippusb-journey-N.pdf); poppler
    reads each as A4; the receipt renders and its QR decodes."""
    touches = Touches(os.path.join(out, "reference"))
    jobs_before = len(ipp.jobs())
    receipts_before = ctl(vm, "status")["receipt_printed"]
    step(vm, screens, timings, "hwippusb-attract", "attract", 120)
    t0 = time.monotonic()
    sign_in(vm, screens, touches, timings, "hwippusb")
    step(vm, screens, timings, "hwippusb-documents", "documents", 60)
    touches.tap(vm, "documents", f"Lanjut dengan {DOCUMENTS} dokumen")
    step(vm, screens, timings, "hwippusb-confirm", "confirm", 30)
    touches.tap(vm, "confirm", "Cetak sekarang")
    step(vm, screens, timings, "hwippusb-printing", "printing", 60, loose=True, also=("collect",),
         why="the jobs' progress need not be at the demo's moment")
    step(vm, screens, timings, "hwippusb-collect", "collect", 240)
    timings["hwippusb_journey_touch_to_collect_s"] = round(time.monotonic() - t0, 1)

    deadline = time.monotonic() + 60
    while len(ipp.jobs()) < jobs_before + DOCUMENTS and time.monotonic() < deadline:
        time.sleep(0.5)
    jobs = ipp.jobs()[jobs_before:]
    check(len(jobs) == DOCUMENTS, f"the citizen's {DOCUMENTS} documents arrived at ippeveprinter through the kiosk's "
                                  f"IPP-USB printer ({len(jobs)} jobs)")
    for n, (path, size) in enumerate(jobs, 1):
        dest = os.path.join(lab_out, f"ippusb-journey-{n}.pdf")
        shutil.copyfile(path, dest)
        with open(dest, "rb") as f:
            data = f.read()
        sizes = pagecmp.page_sizes_mm(dest) if data.startswith(b"%PDF-") else []
        check(data.startswith(b"%PDF-") and b"/ByteRange" in data and sizes
              and all(sorted(round(x) for x in wh) == [210, 297] for wh in sizes),
              f"job {n}: the signed PDF itself (its TTE signature's /ByteRange in it), {len(sizes)} A4 page(s) as "
              f"poppler reads it ({', '.join(f'{w:.0f}x{h:.0f} mm' for w, h in sizes)}; {size} bytes, "
              f"OUT/lab/ippusb-journey-{n}.pdf)")

    check_receipt(out, vm, lab_out, "receipt-ippusb-journey", receipts_before)
    touches.tap(vm, "collect", "Selesai")
    step(vm, screens, timings, "hwippusb-goodbye", "goodbye", 30)
    step(vm, screens, timings, "hwippusb-attract-again", "attract", 60)


def keep_logs(vm, lab_out):
    """ipp-usb's logs and the gadget's journal, in OUT/lab/ (also when a check failed)."""
    try:
        _, j = vm.lab("for f in /var/log/ipp-usb/*.log; do echo \"== $f\"; tail -c 60000 $f; done", timeout=120)
        with open(os.path.join(lab_out, "ippusb-ipp-usb.log"), "w") as f:
            f.write(j)
        _, j = vm.lab("journalctl -b -u adm-lab-gadget -u ipp-usb --no-pager | tail -c 60000", timeout=120)
        with open(os.path.join(lab_out, "ippusb-gadget.log"), "w") as f:
            f.write(j)
    except Exception as e:  # the VM may be gone: the logs are a help, not a check
        log(f"IPP-USB logs not kept: {e}")


def lab_camera(vm):
    """Starts and plugs in the lab's camera (lab/camera over USB/IP, kiosk-image/camlab.py)
    when this image has it, something in front of its lens; whether it came."""
    if vm.lab("systemctl cat adm-lab-camera.service >/dev/null 2>&1")[0] != 0:
        return False
    camlab.start(vm)
    camlab.plug(vm)
    camlab.show(vm, "blank")
    return True


def run(out, layout, screens, timings):
    lab_out = os.path.join(out, "lab")
    os.makedirs(lab_out, exist_ok=True)
    ipp = IppPrinter(out, name="ippusb", make="HP", model="OfficeJet Pro 8730")
    ipp.start()
    disk = fresh_disk(out, layout, "hwippusb", data_dir(out))
    vm = Vm(out, "hwippusb", disk)
    vm.start(guestfwd=[ipp.port])
    try:
        vm.lab_sync(BOOT_TIMEOUT)
        wait_screen(vm, screens, "unprovisioned", BOOT_TIMEOUT)

        # --- all three printers plugged in together, each on its own USB controller
        # The IPP-USB bridge's connections and answers in the journal (OUT/lab/ippusb-gadget.log).
        vm.lab("systemctl set-environment RUST_LOG=info,adm_lab_gadget::ippusb=debug")
        rc, o = vm.lab("systemctl start adm-lab-gadget.service", timeout=180)
        if rc != 0:
            _, journal = vm.lab("journalctl -b -u adm-lab-gadget --no-pager | tail -40")
            raise TestFailure(f"the lab's printers did not start: {o} {journal}")
        served = plug_and_wait(vm, ["plug", f"{GUEST_HOST}:{ipp.port}"])
        timings["hwippusb_plug_to_ipp_usb_serving_s"] = round(served, 1)
        st = ctl(vm, "status")
        check(st["a4"]["configured"] and st["receipt"]["configured"] and st["ippusb"]["configured"],
              f"three printers plugged in together: the 7/1/2 laser, the receipt printer and the 7/1/4 "
              f"{st['ippusb']['product']} (udc {st['ippusb']['udc']}); ipp-usb, started by udev, serves it "
              f"on 127.0.0.1:60000 {served:.1f}s after the plug")
        rc, o = vm.lab("systemctl is-active ipp-usb.service; stat -c '%U:%G %a' "
                       "$(readlink -f /dev/bus/usb/$(for d in /sys/bus/usb/devices/*; do "
                       "[ \"$(cat $d/idProduct 2>/dev/null)\" = 7a12 ] && printf '%03d/%03d' $(cat $d/busnum) $(cat $d/devnum); done))")
        log(f"ipp-usb service and the 7/1/4 device node: {o.strip()}")

        # --- acceptance 1: adm-kiosk printers lists both A4 printers with their route
        rc, o = vm.lab(f"{AS_KIOSK} printers 2>&1", timeout=120)
        found = {p["uri"].split("/")[2]: p for p in json_lines(o) if p.get("event") == "usb_printer"}
        a4, ipu = found.get(A4_URI[6:]), found.get(IPPUSB_URI[6:])
        check(rc == 0 and a4 is not None and a4["route"] == "printer-class-bidirectional" and "7/1/2" in a4["interfaces"],
              f"`adm-kiosk printers` lists the 7/1/2 laser with its route ({a4 and a4['uri']}: {a4 and a4['route']})")
        check(ipu is not None and ipu["route"] == "ipp-usb" and ipu["interfaces"] == ["7/1/4", "7/1/4"]
              and ipu["serial"] == IPPUSB_SERIAL and ipu.get("loopback") == "http://127.0.0.1:60000/ipp/print",
              f"`adm-kiosk printers` lists the 7/1/4 printer routed through ipp-usb on loopback "
              f"({ipu and ipu['uri']}: {ipu and ipu['route']} {ipu and ipu.get('loopback')}; "
              f"{ipu and ipu['manufacturer']} {ipu and ipu['product']}) {'' if ipu else o[-1500:]}")

        # --- acceptance 1: doctor with printers.a4 = the IPP-USB printer (and the lab's
        # camera, when this image has it)
        camera = lab_camera(vm)
        config = CONFIG.replace(".toml", "-camera.toml") if camera else CONFIG
        for attempt in (1, 2):
            _, o = vm.lab(f"{AS_KIOSK} doctor --config {config} 2>&1", timeout=180)
            checks = {v["check"]: (v["ok"], v.get("detail", "")) for v in json_lines(o) if "check" in v}
            # The USB/IP camera's first frames can miss doctor's deadline when the machine
            # is busy (other VMs): one more doctor run, said in the log.
            if not camera or checks.get("camera", (False,))[0] or attempt == 2:
                break
            log(f"doctor: camera {checks.get('camera')} on the first run; running doctor again")
        check(checks.get("a4_printer", (False,))[0], f"doctor: the IPP-USB A4 printer ready ({checks.get('a4_printer')})")
        check(checks.get("receipt_printer", (False,))[0],
              f"doctor: the TM-T20III receipt printer ready ({checks.get('receipt_printer')})")
        cam = checks.get("camera")
        if camera:
            check(cam is not None and cam[0], f"doctor: the lab's UVC camera ready ({cam})")
        else:
            log(f"doctor: camera {cam} (this image has no adm-lab-camera.service: the simulated camera)")

        # --- a real PDF printed over IPP-USB, then the cable pulled and plugged back
        pdf = three_page_pdf()
        rc, _ = vm.lab(f"echo {base64.b64encode(pdf).decode()} | base64 -d > /tmp/ippusb.pdf && chmod 0644 /tmp/ippusb.pdf")
        check(rc == 0, "a 3-page A4 PDF copied into the VM")
        took, first = print_and_keep(vm, ipp, lab_out, 1, pdf)
        timings["hwippusb_print_s"] = round(took, 1)
        timings["hwippusb_print_to_first_byte_s"] = first

        sessions = ctl(vm, "status")["ippusb"]["sessions"]
        ctl(vm, "ippusb", "unplug")
        deadline = time.monotonic() + 30
        while ipp_usb_serving(vm) and time.monotonic() < deadline:
            time.sleep(0.5)
        rc, o = vm.lab(f"{AS_KIOSK} printers 2>&1", timeout=120)
        gone = not any(p.get("uri", "").startswith(IPPUSB_URI) for p in json_lines(o))
        check(gone, "IPP-USB printer unplugged: `adm-kiosk printers` no longer lists it")
        served = plug_and_wait(vm, ["plug"])
        timings["hwippusb_replug_to_ipp_usb_serving_s"] = round(served, 1)
        took, _ = print_and_keep(vm, ipp, lab_out, 2, pdf)
        st = ctl(vm, "status")["ippusb"]
        _, o = vm.lab("cat /var/log/ipp-usb/*.log 2>/dev/null | grep -c 'DNS-SD' || true")
        check(o.strip() == "0", f"ipp-usb announces nothing (the image sets dns-sd = disable; "
                                f"{o.strip()} DNS-SD lines in its logs)")
        check(st["sessions"] > sessions,
              f"plugged back: it prints again, nothing of the kiosk restarted ({st['sessions']} USB sessions, "
              f"{st['tcp_connections']} TCP connections to ippeveprinter, {st['bytes']} bytes from the host, "
              f"{st['errors']} bridge errors; {took:.1f}s)")

        # --- the same in the long-running kiosk (last: it then holds the printers), and a
        # citizen's whole journey on it by touch
        replug_in_running_kiosk(vm, timings)
        journey_over_ippusb(out, vm, screens, ipp, lab_out, timings)
    finally:
        keep_logs(vm, lab_out)
        vm.stop()
        ipp.stop()
