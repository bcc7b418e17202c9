"""The virtual hardware lab, part 1 (issue #20): the kiosk's own USB printer drivers
against printers the Linux kernel plays in the VM.

`adm-lab-gadget` (lab/gadget, lab image only) loads dummy_hcd with two device
controllers and plugs in, through configfs and usb_f_printer, an HP LaserJet P2055
(03f0:5c17, printer class 7/1/2, PCL) and an Epson TM-T20III (04b8:0e28, 7/1/2,
ESC/POS answering DLE EOT / GS I / GS ( H). The kiosk meets them through usbfs, the
kernel's usblp (which it detaches) and the udev rules of systemd/, as the unprivileged
adm-kiosk user, with its unchanged drivers. What the printers received is kept in
OUT/lab/: a4-testpage.pcl, receipt-001.bin (and its rendering by the strict ESC/POS
interpreter, receipt-001.png).
"""

import base64
import gzip
import json
import os
import re
import subprocess
import time

from PIL import ImageOps

import pclread
from vmlib import *  # noqa: F401,F403  (the harness: Vm, check, log, ...)

A4_URI = "usb://03f0:5c17"
RECEIPT_URI = "usb://04b8:0e28"
# The kiosk's CLI as the kiosk's user: what udev gives group adm-kiosk is all it gets.
AS_KIOSK = "runuser -u adm-kiosk -- /usr/bin/adm-kiosk"
CONFIG = "/etc/adm-kiosk/hwlab.toml"

HWLAB_TOML = f"""# VM lab (kiosk-image/suites/hwlab.py): the reference server in-process, the real
# USB drivers on the lab's virtual printers.
kiosk_id = "ADM-LAB-01"
site = "VM lab"

[server]
url = "demo"

[printers]
a4 = "{A4_URI}"
receipt = "{RECEIPT_URI}"
receipt_width_mm = 80
"""


def data_dir(out):
    """Not provisioned as a kiosk (the light unprovisioned screen runs, no kiosk
    touches USB), plus the configuration the lab's commands use."""
    d = os.path.join(out, "vm", "data-hwlab")
    subprocess.run(["rm", "-rf", d], check=True)
    for sub, mode in (("etc", 0o755), ("kiosk", 0o700), ("private", 0o700)):
        os.makedirs(os.path.join(d, sub))
        os.chmod(os.path.join(d, sub), mode)
    path = os.path.join(d, "etc", "hwlab.toml")
    with open(path, "w") as f:
        f.write(HWLAB_TOML)
    os.chmod(path, 0o644)
    return d


def json_lines(text):
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except ValueError:
                pass
    return found


def ctl(vm, *words):
    rc, o = vm.lab("adm-lab-gadget ctl " + " ".join(words))
    if rc != 0:
        raise TestFailure(f"adm-lab-gadget ctl {' '.join(words)}: {o}")
    return json.loads(o.splitlines()[-1])


def wait_port_applied(vm, device, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not ctl(vm, "status")[device]["port_pending"]:
            return
        time.sleep(0.2)
    raise TestFailure(f"the {device} gadget did not apply its port status within {timeout}s")


def doctor(vm):
    """`adm-kiosk doctor` as the kiosk user: {check: (ok, detail)}."""
    _, o = vm.lab(f"{AS_KIOSK} doctor --config {CONFIG} 2>&1", timeout=180)
    checks = {v["check"]: (v["ok"], v.get("detail", "")) for v in json_lines(o) if "check" in v}
    if "a4_printer" not in checks or "receipt_printer" not in checks:
        raise TestFailure(f"adm-kiosk doctor did not report the printers: {o[-2000:]}")
    return checks


def fetch(vm, path, dest, offset=0):
    """Copies a file out of the VM (gzip + base64 through the lab agent)."""
    rc, o = vm.lab(f"tail -c +{offset + 1} {path} | gzip -c | base64 -w0", timeout=300)
    if rc != 0:
        raise TestFailure(f"cannot copy {path} out of the VM: {o[-500:]}")
    data = gzip.decompress(base64.b64decode(o.strip()))
    with open(dest, "wb") as f:
        f.write(data)
    return data


def three_page_pdf():
    """A 3-page A4 PDF drawn with rectangles only (page N has N squares): no font needed."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", None]
    kids = []
    for n in range(1, 4):
        content = b"".join(b"0 0 0 rg %d 600 80 80 re f\n" % (72 + i * 120) for i in range(n))
        content += b"0 0 0 RG 4 w 28.35 28.35 538.6 785.2 re S\n"
        objs.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] /Contents %d 0 R >>" % len(objs))
        kids.append(len(objs))
    objs[1] = b"<< /Type /Pages /Kids [%s] /Count 3 >>" % b" ".join(b"%d 0 R" % k for k in kids)
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(pdf)


def squares(page):
    """How many of three_page_pdf()'s squares (80 pt, their middle 640 pt above the
    bottom) a page read back from PCL shows: its page number."""
    y = round((841.89 - 640) / 72 * page.dpi)
    row = page.image.crop((0, y, page.image.width, y + 1)).convert("L").getdata()
    runs, run = 0, 0
    for v in list(row) + [255]:
        if v == 0:
            run += 1
            continue
        if run > page.dpi // 2:
            runs += 1
        run = 0
    return runs


def wait_events(vm, log_path, done, timeout):
    """Polls a JSON-lines log in the VM until done(events) is true; returns the events."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, o = vm.lab(f"cat {log_path} 2>/dev/null")
        events = json_lines(o)
        if done(events):
            return events
        time.sleep(1)
    raise TestFailure(f"{log_path}: still waiting after {timeout}s: {o[-1000:]}")


# The same printers for the kiosk service itself (run mode, the in-process reference
# server), with its metrics where the fleet agent scrapes them: the long-running kiosk's
# view of its printers, which a fresh CLI process cannot show.
KIOSK_TOML = HWLAB_TOML.replace("\n[server]\n", '\nmetrics_listen = "127.0.0.1:9464"\n\n[server]\n', 1)
# The kiosk polls its printers every 5 s on the attract screen (src/runtime/health.rs).
REPLUG_WITHIN_S = 20


def printer_states(vm):
    """The running kiosk's printer states from its metrics: {"a4": state, "receipt": state}."""
    _, o = vm.lab("busybox wget -q -O - http://127.0.0.1:9464/metrics 2>/dev/null | grep -E '^kiosk_(a4|receipt)_printer_state[{]'")
    states = {}
    for line in o.splitlines():
        m = re.match(r'kiosk_(a4|receipt)_printer_state\{.*\bstate="(\w+)".*\}\s+1(\.0)?$', line.strip())
        if m:
            states[m.group(1)] = m.group(2)
    return states


def wait_state(vm, printer, want, timeout):
    """Seconds until the running kiosk reports `printer` in state `want`; raises with the
    state it kept reporting."""
    t0 = time.monotonic()
    seen = None
    while time.monotonic() - t0 < timeout:
        seen = printer_states(vm).get(printer)
        if seen == want:
            return time.monotonic() - t0
        time.sleep(0.5)
    raise TestFailure(f"the running kiosk still reports its {printer} printer as {seen!r} after {timeout}s "
                      f"(wanted {want!r})")


def wait_configured(vm, device, timeout=30):
    deadline = time.monotonic() + timeout
    while not ctl(vm, "status")[device]["configured"]:
        if time.monotonic() > deadline:
            raise TestFailure(f"the {device} gadget was not enumerated again within {timeout}s")
        time.sleep(0.3)


def replug_in_running_kiosk(vm, timings):
    """The kiosk service, started once, keeps its printers through an unplug: a cable
    pulled in a public hall must not need a restart of the kiosk."""
    toml = base64.b64encode(KIOSK_TOML.encode()).decode()
    rc, o = vm.lab(f"echo {toml} | base64 -d > /etc/adm-kiosk/kiosk.toml && chmod 0644 /etc/adm-kiosk/kiosk.toml "
                   "&& systemctl restart adm-kiosk.service")
    check(rc == 0, f"the kiosk service runs with the lab's printers (run mode, metrics on 127.0.0.1:9464) {o}")
    pid = vm.lab("systemctl show -p MainPID --value adm-kiosk.service")[1].strip()
    try:
        waited = wait_state(vm, "a4", "idle", 180)
        wait_state(vm, "receipt", "ready", 30)
    except TestFailure as e:
        _, j = vm.lab("journalctl -b -u adm-kiosk --no-pager | tail -30")
        raise TestFailure(f"{e}; journal: {j}")
    check(True, f"the running kiosk reports both printers ready ({waited:.1f}s after start)")

    for printer, device, ready in (("a4", "a4", "idle"), ("receipt", "receipt", "ready")):
        ctl(vm, device, "unplug")
        gone = wait_state(vm, printer, "disconnected", REPLUG_WITHIN_S)
        check(True, f"{printer} printer unplugged: the running kiosk reports it disconnected ({gone:.1f}s)")
        ctl(vm, device, "plug")
        wait_configured(vm, device)
        back = wait_state(vm, printer, ready, REPLUG_WITHIN_S)
        timings[f"hwlab_{printer}_replug_to_ready_s"] = round(back, 1)
        check(True, f"{printer} printer plugged back: the same kiosk process reports it {ready} again "
                    f"({back:.1f}s after the host configured it; no restart)")
    now = vm.lab("systemctl show -p MainPID --value adm-kiosk.service")[1].strip()
    check(now == pid, f"the kiosk process was never restarted (pid {pid} -> {now})")

    # A kiosk (re)started while the A4 cable is out still comes up, says the printer is
    # missing, and takes it once it is plugged in.
    ctl(vm, "a4", "unplug")
    rc, o = vm.lab("systemctl restart adm-kiosk.service")
    check(rc == 0, f"the kiosk restarted with the A4 printer unplugged {o}")
    pid = vm.lab("systemctl show -p MainPID --value adm-kiosk.service")[1].strip()
    try:
        wait_state(vm, "a4", "disconnected", 180)
    except TestFailure as e:
        _, j = vm.lab("journalctl -b -u adm-kiosk --no-pager | tail -20")
        raise TestFailure(f"{e}; journal: {j}")
    check(True, "started without its A4 printer: the kiosk runs and reports it disconnected")
    ctl(vm, "a4", "plug")
    wait_configured(vm, "a4")
    back = wait_state(vm, "a4", "idle", REPLUG_WITHIN_S)
    timings["hwlab_a4_plugged_after_start_to_ready_s"] = round(back, 1)
    now = vm.lab("systemctl show -p MainPID --value adm-kiosk.service")[1].strip()
    check(now == pid, f"the A4 printer plugged in after the start: the same kiosk process reports it idle "
                      f"({back:.1f}s; pid {pid} -> {now})")


def run(out, layout, screens, timings):
    lab_out = os.path.join(out, "lab")
    os.makedirs(lab_out, exist_ok=True)
    disk = fresh_disk(out, layout, "hwlab", data_dir(out))
    vm = Vm(out, "hwlab", disk)
    vm.start()
    try:
        vm.lab_sync(BOOT_TIMEOUT)
        img, _, _ = wait_screen(vm, screens, "unprovisioned", BOOT_TIMEOUT)

        # --- plug in the printers
        t = time.monotonic()
        rc, o = vm.lab("systemctl start adm-lab-gadget.service", timeout=180)
        started = time.monotonic() - t
        if rc != 0:
            _, journal = vm.lab("journalctl -b -u adm-lab-gadget --no-pager | tail -40")
            raise TestFailure(f"the lab's printers did not start: {o} {journal}")
        st = ctl(vm, "status")
        timings["hwlab_gadget_setup_s"] = round(st["setup_ms"] / 1000, 2)
        timings["hwlab_gadget_start_s"] = round(started, 2)
        check(st["a4"]["configured"] and st["receipt"]["configured"],
              f"both printers plugged in and enumerated by the kiosk's USB host in {st['setup_ms']} ms "
              f"(modules, configfs, enumeration; `systemctl start` {started:.1f}s)")
        rc, o = vm.lab("for d in /sys/bus/usb/devices/*; do [ -f $d/idVendor ] && "
                       "echo \"$(cat $d/idVendor):$(cat $d/idProduct) $(cat $d/product 2>/dev/null)\"; done; "
                       "ls /sys/bus/usb/drivers/usblp/ 2>/dev/null | grep -c : || true")
        check("03f0:5c17 HP LaserJet P2055 Series" in o and "04b8:0e28 TM-T20III" in o,
              "the kernel's USB host sees the HP LaserJet P2055 and the Epson TM-T20III")
        rc, o = vm.lab("stat -L -c '%n %A %G' /dev/adm/a4-printer /dev/adm/receipt-printer")
        lines = o.splitlines()
        check(rc == 0 and len(lines) == 2 and all(l.endswith("crw-rw---- adm-kiosk") for l in lines),
              f"udev gives the kiosk user both printers under /dev/adm ({'; '.join(lines)})")

        # --- adm-kiosk printers
        rc, o = vm.lab(f"{AS_KIOSK} printers 2>&1", timeout=120)
        found = {p["uri"].split("/")[2]: p for p in json_lines(o) if p.get("event") == "usb_printer"}
        a4 = found.get("03f0:5c17")
        check(rc == 0 and a4 is not None and a4["route"] == "printer-class-bidirectional" and "7/1/2" in a4["interfaces"]
              and a4["serial"] == "CNB9R12345",
              f"`adm-kiosk printers` lists the 7/1/2 laser with its route ({a4 and a4['uri']}: {a4 and a4['route']})")

        # --- adm-kiosk doctor
        checks = doctor(vm)
        check(checks["a4_printer"][0], f"doctor: A4 printer ready ({checks['a4_printer'][1]})")
        check(checks["receipt_printer"][0], f"doctor: receipt printer ready ({checks['receipt_printer'][1]})")

        # --- the A4 test page over the kernel's USB path
        before = ctl(vm, "mark")["a4"]["bytes"]
        rc, o = vm.lab(f"date +%s.%N; {AS_KIOSK} print-test --printer {A4_URI} 2>&1", timeout=600)
        t_cmd = float(o.splitlines()[0])
        events = json_lines(o)
        outcome = [e for e in events if e.get("event") == "outcome"]
        check(rc == 0 and outcome, f"`adm-kiosk print-test` printed the A4 test page ({outcome[-1] if outcome else o[-800:]})")
        st = ctl(vm, "status")
        pcl = fetch(vm, st["a4"]["capture"], os.path.join(lab_out, "a4-testpage.pcl"), before)
        if st["a4"]["first_byte"]:
            timings["hwlab_a4_print_to_first_byte_s"] = round(st["a4"]["first_byte"] - t_cmd, 2)
        check(pcl.startswith(b"\x1b%-12345X@PJL") and b"\x1bE" in pcl[:200] and b"\x1b&l26A" in pcl
              and pcl.rstrip(b"\r\n").endswith(b"\x1b%-12345X"),
              f"the laser received PJL-wrapped PCL for A4 ({len(pcl)} bytes in OUT/lab/a4-testpage.pcl; "
              f"first byte {timings.get('hwlab_a4_print_to_first_byte_s')}s after the command)")

        # The PCL read back by an independent reader (kiosk-image/pclread.py): one A4 page
        # whose test-page frame sits 10 mm inside every edge, so true scale both ways.
        pages = pclread.read(pcl)
        check(len(pages) == 1 and pages[0].paper == "A4" and pages[0].orientation == 0,
              f"the PCL reads back as one A4 portrait page ({[(p.paper, p.orientation, p.dpi) for p in pages]})")
        page = pages[0]
        page.image.save(os.path.join(lab_out, "a4-testpage.png"))
        box = ImageOps.invert(page.image.convert("L")).getbbox()
        w_mm, h_mm = page.size_mm()
        mm = [v * 25.4 / page.dpi for v in box] if box else []
        margins = [mm[0], mm[1], w_mm - mm[2], h_mm - mm[3]] if mm else []
        check(margins and all(abs(m - 10) <= 1 for m in margins),
              f"the printed frame is 10 mm inside the A4 edges at true scale (left, top, right, bottom: "
              f"{', '.join(f'{m:.1f}' for m in margins)} mm; OUT/lab/a4-testpage.png)")

        # --- a receipt over the kernel's USB path
        rc, o = vm.lab(f"{AS_KIOSK} receipt-test --printer {RECEIPT_URI} 2>&1", timeout=300)
        ev = {e.get("event"): e for e in json_lines(o)}
        check(rc == 0 and "printed" in ev and ev["printed"].get("model") == "TM-T20III"
              and ev["printed"].get("confirms_prints"),
              f"`adm-kiosk receipt-test` printed, confirmed by GS ( H, on the TM-T20III ({ev.get('printed', o[-600:])})")
        timings["hwlab_receipt_test_ms"] = ev["printed"]["ms"]
        job = fetch(vm, "/run/adm-lab/receipt-jobs/receipt-001.bin", os.path.join(lab_out, "receipt-001.bin"))
        fetch(vm, "/run/adm-lab/receipt.bin", os.path.join(lab_out, "receipt-stream.bin"))
        r = subprocess.run([os.path.join(out, "bin", "adm-lab-gadget"), "render", os.path.join(lab_out, "receipt-001.bin"),
                            os.path.join(lab_out, "receipt-001.png")], capture_output=True, text=True)
        check(r.returncode == 0, f"the captured receipt ({len(job)} bytes) parses with the strict ESC/POS interpreter: "
                                 f"{(r.stdout + r.stderr).strip()}")

        # --- paper empty on the laser: the port lines, through the kernel
        ctl(vm, "a4", "port", "paper-empty")
        wait_port_applied(vm, "a4")
        checks = doctor(vm)
        ok, detail = checks["a4_printer"]
        check(not ok and "MediaEmpty" in detail, f"paper empty at the laser: doctor says so ({detail})")
        ctl(vm, "a4", "port", "ready")
        wait_port_applied(vm, "a4")

        # --- the paper runs out in the middle of a 3-page job: the laser takes no more
        # data (USB NAKs) and raises Paper Empty; the kiosk stops, says so, and counts as
        # printed no page the laser did not receive.
        pdf = base64.b64encode(three_page_pdf()).decode()
        rc, o = vm.lab(f"echo {pdf} | base64 -d > /tmp/three.pdf && chmod 0644 /tmp/three.pdf")
        check(rc == 0, "a 3-page A4 PDF copied into the VM")
        before = ctl(vm, "status")["a4"]["bytes"]
        vm.lab(f"{AS_KIOSK} print-test --printer {A4_URI} /tmp/three.pdf > /tmp/three.log 2>&1 &")
        wait_events(vm, "/tmp/three.log",
                    lambda ev: any(e.get("event") == "printed" and e.get("done", 0) >= 1 or e.get("event") == "outcome"
                                   for e in ev), 300)
        ctl(vm, "a4", "port", "paper-empty")
        t_empty = time.monotonic()
        events = wait_events(vm, "/tmp/three.log", lambda ev: any(e.get("event") == "outcome" for e in ev), 300)
        detected = time.monotonic() - t_empty
        outcome = [e for e in events if e.get("event") == "outcome"][-1]
        ctl(vm, "a4", "port", "ready")
        wait_port_applied(vm, "a4")
        time.sleep(1)  # what the kernel still held reaches the capture
        st = ctl(vm, "status")
        cut = fetch(vm, st["a4"]["capture"], os.path.join(lab_out, "a4-paper-out.pcl"), before)
        got = pclread.read(cut, partial=True)
        timings["hwlab_a4_paper_out_to_outcome_s"] = round(detected, 1)
        check(outcome.get("error") == "needs_attention" and outcome.get("attention") == "media_empty"
              and 1 <= outcome.get("pages_done", -1) < 3,
              f"paper out mid-job: print-test ends with media_empty after {outcome.get('pages_done')} of 3 pages "
              f"({detected:.1f}s after the paper ran out)")
        numbers = [squares(p) for p in got]
        check(len(got) >= outcome["pages_done"] and numbers == list(range(1, len(got) + 1)),
              f"no page counted that the laser did not receive (pages {numbers} captured complete, in order; "
              f"{outcome['pages_done']} counted; OUT/lab/a4-paper-out.pcl)")

        # --- the receipt printer's paper and cover, through DLE EOT
        ctl(vm, "receipt", "paper", "out")
        checks = doctor(vm)
        check(checks["a4_printer"][0] and checks["receipt_printer"] == (False, "paper out"),
              f"paper cleared at the laser, out at the receipt printer: doctor says both "
              f"({checks['a4_printer'][1]}; {checks['receipt_printer'][1]})")
        ctl(vm, "receipt", "paper", "near-end")
        checks = doctor(vm)
        check(checks["receipt_printer"] == (True, "ready, paper near end"),
              f"receipt paper near end: still ready ({checks['receipt_printer'][1]})")
        ctl(vm, "receipt", "paper", "ok")

        # --- unplug and plug back the receipt printer (the UDC unbound and bound)
        ctl(vm, "receipt", "unplug")
        checks = doctor(vm)
        check(checks["receipt_printer"][0] is False,
              f"receipt printer unplugged: doctor reports it ({checks['receipt_printer'][1]})")
        ctl(vm, "receipt", "plug")
        deadline = time.monotonic() + 30
        while not ctl(vm, "status")["receipt"]["configured"] and time.monotonic() < deadline:
            time.sleep(0.3)
        rc, o = vm.lab(f"{AS_KIOSK} receipt-test --printer {RECEIPT_URI} 2>&1", timeout=300)
        st = ctl(vm, "status")
        check(rc == 0 and st["receipt"]["sessions"] >= 2 and st["receipt_printed"] == 2,
              f"plugged back: a second receipt prints ({st['receipt']['sessions']} USB sessions, "
              f"{st['receipt_printed']} receipts printed)")

        # --- the same in the long-running kiosk (last: it then holds both printers)
        replug_in_running_kiosk(vm, timings)
    finally:
        vm.stop()
