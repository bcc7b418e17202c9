#!/usr/bin/env bash
# End-to-end test of fleet monitoring, on loopback only:
#
#   kiosk (real metrics endpoint) → Prometheus agent → mTLS remote write → fleet
#   Prometheus (remote-write receiver, out-of-order window, the real alert rules) →
#   Alertmanager (the real routing and inhibit rules) → webhook recorder
#
# 1. The fleet Prometheus is stopped for $OUTAGE_SECS and restarted; the kiosk's
#    heartbeat series must have no gap longer than 2 scrape intervals (the agent's WAL
#    replays the outage).
# 2. A simulated A4 paper-out must reach the webhook as KioskA4PaperOut, firing.
# 3. The kiosk "loses power" (agent killed): KioskOffline fires and inhibits the
#    kiosk's still-active printer alert.
#
# Usage:
#   KIOSK_CMD='target/debug/adm-kiosk demo --headless --metrics $METRICS_ADDR --hold 600' fleet/e2e.sh
# KIOSK_CMD is run with bash; it must serve the kiosk metrics on $METRICS_ADDR and set
# the A4 printer state from the file $ADM_SIM_A4_FAULT_FILE (demo mode only): content
# `paper-out` → media_empty; missing/empty → idle. It must run for the whole test (~3 min).
#
# Needs: prometheus (2.x or 3.x), prometheus-alertmanager, openssl, curl, python3.
# Timing: rule `for:` durations are shortened and KioskOffline's 300 s threshold becomes
# 20 s in the test copy of the rules; everything else is the shipped configuration.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUTAGE_SECS=${OUTAGE_SECS:-60}
SCRAPE_SECS=2
: "${KIOSK_CMD:?set KIOSK_CMD to a command serving the kiosk metrics on \$METRICS_ADDR (see the header)}"

W=$(mktemp -d "${TMPDIR:-/tmp}/adm-fleet-e2e.XXXXXX")
declare -A PIDS=()
declare -A PGROUP=() # names whose whole process group is ours (KIOSK_CMD may fork)
T_START=$(date +%s)

log() { printf '[e2e %4ss] %s\n' "$(($(date +%s) - T_START))" "$*"; }
fail() {
  log "FAIL: $*"
  for f in "$W"/*.log; do
    [ -s "$f" ] && { echo "---- tail $f"; tail -n 20 "$f"; }
  done
  exit 1
}

cleanup() {
  local rc=$?
  for name in "${!PIDS[@]}"; do
    kill "${PIDS[$name]}" 2>/dev/null || true
    [ -n "${PGROUP[$name]:-}" ] && kill -- "-${PIDS[$name]}" 2>/dev/null || true
  done
  for name in "${!PIDS[@]}"; do
    # Bounded wait, then make sure.
    for _ in $(seq 1 50); do kill -0 "${PIDS[$name]}" 2>/dev/null || break; sleep 0.1; done
    kill -9 "${PIDS[$name]}" 2>/dev/null || true
    [ -n "${PGROUP[$name]:-}" ] && kill -9 -- "-${PIDS[$name]}" 2>/dev/null || true
  done
  if [ "${KEEP:-0}" = 1 ] || [ $rc -ne 0 ]; then
    echo "e2e: work directory kept: $W"
  else
    rm -rf "$W"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in prometheus prometheus-alertmanager openssl curl python3; do
  command -v "$tool" >/dev/null || fail "$tool not found (Debian: prometheus prometheus-alertmanager openssl curl python3)"
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
METRICS_PORT=$(free_port); FLEET_PORT=$(free_port); AM_PORT=$(free_port); AGENT_PORT=$(free_port); HOOK_PORT=$(free_port)
export METRICS_ADDR="127.0.0.1:$METRICS_PORT"
export ADM_SIM_A4_FAULT_FILE="$W/a4-fault"
KIOSK_ID=e2e-kiosk

# wait_until SECONDS DESCRIPTION COMMAND...: poll once a second, bounded.
wait_until() {
  local secs=$1 what=$2
  shift 2
  for _ in $(seq 1 "$secs"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 1
  done
  fail "timed out after ${secs}s waiting for: $what"
}

start() { # start NAME COMMAND...: background, logs in $W/NAME.log
  local name=$1
  shift
  "$@" >"$W/$name.log" 2>&1 &
  PIDS[$name]=$!
}

stop() { # stop NAME [SIGNAL]
  local pid=${PIDS[$1]}
  kill "-${2:-TERM}" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  { wait "$pid"; } 2>/dev/null || true
  unset "PIDS[$1]"
}

# ---- certificates: a throwaway fleet CA, the fleet's server cert, a kiosk client cert
# and an operator client cert for queries (fleet/tools/fleet-ca.sh, as in production).
CA="$HERE/tools/fleet-ca.sh"
"$CA" init "$W/ca" >/dev/null
"$CA" server "$W/ca" "$W/tls" fleet-server "IP:127.0.0.1,DNS:localhost" >/dev/null
"$CA" client "$W/ca" "$W/tls" operator >/dev/null
"$CA" client "$W/ca" "$W/tls-kiosk" "$KIOSK_ID" >/dev/null
mv "$W/tls-kiosk/$KIOSK_ID.crt" "$W/tls-kiosk/kiosk.crt"
mv "$W/tls-kiosk/$KIOSK_ID.key" "$W/tls-kiosk/kiosk.key"

q() { # q PROMQL → JSON of an instant query on the fleet Prometheus (mTLS as an operator)
  curl -sf --max-time 5 --cacert "$W/tls/fleet-ca.crt" --cert "$W/tls/operator.crt" --key "$W/tls/operator.key" \
    "https://127.0.0.1:$FLEET_PORT/api/v1/query" --data-urlencode "query=$1"
}
has_result() { q "$1" | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["data"]["result"] else 1)'; }
http_ok() { curl -sf --max-time 3 "$@"; }
fleet_ready() {
  curl -sf --max-time 3 --cacert "$W/tls/fleet-ca.crt" --cert "$W/tls/operator.crt" --key "$W/tls/operator.key" \
    "https://127.0.0.1:$FLEET_PORT/-/ready"
}

# ---- test copies of the shipped configs: only ports, paths and timings change.
mkdir -p "$W/rules"
sed -E -e 's/^( +for:).*/\1 2s/' -e 's/\) > 300$/) > 20/' "$HERE/server/rules/kiosk-alerts.yml" >"$W/rules/kiosk-alerts.yml"
grep -q ') > 20$' "$W/rules/kiosk-alerts.yml" || fail "could not shorten the KioskOffline threshold in the test rules"
# The central server's rules are loaded as shipped (no central server runs in this test).
cp "$HERE/server/rules/central-alerts.yml" "$W/rules/central-alerts.yml"

sed -e "s#/etc/prometheus/tls/#$W/tls/#g" -e "s#127.0.0.1:9093#127.0.0.1:$AM_PORT#" -e "s#127.0.0.1:9090#127.0.0.1:$FLEET_PORT#" \
  -e "s#rules/kiosk-alerts.yml#$W/rules/kiosk-alerts.yml#" \
  -e "s#rules/central-alerts.yml#$W/rules/central-alerts.yml#" \
  -e 's/^\(  scrape_interval:\).*/\1 2s/' -e 's/^\(  evaluation_interval:\).*/\1 2s/' \
  "$HERE/server/prometheus.yml" >"$W/fleet.yml"
sed -e "s#/etc/prometheus/tls/fleet-server#$W/tls/fleet-server#g" -e "s#/etc/prometheus/tls/#$W/tls/#g" \
  "$HERE/server/web-config.yml" >"$W/web-config.yml"
sed -e "s#/run/credentials/adm-kiosk-prometheus-agent.service/#$W/tls-kiosk/#g" -e "s#127.0.0.1:9464#$METRICS_ADDR#" -e "s#127.0.0.1:9090#127.0.0.1:$AGENT_PORT#" \
  -e "s#https://fleet-metrics.example.invalid/api/v1/write#https://127.0.0.1:$FLEET_PORT/api/v1/write#" \
  -e "s/^\(  scrape_interval:\).*/\1 ${SCRAPE_SECS}s/" -e 's/^\(  scrape_timeout:\).*/\1 1s/' \
  -e 's/^\( *batch_send_deadline:\).*/\1 1s/' -e 's/^\( *max_backoff:\).*/\1 2s/' \
  "$HERE/kiosk/prometheus-agent.yml" >"$W/agent.yml"
sed -e "s#https://alerts.fleet.example.invalid/hooks/#http://127.0.0.1:$HOOK_PORT/#" \
  -e 's/^\( *group_wait:\).*/\1 1s/' -e 's/^\( *group_interval:\).*/\1 2s/' \
  "$HERE/server/alertmanager.yml" >"$W/alertmanager.yml"
for f in fleet agent; do
  grep -q example.invalid "$W/$f.yml" && fail "test config $f.yml still points at example.invalid"
done

# Prometheus 2.x: agent is a feature flag; 3.x: --agent (and external labels always expand).
PROM_MAJOR=$(prometheus --version 2>&1 | sed -nE 's/^prometheus, version ([0-9]+)\..*/\1/p')
if [ "${PROM_MAJOR:-2}" -ge 3 ]; then
  AGENT_FLAGS=(--agent)
else
  AGENT_FLAGS=(--enable-feature=agent,expand-external-labels)
fi
promtool check config "$W/fleet.yml" >/dev/null || fail "test fleet config invalid"

start_fleet() {
  start fleet prometheus --config.file="$W/fleet.yml" --web.config.file="$W/web-config.yml" \
    --web.listen-address="127.0.0.1:$FLEET_PORT" --web.enable-remote-write-receiver \
    --storage.tsdb.path="$W/fleet-data" --log.level=warn
}

# ---- start everything
log "ports: kiosk $METRICS_PORT, fleet $FLEET_PORT, alertmanager $AM_PORT, agent $AGENT_PORT, webhook $HOOK_PORT"
start webhook python3 "$HERE/tools/webhook-recorder.py" "$HOOK_PORT" "$W/notifications.jsonl"
start alertmanager prometheus-alertmanager --config.file="$W/alertmanager.yml" --storage.path="$W/am-data" \
  --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= --log.level=warn
start_fleet
# Own process group (setsid): whatever KIOSK_CMD forks is stopped with it.
start kiosk setsid bash -c "$KIOSK_CMD"
PGROUP[kiosk]=1
start agent env KIOSK_ID=$KIOSK_ID KIOSK_SITE=loopback \
  prometheus "${AGENT_FLAGS[@]}" --config.file="$W/agent.yml" --storage.agent.path="$W/agent-data" \
  --web.listen-address="127.0.0.1:$AGENT_PORT" --log.level=warn

wait_until 30 "kiosk metrics endpoint" http_ok "http://$METRICS_ADDR/metrics"
# The endpoint is up before the kiosk's main loop has turned once (the first heartbeat).
kiosk_heartbeat() { curl -sf "http://$METRICS_ADDR/metrics" | grep -q '^kiosk_heartbeat_timestamp_seconds '; }
wait_until 30 "kiosk heartbeat on its metrics endpoint" kiosk_heartbeat
wait_until 30 "alertmanager" http_ok "http://127.0.0.1:$AM_PORT/-/ready"
wait_until 30 "fleet prometheus" fleet_ready
wait_until 30 "agent" http_ok "http://127.0.0.1:$AGENT_PORT/-/ready"
# The fleet only lets in clients with a fleet certificate.
if curl -s --max-time 3 --cacert "$W/tls/fleet-ca.crt" "https://127.0.0.1:$FLEET_PORT/-/ready" >/dev/null 2>&1; then
  fail "fleet Prometheus answered a client without a certificate"
fi
SEL="kiosk_id=\"$KIOSK_ID\",site=\"loopback\""
wait_until 45 "kiosk heartbeat at the fleet (via agent, mTLS remote write)" \
  has_result "kiosk_heartbeat_timestamp_seconds{$SEL}"
has_result "kiosk_a4_printer_state{$SEL,state=\"idle\"} == 1" || fail "A4 state did not arrive as idle"
log "kiosk → agent → fleet: heartbeat arriving"

# ---- 1. outage of the fleet Prometheus; the agent must backfill.
# The gap check below wants samples from T_STOP-10 on: wait until the series is older
# than that (the first sample arrived a moment ago; with 6 s here the window could start
# before it and the check failed however well the agent replayed).
sleep 14
T_STOP=$(date +%s)
log "stopping the fleet Prometheus for ${OUTAGE_SECS}s"
stop fleet
sleep "$OUTAGE_SECS"
start_fleet
T_RESTART=$(date +%s)
wait_until 60 "fleet prometheus after restart" fleet_ready
log "fleet Prometheus restarted; waiting for the agent to replay the outage"

check_no_gap() { # passes when samples cover [T_STOP-10, T_RESTART+10] with no gap > 2 scrapes
  local range=$(($(date +%s) - T_STOP + 30))
  q "kiosk_heartbeat_timestamp_seconds{$SEL}[${range}s]" | python3 -c '
import json, sys
t_from, t_to, limit = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
res = json.load(sys.stdin)["data"]["result"]
if len(res) != 1:
    sys.exit(f"expected one heartbeat series, got {len(res)}")
ts = [float(t) for t, _ in res[0]["values"]]
win = [t for t in ts if t_from <= t <= t_to]
if not win or win[0] > t_from + float(sys.argv[3]) or win[-1] < t_to - float(sys.argv[3]):
    sys.exit(f"samples do not cover the window yet ({len(win)} samples)")
gaps = [b - a for a, b in zip(win, win[1:])]
worst = max(gaps)
print(f"{len(win)} samples over {t_to - t_from:.0f}s, largest gap {worst:.1f}s (limit {limit:.0f}s)")
sys.exit(0 if worst <= limit else 2)
' "$((T_STOP - 10))" "$((T_RESTART + 10))" "$((2 * SCRAPE_SECS))"
}
ok=0
for _ in $(seq 1 60); do
  if out=$(check_no_gap 2>&1); then ok=1; break; fi
  sleep 1
done
[ $ok = 1 ] || fail "heartbeat series has a gap across the outage: $out"
log "no gap: $out"

# ---- 2. paper out → KioskA4PaperOut firing at the webhook.
T_PAPER=$(date +%s)
echo paper-out >"$ADM_SIM_A4_FAULT_FILE"
log "A4 paper out (simulated)"
paper_out_notified() {
  [ -s "$W/notifications.jsonl" ] && python3 -c '
import json, sys
for line in open(sys.argv[1]):
    n = json.loads(line)
    for a in n["alerts"]:
        l = a["labels"]
        if a["status"] == "firing" and l.get("alertname") == "KioskA4PaperOut" and l.get("kiosk_id") == sys.argv[2]:
            sys.exit(0)
sys.exit(1)
' "$W/notifications.jsonl" "$KIOSK_ID"
}
wait_until 90 "KioskA4PaperOut at the webhook" paper_out_notified
log "KioskA4PaperOut firing reached the webhook after $(($(date +%s) - T_PAPER))s"

# ---- 3. the kiosk loses power: KioskOffline fires and inhibits the printer alert.
# SIGKILL: a dead machine writes no staleness markers, so the paper-out series stays
# "current" at the fleet for 5 minutes — exactly when the inhibition matters.
stop agent KILL 2>/dev/null # (bash would report "Killed")
log "agent killed (kiosk off the network); waiting for KioskOffline"
am_alert_state() { # am_alert_state ALERTNAME EXPECTED_STATE
  curl -sf --max-time 3 "http://127.0.0.1:$AM_PORT/api/v2/alerts" | python3 -c '
import json, sys
name, want, kiosk = sys.argv[1:4]
for a in json.load(sys.stdin):
    if a["labels"].get("alertname") == name and a["labels"].get("kiosk_id") == kiosk:
        st = a["status"]
        if st["state"] == want and (want != "suppressed" or st["inhibitedBy"]):
            sys.exit(0)
sys.exit(1)
' "$1" "$2" "$KIOSK_ID"
}
wait_until 90 "KioskOffline active in Alertmanager" am_alert_state KioskOffline active
wait_until 30 "KioskA4PaperOut inhibited by KioskOffline" am_alert_state KioskA4PaperOut suppressed
log "KioskOffline active; KioskA4PaperOut suppressed (inhibited) for the same kiosk"

log "PASS in $(($(date +%s) - T_START))s"
