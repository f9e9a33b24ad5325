"""One host's variables in the older roles' shapes (fixtures/older/host_vars.yml) go through each role's compat
table and conversions and then the validators the modules run, as the roles hand them on: nothing is refused,
every item is read, and the warnings name the new spellings."""

import os

import yaml

from ansible_collections.essentials.kvm.plugins.module_utils import (
    compat_globals,
    compat_interfaces,
    compat_kvm,
    domain_validate,
    ifupdown_validate,
    network_validate,
    storage_pool_validate,
)
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "fixtures", "older", "host_vars.yml")) as handle:
    HOST_VARS = yaml.safe_load(handle)


def test_no_variable_of_the_file_is_refused_and_the_converted_globals_say_so():
    warnings = []
    for table in (compat_kvm.GLOBALS, compat_interfaces.GLOBALS):
        warnings += compat_globals.check(table, HOST_VARS)
    assert warnings == [
        "dns_nameservers is the older roles' spelling, read as network_interfaces[].dns_nameservers: they go to the "
        "first configured static interface or bridge",
        "pri_domain_name is the older roles' spelling, read as network_interfaces[].dns_search",
    ]


def test_the_interfaces_are_read_as_the_older_role_wrote_them():
    warnings = []
    lists = compat_interfaces.convert(HOST_VARS, warnings)
    desired = ifupdown_validate.build_desired(lists, ["eth0", "eth1", "eth2", "eth3", "eth4"])
    names = [item.name for item in desired.items]
    assert set(names) == {"eth1", "eth2", "bond0", "bond0.10", "bond0.20", "br10", "vmbr0", "ovsbond0", "vlan30"}
    # The global DNS settings go on the first static interface, else bridge (here br10), bond or VLAN.
    assert lists["network_bridges"][0]["dns_nameservers"] == ["10.216.20.1"]
    assert lists["network_bridges"][0]["dns_search"] == "lab.example"
    assert warnings == ["the older global DNS settings are written on network_bridges[0]"]
    assert all(i.get("enable") is True for name in compat_interfaces.LISTS for i in lists[name])


def test_the_kvm_lists_are_read_with_the_older_disk_in_the_images_pool():
    warnings = []
    older = {"kvm_images_path": "/var/lib/libvirt/images"}
    got = compat_kvm.convert_resources(
        HOST_VARS["kvm_virtual_networks"], HOST_VARS["kvm_storage_pools"], HOST_VARS["kvm_vms"], older, warnings
    )
    nets = [network_validate.read_network(n, at("kvm_virtual_networks", i)) for i, n in enumerate(got["networks"])]
    assert [n.network.portgroups[0].name for n in nets[:1]] == ["vlan-30"]
    pools = storage_pool_validate.parse_pools(got["pools"], "kvm_storage_pools")
    assert [p.pool.name for p in pools] == ["vmstore", "default"]
    ctx = domain_validate.Context(host="kvm01", networks=["ovs-network", "br10-net"], pools=["vmstore", "default"])
    vm = domain_validate.normalise_vm(got["vms"][0], "kvm_vms[0]", ctx)
    assert vm.graphics == "none" and vm.memory == 256 * 1024 and vm.boot == ["hd", "network"]
    assert [(d.pool, d.volume, d.format, d.size) for d in vm.disks] == [("default", "oldvm.1.qcow2", "qcow2", 64 << 20)]
    assert [w.split(":")[0] for w in warnings] == ["kvm_vms[0].disks[0]"]
