#!/usr/bin/env bash
# Static checks of the fleet configuration and the systemd units, for CI (`./adm test`).
# Installs nothing; needs the Debian packages prometheus (promtool), prometheus-alertmanager
# (amtool), systemd (systemd-analyze), openssl and python3. ~10 s.
#
#   fleet/test.sh
#
# 1. promtool: the agent and fleet configs, the web (mTLS) config, the rules; the rule
#    unit tests; and that every alert has a test where it fires and later resolves.
# 2. amtool: the Alertmanager config and its routing (ownership mismatch pages).
# 3. The Grafana dashboard is valid JSON and queries only metrics the kiosk exports.
# 4. systemd-analyze verify on the units (any warning fails), and
#    systemd-analyze security --offline=true with exposure ≤ 2.0.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/adm-fleet-test.XXXXXX")
trap 'rm -rf "$W"' EXIT
# Exposure threshold for systemd-analyze security, in tenths (20 = 2.0).
SECURITY_THRESHOLD=20

step() { printf '== %s\n' "$*"; }
die() {
  printf 'fleet/test.sh: FAIL: %s\n' "$*" >&2
  exit 1
}

for tool in promtool amtool systemd-analyze openssl python3; do
  command -v "$tool" >/dev/null || die "$tool not found (Debian: prometheus prometheus-alertmanager systemd openssl python3)"
done

# promtool opens the TLS files a config names: check copies that point at throwaway certs.
"$HERE/tools/fleet-ca.sh" init "$W/ca" >/dev/null
"$HERE/tools/fleet-ca.sh" server "$W/ca" "$W/tls" fleet-server "IP:127.0.0.1" >/dev/null
"$HERE/tools/fleet-ca.sh" client "$W/ca" "$W/tls" operator >/dev/null
"$HERE/tools/fleet-ca.sh" client "$W/ca" "$W/kiosk-tls" kiosk >/dev/null

step "promtool check config (kiosk agent)"
sed "s#/run/credentials/adm-kiosk-prometheus-agent.service/#$W/kiosk-tls/#g" "$HERE/kiosk/prometheus-agent.yml" >"$W/agent.yml"
promtool check config --agent "$W/agent.yml"

step "promtool check config (fleet server) + rules"
mkdir -p "$W/rules"
cp "$HERE/server/rules/kiosk-alerts.yml" "$HERE/server/rules/central-alerts.yml" "$W/rules/"
sed "s#/etc/prometheus/tls/#$W/tls/#g" "$HERE/server/prometheus.yml" >"$W/prometheus.yml"
promtool check config "$W/prometheus.yml"
sed "s#/etc/prometheus/tls/#$W/tls/#g" "$HERE/server/web-config.yml" >"$W/web-config.yml"
promtool check web-config "$W/web-config.yml"
promtool check rules --lint-fatal "$HERE/server/rules/kiosk-alerts.yml" "$HERE/server/rules/central-alerts.yml"

step "promtool test rules"
promtool test rules "$HERE/server/rules/kiosk-alerts.test.yml" "$HERE/server/rules/central-alerts.test.yml"

step "every alert has a test where it fires and later resolves"
for rules in kiosk-alerts central-alerts; do
python3 - "$HERE/server/rules/$rules.yml" "$HERE/server/rules/$rules.test.yml" <<'PY'
import re, sys
rules, tests = open(sys.argv[1]).read(), open(sys.argv[2]).read()
alerts = re.findall(r"^\s*- alert:\s*(\S+)", rules, re.M)
unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}
def secs(d):
    return sum(int(n) * unit[u] for n, u in re.findall(r"(\d+)([smhd])", d))
covered = set()
for block in re.split(r"^  - (?:name|interval):", tests, flags=re.M)[1:]:
    seen = {}  # alert -> [(time, firing)]
    for t, name, rest in re.findall(
        r"- eval_time:\s*(\S+).*?\n\s*alertname:\s*(\S+)\s*\n\s*exp_alerts:(.*?)(?=\n\s*- eval_time:|\Z)", block, re.S
    ):
        seen.setdefault(name, []).append((secs(t), "exp_labels" in rest))
    for name, evals in seen.items():
        fired = [t for t, f in evals if f]
        if fired and any(not f and t > min(fired) for t, f in evals):
            covered.add(name)
missing = [a for a in alerts if a not in covered]
if missing:
    sys.exit("alerts without a firing-then-resolving test: " + ", ".join(missing))
print(f"{len(alerts)} alerts, each fires and resolves in a test")
PY
done

step "central alert rules query only metrics the central server exports"
python3 - "$ROOT/central/server/src/metrics.rs" "$HERE/server/rules/central-alerts.yml" <<'PY'
import re, sys
src, rules = open(sys.argv[1]).read(), open(sys.argv[2]).read()
# `registry.register("name", ...)` under the adm_central prefix; counters gain _total.
known = set()
for b in re.findall(r'register\(\s*"([a-z0-9_]+)"', src):
    known |= {"adm_central_" + b, "adm_central_" + b + "_total"}
used = set(re.findall(r"\badm_central_[a-z0-9_]+", rules))
unknown = sorted(used - known)
if unknown:
    sys.exit("central rules query metrics the server does not export: " + ", ".join(unknown))
print(f"{len(used)} central metrics used, all exported")
PY

step "amtool check-config + routing"
amtool check-config "$HERE/server/alertmanager.yml"
route() { # route EXPECTED_RECEIVERS LABEL=VALUE...
  local want=$1
  shift
  amtool config routes test --config.file="$HERE/server/alertmanager.yml" --verify.receivers="$want" "$@" >/dev/null 2>&1 ||
    die "alert {$*} is not routed to $want"
}
route security-page,fleet-ops alertname=KioskDocumentOwnershipMismatch severity=page component=security kiosk_id=k1
route security-page,fleet-ops alertname=CentralPrintBeyondEntitlement severity=page component=security
route fleet-ops alertname=KioskA4PaperOut severity=critical component=printer kiosk_id=k1
route fleet-ops alertname=KioskA4TonerLow severity=warning component=printer kiosk_id=k1
grep -q "source_matchers: \['alertname=\"KioskOffline\"'\]" "$HERE/server/alertmanager.yml" ||
  die "the KioskOffline → printer inhibit rule is missing"
echo "routing OK"

step "Grafana dashboard"
python3 - "$HERE/dashboards/fleet-overview.json" "$ROOT/src/telemetry/metrics" "$HERE/server/rules/kiosk-alerts.yml" <<'PY'
import json, pathlib, re, sys
dash = json.load(open(sys.argv[1]))
# The metrics registry is a folder (registry, labels, endpoint): read it, not its tests.
src = "\n".join(p.read_text() for p in sorted(pathlib.Path(sys.argv[2]).glob("*.rs")) if p.name != "tests.rs")
# Metric family names the app registers, with the suffixes the exposition adds.
base = set(re.findall(r'"(kiosk_[a-z0-9_]+)"', src))
known = set()
for b in base:
    known |= {b, b + "_total", b + "_seconds", b + "_bytes", b + "_percent",
              b + "_seconds_bucket", b + "_seconds_count", b + "_seconds_sum"}
exprs = []
def walk(o):
    if isinstance(o, dict):
        if isinstance(o.get("expr"), str):
            exprs.append(o["expr"])
        for v in o.values():
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(dash)
if not exprs:
    sys.exit("dashboard has no queries")
used = set(re.findall(r"\bkiosk_[a-z0-9_]+", "\n".join(exprs) + open(sys.argv[3]).read()))
unknown = sorted(m for m in used if m not in known and not m.startswith("kiosk_id"))
if unknown:
    sys.exit("dashboard/rules query metrics the kiosk does not export: " + ", ".join(unknown))
print(f"{len(exprs)} queries over {len(used)} kiosk metrics, all exported")
PY

step "systemd-analyze verify"
# verify insists that ExecStart binaries exist: check a copy pointing at a stub.
printf '#!/bin/sh\nexit 0\n' >"$W/adm-kiosk" && chmod +x "$W/adm-kiosk"
mkdir -p "$W/units"
for unit in "$ROOT"/systemd/*.service; do
  sed "s#/usr/bin/adm-kiosk#$W/adm-kiosk#g" "$unit" >"$W/units/$(basename "$unit")"
done
# verify exits 0 on unknown keys and unparsable values: any output at all is a failure.
out=$(cd "$W/units" && systemd-analyze verify ./*.service 2>&1) || die "systemd-analyze verify: $out"
[ -z "$out" ] || die "systemd-analyze verify warned: $out"
echo "units verify cleanly"

step "systemd-analyze security --offline=true (exposure ≤ $((SECURITY_THRESHOLD / 10)).$((SECURITY_THRESHOLD % 10)))"
for unit in "$ROOT"/systemd/*.service; do
  out=$(systemd-analyze security --offline=true --threshold="$SECURITY_THRESHOLD" "$unit" 2>&1) ||
    die "$(basename "$unit") is over the exposure threshold:
$(printf '%s\n' "$out" | grep -E '^✗|Overall')"
  printf '%s\n' "$out" | grep 'Overall exposure'
done

step "fleet/test.sh: all checks passed"
