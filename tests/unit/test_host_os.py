"""The OS facts the first module of a play hands on (host_os.py): named as ansible.builtin.setup names them, read
from os-release files as Debian, Ubuntu and the RHEL family ship them."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.host_os import (
    os_facts,
    read_release,
    require_debian_family,
)

RELEASES = {
    "debian-13": (
        'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nNAME="Debian GNU/Linux"\nVERSION_ID="13"\nVERSION="13 (trixie)"\n'
        "VERSION_CODENAME=trixie\nID=debian\n",
        {"os_family": "Debian", "distribution": "Debian", "distribution_major_version": "13"},
    ),
    "ubuntu-24.04": (
        'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n',
        {"os_family": "Debian", "distribution": "Ubuntu", "distribution_major_version": "24"},
    ),
    "rocky-9": (
        '# comment\nNAME="Rocky Linux"\nVERSION_ID="9.4"\nID="rocky"\nID_LIKE="rhel centos fedora"\n',
        {"os_family": "RedHat", "distribution": "Rocky", "distribution_major_version": "9"},
    ),
}


@pytest.mark.parametrize("name", sorted(RELEASES))
def test_facts_are_named_as_setup_names_them(tmp_path, name):
    text, facts = RELEASES[name]
    path = tmp_path / "os-release"
    path.write_text(text)
    assert os_facts(read_release(str(path))) == facts


def test_a_host_without_os_release_is_unknown_and_refused(tmp_path):
    facts = os_facts(read_release(str(tmp_path / "missing")))
    assert facts == {"os_family": "unknown", "distribution": "unknown", "distribution_major_version": "NA"}
    with pytest.raises(HostError, match="only the Debian family"):
        require_debian_family(facts)


def test_the_rhel_family_is_refused_naming_what_to_do(tmp_path):
    path = tmp_path / "os-release"
    path.write_text(RELEASES["rocky-9"][0])
    with pytest.raises(HostError) as caught:
        require_debian_family(os_facts(read_release(str(path))))
    assert "this host runs Rocky (os_family RedHat)" in caught.value.message
    assert "set config_network_interfaces: false" in caught.value.message
