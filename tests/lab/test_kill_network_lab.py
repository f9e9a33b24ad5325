"""Networks: the real libvirt_network module SIGKILLed after each step it reports (kill_hook), then run again
to converge; the end state must be exactly that of a run never interrupted (issue #21).

Start: B runs with one address, C runs. Declared: A new (define, start, autostart), B with another address
(restart_on_change: stop, define, start), C absent (stop, undefine): eight steps, a kill after five of them.
"""

import re
import signal
import sys
import uuid
import xml.etree.ElementTree as ET

import libvirt
import pytest

from tests.lab import kill_lab
from tests.labkit import ansible, netns, paths
from tests.labkit.daemons import LIBVIRT_URI

pytestmark = pytest.mark.lab
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

TAG = "ekvm-k%s" % uuid.uuid4().hex[:4]
A, B, C = TAG + "a", TAG + "b", TAG + "c"
STEPS = [
    "define network " + A,
    "start network " + A,
    "autostart on of network " + A,
    "stop network " + B,
    "define network " + B,
    "start network " + B,
    "stop network " + C,
    "undefine network " + C,
]
# Defined only; started without autostart; B stopped; B redefined and down; C stopped but defined.
POINTS = (1, 2, 4, 5, 7)


def net(name, third, **extra):
    item = {"name": name, "mode": "isolated", "bridge_name": name, "state": "active"}
    item["ips"] = [{"address": "10.254.%d.1" % third, "prefix": 24}]
    return dict(item, **extra)


def declared():
    return {
        "uri": LIBVIRT_URI,
        "restart_on_change": True,
        "networks": [net(A, 91, autostart=True), net(B, 93), {"name": C, "state": "absent"}],
    }


@pytest.fixture
def conn(lab):
    connection = libvirt.open(LIBVIRT_URI)
    yield connection
    remove(connection)
    connection.close()


def remove(conn):
    for net_ in [n for n in conn.listAllNetworks() if n.name().startswith(TAG)]:
        if net_.isActive():
            net_.destroy()
        net_.undefine()


def start_state():
    """B and C running, A absent: made once by the module itself, unwatched."""
    kill_lab.converged(
        "libvirt_network", {"uri": LIBVIRT_URI, "networks": [net(B, 92), net(C, 94), {"name": A, "state": "absent"}]}
    )


def restore(conn, saved):
    """Back to the start state, straight through libvirt (faster than a module run)."""
    remove(conn)
    for xml, autostart in saved:
        made = conn.networkDefineXML(xml)
        made.create()
        made.setAutostart(autostart)


def xml_of(conn, name):
    return conn.networkLookupByName(name).XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE)


def bridges():
    """This test's links in the lab namespace: a network's bridge lives as long as the network runs."""
    links = netns.ip(paths.NETNS, "-o", "link", "show").stdout
    return sorted(name for name in re.findall(r"^\d+: ([^:@]+)", links, re.M) if name.startswith(TAG))


def state(conn):
    """Every network of this test: its definition (UUID and MAC left out: libvirt makes them), running, autostart."""
    out = {}
    for net_ in conn.listAllNetworks():
        if net_.name().startswith(TAG):
            xml = re.sub(r"<uuid>.*</uuid>|<mac address=[^>]*/>", "", net_.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE))
            out[net_.name()] = (ET.canonicalize(xml, strip_text=True), bool(net_.isActive()), bool(net_.autostart()))
    return out


def test_a_network_run_killed_after_any_step_converges_on_the_next_run(conn):
    remove(conn)
    start_state()
    saved = [(xml_of(conn, n), conn.networkLookupByName(n).autostart()) for n in (B, C)]
    whole = kill_lab.module("libvirt_network", declared())
    assert whole.events == STEPS, whole
    want = state(conn)
    assert sorted(want) == [A, B] and want[A][1:] == (True, True) and want[B][1]
    for point in POINTS:
        restore(conn, saved)
        killed = kill_lab.killed_at("libvirt_network", declared(), point)
        assert killed.events == STEPS[:point]
        rerun = kill_lab.converged("libvirt_network", declared())
        # The rerun does exactly the steps the killed run had not done, and verified the result itself.
        assert rerun.events == STEPS[point:], (point, rerun)
        assert state(conn) == want, point
        assert bridges() == [A, B], point


PLAY = """- hosts: localhost
  gather_facts: false
  tasks:
    - name: Converge the networks
      essentials.kvm.libvirt_network:
        uri: "{{ uri }}"
        restart_on_change: true
        networks: "{{ networks }}"
"""


@pytest.mark.parametrize("point", [4])
def test_ansible_playbook_killed_with_its_module_converges_on_the_next_run(conn, tmp_path, monkeypatch, point):
    """A cancelled CI job: the whole process group (ansible-playbook, its workers, the module) SIGKILLed after a
    step; the next ansible-playbook run converges."""
    remove(conn)
    start_state()
    saved = [(xml_of(conn, n), conn.networkLookupByName(n).autostart()) for n in (B, C)]
    whole = kill_lab.module("libvirt_network", declared())
    want = state(conn)
    restore(conn, saved)
    play = tmp_path / "play.yml"
    play.write_text(PLAY)
    events = str(tmp_path / "events")
    variables = dict(declared(), ansible_python_interpreter=sys.executable)
    for key, value in kill_lab.hook_env(events, point, group=True).items():
        if key.startswith("EKVM_") or key == "PYTHONPATH":
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("PYTHONPATH", kill_lab.HOOK)  # the collection comes in the module's own payload
    args = ("-c", "local", "-i", "localhost,")
    killed = ansible.playbook_with_vars(str(play), [], variables, args=args, timeout=300)
    assert killed.rc == -signal.SIGKILL and kill_lab.read_events(events) == STEPS[:point], killed
    monkeypatch.setenv("EKVM_KILL_AFTER", "")
    rerun = ansible.playbook_with_vars(str(play), [], variables, args=args, timeout=300)
    assert rerun.rc == 0 and rerun.changed("localhost") == 1, rerun
    assert kill_lab.read_events(events) == STEPS, "the rerun did exactly what was left"
    assert state(conn) == want and bridges() == [A, B]
    assert whole.events == STEPS
