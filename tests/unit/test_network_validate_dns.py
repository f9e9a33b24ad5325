"""The dns section of a network (network_validate_dns) is refused with the exact input path."""

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import InputError
from ansible_collections.essentials.kvm.plugins.module_utils.network_validate import read_networks
from tests.unit.network_samples import NAT, refusal, with_

BAD = [
    (
        "srv protocol",
        [with_(NAT, dns={"srvs": [{"service": "ldap", "protocol": "sctp"}]})],
        "kvm_virtual_networks[0].dns.srvs[0].protocol: must be one of tcp, udp",
    ),
    (
        "dns host without names",
        [with_(NAT, dns={"hosts": [{"ip": "192.168.100.5", "hostnames": []}]})],
        "kvm_virtual_networks[0].dns.hosts[0].hostnames: needs at least one host name",
    ),
    (
        "dns host name as a number",
        [with_(NAT, dns={"hosts": [{"ip": "192.168.100.5", "hostnames": [42]}]})],
        "kvm_virtual_networks[0].dns.hosts[0].hostnames[0]: must be a DNS name, not a number: 42",
    ),
]


@pytest.mark.parametrize("items,message", [(b[1], b[2]) for b in BAD], ids=[b[0] for b in BAD])
def test_bad_dns_input_names_the_field(items, message):
    assert message in refusal(items)


@pytest.mark.parametrize("dns,got", [(5, "a number: 5"), (False, "a boolean: false"), ("on", "'on'")])
def test_dns_must_be_a_mapping(dns, got):
    with pytest.raises(InputError) as caught:
        read_networks([with_(NAT, dns=dns)])
    assert str(caught.value) == "networks[0].dns: must be a mapping (got %s)" % got
