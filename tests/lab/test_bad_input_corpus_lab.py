"""Issue #21's bad-input corpus (tests/bad_input_corpus.yml) run through the real modules against the lab: every case
is one run of a module's own main() in this process, not in check mode, so a refusal really has to come before any
change. Each must fail with a message that starts with the exact input path, holds the expected words and is no
traceback; and the host is byte-identical before and after all cases, and after each module's group (to name the
culprit).

The snapshot is restricted to what the cases could create, because other helpers use the lab at the same time and
a global snapshot would change under the test: every name in the corpus starts with `bic-`, so the snapshot holds
the files of this test's scratch folder (the interfaces(5) files, state folder, daemon configuration and sysctl files
the cases name), `ip -d link` of the lab namespace's bic-* links, the XML of every bic-* libvirt domain, network, pool,
volume (in any pool) and secret, and the bic-* rows of the OVS tables Bridge, Port, Interface and Mirror (with the
Open_vSwitch row's other_config and external_ids); plus how many of each there are.

Commands that change the host itself (ifup, ifdown, apt-get, systemctl other than queries, sysctl -p, usermod...) are
never run: a stand-in records them and answers failure, and the test fails if any case reached one. ovs-vsctl reaches
the lab's Open vSwitch, whose bic-* rows are in the snapshot.
"""

import json
import os
import subprocess
import time
from collections import Counter

import libvirt
import pytest
import yaml
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.essentials.kvm.plugins.modules import (
    ifupdown_interfaces,
    libvirt_daemon_config,
    libvirt_domain,
    libvirt_network,
    libvirt_pool,
    libvirt_resources,
    openvswitch,
    openvswitch_host,
)
from tests.labkit import paths
from tests.labkit.daemons import LIBVIRT_URI

pytestmark = pytest.mark.lab
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "bad_input_corpus.yml")
PREFIX = "bic-"
MODULES = {
    "libvirt_resources": libvirt_resources,
    "libvirt_pool": libvirt_pool,
    "libvirt_network": libvirt_network,
    "libvirt_domain": libvirt_domain,
    "openvswitch": openvswitch,
    "ifupdown_interfaces": ifupdown_interfaces,
    "libvirt_daemon_config": libvirt_daemon_config,
    "openvswitch_host": openvswitch_host,
}
# Read-only commands the modules may run before they refuse (argv[0], then words the argv must hold, if any).
QUERIES = {
    "ip": ("show", "get"),
    "ifquery": (),
    "ovs-vsctl": (),
    "dpkg-query": (),
    "systemctl": ("is-enabled", "is-active", "show", "cat"),
    "getent": (),
    "id": (),
}


class Loader(yaml.SafeLoader):
    """safe_load plus `!times [text, n]` (text repeated n times) for overlong values."""


Loader.add_constructor("!times", lambda loader, node: (lambda t, n: t * n)(*loader.construct_sequence(node)))


def load_corpus():
    with open(CORPUS, "rb") as handle:
        return yaml.load(handle, Loader=Loader)


def prepared(value, scratch):
    """The args as Ansible would hand them over: @TMP@ is the scratch folder, and bytes (YAML !!binary, how the corpus
    holds non-UTF-8) become text the way Ansible decodes them, lone surrogates for the bytes that are not UTF-8."""
    if isinstance(value, dict):
        return dict((prepared(k, scratch), prepared(v, scratch)) for k, v in value.items())
    if isinstance(value, list):
        return [prepared(v, scratch) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, str):
        return value.replace("@TMP@", scratch)
    return value


class Guard:
    """Stands in for AnsibleModule.run_command: queries run for real, anything else is recorded and fails."""

    def __init__(self):
        self.refused = []
        self.real = AnsibleModule.run_command

    def __call__(self, module, args, *rest, **kwargs):
        argv = args.split() if isinstance(args, str) else [str(a) for a in args]
        words = QUERIES.get(os.path.basename(argv[0]) if argv else "")
        if words is not None and (not words or any(w in argv for w in words)):
            return self.real(module, args, *rest, **kwargs)
        self.refused.append(argv)
        return 1, "", "refused by the bad-input corpus test"


def run_case(capsys, case, defaults, scratch):
    args = prepared(dict(defaults.get(case["module"], {}), **case["args"]), scratch)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            MODULES[case["module"]].main()
    out = capsys.readouterr().out
    try:
        return json.loads(out)
    except ValueError:
        return {"printed": out}


def ovs_rows():
    rows = {}
    for table in ("Bridge", "Port", "Interface", "Mirror"):
        out = subprocess.run(
            ["ovs-vsctl", "--timeout=30", "--format=json", "list", table], capture_output=True, text=True, check=True
        ).stdout
        data = json.loads(out)
        name = data["headings"].index("name")
        rows[table] = sorted(
            json.dumps(row) for row in data["data"] if isinstance(row[name], str) and PREFIX in row[name]
        )
    out = subprocess.run(
        ["ovs-vsctl", "--timeout=30", "get", "Open_vSwitch", ".", "other_config", "external_ids"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows["Open_vSwitch"] = out
    return rows


def ip_links():
    out = subprocess.run(
        ["ip", "netns", "exec", paths.NETNS, "ip", "-d", "-o", "link", "show"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(line for line in out.splitlines() if PREFIX in line.split(": ")[1].split("@")[0])


def libvirt_objects(conn):
    found = {}
    for label, lister in (
        ("domain", "listAllDomains"),
        ("network", "listAllNetworks"),
        ("pool", "listAllStoragePools"),
    ):
        for obj in getattr(conn, lister)(0):
            if PREFIX in obj.name():
                found["%s %s" % (label, obj.name())] = obj.XMLDesc(0)
    for pool in conn.listAllStoragePools(0):
        try:
            volumes = pool.listAllVolumes(0) if pool.isActive() else []
            for vol in volumes:
                if PREFIX in vol.name():
                    found["volume %s/%s" % (pool.name(), vol.name())] = vol.XMLDesc(0)
        except libvirt.libvirtError:
            continue  # another helper's pool went away meanwhile
    for secret in conn.listAllSecrets(0):
        if PREFIX in (secret.usageID() or ""):
            found["secret %s" % secret.usageID()] = secret.XMLDesc(0)
    return found


def files(top):
    found = {}
    for folder, _dirs, names in os.walk(top):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, top)] = handle.read()
    return found


def snapshot(conn, scratch):
    state = {
        "files": files(scratch),
        "ip -d link": ip_links(),
        "libvirt": libvirt_objects(conn),
        "ovs": ovs_rows(),
    }
    counts = dict((key, len(value)) for key, value in state.items() if key != "ovs")
    counts.update(("ovs %s" % table, len(rows)) for table, rows in state["ovs"].items() if table != "Open_vSwitch")
    state["counts"] = counts
    return state


def seeded(scratch):
    """The files the cases name, as a host has them: the ifupdown main file and a libvirtd.conf."""
    os.makedirs(os.path.join(scratch, "interfaces.d"))
    os.makedirs(os.path.join(scratch, "state"))
    with open(os.path.join(scratch, "interfaces"), "w") as handle:
        handle.write("auto lo\niface lo inet loopback\n\nsource /etc/network/interfaces.d/*\n")
    with open(os.path.join(scratch, "libvirtd.conf"), "w") as handle:
        handle.write('#listen_tls = 0\nunix_sock_group = "libvirt"\n')


def check(case, result):
    """What is wrong with a case's result, or None."""
    msg = result.get("msg", "")
    if not result.get("failed"):
        return "not refused: %r" % (result,)
    if not msg.startswith(case["path"]):
        return "message does not start with %r: %r" % (case["path"], msg)
    if case["words"] not in msg:
        return "message lacks %r: %r" % (case["words"], msg)
    if "Traceback" in msg or "exception" in result:
        return "a traceback: %r" % (result,)
    return None


def test_every_bad_input_is_refused_and_changes_nothing(lab, monkeypatch, capsys, tmp_path):
    corpus = load_corpus()
    cases = corpus["cases"]
    scratch = str(tmp_path)
    seeded(scratch)
    guard = Guard()
    monkeypatch.setattr(AnsibleModule, "run_command", lambda module, args, *r, **k: guard(module, args, *r, **k))
    conn = libvirt.open(LIBVIRT_URI)
    started = time.monotonic()
    before = snapshot(conn, scratch)
    wrong, changed = [], []
    for module in MODULES:
        for number, case in enumerate(cases):
            if case["module"] != module:
                continue
            result = run_case(capsys, case, corpus["defaults"], scratch)
            problem = check(case, result)
            if guard.refused:
                problem = (problem or "") + " ran %r" % guard.refused
                del guard.refused[:]
            if problem:
                wrong.append("case %d (%s, %s): %s" % (number, module, case["path"], problem))
        after = snapshot(conn, scratch)
        if after != before:
            changed.append("%s changed the host: %r" % (module, diff(before, after)))
            before = after
    conn.close()
    counts = Counter(case["module"] for case in cases)
    print("bad-input corpus: %d cases in %.1f s, %r" % (len(cases), time.monotonic() - started, dict(counts)))
    assert not wrong, "\n".join(wrong)
    assert not changed, "\n".join(changed)


def diff(before, after):
    out = {}
    for part in before:
        if before[part] != after[part]:
            if isinstance(before[part], dict):
                keys = set(before[part]) | set(after[part])
                out[part] = dict(
                    (k, (before[part].get(k), after[part].get(k)))
                    for k in keys
                    if before[part].get(k) != after[part].get(k)
                )
            else:
                out[part] = (before[part], after[part])
    return out
