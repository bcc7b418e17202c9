"""Fleet monitoring from the VM: the kiosk's Prometheus agent remote-writes over mTLS to a
real fleet Prometheus on the host (fleethost.py, reached only through guestfwd), and the
fleet's KioskOffline alert fires while the VM is paused and resolves after it resumes.

The kiosk first runs as a demo kiosk, then is provisioned as a real one (run mode against
the reference central server on the host, hostsvc.py) in the same boot: both serve the
metrics the agent ships, and only a real kiosk on the image reports which OS image it
booted (kiosk_image_info, from its update path).

Timings are e2e.sh's: the agent scrapes every 2 s, the fleet evaluates every 2 s, and the
test copy of the rules has KioskOffline at 20 s without a heartbeat (300 s shipped) and
every `for:` at 2 s.
"""

import os
import time

from fleethost import FleetError, FleetHost
from hostsvc import CentralServer, run_data_dir
from vmlib import *  # noqa: F401,F403  (the harness: Vm, Screens, check, ...)

KIOSK_ID = "ADM-VM-FLEET"
SITE = "qemu"
AGENT = "adm-kiosk-prometheus-agent.service"
# Longer than KioskOffline's (test) threshold of 20 s: a kiosk that merely runs slowly
# under TCG must not look offline.
QUIET_WATCH_S = 30


def poll(what, timeout, probe, every=1.0):
    """Calls probe() until it returns something truthy; returns (value, seconds waited)."""
    t0 = time.monotonic()
    while True:
        v = probe()
        if v:
            return v, time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise TestFailure(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def run(out, layout, screens, timings):
    try:
        _run(out, layout, screens, timings)
    except FleetError as e:
        raise TestFailure(f"fleet Prometheus on the host: {e}")


def _run(out, layout, screens, timings):
    fleet = FleetHost(os.path.join(out, "vm", "fleet-host"), KIOSK_ID, SITE)
    central = None
    vm = None
    try:
        fleet.start()
        log(f"fleet Prometheus on 127.0.0.1:{fleet.port} (the VM: https://10.0.2.100:{fleet.port})")
        sel = fleet.selector()
        central = CentralServer(out, "fleet-central")
        central.start()

        # The data partition of a real kiosk (hostsvc.run_data_dir) whose kiosk.toml waits
        # under another name, so that it first boots as a demo kiosk (etc/demo); both
        # provisioned for the fleet the way the runbook says.
        data = run_data_dir(out, central, None, KIOSK_ID, "data-fleet")
        etc = os.path.join(data, "etc")
        with open(os.path.join(etc, "kiosk.toml")) as f:
            toml = f.read()
        if "\n[server]\n" not in toml:
            raise TestFailure("hostsvc's kiosk.toml has no [server] table to put metrics_listen before")
        # Where the fleet agent scrapes (fleet/kiosk/prometheus-agent.yml): the runbook's
        # line for every fleet kiosk.
        toml = toml.replace("\n[server]\n", '\nmetrics_listen = "127.0.0.1:9464"\n\n[server]\n', 1)
        with open(os.path.join(etc, "kiosk.toml.run"), "w") as f:
            f.write(toml)
        os.unlink(os.path.join(etc, "kiosk.toml"))
        open(os.path.join(etc, "demo"), "w").close()
        fleet.provision(etc)
        disk = fresh_disk(out, layout, "fleet", data)
        vm = Vm(out, "fleet", disk)
        vm.start(guestfwd=[fleet.port, central.port])
        img, _, _ = wait_screen(vm, screens, "attract", BOOT_TIMEOUT)
        screens.keep(img, "fleet-attract")
        vm.lab_sync(120)

        p = systemd_props(vm, AGENT, "ActiveState", "SubState", "DynamicUser")
        if p.get("ActiveState") != "active":
            _, j = vm.lab(f"journalctl -u {AGENT} --no-pager | tail -n 20")
            raise TestFailure(f"{AGENT} is {p.get('ActiveState')}/{p.get('SubState')}:\n{j}")
        check(p.get("SubState") == "running" and p.get("DynamicUser") == "yes",
              f"the fleet agent runs in the VM ({AGENT}: {p.get('SubState')}, DynamicUser={p.get('DynamicUser')})")
        # The agent is unprivileged and reads its key from the copy systemd hands it: the
        # provisioned key file stays root-only.
        rc, who = vm.lab(f"stat -c %u /proc/$(systemctl show -p MainPID --value {AGENT}); "
                         "stat -c '%a %U' /etc/adm-kiosk/fleet/kiosk.key")
        lines = who.splitlines()
        check(rc == 0 and len(lines) == 2 and lines[0] != "0" and lines[1] == "600 root",
              f"the agent runs unprivileged (uid {lines[0] if lines else '?'}) and the fleet key file stays root-only ({lines[1:]})")
        rc, agent_start = vm.lab(f"systemctl show {AGENT} -p ActiveEnterTimestamp --timestamp=unix --value")

        def arrived():
            try:
                return fleet.query(f"kiosk_heartbeat_timestamp_seconds{{{sel}}}")
            except FleetError:
                return None
        try:
            series, _ = poll("the kiosk's heartbeat at the fleet Prometheus", 180, arrived)
        except TestFailure:
            _, m = vm.lab("busybox wget -q -O - http://127.0.0.1:9464/metrics | grep -m3 ^kiosk_; "
                          f"journalctl -u {AGENT} --no-pager | tail -n 15")
            raise TestFailure(f"no heartbeat of {KIOSK_ID} at the fleet within 180 s; in the VM:\n{m}\n"
                              f"fleet log:\n{fleet.log_tail()}")
        first_at_host = time.time()
        timings["fleet_power_on_to_first_sample_s"] = round(vm.since_power_on(), 1)
        if agent_start.startswith("@"):
            timings["fleet_agent_start_to_first_sample_s"] = round(first_at_host - float(agent_start[1:]), 1)
        check(len(series) == 1, f"demo kiosk: its heartbeat arrives at the host's Prometheus with kiosk_id={KIOSK_ID}, "
                                f"site={SITE} ({timings['fleet_power_on_to_first_sample_s']}s after power-on)")
        up = fleet.query(f'up{{job="adm-kiosk",{sel}}}')
        check(up and up[0][1] == 1, "demo kiosk: the agent scrapes its metrics on 127.0.0.1:9464 in the VM (up == 1)")

        # --- provisioned as a real kiosk: run mode, the kiosk.toml's metrics_listen.
        t_switch = time.monotonic()
        rc, o = vm.lab("mv /etc/adm-kiosk/kiosk.toml.run /etc/adm-kiosk/kiosk.toml && systemctl restart adm-kiosk.service")
        check(rc == 0, f"provisioned as a real kiosk (kiosk.toml) and the kiosk restarted {o}")
        img, _, _ = wait_screen(vm, screens, "attract", 120)
        screens.keep(img, "fleet-run-attract")
        rc, cmd = vm.lab("tr '\\0' ' ' < /proc/$(systemctl show -p MainPID --value adm-kiosk.service)/cmdline")
        check(rc == 0 and "adm-kiosk run --config /etc/adm-kiosk/kiosk.toml" in cmd, f"the kiosk runs provisioned ({cmd.strip()})")
        # What the fleet needs to know which software a kiosk runs: the firmware, the OS
        # image and slot it booted, and whether an update failed.
        image, _ = poll("kiosk_image_info of the real kiosk at the fleet", 90,
                        lambda: fleet.query(f"kiosk_image_info{{{sel}}} == 1"))
        # An upper bound: polled only once the real kiosk's attract screen showed.
        timings["fleet_provisioned_to_image_info_s"] = round(time.monotonic() - t_switch, 1)
        labels = image[0][0]
        check(len(image) == 1 and labels.get("version") == layout["version"] and labels.get("slot") == "a",
              f"the booted OS image arrives (kiosk_image_info version={labels.get('version')} slot={labels.get('slot')}; "
              f"built {layout['version']})")
        info = fleet.query(f"kiosk_build_info{{{sel}}} == 1")
        check(len(info) == 1 and info[0][0].get("version"),
              f"the running firmware version arrives (kiosk_build_info version={info[0][0].get('version') if info else None})")
        upd = fleet.query(f"kiosk_update_failed{{{sel}}}")
        check(upd and all(v == 0 for _, v in upd),
              f"kiosk_update_failed arrives, no failure ({sorted(l.get('reason', '?') for l, _ in upd)} all 0)")
        up = fleet.query(f'up{{job="adm-kiosk",{sel}}}')
        check(up and up[0][1] == 1, "real kiosk: the agent scrapes its metrics (metrics_listen from kiosk.toml; up == 1)")

        # Running normally: KioskOffline must stay inactive (not even pending) for longer
        # than its threshold.
        t_end = time.monotonic() + QUIET_WATCH_S
        while time.monotonic() < t_end:
            st = fleet.alert_state("KioskOffline")
            if st is not None:
                raise TestFailure(f"KioskOffline is {st} while the VM runs")
            time.sleep(2)
        check(True, f"KioskOffline stays inactive while the VM runs ({QUIET_WATCH_S}s watched)")
        failed = fleet.query(f"prometheus_remote_storage_samples_failed_total{{{sel}}}")
        check(failed and all(v == 0 for _, v in failed), "the agent reports no failed remote-write samples")
        kiosk_before = systemd_props(vm, "adm-kiosk.service", "NRestarts", "MainPID")
        # The heartbeat is the guest's clock (the RTC at boot): how far it is from the
        # host's explains when the alert fires.
        _, g = vm.lab("date +%s.%N")
        timings["fleet_guest_clock_offset_before_pause_s"] = round(float(g) - time.time(), 1)
        log(f"guest clock before the pause: {float(g) - time.time():+.1f}s from the host")

        # --- the VM paused: the kiosk is off the network as far as the fleet can tell.
        vm.qmp.cmd("stop")
        t_pause = time.monotonic()
        log("VM paused (QMP stop): waiting for KioskOffline to fire")
        # KioskOffline has no `for:`: it fires at the first evaluation that finds the
        # newest heartbeat older than the threshold.
        _, fire_s = poll("KioskOffline firing while the VM is paused", 120,
                         lambda: fleet.alert_state("KioskOffline") == "firing")
        timings["fleet_pause_to_firing_s"] = round(fire_s, 1)
        age = fleet.query(f"time() - max(kiosk_heartbeat_timestamp_seconds{{{sel}}})")
        check(True, f"KioskOffline fires while the VM is paused ({fire_s:.1f}s after the pause; "
                    f"newest heartbeat {age[0][1] if age else float('nan'):.1f}s old)")
        paused_s = time.monotonic() - t_pause

        # --- resumed.
        vm.qmp.cmd("cont")
        t_cont = time.monotonic()
        # Under TCG the guest's clock stands still while the VM is paused, so after `cont`
        # it is behind the host by the pause, and the kiosk's heartbeat (its own clock)
        # would look that old for ever. A real kiosk keeps its clock with NTP (the
        # fleet's README demands it); here the harness steps the guest clock to the host's
        # through the lab agent, standing in for NTP. The VM cannot run a real NTP client
        # against the host: NTP is UDP and QEMU's guestfwd forwards TCP only. The clock is
        # measured first, so the report shows the step is the pause and nothing else.
        rc, g = vm.lab("date +%s.%N", timeout=60)
        behind = time.time() - float(g)
        timings["fleet_guest_clock_behind_after_resume_s"] = round(behind, 1)
        log(f"guest clock after resume: {behind:.1f}s behind the host (paused {paused_s:.1f}s)")
        rc, _ = vm.lab(f"date -u -s @{time.time():.3f} >/dev/null")
        check(rc == 0, "guest clock set from the host (standing in for NTP)")
        rc, g = vm.lab("date +%s.%N")
        check(abs(time.time() - float(g)) < 3, f"guest clock now within 3 s of the host ({time.time() - float(g):+.1f}s)")

        _, _ = poll("KioskOffline to resolve after the VM resumed", 120,
                    lambda: fleet.alert_state("KioskOffline") is None)
        resolve_s = time.monotonic() - t_cont
        timings["fleet_resume_to_resolved_s"] = round(resolve_s, 1)
        check(True, f"KioskOffline resolves after the VM resumes ({resolve_s:.1f}s after `cont`)")
        age = fleet.query(f"time() - max(kiosk_heartbeat_timestamp_seconds{{{sel}}})")
        age_s = age[0][1] if age else float("inf")
        check(age_s < 10, f"the heartbeat at the fleet is current again ({age_s:.1f}s old)")

        # The pause itself hurt nothing in the VM: same kiosk process, agent not restarted.
        kiosk_after = systemd_props(vm, "adm-kiosk.service", "NRestarts", "MainPID")
        check(kiosk_after == kiosk_before, f"the kiosk was not restarted by the pause ({kiosk_before} -> {kiosk_after})")
        p = systemd_props(vm, AGENT, "ActiveState", "NRestarts")
        check(p.get("ActiveState") == "active" and p.get("NRestarts") == "0", f"the agent kept running ({p})")
        img, _, _ = wait_screen(vm, screens, "attract", 60)
        screens.keep(img, "fleet-after-resume-attract")
    finally:
        if vm is not None:
            vm.stop()
        if central is not None and central.proc is not None:
            central.stop()
        fleet.stop()
