"""What the journey and powercut suites share: a kiosk provisioned against the host's
services, waiting for screens (exactly or by the nearest reference), a citizen's
sign-in by touch, files copied out of the VM."""

import base64
import hashlib
import os
import time

from vmlib import MATCH_PERCENT, TestFailure, differing_percent, log

# The demo citizen the headless demo signs in with (src/demo.rs DEMO_NIK/DEMO_PIN,
# central/README.md "Demo credentials"): BUDI SANTOSO, three documents.
DEMO_NIK = "3201011505800001"
DEMO_PIN = "123456"
MASKED_NIK = "3201********0001"
KIOSK_ID = "ADM-VM-01"
# A screen that legitimately differs from the demo's (a time, a transaction number,
# job progress) is recognised when the reference it is nearest to is the expected one
# and it differs from it in fewer than this many percent of its pixels; two different
# screens differ in more than 2 %, so "nearest" is what decides, this only bounds it.
LOOSE_PERCENT = 3.0


def nearest(screens, img):
    """(name, percent) of the reference screen `img` differs least from."""
    return min(((name, differing_percent(img, ref)) for name, ref in screens.ref.items()), key=lambda p: p[1])


def wait_settled(vm, screens, names, timeout, poll=1.0):
    """Polls screendumps until the screen stops changing (two dumps alike) on a screen
    whose nearest reference is one of `names`, for screens no reference shows as they
    are (e.g. the collect screen listing documents that could not be printed).
    Returns (image, nearest reference, percent)."""
    t0 = time.monotonic()
    prev = None
    while time.monotonic() < t0 + timeout:
        img = vm.screen()
        if prev is not None and differing_percent(img, prev) == 0.0:
            name, d = nearest(screens, img)
            if name in names:
                return img, name, d
        prev = img
        time.sleep(poll)
    screens.keep(prev, f"FAILED-waiting-for-{names[0]}")
    name, d = nearest(screens, prev)
    raise TestFailure(f"the screen did not settle on {names} within {timeout:.0f}s (nearest reference: {name}, {d:.1f} %)")


def wait_for(vm, screens, ref_name, timeout, loose=False, also=(), poll=0.4):
    """Polls screendumps until the VM shows `ref_name` (or one of `also`): exactly (<
    MATCH_PERCENT of the pixels differ), or with `loose`, by the nearest reference.
    Returns (image, seconds waited, how it matched)."""
    names = [n for n in (ref_name, *also) if n in screens.ref]
    if ref_name not in screens.ref:
        raise TestFailure(f"no reference screen named {ref_name!r}")
    t0 = time.monotonic()
    last = None
    while time.monotonic() < t0 + timeout:
        img = vm.screen()
        last = img
        for name in names:
            d = screens.diff(img, name)
            if d < MATCH_PERCENT:
                return img, time.monotonic() - t0, f"{name}: {d:.2f} % < {MATCH_PERCENT} %"
        if loose:
            name, d = nearest(screens, img)
            if name in names and d < LOOSE_PERCENT:
                return img, time.monotonic() - t0, f"nearest reference {name}: {d:.2f} % < {LOOSE_PERCENT} %"
        time.sleep(poll)
    if last is not None:
        screens.keep(last, f"FAILED-waiting-for-{ref_name}")
        name, d = nearest(screens, last)
        raise TestFailure(f"the screen did not show '{ref_name}' within {timeout:.0f}s "
                          f"({screens.diff(last, ref_name):.1f} % differ; nearest reference: {name}, {d:.1f} %)")
    raise TestFailure(f"no screendump within {timeout:.0f}s")


def step(vm, screens, timings, key, ref_name, timeout, loose=False, also=(), why=""):
    """Waits for a screen of the journey, keeps its screendump, times it."""
    img, waited, how = wait_for(vm, screens, ref_name, timeout, loose=loose, also=also)
    screens.keep(img, key)
    timings[f"{key}_s"] = round(waited, 1)
    from vmlib import check
    check(True, f"{key}: the kiosk shows '{ref_name}' ({how}){' - ' + why if why else ''}")
    return img


def sign_in(vm, screens, touches, timings, prefix, nik=DEMO_NIK, pin=DEMO_PIN):
    """From the attract screen to the citizen's documents, by touch only."""
    touches.tap(vm, "attract", "Sentuh di sini untuk mulai")
    step(vm, screens, timings, f"{prefix}-choose-method", "choose-method", 30)
    touches.tap(vm, "choose-method", "Ketik NIK dan PIN saya")
    # The NIK keypad screen, empty: no reference of its own (the demo shoots it typed).
    time.sleep(2)
    touches.type_digits(vm, "enter-nik", nik)
    step(vm, screens, timings, f"{prefix}-nik-typed", "nik-typed", 30)
    touches.tap(vm, "enter-nik", "Lanjut")
    time.sleep(2)
    touches.type_digits(vm, "enter-pin", pin)
    step(vm, screens, timings, f"{prefix}-pin-typed", "pin-typed", 30)
    touches.tap(vm, "enter-pin", "Masuk")


def vm_file(vm, path, timeout=120):
    """The bytes of a file in the VM (through the lab agent, base64), or None if missing."""
    rc, out = vm.lab(f"test -f {path} && base64 -w0 {path}", timeout=timeout)
    if rc != 0:
        return None
    return base64.b64decode(out.strip())


def vm_ls(vm, directory):
    rc, out = vm.lab(f"ls -1 {directory}")
    return out.split() if rc == 0 else []


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def exported_documents(central, out_dir):
    """{sha256: (document id, size)} of every PDF the central server stores."""
    central.admin("export-documents", "--out", out_dir)
    docs = {}
    for name in os.listdir(out_dir):
        with open(os.path.join(out_dir, name), "rb") as f:
            data = f.read()
        docs[sha256(data)] = (name[:-4], len(data))
    return docs


def log_services(central, printer):
    log(f"central server on 127.0.0.1:{central.port} (guest: https://10.0.2.100:{central.port}), "
        f"IPP printer on 127.0.0.1:{printer.port} (guest: {printer.uri()})")


OUTBOX = "/var/lib/adm-kiosk/outbox.sqlite"


def copy_outbox(vm, dest_dir):
    """Copies the kiosk's outbox (the SQLite file and its -wal/-shm, when present) out of
    the VM into dest_dir; returns the copied database's path.

    The kiosk is frozen (SIGSTOP) while the three files are read, so they are one
    moment's state, as after a power cut: it may be between two writes of a
    transaction, which SQLite's WAL is made to survive, but nothing changes between
    reading the database and its WAL. Frozen for a few seconds only (watchdog: 30 s)."""
    os.makedirs(dest_dir, exist_ok=True)
    for n in os.listdir(dest_dir):
        os.unlink(os.path.join(dest_dir, n))
    rc, pid = vm.lab("systemctl show -p MainPID --value adm-kiosk.service")
    pid = pid.strip()
    if rc != 0 or pid in ("", "0"):
        raise TestFailure(f"the kiosk is not running ({pid})")
    vm.lab(f"kill -STOP {pid}")
    try:
        for suffix in ("", "-wal", "-shm"):
            data = vm_file(vm, OUTBOX + suffix)
            if data is None:
                if suffix == "":
                    raise TestFailure(f"no {OUTBOX} in the VM")
                continue
            with open(os.path.join(dest_dir, "outbox.sqlite" + suffix), "wb") as f:
                f.write(data)
    finally:
        vm.lab(f"kill -CONT {pid}")
    return os.path.join(dest_dir, "outbox.sqlite")


def outbox_state(path):
    """(integrity_check answer, {report id: state} of the print reports in it)."""
    import sqlite3
    con = sqlite3.connect(path)
    try:
        integrity = ", ".join(r[0] for r in con.execute("PRAGMA integrity_check"))
        prints = dict(con.execute("SELECT key, state FROM outbox WHERE kind = 'print'").fetchall())
        return integrity, prints
    finally:
        con.close()


def audit_events(central, kiosk_id):
    """The audit events the central server recorded from `kiosk_id`: [(kind, detail)],
    oldest first (read-only; the server keeps running)."""
    import sqlite3
    con = sqlite3.connect(f"file:{central.db()}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute("SELECT kind, detail FROM audit_events WHERE kiosk_id = ? ORDER BY at", (kiosk_id,)).fetchall()
    finally:
        con.close()


def guest_clock_offset(vm, tries=7):
    """(guest CLOCK_REALTIME - host time.time(), error bound) in seconds, from lab agent
    round trips: the guest's `date` was read somewhere inside the round trip, so taking
    its middle errs by at most half the shortest round trip."""
    best = None
    for _ in range(tries):
        t1 = time.time()
        rc, out = vm.lab("date +%s.%N")
        t2 = time.time()
        if rc != 0:
            continue
        rtt = t2 - t1
        offset = float(out.strip().splitlines()[-1]) - (t1 + t2) / 2
        if best is None or rtt < best[1] * 2:
            best = (offset, rtt / 2)
    if best is None:
        raise TestFailure("the guest's clock could not be read through the lab agent")
    return best
