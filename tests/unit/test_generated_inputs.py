"""Generated inputs (issue #26) through the real module entry points, in process, on libvirt's test:///default.

For every case: (1) no traceback, every failure is the module's own failure with a message; (2) every refusal
begins with the variable path the user wrote (role variable, index, key as written, alias included) and walks
the input as written; (3) every valid generated declaration is accepted in check mode, and after applying it a
second run reports no change (test_generated_apply.py).

The seed is fixed (FUZZ_SEED, default 26) so `make unit` is repeatable; `make fuzz` runs many more examples
(FUZZ_EXAMPLES) from a random seed. The per-module rate and the count of each outcome go to the test log.
"""

import generated_inputs as gen
import pytest
from hypothesis import example, given, seed
from hypothesis import strategies as st

from ansible_collections.essentials.kvm.plugins.modules import (
    libvirt_network,
    libvirt_pool,
    libvirt_resources,
)
from tests.unit.generated_runs import (
    BASE_POOL,
    BRIDGES,
    NETWORKS,
    ROLE_NAMES,
    SEED,
    fuzz_settings,
    outcome,
    run,
    timed,
)

pytestmark = pytest.mark.usefixtures("generated_report", "fake_sriov")
libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


def lists(strategy, max_size=2):
    return st.lists(strategy, min_size=1, max_size=max_size)


POOLS = lists(gen.pool()).filter(
    lambda items: (
        len({p["name"] for p in items}) == len(items)
        and len({p.get("path") for p in items if p.get("path")}) == len([p for p in items if p.get("path")])
        and gen.sources_apart(items)
    )
)
VMS = (
    st.lists(gen.WORDS, min_size=1, max_size=2, unique=True)
    .flatmap(
        lambda names: st.tuples(*[gen.vm(name=name, pool_name="gen-base", networks=("default",)) for name in names])
    )
    .map(list)
)

# (label, module, the list's argument, the user's variable name, extra arguments, strategy of valid lists)
KINDS = [
    ("libvirt_pool", libvirt_pool, "pools", "kvm_storage_pools", {"input_name": "kvm_storage_pools"}, POOLS),
    (
        "libvirt_network",
        libvirt_network,
        "networks",
        "kvm_virtual_networks",
        {"input_name": "kvm_virtual_networks", "declared_bridges": BRIDGES},
        NETWORKS,
    ),
    (
        "libvirt_resources",
        libvirt_resources,
        "vms",
        "kvm_vms",
        dict(ROLE_NAMES, pools=[BASE_POOL], declared_bridges=BRIDGES),
        VMS,
    ),
]
# 3 x (300 + 600 x 10) = 18,900 cases at scale 1; test_generated_interfaces adds 4,200.
EXAMPLES = {"valid": 300, "mutated": 600}


# Every failure the generated tests found, kept as an explicit example of the mutation test (each is now refused,
# naming its path): (how it was found, the list of declarations).
FOUND = {
    "libvirt_pool": [
        (
            "surrogate in a label: UnicodeEncodeError in libvirt-python",
            [
                {
                    "name": "p1",
                    "path": "/srv/p1",
                    "volumes": [{"name": "v", "capacity": "1G", "permissions": {"label": "bad\udcffbytes"}}],
                }
            ],
        ),
        (
            "control character in an IQN: refused by libvirt's XML parser",
            [
                {
                    "name": "p0",
                    "type": "iscsi",
                    "path": "/srv/gen/0",
                    "source": {"device": "iqn.0000-01.0:\x1b", "host": "0.0.0.0"},
                }
            ],
        ),
        (
            "cow on a netfs pool: refused by libvirt",
            [
                {
                    "name": "p0",
                    "type": "netfs",
                    "path": "/srv/gen/0",
                    "cow": False,
                    "source": {"dir": "/a", "host": "nas"},
                }
            ],
        ),
        (
            "an active fs pool on a missing device: the probe's failure named no path",
            [{"name": "p0", "type": "fs", "path": "/srv/gen/0", "source": {"device": "/nonexistent/a"}}],
        ),
        (
            "logical pool target outside /dev: never converged",
            [{"name": "p0", "type": "logical", "state": "active", "path": "/srv/gen/0"}],
        ),
    ],
    "libvirt_network": [
        ("open network without an address: refused by libvirt", [{"name": "a", "mode": "open"}]),
        (
            "domain_local_only without domain: dropped by libvirt, never converged",
            [{"name": "a", "mode": "isolated", "domain_local_only": False}],
        ),
        (
            "surrogate in a zone: UnicodeEncodeError in libvirt-python",
            [{"name": "n1", "mode": "isolated", "zone": "bad\udcff"}],
        ),
    ],
    "libvirt_resources": [
        (
            "surrogate in a description: UnicodeEncodeError in libvirt-python",
            [{"name": "v1", "memory": "1G", "description": "bad\udcff", "pool": "gen-base"}],
        ),
        (
            "cloud-init users as a string: the guest booted without its users",
            [{"name": "v1", "memory": "1G", "pool": "gen-base", "cloud_init": {"user_data": {"users": "10"}}}],
        ),
        ("memory: 10 (10 MiB) and 256 vCPUs were taken", [{"name": "v1", "memory": 10, "vcpus": 256}]),
        (
            "one PCI device on two hostdev NICs: refused by libvirt",
            [
                {
                    "name": "a",
                    "memory": "64M",
                    "pool": "gen-base",
                    "network_interfaces": [
                        {"type": "hostdev", "source": "0005:00:00.0"},
                        {"type": "hostdev", "source": "0005:00:00.0"},
                    ],
                }
            ],
        ),
    ],
}


def check_case(label, module, key, name, extra, items):
    result = run(module, dict(extra, **{key: items}))
    return outcome(label, result, name, items), result


@pytest.mark.parametrize("label, module, key, name, extra, strategy", KINDS, ids=[k[0] for k in KINDS])
def test_every_valid_generated_declaration_is_accepted(label, module, key, name, extra, strategy):
    @seed(SEED)
    @fuzz_settings(EXAMPLES["valid"])
    @given(strategy)
    def accepted(items):
        seen, result = check_case(label + " valid", module, key, name, extra, items)
        assert seen == "accepted", (items, result.get("msg"))

    with timed(label + " valid"):
        accepted()


@pytest.mark.parametrize("label, module, key, name, extra, strategy", KINDS, ids=[k[0] for k in KINDS])
def test_every_mutation_is_accepted_or_refused_by_path(label, module, key, name, extra, strategy):
    @seed(SEED)
    @fuzz_settings(EXAMPLES["mutated"])
    @given(gen.mutated(strategy, per_declaration=10))
    def named(cases):
        for items, _how in cases:
            check_case(label, module, key, name, extra, items)

    for how, items in FOUND[label]:
        named = example([(items, how)])(named)
    with timed(label):
        named()
