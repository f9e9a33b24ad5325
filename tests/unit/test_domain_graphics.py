"""The VM console's exposure: VNC/SPICE listen on the loopback unless an address is given, and a console password
is set, read back and compared, but never shown (actions, diff, errors)."""

import json
import subprocess

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import domain_xml as x
from ansible_collections.essentials.kvm.plugins.module_utils.domain_validate import Context, normalise_vms
from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import libvirt
from tests.unit.domain_samples import run, web

CANARY = "Cn4ryGfx"


def _one(graphics):
    vms = normalise_vms([{"name": "g", "memory": 512, "graphics": graphics}], "kvm_vms", Context("h"))
    return vms[0]


@pytest.mark.parametrize("graphics", [True, "vnc", "spice", {"type": "vnc"}, {"type": "spice", "password": "x"}])
def test_every_console_listens_on_the_loopback_unless_an_address_is_given(graphics):
    assert _one(graphics).graphics_listen == "127.0.0.1"
    assert _one({"type": "vnc", "listen": "0.0.0.0"}).graphics_listen == "0.0.0.0"
    assert _one(False).graphics_listen is None


def test_the_password_reaches_the_xml_which_libvirt_s_schema_accepts(tmp_path):
    vm = _one({"type": "vnc", "password": CANARY})
    text = x.to_string(x.build(vm))
    assert 'passwd="%s"' % CANARY in text and 'address="127.0.0.1"' in text
    path = tmp_path / "domain.xml"
    path.write_text(text)
    done = subprocess.run(["virt-xml-validate", str(path), "domain"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert x.parse(text).graphics_password == CANARY


@pytest.mark.parametrize("bad", [123, True, "", "two\nlines"])
def test_a_bad_password_is_refused_without_quoting_it(bad):
    with pytest.raises(InputError) as caught:
        _one({"type": "vnc", "password": bad})
    assert caught.value.path == "kvm_vms[0].graphics.password"
    assert "two" not in caught.value.message and "123" not in caught.value.message


def test_a_vnc_password_over_8_characters_is_refused_spice_takes_it():
    with pytest.raises(InputError) as caught:
        _one({"type": "vnc", "password": CANARY + "9"})
    assert caught.value.path == "kvm_vms[0].graphics.password" and CANARY not in caught.value.message
    assert _one({"type": "spice", "password": CANARY + "9"}).graphics_password == CANARY + "9"


def test_a_password_without_a_console_is_refused():
    with pytest.raises(InputError) as caught:
        _one({"password": CANARY})
    assert caught.value.path == "kvm_vms[0].graphics.password" and CANARY not in caught.value.message


def test_the_password_converges_and_is_never_shown(vm_conn):
    first = run(vm_conn, [web(graphics={"type": "vnc", "password": CANARY})], diff=True)
    assert first["changed"] and CANARY not in json.dumps(first)
    secure = vm_conn.lookupByName("web1").XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE)
    assert "passwd='%s'" % CANARY in secure
    assert CANARY not in vm_conn.lookupByName("web1").XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    assert not run(vm_conn, [web(graphics={"type": "vnc", "password": CANARY})])["changed"]
    changed = run(vm_conn, [web(graphics={"type": "vnc", "password": CANARY[:-1] + "2"})], diff=True)
    dumped = json.dumps(changed)
    assert changed["changed"] and CANARY not in dumped
    assert "graphics_password: (hidden) -> (hidden)" in " ".join(changed["vms"][0]["actions"])
    assert 'passwd="(hidden)"' in changed["diff"][0]["after"]
    dropped = run(vm_conn, [web(graphics={"type": "vnc"})])
    assert "graphics_password: (hidden) -> None" in " ".join(dropped["vms"][0]["actions"])
    secure = vm_conn.lookupByName("web1").XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE)
    assert "passwd" not in secure


def test_a_read_only_connection_counts_the_password_as_unchanged(vm_conn):
    """The drift report reads over a read-only connection, which may not read the password."""
    run(vm_conn, [web(graphics={"type": "vnc", "password": CANARY})])
    read_only = libvirt.openReadOnly("test:///default")
    try:
        checked = run(read_only, [web(graphics={"type": "vnc", "password": CANARY})], check_mode=True)
    finally:
        read_only.close()
    assert not checked["changed"], checked
