"""The fleet side of the VM fleet suite (suites/fleet.py): a real fleet Prometheus on the
host's loopback, configured like fleet/e2e.sh does it — the shipped fleet/server configs
with only paths, ports and timings changed — and the files that provision a kiosk's
fleet agent (fleet/README.md, "Enrolling a kiosk").

The VM reaches this Prometheus only through QEMU's guestfwd, as 10.0.2.100:PORT, so its
server certificate names that address (and 127.0.0.1, for the harness's own queries).
"""

import json
import os
import re
import shutil
import ssl
import subprocess
import time
import urllib.parse
import urllib.request

from hostsvc import GUEST_HOST, REPO, free_port

FLEET = os.path.join(REPO, "fleet")
# The VM suite's scrape/evaluation interval, the same as e2e.sh's: the production 15 s
# scrape against the test's 20 s KioskOffline threshold would flap.
INTERVAL = "2s"


class FleetError(Exception):
    pass


def _sub(text, pattern, repl, what, flags=re.M):
    """re.sub that insists on a match: a shipped config that changed shape must fail the
    test loudly, not silently run with production timings."""
    new, n = re.subn(pattern, repl, text, flags=flags)
    if n == 0:
        raise FleetError(f"could not {what} (pattern {pattern!r} not found)")
    return new


def shortened_kiosk_rules(text):
    """fleet/server/rules/kiosk-alerts.yml as e2e.sh shortens it: every `for:` 2 s and
    KioskOffline's 300 s without a heartbeat 20 s. Everything else as shipped."""
    text = _sub(text, r"^( +for:).*$", r"\1 2s", "shorten the rules' for: durations")
    return _sub(text, r"\) > 300$", ") > 20", "shorten the KioskOffline threshold")


class FleetHost:
    """The fleet Prometheus (remote-write receiver, mTLS, the kiosk alert rules) on
    127.0.0.1:port, with a throwaway fleet CA made by fleet/tools/fleet-ca.sh."""

    def __init__(self, workdir, kiosk_id, site):
        self.w = workdir
        self.kiosk_id, self.site = kiosk_id, site
        self.port = free_port()
        self.proc = None
        shutil.rmtree(self.w, ignore_errors=True)
        os.makedirs(self.w)

    # ------------------------------------------------------------------ certificates
    def _ca(self, *args):
        r = subprocess.run([os.path.join(FLEET, "tools", "fleet-ca.sh"), *args], capture_output=True, text=True)
        if r.returncode != 0:
            raise FleetError(f"fleet-ca.sh {args[0]}: {r.stderr.strip()}")

    def make_certificates(self):
        ca, tls, kiosk = (os.path.join(self.w, d) for d in ("ca", "tls", "kiosk-tls"))
        self._ca("init", ca)
        self._ca("server", ca, tls, "fleet-server", f"IP:{GUEST_HOST},IP:127.0.0.1")
        self._ca("client", ca, tls, "operator")
        self._ca("client", ca, kiosk, self.kiosk_id)
        self.tls, self.kiosk_tls = tls, kiosk

    # ------------------------------------------------------------------ configs
    def write_configs(self):
        rules = os.path.join(self.w, "rules")
        os.makedirs(rules)
        with open(os.path.join(FLEET, "server", "rules", "kiosk-alerts.yml")) as f:
            kiosk_rules = shortened_kiosk_rules(f.read())
        with open(os.path.join(rules, "kiosk-alerts.yml"), "w") as f:
            f.write(kiosk_rules)
        shutil.copy(os.path.join(FLEET, "server", "rules", "central-alerts.yml"), rules)

        with open(os.path.join(FLEET, "server", "prometheus.yml")) as f:
            cfg = f.read()
        cfg = cfg.replace("/etc/prometheus/tls/", self.tls + "/")
        cfg = cfg.replace("127.0.0.1:9090", f"127.0.0.1:{self.port}")
        cfg = cfg.replace("rules/kiosk-alerts.yml", os.path.join(rules, "kiosk-alerts.yml"))
        cfg = cfg.replace("rules/central-alerts.yml", os.path.join(rules, "central-alerts.yml"))
        cfg = _sub(cfg, r"^(  scrape_interval:).*$", rf"\1 {INTERVAL}", "shorten scrape_interval")
        cfg = _sub(cfg, r"^(  evaluation_interval:).*$", rf"\1 {INTERVAL}", "shorten evaluation_interval")
        # No Alertmanager here: this suite checks the rule's state in Prometheus; the
        # routing and inhibition are fleet/e2e.sh's (an unreachable one would only log).
        cfg = _sub(cfg, r"^alerting:\n(?:[ #].*\n|\n)*?(?=^\S)", "", "drop the alerting section")
        with open(os.path.join(self.w, "fleet.yml"), "w") as f:
            f.write(cfg)

        with open(os.path.join(FLEET, "server", "web-config.yml")) as f:
            web = f.read().replace("/etc/prometheus/tls/", self.tls + "/")
        with open(os.path.join(self.w, "web-config.yml"), "w") as f:
            f.write(web)

    def agent_config(self):
        """fleet/kiosk/prometheus-agent.yml for the kiosk in the VM: the one
        per-deployment edit (the fleet URL, here the host through guestfwd) and e2e.sh's
        shorter timings. The TLS paths stay the kiosk's own."""
        with open(os.path.join(FLEET, "kiosk", "prometheus-agent.yml")) as f:
            cfg = f.read()
        cfg = _sub(cfg, r"https://fleet-metrics\.example\.invalid/api/v1/write",
                   f"https://{GUEST_HOST}:{self.port}/api/v1/write", "set the fleet URL")
        cfg = _sub(cfg, r"^(  scrape_interval:).*$", rf"\1 {INTERVAL}", "shorten the agent's scrape_interval")
        cfg = _sub(cfg, r"^(  scrape_timeout:).*$", r"\1 1s", "shorten the agent's scrape_timeout")
        cfg = _sub(cfg, r"^( *batch_send_deadline:).*$", r"\1 1s", "shorten batch_send_deadline")
        cfg = _sub(cfg, r"^( *max_backoff:).*$", r"\1 2s", "shorten max_backoff")
        if "example.invalid" in cfg:
            raise FleetError("the agent config still points at example.invalid")
        return cfg

    def provision(self, etc_dir):
        """Writes etc/fleet/ of a kiosk's data partition (kiosk-image/README.md,
        Provisioning runbook, step 3): agent.env, the agent config, the fleet CA and the
        kiosk's client certificate; the key root-only."""
        d = os.path.join(etc_dir, "fleet")
        os.makedirs(d, mode=0o755)
        with open(os.path.join(d, "agent.env"), "w") as f:
            f.write(f"KIOSK_ID={self.kiosk_id}\nKIOSK_SITE={self.site}\n")
        with open(os.path.join(d, "prometheus-agent.yml"), "w") as f:
            f.write(self.agent_config())
        for src, dst, mode in (("fleet-ca.crt", "fleet-ca.crt", 0o644), (f"{self.kiosk_id}.crt", "kiosk.crt", 0o644),
                               (f"{self.kiosk_id}.key", "kiosk.key", 0o600)):
            shutil.copy(os.path.join(self.kiosk_tls, src), os.path.join(d, dst))
            os.chmod(os.path.join(d, dst), mode)
        for f in ("agent.env", "prometheus-agent.yml"):
            os.chmod(os.path.join(d, f), 0o644)

    # ------------------------------------------------------------------ the server
    def start(self):
        self.make_certificates()
        self.write_configs()
        self.log_path = os.path.join(self.w, "prometheus.log")
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={self.w}/fleet.yml", f"--web.config.file={self.w}/web-config.yml",
             f"--web.listen-address=127.0.0.1:{self.port}", "--web.enable-remote-write-receiver",
             f"--storage.tsdb.path={self.w}/data", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=open(self.log_path, "w"))
        self.ctx = ssl.create_default_context(cafile=os.path.join(self.tls, "fleet-ca.crt"))
        self.ctx.load_cert_chain(os.path.join(self.tls, "operator.crt"), os.path.join(self.tls, "operator.key"))
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise FleetError(f"the fleet Prometheus exited ({self.proc.returncode}): {self.log_tail()}")
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{self.port}/-/ready", context=self.ctx, timeout=3) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise FleetError(f"the fleet Prometheus not ready within 30 s: {self.log_tail()}")
            time.sleep(0.5)

    def log_tail(self, n=20):
        try:
            with open(self.log_path) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    # ------------------------------------------------------------------ queries (as the operator)
    def _get(self, path, **params):
        url = f"https://127.0.0.1:{self.port}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, context=self.ctx, timeout=5) as r:
                body = json.load(r)
        except (OSError, ValueError) as e:
            raise FleetError(f"GET {path}: {e}") from e
        if body.get("status") != "success":
            raise FleetError(f"GET {path}: {body}")
        return body["data"]

    def query(self, promql):
        """An instant query: the result vector, as [(labels, value)]."""
        return [(r["metric"], float(r["value"][1])) for r in self._get("/api/v1/query", query=promql)["result"]]

    def alert_state(self, name):
        """The state of the named alert for this kiosk (pending, firing), None when inactive."""
        for a in self._get("/api/v1/alerts")["alerts"]:
            if a["labels"].get("alertname") == name and a["labels"].get("kiosk_id") == self.kiosk_id:
                return a["state"]
        return None

    def selector(self):
        return f'kiosk_id="{self.kiosk_id}",site="{self.site}"'
