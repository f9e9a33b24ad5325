"""A host without libvirt in the fleet report (issue 23), end to end through playbooks/report.yml: the module runs
on a Python that cannot import the libvirt bindings (a sitecustomize hides them, as on a host where python3-libvirt
was never installed), with VMs declared. The host is a section saying so, with its kernel links still drawn, its
drift an error instead of a failure, and the report completes. (The unreachable host is tests/lab/test_report_lab.py's.)
"""

import os
import sys

import pytest

from tests.labkit import ansible, netns, paths
from tests.unit.report_page import parse_report

pytestmark = pytest.mark.lab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINK = "ekvm-bare0"
MISSING = "the libvirt Python bindings are missing (install python3-libvirt)"


def test_host_without_libvirt_is_a_section_saying_so(lab, tmp_path):
    hide = tmp_path / "hide-libvirt"
    hide.mkdir()
    # A None entry in sys.modules makes `import libvirt` raise ImportError, as a missing package does.
    (hide / "sitecustomize.py").write_text("import sys\n\nsys.modules['libvirt'] = None\n")
    python = tmp_path / "python-without-libvirt"
    python.write_text('#!/bin/sh\nPYTHONPATH=%s exec ip netns exec %s %s "$@"\n' % (hide, paths.NETNS, sys.executable))
    python.chmod(0o755)
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(
        "[hypervisors]\nbare ansible_connection=local ansible_python_interpreter=%s "
        'kvm_vms=\'[{"name": "ekvm-bare-vm", "memory": 64}]\'\n' % python
    )
    out = str(tmp_path / "report")
    # A link of the test's own, so the host has a kernel link to draw whatever other tests left in the namespace.
    netns.ip(paths.NETNS, "link", "add", LINK, "type", "veth", "peer", "name", LINK + "p")
    try:
        result = ansible.playbook(
            os.path.join(ROOT, "playbooks", "report.yml"), [str(inventory)], extra_vars={"report_dir": out}, timeout=300
        )
    finally:
        netns.ip(paths.NETNS, "link", "del", LINK, check=False)
    assert result.rc == 0 and result.recap["bare"]["failed"] == 0, result

    data, sections = parse_report(out)
    host = data["hosts"][0]
    assert host["reachable"] and host["facts"]["libvirt"] == {
        "available": False,
        "problem": MISSING,
        "uri": "qemu:///system",
    }
    assert data["summary"]["hosts_without_libvirt"] == 1 and data["summary"]["vms"] == 0
    assert "No libvirt: " + MISSING in sections["h0"]["text"]
    # The drift cannot be planned without libvirt: an error of the kvm part, on the page too.
    assert [error["part"] for error in host["facts"]["drift"]["errors"]] == ["kvm"], host["facts"]["drift"]
    assert "Drift error (kvm): " in sections["h0"]["text"]
    kinds = set(kind for _dom, kind in sections["h0"]["nodes"].values())
    assert kinds and "vm" not in kinds, "the kernel links are drawn, no VM"
    assert any(LINK in node for node in sections["h0"]["nodes"]), sections["h0"]["nodes"]
