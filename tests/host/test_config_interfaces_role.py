"""The config_interfaces role on nested Debian host VMs over SSH: a real kernel with bonding and
802.1Q, real ifupdown, systemd for the rollback timer.

Each host: eth1 + eth2 (both on the lab LAN bridge ekvm-lan0) in an active-backup bond0, VLANs
bond0.10 and bond0.20 on it, a Linux bridge br10 on bond0.10. eth0 is the management NIC (DHCP).
"""

import json
import os
import re
import signal
import subprocess
import time

import pytest

from tests.host import interfaces_kill_points
from tests.host.config_interfaces_play import DEST, PLAY, STATE, WATCHED, digest, play, play_vars, write_inventory
from tests.labkit import ansible, hostvm
from tests.labkit.daemons import LIBVIRT_URI
from tests.labkit.proc import run, wait_for

pytestmark = pytest.mark.host


def lan(vlan, host):
    return "10.210.%d.%d" % (vlan, host.index)


def bond_config(rollback_timeout=300):
    """The role's variables; addresses are templated per host from ekvm_octet."""
    return {
        "config_network_interfaces": True,
        "config_interfaces_rollback_timeout": rollback_timeout,
        "network_interfaces": [{"name": "eth1", "bond_master": "bond0"}, {"name": "eth2", "bond_master": "bond0"}],
        "network_bonds": [{"name": "bond0", "mode": "active-backup", "miimon": 100, "primary": "eth1"}],
        "network_vlans": [
            {"name": "bond0.10"},
            {"name": "bond0.20", "address": "10.210.20.{{ ekvm_octet[inventory_hostname] }}/24"},
        ],
        # The VMs share one machine-id, so udev would give both bridges the same MAC address.
        "network_bridges": [
            {
                "name": "br10",
                "ports": ["bond0.10"],
                "stp": False,
                "fd": 0,
                "hwaddress": "{{ ekvm_mac[inventory_hostname] }}",
                "address": "10.210.10.{{ ekvm_octet[inventory_hostname] }}/24",
            }
        ],
    }


def bonding(host):
    return host.ssh("cat /proc/net/bonding/bond0").stdout


def active_member(host):
    return re.search(r"Currently Active Slave: (\S+)", bonding(host)).group(1)


def ping_count(host, address, count, interval="0.2"):
    out = host.ssh("ping -n -q -c %d -i %s -W 1 %s" % (count, interval, address), check=False).stdout
    match = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    return (int(match.group(1)), int(match.group(2))) if match else (count, 0)


def set_link(host, nic, state):
    run(["virsh", "-c", LIBVIRT_URI, "domif-setlink", host.domain, host.mac(nic), state])


CLEANUP = f"""
systemctl stop essentials-kvm-ifupdown-rollback.timer essentials-kvm-ifupdown-apply.service 2>/dev/null
if [ -f {DEST} ]; then
    for name in $(awk '$1 == "iface" {{print $2}}' {DEST} | tac); do ifdown --force "$name"; done
    rm -f {DEST}
fi
for dev in br10 bond0.20 bond0.10 bond0; do ip link delete "$dev" 2>/dev/null; done
# After a failed run ifupdown may still count a removed stanza as up; forget it as at boot.
for name in br10 bond0.20 bond0.10 bond0 eth2 eth1; do
    [ -e /run/network/ifstate.$name ] && : > /run/network/ifstate.$name
done
ip link set eth1 down; ip link set eth2 down
rm -rf {STATE}
true
"""


@pytest.fixture(scope="module")
def lab_pair(host_vms, tmp_path_factory):
    """Two host VMs, put back afterwards as the fixture booted them: no managed file, no bond,
    every NIC plugged in, the main file as it was."""
    hosts, _ = host_vms
    assert len(hosts) >= 2, "these tests need two host VMs (EKVM_HOSTS)"
    pair = hosts[:2]
    inventory = write_inventory(pair, str(tmp_path_factory.mktemp("inventory") / "hosts.yml"))
    mains = {h.name: h.ssh("cat /etc/network/interfaces").stdout for h in pair}
    try:
        yield pair, inventory
    finally:
        for host in pair:
            for nic in (1, 2):
                set_link(host, nic, "up")
            host.ssh(CLEANUP, check=False)
            if host.ssh("cat /etc/network/interfaces", check=False).stdout != mains[host.name]:
                run(host.ssh_argv("cat > /etc/network/interfaces"), input=mains[host.name])


def test_a_change_that_cuts_the_management_address_is_rolled_back(lab_pair):
    (host, _), inventory = lab_pair[0], lab_pair[1]
    before = digest(host)
    config = {
        "config_network_interfaces": True,
        "config_interfaces_rollback_timeout": 30,
        "config_interfaces_manage_main_file": True,
        # Past the management connection guard, to the rollback behind it.
        "config_interfaces_allow_management_change": True,
        "network_interfaces": [{"name": "eth0", "address": "10.254.254.%d/24" % (200 + host.index)}],
    }
    result = play([host], inventory, config)
    assert result.rc != 0, result
    assert "The network change on %s was rolled back" % host.name in result.output, result
    assert result.recap[host.name]["unreachable"] == 0, result
    # The host restored its files and management address by itself and answers SSH again.
    assert host.ssh("ip -4 -o addr show dev eth0").stdout.split()[3] == "%s/24" % host.address
    assert digest(host) == before
    assert host.ssh("cat /var/lib/essentials-kvm/ifupdown/rolled-back", check=False).returncode == 0


def addresses(host):
    """`ip -j addr` without the lease's counting-down lifetimes."""
    links = json.loads(host.ssh("ip -j addr").stdout)
    for entry in links:
        for info in entry.get("addr_info", []):
            info.pop("valid_life_time", None)
            info.pop("preferred_life_time", None)
    return links


def test_the_management_guard_refuses_a_change_to_eth0_and_the_switch_applies_it_under_the_rollback(lab_pair):
    """eth0 carries the SSH connection: a second (IPv6) address on it bounces it. Refused, the host is untouched;
    with config_interfaces_allow_management_change the same change is applied by the unit the rollback timer
    guards, and confirmed over a fresh connection. (ifupdown ignores mtu in a dhcp stanza, so no MTU here.)"""
    (host, _), inventory = lab_pair[0], lab_pair[1]
    main = host.ssh("cat /etc/network/interfaces").stdout
    extra = "fd00:ec:%d::2/64" % host.index
    config = {
        "config_network_interfaces": True,
        # Room for a loaded TCG host to renew its lease and be confirmed over two fresh connections.
        "config_interfaces_rollback_timeout": 300,
        "config_interfaces_manage_main_file": True,
        "network_interfaces": [{"name": "eth0", "method": "dhcp", "addresses": [extra]}],
    }
    before = (digest(host, WATCHED + " " + STATE), addresses(host))
    refused = play([host], inventory, config)
    assert refused.rc != 0, refused
    assert (
        "network_interfaces[0].addresses: eth0 carries the management connection (SSH from %s1): the change "
        "re-addresses it (dhcp -> dhcp + inet6 static %s); set config_interfaces_allow_management_change: true"
        % (hostvm.MGMT_PREFIX, extra)
    ) in refused.output, refused
    assert (digest(host, WATCHED + " " + STATE), addresses(host)) == before
    try:
        allowed = play([host], inventory, dict(config, config_interfaces_allow_management_change=True))
        assert allowed.rc == 0 and allowed.changed(host.name) >= 1, allowed
        assert extra in host.ssh("ip -6 -o addr show dev eth0").stdout
        assert host.ssh("ip -4 -o addr show dev eth0").stdout.split()[3] == "%s/24" % host.address
        # A rollback was armed (only then does the role confirm), the confirmation disarmed it: nothing awaits.
        assert re.search(r"Confirm the change so the host keeps it\].*\n+changed: \[%s\]" % host.name, allowed.output)
        assert host.ssh("test -e %s/ifupdown/rollback.sh" % STATE, check=False).returncode == 1
    finally:
        run(host.ssh_argv("cat > /etc/network/interfaces"), input=main)
        host.ssh("ip -6 addr del %s dev eth0; rm -rf %s" % (extra, STATE), check=False)


def test_bond_vlans_and_bridge_come_up_and_carry_traffic_between_the_hosts(lab_pair):
    hosts, inventory = lab_pair
    result = play(hosts, inventory, bond_config())
    assert result.rc == 0, result
    assert all(result.changed(h.name) >= 1 for h in hosts), result
    for host in hosts:
        status = bonding(host)
        assert "Bonding Mode: fault-tolerance (active-backup)" in status
        assert re.findall(r"Slave Interface: (\S+)", status) == ["eth1", "eth2"]
        assert status.count("MII Status: up") == 3 and "Primary Slave: eth1" in status
        for vid in (10, 20):
            details = host.ssh("ip -d link show bond0.%d" % vid).stdout
            assert "vlan protocol 802.1Q id %d" % vid in details and "@bond0" in details
        assert host.ssh("ls /sys/class/net/br10/brif").stdout.split() == ["bond0.10"]
        assert "bridge" in host.ssh("ip -d link show br10").stdout
        # Confirmed: no rollback is pending.
        assert host.ssh("test -e %s/ifupdown/rollback.sh" % STATE, check=False).returncode == 1
    first, second = hosts
    for vid in (10, 20):
        assert ping_count(first, lan(vid, second), 3)[1] == 3
        assert ping_count(second, lan(vid, first), 3)[1] == 3


# The play reaches its confirmation well within it on the shared pair (docs/reliability.md), and the test waits
# out what is left of it after the kill.
KILLED_TIMEOUT = 60


def kill_play(play_run, host):
    """SIGKILL ansible-playbook and everything it runs: its workers, which Ansible puts in sessions of their own,
    their SSH clients, and the SSH master connection to the host that outlives them (ControlPersist)."""
    parents, commands = {}, {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % entry) as handle:
                parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            with open("/proc/%s/cmdline" % entry, "rb") as handle:
                commands[int(entry)] = handle.read().split(b"\0")
        except OSError:
            continue

    def under_the_play(pid):
        while pid > 1:
            if pid == play_run.proc.pid:
                return True
            pid = parents.get(pid, 0)
        return False

    def master(pid):
        words = commands.get(pid, [b""])
        return words[0] == b"ssh" and b"ControlPersist=60s" in words and host.address.encode() in words

    doomed = [pid for pid in parents if pid != play_run.proc.pid and (under_the_play(pid) or master(pid))]
    play_run.kill()
    for pid in doomed:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def without_timers(value):
    """`ip -d -j addr` without what counts down or up by itself: address lifetimes, a bridge's timers."""
    if isinstance(value, dict):
        return {k: without_timers(v) for k, v in value.items() if not k.endswith(("_timer", "_life_time"))}
    if isinstance(value, list):
        return [without_timers(v) for v in value]
    return value


def network_state(host):
    """The files the role may touch, every link with its details and addresses, and ifupdown's records of what is
    up, in one SSH call."""
    out = host.ssh(
        "find %s -type f | sort | xargs sha256sum; echo =; ip -d -j addr; echo =; grep -r . /run/network/ifstate.*"
        % WATCHED
    ).stdout
    files, links, ifstate = out.split("\n=\n")
    return {"files": files, "links": without_timers(json.loads(links)), "ifupdown": ifstate}


@pytest.fixture(scope="module")
def kill_points(lab_pair):
    """The interfaces kill points on the second host (tests/host/interfaces_kill_points.py), in the background: the
    test of the killed controller starts them while it waits for the first host's rollback."""
    job = interfaces_kill_points.KillPoints(lab_pair[0][1])
    try:
        yield job
    finally:
        job.stop()


@pytest.mark.timeout(900)
def test_a_controller_killed_before_the_confirmation_leaves_the_host_to_roll_back_by_itself(
    lab_pair, kill_points, tmp_path
):
    """On the bond, VLANs and bridge the test above converged, a new VLAN with an address: ansible-playbook, its
    workers and its SSH master connection are SIGKILLed once the new file is live and before the confirmation. The
    timer on the host restores the previous files and links within the rollback timeout, and SSH answers; the next
    run (the test below, with the converged configuration) finds nothing to change or bounce (issue #21)."""
    hosts, inventory = lab_pair
    host = hosts[0]
    address = "10.210.30.%d/24" % host.index
    config = bond_config(KILLED_TIMEOUT)
    config["network_vlans"] = config["network_vlans"] + [{"name": "bond0.30", "address": address}]
    before = network_state(host)
    variables = tmp_path / "vars.json"
    variables.write_text(json.dumps(play_vars(hosts, config)))
    started = time.monotonic()
    killed = ansible.Run(ansible.playbook_argv(PLAY, [inventory], args=["--limit", host.name, "-e", "@%s" % variables]))
    try:

        def output():
            # pread: the play writes through the same file offset, which a seek would move.
            return os.pread(killed.stdout.fileno(), os.fstat(killed.stdout.fileno()).st_size, 0).decode()

        def at_the_confirmation():
            assert killed.proc.poll() is None, "the play ended before its confirmation:\n" + output()
            return "Reach the host again over a new connection" in output()

        wait_for(at_the_confirmation, 600, interval=0.1, what="the play to reach the confirmation")
    finally:
        kill_play(killed, host)
    killed_after = time.monotonic() - started
    kill_points.start()  # on the other host, while this one waits for its timer
    # The new file was live and no confirmation came: the change awaits it. Then, in the same connection, the wait
    # for the host's rollback: rollback.sh is gone once it is over.
    seen = host.ssh(
        "cd %s/ifupdown; echo $(cat apply.status); echo $(ip -o -4 addr show dev bond0.30); "
        "echo $(stat -c %%Y rollback.sh); date +%%s; timeout %d sh -c 'while [ -e rollback.sh ]; do sleep 0.5; done'; "
        "echo $(stat -c %%Y rolled-back); date +%%s; systemctl is-active essentials-kvm-ifupdown-rollback.timer"
        % (STATE, KILLED_TIMEOUT + 120),
        check=False,
    ).stdout.splitlines()
    assert seen[0] == "applied" and address in seen[1], seen
    armed, now, began, done, timer = [int(w) if w.isdigit() else w for w in seen[2:]]
    print(
        "killed %.0fs after the play started, %ds after arming; the rollback began %ds and was over %ds after it "
        "(rollback_timeout %d)" % (killed_after, now - armed, began - armed, done - armed, KILLED_TIMEOUT)
    )
    # The timer fired on time: rollback.sh is written a few seconds before the timer is armed on a loaded host.
    assert KILLED_TIMEOUT <= began - armed <= KILLED_TIMEOUT + 20 and timer == "inactive", seen
    assert network_state(host) == before


def converged(entry):
    """A step's run after the kill (or its only run) succeeded and armed the change, the apply unit applied it, the
    confirmation disarmed the rollback, and no timer or apply unit is left."""
    done = entry["run"]
    assert done["result"] is not None and not done["result"].get("failed"), done
    assert done["result"]["changed"] and done["result"]["rollback_armed"], done
    assert entry["status"] == "applied", entry
    assert entry["confirm"]["result"]["state"] == "confirmed", entry["confirm"]
    assert entry["state"]["units"] == ["inactive", "inactive"], entry["state"]


def test_uninterrupted_interfaces_runs_report_their_arming_steps(kill_points):
    """The baselines of the kill points below, on the second host: a bridge made (A), then re-addressed with another
    MTU (B), each armed, applied by the unit and confirmed."""
    runs = kill_points.result()
    print("seconds per step:", [(e["step"]["config"], e["step"]["kill_after"], e["seconds"]) for e in runs])
    assert len(runs) == len(interfaces_kill_points.STEPS), runs[-1]
    for entry in runs[:2]:
        converged(entry)
    assert [e["run"]["events"] for e in runs[:2]] == [interfaces_kill_points.EVENTS] * 2, runs[:2]
    assert [e["confirm"]["events"] for e in runs[:2]] == [["confirm done"]] * 2, runs[:2]
    a, b = runs[0]["state"]["links"]["ekvmk0"], runs[1]["state"]["links"]["ekvmk0"]
    address = "10.211.1.%d/24" % kill_points.host.index
    assert (a["up"], a["kind"], a["mtu"], a["inet"]) == (True, "bridge", 1500, [address])
    assert (a["stp"], a["forward delay"]) == (b["stp"], b["forward delay"]) == (0, 0)
    assert (b["up"], b["kind"], b["mtu"]) == (True, "bridge", 1400) and b["inet"] != a["inet"]
    files = [e["state"]["files"] for e in runs[:2]]
    assert interfaces_kill_points.BACKUP not in files[0]
    assert files[1][interfaces_kill_points.BACKUP] == files[0][interfaces_kill_points.DEST]


KILLED_STEPS = range(2, len(interfaces_kill_points.STEPS))


@pytest.mark.parametrize(
    "index", KILLED_STEPS, ids=["to-%s-killed-after-%d" % interfaces_kill_points.STEPS[i] for i in KILLED_STEPS]
)
def test_an_interfaces_run_killed_after_an_arming_step_converges_on_the_next_run(kill_points, index):
    """The module SIGKILLed after the owner file, the rollback script, the apply script, the armed timer, the started
    apply unit (tests/host/interfaces_kill_points.py): the next run puts back what the killed run changed (stops its
    timer and its apply unit), arms the change again, and once confirmed the files, the bridge, ifupdown's records
    and the state folder are those of an uninterrupted run (issue #21)."""
    runs = kill_points.result()
    assert len(runs) > index, runs[-1]
    entry = runs[index]
    name, point = interfaces_kill_points.STEPS[index]
    killed = entry["killed"]
    assert killed["rc"] == -signal.SIGKILL and killed["events"] == interfaces_kill_points.EVENTS[:point], killed
    converged(entry)
    warnings = json.dumps(entry["run"]["result"].get("warnings", []))  # ansible-core 2.19 gives them as structures
    said = "was undone" if point > 1 else "left nothing to put back"
    assert warnings.count("a run killed while it changed the interfaces") == 1 and said in warnings, entry["run"]
    assert entry["state"] == interfaces_kill_points.expected_state(runs, name)


def test_second_run_changes_and_bounces_nothing(lab_pair):
    """Check mode on a converged host is the homelab site test's (the same role, bond, VLANs and bridge). On the
    first host this is also the next run after the controller was killed (the test above): nothing awaits a
    confirmation there, and the rollback left nothing to change or bounce."""
    hosts, inventory = lab_pair
    before = {h.name: digest(h, WATCHED + " " + STATE) for h in hosts}
    ifindex = {h.name: h.ssh("cat /sys/class/net/br10/ifindex /sys/class/net/bond0/ifindex").stdout for h in hosts}
    again = play(hosts, inventory, bond_config())
    assert again.rc == 0 and all(again.changed(h.name) == 0 for h in hosts), again
    assert {h.name: digest(h, WATCHED + " " + STATE) for h in hosts} == before
    assert {
        h.name: h.ssh("cat /sys/class/net/br10/ifindex /sys/class/net/bond0/ifindex").stdout for h in hosts
    } == ifindex


def test_traffic_survives_unplugging_the_active_bond_member(lab_pair):
    (first, second), _ = lab_pair
    active = active_member(first)
    assert active == "eth1"
    pinger = subprocess.Popen(
        second.ssh_argv("ping -n -q -c 60 -i 0.2 -W 1 %s" % lan(10, first)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(3)
        set_link(first, 1, "down")
        wait_for(lambda: active_member(first) == "eth2", 20, interval=0.5, what="the bond to fail over")
        out = pinger.communicate(timeout=60)[0]
    finally:
        set_link(first, 1, "up")
    sent, received = [int(n) for n in re.search(r"(\d+) packets transmitted, (\d+) received", out).groups()]
    assert received >= sent - 5, out
    assert "eth1" in bonding(first) and ping_count(second, lan(10, first), 3)[1] == 3


def test_bad_input_through_the_role_fails_naming_the_field_and_leaves_files_byte_identical(lab_pair):
    hosts, inventory = lab_pair
    before = {h.name: digest(h, WATCHED + " " + STATE) for h in hosts}
    config = bond_config()
    config["network_vlans"] = [{"name": "bond0.5000"}, config["network_vlans"][1]]
    result = play(hosts, inventory, config)
    assert result.rc != 0, result
    assert "network_vlans[0].name: 'bond0.5000' encodes VLAN 5000; a VLAN id is from 1 to 4094" in result.output, result
    assert {h.name: digest(h, WATCHED + " " + STATE) for h in hosts} == before
