"""Services the VM suites start on the host's loopback, and the data partition of a
kiosk provisioned against them. The VM reaches them only through guestfwd (Vm.start):
guest 10.0.2.100:PORT is host 127.0.0.1:PORT.

- CentralServer: the reference central server (`adm-central serve --demo`), mTLS, its
  certificate also valid for the guest's name of the host (GUEST_HOST);
- IppPrinter: `ippeveprinter` (Debian cups-ipp-utils), keeping every job in a spool dir;
- run_data_dir: a data partition provisioned as a real kiosk (kiosk.toml in run mode,
  its own kiosk certificate) talking to those two.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

from vmlib import TestFailure, log

# The host as the guest sees it (QEMU user networking, guestfwd).
GUEST_HOST = "10.0.2.100"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def central_binary():
    """The adm-central the repository builds (dev profile), built if missing."""
    path = os.environ.get("ADM_CENTRAL_BIN") or os.path.join(REPO, "target", "debug", "adm-central")
    if not os.path.exists(path):
        log("building adm-central (cargo build -p adm-central)")
        subprocess.run(["cargo", "build", "-q", "-p", "adm-central"], cwd=REPO, check=True)
    return path


def _wait_tcp(port, proc, what, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise TestFailure(f"{what} exited ({proc.returncode}) before answering")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TestFailure(f"{what} did not answer on 127.0.0.1:{port} within {timeout:.0f}s")


def _stop(proc, sig=signal.SIGINT, timeout=15):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class CentralServer:
    """The reference central server with demo data, on 127.0.0.1:port. Stop and start
    again keep the state (database, PKI) and the ports: a kiosk provisioned for it
    reconnects as to a central server that was away."""

    def __init__(self, out, name="central"):
        self.bin = central_binary()
        self.state = os.path.join(out, "vm", f"{name}-state")
        shutil.rmtree(self.state, ignore_errors=True)
        self.log_path = os.path.join(out, "vm", f"{name}.log")
        # The first thing a suite run alone makes in OUT/vm.
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        open(self.log_path, "w").close()
        self.port, self.metrics_port = free_port(), free_port()
        self.proc = None
        # The PKI and the demo data now, so kiosks can be issued before the first start.
        self.admin("init", "--demo", "--server-name", GUEST_HOST)

    def admin(self, *args, env=None):
        """Runs an admin command on the state (works while the server runs): its stdout."""
        r = subprocess.run([self.bin, "--state-dir", self.state, *args], capture_output=True, text=True,
                           env={**os.environ, **(env or {})}, timeout=120)
        if r.returncode != 0:
            raise TestFailure(f"adm-central {' '.join(args)}: {r.stderr.strip()[-500:]}")
        return r.stdout

    def issue_kiosk(self, kiosk_id, out_dir):
        """A kiosk identity, as the provisioning runbook does it: (cert, key) paths."""
        os.makedirs(out_dir, exist_ok=True)
        self.admin("issue-kiosk", "--kiosk-id", kiosk_id, "--out", out_dir)
        return os.path.join(out_dir, f"{kiosk_id}.crt"), os.path.join(out_dir, f"{kiosk_id}.key")

    def start(self, timeout=60):
        with open(self.log_path, "a") as f:
            f.write("\n===== start =====\n")
        self.proc = subprocess.Popen(
            [self.bin, "--state-dir", self.state, "serve", "--demo", "--port", str(self.port),
             "--metrics-bind", f"127.0.0.1:{self.metrics_port}", "--server-name", GUEST_HOST],
            stdout=subprocess.DEVNULL, stderr=open(self.log_path, "a"))
        _wait_tcp(self.port, self.proc, "adm-central", timeout)
        # Answers: its metrics endpoint is served by the same process once it listens.
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise TestFailure(f"adm-central metrics did not answer (see {self.log_path})")
            time.sleep(0.2)

    def stop(self, hard=False):
        """Ctrl-C: the server's graceful shutdown; `hard`: SIGKILL, gone at once (a
        graceful end still serves requests on open keep-alive connections)."""
        _stop(self.proc, signal.SIGKILL if hard else signal.SIGINT)
        self.proc = None

    def metrics(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as r:
            return r.read().decode()

    def ca(self):
        return os.path.join(self.state, "ca.crt")

    def trust_anchor(self):
        return os.path.join(self.state, "trust-anchor.crt")

    def db(self):
        return os.path.join(self.state, "central.sqlite")

    def print_reports(self, kiosk_id):
        """The print reports the server recorded from `kiosk_id`: [(report_id,
        document_id, pages_printed, completed)] (read-only; the server keeps running)."""
        import sqlite3
        con = sqlite3.connect(f"file:{self.db()}?mode=ro", uri=True, timeout=10)
        try:
            return con.execute("SELECT report_id, document_id, pages_printed, completed FROM print_reports "
                               "WHERE kiosk_id = ? ORDER BY at", (kiosk_id,)).fetchall()
        finally:
            con.close()

    def flagged_reports(self, kiosk_id):
        """Lines of `adm-central list`'s flagged print reports that name `kiosk_id`."""
        text = self.admin("list")
        flagged = text.split("flagged print reports", 1)[-1].splitlines()[1:]
        return [line for line in flagged if kiosk_id in line]


class IppPrinter:
    """ippeveprinter on 127.0.0.1:port (PDF in), keeping each job's file in spool/.
    `slow`: each job takes ippeveprinter's simulated ~10 s to print (a test can act
    between a job's arrival and its end); otherwise a job is done once it arrived.
    `formats`: the document formats it takes (e.g. "image/pwg-raster" for a printer
    that takes no PDF)."""

    def __init__(self, out, name="ipp-a4", slow=False, formats="application/pdf", make="ADM", model="VM A4"):
        self.spool = os.path.join(out, "vm", f"{name}-spool")
        shutil.rmtree(self.spool, ignore_errors=True)
        os.makedirs(self.spool)
        self.log_path = os.path.join(out, "vm", f"{name}.log")
        self.port = free_port()
        self.name = name
        self.proc = None
        self.dbus_pid = None
        self.slow = slow
        self.formats = formats
        # make and model: what printer-make-and-model and printer-device-id say (the
        # IPP-USB lab printer answers as the USB model it plays).
        self.make, self.model = make, model

    def uri(self):
        """The printer as the guest reaches it."""
        return f"ipp://{GUEST_HOST}:{self.port}/ipp/print"

    def start(self, timeout=30):
        # Debian's ippeveprinter exits with "Unable to initialize DNS-SD" unless a D-Bus
        # is reachable (it registers the printer over Avahi): give it a private one
        # (as drivers/a4/tests/support does).
        bus = os.path.join(self.spool + ".bus")
        if os.path.exists(bus):
            os.unlink(bus)
        r = subprocess.run(["dbus-daemon", "--session", f"--address=unix:path={bus}", "--fork", "--print-pid"],
                           stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL, capture_output=False,
                           stdout=subprocess.PIPE, text=True, check=True)
        self.dbus_pid = int(r.stdout.strip())
        # -n localhost: listen on loopback only; -r off: no DNS-SD announcement;
        # -k: keep the job files for the test to look at; -c /bin/true: a job is done
        # as soon as it arrived (without it, ippeveprinter "prints" each job for ~10 s).
        fast = [] if self.slow else ["-c", "/bin/true"]
        self.proc = subprocess.Popen(
            ["ippeveprinter", "-n", "localhost", "-p", str(self.port), "-d", self.spool, "-k", "-r", "off",
             "-f", self.formats, "-M", self.make, "-m", self.model, *fast, "-v", self.name],
            env={**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={bus}"},
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(self.log_path, "a"))
        _wait_tcp(self.port, self.proc, "ippeveprinter", timeout)

    def stop(self):
        _stop(self.proc, signal.SIGTERM)
        self.proc = None
        if self.dbus_pid:
            try:
                os.kill(self.dbus_pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            self.dbus_pid = None

    def jobs(self):
        """The job files received so far: [(path, size)], oldest first (not the empty
        `.prn` outputs of the -c command)."""
        files = []
        for root, _, names in os.walk(self.spool):
            for n in names:
                if n.endswith(".prn"):
                    continue
                p = os.path.join(root, n)
                files.append((os.path.getmtime(p), p, os.path.getsize(p)))
        return [(p, size) for _, p, size in sorted(files)]


# Where the kiosk in the VM writes what its simulated devices print (no USB receipt
# printer or camera in the VM yet): on the data partition, the kiosk's state dir.
SIM_OUTPUT = "/var/lib/adm-kiosk/sim-output"


def run_data_dir(out, central, printer, kiosk_id="ADM-VM-01", name="data-run", extra_toml=""):
    """A data partition (folders etc/ kiosk/ private/, see vmlib.fresh_disk) provisioned
    as a real kiosk in run mode (kiosk-image/README.md, "Provisioning runbook"): its own
    certificate issued by `central`, the central server and the IPP printer reached
    through guestfwd, receipt printer and camera simulated."""
    d = os.path.join(out, "vm", name)
    shutil.rmtree(d, ignore_errors=True)
    for sub, mode in (("etc", 0o755), ("kiosk", 0o700), ("private", 0o700)):
        os.makedirs(os.path.join(d, sub))
        os.chmod(os.path.join(d, sub), mode)
    etc, kiosk = os.path.join(d, "etc"), os.path.join(d, "kiosk")
    cert, key = central.issue_kiosk(kiosk_id, os.path.join(out, "vm", f"{name}-issued"))
    shutil.copy(central.ca(), os.path.join(etc, "central-ca.crt"))
    shutil.copy(central.trust_anchor(), os.path.join(etc, "trust-anchor.crt"))
    shutil.copy(cert, os.path.join(etc, "kiosk.crt"))
    # The key goes into the kiosk's private state dir (/var/lib/adm-kiosk, mode 0700):
    # systemd gives that dir (StateDirectory=) and everything in it to the kiosk's
    # user, whose uid the image does not fix, so a 0600 key there is readable by the
    # kiosk and by nobody else.
    shutil.copy(key, os.path.join(kiosk, "kiosk.key"))
    os.chmod(os.path.join(kiosk, "kiosk.key"), 0o600)
    a4 = printer.uri() if printer is not None else "sim"
    with open(os.path.join(etc, "kiosk.toml"), "w") as f:
        f.write(f"""# Provisioned by kiosk-image/hostsvc.py for a VM test.
kiosk_id = "{kiosk_id}"
site = "Kecamatan Demo"
sim_output = "{SIM_OUTPUT}"
outbox = "/var/lib/adm-kiosk/outbox.sqlite"

[server]
url = "https://{GUEST_HOST}:{central.port}"
ca = "/etc/adm-kiosk/central-ca.crt"
client_cert = "/etc/adm-kiosk/kiosk.crt"
client_key = "/var/lib/adm-kiosk/kiosk.key"
signature_anchors = ["/etc/adm-kiosk/trust-anchor.crt"]
# The host named in the demo notice QRs and receipt links.
public_host = "siak.demo.invalid"

[printers]
a4 = "{a4}"
receipt = "sim"

[camera]
device = "sim"
{extra_toml}""")
    return d
