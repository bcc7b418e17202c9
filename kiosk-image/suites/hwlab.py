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

Landscape pages (acceptance 4; a Kartu Keluarga is printed on A4 landscape): an A4
landscape PDF (OUT/lab/landscape.pdf: a frame and a corner square) printed over the
laser (PCL: a4-landscape.pcl, read back to a4-landscape.png by pclread.py) and to an
ippeveprinter on the host that takes only PWG raster (landscape.pwg, read back to
landscape-pwg.png by pwgread.py): each is one A4 portrait sheet with the page turned 90
degrees counter-clockwise at true scale. The reference server's signed Kartu Keluarga
(A4 landscape) goes to an ippeveprinter that takes PDF: it arrives byte for byte
(landscape-pdf-direct.pdf), with the job attributes read back by ipptool.
"""

import base64
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import time

from PIL import ImageOps

import pclread
import pwgread
from hostsvc import CentralServer, IppPrinter
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


def pdf_of(pages):
    """A PDF of [(media box, content stream)] pages, drawn without fonts."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", None]
    kids = []
    for box, content in pages:
        objs.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [%s] /Contents %d 0 R >>" % (box, len(objs)))
        kids.append(len(objs))
    objs[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
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


def push(vm, data, path):
    """Copies bytes into the VM (base64 through the lab agent, in command-sized pieces),
    readable by the kiosk user."""
    b64 = base64.b64encode(data).decode()
    vm.lab(f"rm -f {path}.b64")
    for i in range(0, len(b64), 16000):
        rc, o = vm.lab(f"echo {b64[i:i + 16000]} >> {path}.b64")
        if rc != 0:
            raise TestFailure(f"cannot copy {path} into the VM: {o[-300:]}")
    rc, o = vm.lab(f"base64 -d {path}.b64 > {path} && rm {path}.b64 && chmod 0644 {path} && sha256sum {path}")
    if rc != 0 or hashlib.sha256(data).hexdigest() not in o:
        raise TestFailure(f"{path} did not arrive whole in the VM: {o[-300:]}")


def signed_kk(out):
    """The reference server's demo Kartu Keluarga (doc-demo-0001) as it signs it: A4
    landscape, like the real one. Only its state is made (`init --demo`), no server runs."""
    central = CentralServer(out, "hwlab-central")
    docs = os.path.join(out, "vm", "hwlab-documents")
    shutil.rmtree(docs, ignore_errors=True)
    central.admin("export-documents", "--out", docs)
    with open(os.path.join(docs, "doc-demo-0001.pdf"), "rb") as f:
        return f.read()


def three_page_pdf():
    """A 3-page A4 PDF drawn with rectangles only (page N has N squares): no font needed."""
    pages = []
    for n in range(1, 4):
        content = b"".join(b"0 0 0 rg %d 600 80 80 re f\n" % (72 + i * 120) for i in range(n))
        content += b"0 0 0 RG 4 w 28.35 28.35 538.6 785.2 re S\n"
        pages.append((b"0 0 595.28 841.89", content))
    return pdf_of(pages)


def landscape_pdf():
    """One A4 *landscape* page (841.89 x 595.28 pt, as a Kartu Keluarga is printed): a
    frame 10 mm inside its edges and a 1-inch black square whose corner is 1 inch from
    the page's top-left corner, so that any turn or mirror shows."""
    content = b"0 0 0 RG 2 w 28.35 28.35 785.19 538.58 re S\n0 0 0 rg 72 451.28 72 72 re f\n"
    return pdf_of([(b"0 0 841.89 595.28", content)])


def landscape_on_sheet(image, dpi):
    """Where landscape_pdf()'s page landed on a portrait sheet image: (frame margins
    left, top, right, bottom; square left, bottom, width, height), all in mm. Turned
    90 degrees counter-clockwise at true scale, the frame is 10 mm inside every edge and
    the square 25.4 mm from the left and the bottom edges, 25.4 mm wide and tall."""
    gray = ImageOps.invert(image.convert("L"))
    mm = lambda dots: dots * 25.4 / dpi  # noqa: E731
    box = gray.getbbox()
    if not box:
        return None, None
    w, h = image.size
    frame = [mm(box[0]), mm(box[1]), mm(w - box[2]), mm(h - box[3])]
    inset = round(15 / 25.4 * dpi)  # inside the frame: only the square
    sq = gray.crop((inset, inset, w - inset, h - inset)).getbbox()
    if not sq:
        return frame, None
    x0, y0, x1, y1 = (v + inset for v in sq)
    return frame, [mm(x0), mm(h - y1), mm(x1 - x0), mm(y1 - y0)]


def landscape_ok(frame, square):
    return (frame is not None and square is not None and all(abs(m - 10) <= 1 for m in frame)
            and all(abs(v - 25.4) <= 1 for v in square))


def fmt_mm(values):
    return ", ".join(f"{v:.1f}" for v in values) if values else "nothing found"


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


def landscape_over_usb(vm, lab_out, timings):
    """Acceptance 4 on the PCL path: the landscape page over the 7/1/2 laser."""
    before = ctl(vm, "mark")["a4"]["bytes"]
    t = time.monotonic()
    rc, o = vm.lab(f"{AS_KIOSK} print-test --printer {A4_URI} /tmp/landscape.pdf 2>&1", timeout=600)
    timings["hwlab_landscape_pcl_print_s"] = round(time.monotonic() - t, 1)
    outcome = [e for e in json_lines(o) if e.get("event") == "outcome"]
    check(rc == 0 and outcome and outcome[-1].get("pages") == 1,
          f"`adm-kiosk print-test` printed the landscape page over USB ({outcome[-1] if outcome else o[-800:]})")
    pcl = fetch(vm, ctl(vm, "status")["a4"]["capture"], os.path.join(lab_out, "a4-landscape.pcl"), before)
    pages = pclread.read(pcl)
    check(len(pages) == 1 and pages[0].paper == "A4" and pages[0].orientation == 0 and pages[0].dpi == 300
          and pages[0].image.size == (2480, 3508),
          f"the landscape page reads back from the PCL as one A4 portrait page, 2480x3508 dots at 300 dpi "
          f"({[(p.paper, p.orientation, p.dpi, p.image.size) for p in pages]})")
    pages[0].image.save(os.path.join(lab_out, "a4-landscape.png"))
    frame, square = landscape_on_sheet(pages[0].image, pages[0].dpi)
    check(landscape_ok(frame, square),
          f"PCL: the landscape page turned 90 degrees counter-clockwise onto the sheet at true scale: frame "
          f"{fmt_mm(frame)} mm inside the left, top, right, bottom edges; its top-left square at "
          f"{fmt_mm(square)} mm (left, bottom, width, height) (OUT/lab/a4-landscape.png)")


def job_attributes(printer, out):
    """The attributes of `printer`'s last job (its id is the spool file's prefix), as
    ipptool on the host reads them back from ippeveprinter: {name: value text}."""
    jobs = printer.jobs()
    if not jobs:
        raise TestFailure(f"{printer.name} received no job")
    job_id = os.path.basename(jobs[-1][0]).split("-", 1)[0]
    test = os.path.join(out, "vm", "get-job-attributes.test")
    with open(test, "w") as f:
        f.write("{\n OPERATION Get-Job-Attributes\n GROUP operation-attributes-tag\n"
                " ATTR charset attributes-charset utf-8\n ATTR naturalLanguage attributes-natural-language en\n"
                " ATTR uri printer-uri $uri\n ATTR integer job-id $job_id\n"
                " ATTR keyword requested-attributes all,job-template\n STATUS successful-ok\n}\n")
    r = subprocess.run(["ipptool", "-v", "-t", "-d", f"job_id={job_id}", f"ipp://127.0.0.1:{printer.port}/ipp/print",
                        test], capture_output=True, text=True, timeout=30)
    # The response's attributes follow its status-code line.
    text = r.stdout.split("status-code = ", 1)[-1]
    attrs = dict(re.findall(r"^\s+([a-z0-9-]+) \([^)]*\) = (.*)$", text, re.M))
    if attrs.get("job-id") != job_id:
        raise TestFailure(f"ipptool did not read job {job_id} from {printer.name}: {r.stdout[-800:]} {r.stderr[-300:]}")
    return attrs


def landscape_over_ipp(vm, out, lab_out, kk, pdf_printer, pwg_printer, timings):
    """Acceptance 4 on the IPP paths: PDF direct (the signed landscape KK) and PWG raster
    (landscape_pdf()), to ippeveprinter on the host."""
    boxes = re.findall(rb"/MediaBox \[0 0 (\d+) (\d+)\]", kk)
    check(boxes and all(int(w) > int(h) for w, h in boxes),
          f"the reference server's signed Kartu Keluarga is A4 landscape "
          f"(MediaBox {[b.decode() for b in boxes[0]] if boxes else '?'}, {len(boxes)} pages)")
    push(vm, kk, "/tmp/kk.pdf")
    t = time.monotonic()
    rc, o = vm.lab(f"{AS_KIOSK} print-test --printer {pdf_printer.uri()} /tmp/kk.pdf 2>&1", timeout=300)
    timings["hwlab_landscape_ipp_pdf_s"] = round(time.monotonic() - t, 1)
    outcome = [e for e in json_lines(o) if e.get("event") == "outcome"]
    check(rc == 0 and outcome and outcome[-1].get("pages") == len(boxes),
          f"print-test sent the signed KK to an IPP printer that takes PDF ({outcome[-1] if outcome else o[-800:]})")
    jobs = pdf_printer.jobs()
    got = open(jobs[-1][0], "rb").read() if jobs else b""
    with open(os.path.join(lab_out, "landscape-pdf-direct.pdf"), "wb") as f:
        f.write(got)
    attrs = job_attributes(pdf_printer, out)
    # ippeveprinter lists orientation-requested 3..6 without none (7), and no
    # print-scaling: the driver then imposes no orientation (ipp/mod.rs, orientation_for),
    # and the printer lays each page out by its own MediaBox.
    check(got == kk and attrs.get("document-format-supplied") == "application/pdf"
          and attrs.get("media") == "iso_a4_210x297mm" and attrs.get("orientation-requested") in (None, "none"),
          f"PDF direct: the printer received the signed KK byte for byte ({len(got)} bytes, "
          f"OUT/lab/landscape-pdf-direct.pdf; its signature untouched), media {attrs.get('media')}, "
          f"orientation-requested {attrs.get('orientation-requested', 'not imposed')}, "
          f"print-scaling {attrs.get('print-scaling', 'not supported by the printer')}")

    t = time.monotonic()
    rc, o = vm.lab(f"{AS_KIOSK} print-test --printer {pwg_printer.uri()} /tmp/landscape.pdf 2>&1", timeout=600)
    timings["hwlab_landscape_ipp_pwg_s"] = round(time.monotonic() - t, 1)
    outcome = [e for e in json_lines(o) if e.get("event") == "outcome"]
    check(rc == 0 and outcome and outcome[-1].get("ok"),
          f"print-test sent the landscape page to an IPP printer that takes only PWG raster "
          f"({outcome[-1] if outcome else o[-800:]})")
    jobs = pwg_printer.jobs()
    raster = open(jobs[-1][0], "rb").read() if jobs else b""
    with open(os.path.join(lab_out, "landscape.pwg"), "wb") as f:
        f.write(raster)
    pages = pwgread.read(raster)
    attrs = job_attributes(pwg_printer, out)
    hdr = pages[0].header if pages else {}
    check(len(pages) == 1 and hdr.get("resolution") == (300, 300)
          and (hdr.get("width"), hdr.get("height")) == (2480, 3508) and hdr.get("page_size_pt") == (595, 842)
          and hdr.get("page_size_name") == "iso_a4_210x297mm" and hdr.get("orientation") == 0
          and attrs.get("orientation-requested") == "portrait"
          and attrs.get("document-format-supplied") == "image/pwg-raster",
          f"PWG raster: one A4 portrait page ({len(pages)} page(s); "
          f"{hdr.get('width')}x{hdr.get('height')} dots at {hdr.get('resolution')}, {hdr.get('page_size_pt')} pt, "
          f"{hdr.get('page_size_name')!r}; job orientation-requested {attrs.get('orientation-requested')})")
    pages[0].image.save(os.path.join(lab_out, "landscape-pwg.png"))
    frame, square = landscape_on_sheet(pages[0].image, pages[0].dpi)
    check(landscape_ok(frame, square),
          f"PWG raster: the landscape page turned 90 degrees counter-clockwise onto the sheet at true scale: frame "
          f"{fmt_mm(frame)} mm inside the edges; square at {fmt_mm(square)} mm (left, bottom, width, height) "
          f"(OUT/lab/landscape-pwg.png)")


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
    # IPP printers on the host for the landscape page (acceptance 4): one takes PDF,
    # one only PWG raster.
    pdf_printer = IppPrinter(out, "hwlab-ipp-pdf")
    pwg_printer = IppPrinter(out, "hwlab-ipp-pwg", formats="image/pwg-raster")
    try:
        pdf_printer.start()
        pwg_printer.start()
        vm.start(guestfwd=[pdf_printer.port, pwg_printer.port])
        run_vm(vm, out, lab_out, screens, timings, pdf_printer, pwg_printer, signed_kk(out))
    finally:
        vm.stop()
        pdf_printer.stop()
        pwg_printer.stop()


def run_vm(vm, out, lab_out, screens, timings, pdf_printer, pwg_printer, kk):
    """The suite's steps in the started VM, in order."""
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

    # --- a landscape page (a Kartu Keluarga is A4 landscape) on every path
    pdf = landscape_pdf()
    with open(os.path.join(lab_out, "landscape.pdf"), "wb") as f:
        f.write(pdf)
    push(vm, pdf, "/tmp/landscape.pdf")
    landscape_over_usb(vm, lab_out, timings)
    landscape_over_ipp(vm, out, lab_out, kk, pdf_printer, pwg_printer, timings)

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
