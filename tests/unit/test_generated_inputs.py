"""Generated inputs (issue #26) through the real module entry points, in process, on libvirt's test:///default.

For every case: (1) no traceback, every failure is the module's own failure with a message; (2) every refusal
begins with the variable path the user wrote (role variable, index, key as written, alias included) and walks
the input as written; (3) every valid generated declaration is accepted in check mode, and after applying it a
second run reports no change (test_generated_apply.py).

The seed is fixed (FUZZ_SEED, default 26) so `make unit` is repeatable; `make fuzz` runs many more examples
(FUZZ_EXAMPLES) from a random seed. The per-module rate and the count of each outcome go to the test log.
"""

import contextlib
import io
import json
import os
import re
import time
from collections import Counter
from unittest import mock

import generated_inputs as gen
import pytest
from ansible.module_utils.testing import patch_module_args
from hypothesis import HealthCheck, example, given, seed, settings
from hypothesis import strategies as st

from ansible_collections.essentials.kvm.plugins.module_utils import network_reconcile
from ansible_collections.essentials.kvm.plugins.modules import (
    libvirt_network,
    libvirt_pool,
    libvirt_resources,
)

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

URI = "test:///default"
SEED = int(os.environ.get("FUZZ_SEED") or 26)
# Examples per test at scale 1; make fuzz raises the scale. Tuned on the 2-core machine: see docs/inputs.md.
SCALE = float(os.environ.get("FUZZ_SCALE") or 1)
BRIDGES = ["br-gen0", "br-gen1"]
ROLE_NAMES = dict(
    networks_input_name="kvm_virtual_networks",
    pools_input_name="kvm_storage_pools",
    vms_input_name="kvm_vms",
    inventory_hostname="kvm01",
)
STATS = {}
DRIVER_HICCUP = re.compile(r": vir\w+\(\) failed$")
ARGSPEC_ITEM = re.compile(
    r"^Elements value for option '(pools|networks|vms)' is of type \w+ and we were unable to "
    r"convert to dict"
)


def fuzz_settings(examples):
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


def run(module, args, check_mode=True):
    """The module's result; an error the test driver gives without a message (about one case in 5,000, when
    connections open and close this fast) is retried once and counted."""
    result = run_once(module, args, check_mode)
    if result.get("failed") and DRIVER_HICCUP.search(result.get("msg", "")):
        STATS.setdefault("test driver", Counter())["errors without a message, retried"] += 1
        result = run_once(module, args, check_mode)
    return result


def run_once(module, args, check_mode=True):
    """The module's result, read from its own exit; an exception escaping main() is a traceback (property 1)."""
    out = io.StringIO()
    with patch_module_args(dict(args, uri=URI, _ansible_check_mode=check_mode)):
        with contextlib.redirect_stdout(out):
            try:
                module.main()
            except SystemExit:
                pass
    return json.loads(out.getvalue())


def outcome(label, result, name, items):
    """The case's outcome, counted for the log; property 1 and 2 asserted."""
    stats = STATS.setdefault(label, Counter())
    stats["cases"] += 1
    if not result.get("failed"):
        stats["accepted"] += 1
        return "accepted"
    message = result.get("msg")
    assert isinstance(message, str) and message, result
    if ARGSPEC_ITEM.match(message):
        # Ansible's elements: dict refuses an item that is not a mapping before the validator sees it (no path):
        # counted apart, and held by test_generated_cases.test_an_item_that_is_not_a_mapping_is_named (xfail).
        stats["refused by the argument spec, no path"] += 1
        return "argspec"
    if not gen.names_what_was_written(message, name, items):
        stats["refused without the user's path"] += 1
        raise AssertionError("refusal does not begin with the path written under %s: %s" % (name, message))
    stats["refused"] += 1
    return "refused"


@pytest.fixture(scope="module", autouse=True)
def report(request):
    """Seed, rate and outcomes per module, written to the test log (the terminal, past pytest's capture)."""
    started = time.monotonic()
    yield
    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    lines = [
        "generated inputs: seed %d (FUZZ_SEED), scale %g (FUZZ_SCALE), %.1f s"
        % (SEED, SCALE, time.monotonic() - started)
    ]
    for label, stats in sorted(STATS.items()):
        rate = stats["cases"] / stats["seconds"] if stats.get("seconds") else 0
        counts = ", ".join(
            "%s %d" % (key, value) for key, value in sorted(stats.items()) if key not in ("cases", "seconds")
        )
        lines.append("  %-28s %6d cases %6.0f/s  %s" % (label, stats["cases"], rate, counts))
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        for line in [""] + lines if terminal else ():
            terminal.write_line(line)
    STATS.clear()


@pytest.fixture(scope="module", autouse=True)
def fake_sriov(tmp_path_factory):
    """A sysfs with one SR-IOV NIC, read by check_sriov in place of this machine's, which has none."""
    root = tmp_path_factory.mktemp("sysfs")
    (root / "class" / "net" / gen.SRIOV_PF / "device").mkdir(parents=True)
    (root / "class" / "net" / gen.SRIOV_PF / "device" / "sriov_totalvfs").write_text("4\n")
    for address in gen.SRIOV_VFS:
        (root / "bus" / "pci" / "devices" / address / "physfn").mkdir(parents=True)
    real = network_reconcile.check_sriov
    with mock.patch.object(network_reconcile, "check_sriov", lambda desired, _sysfs="/sys": real(desired, str(root))):
        yield


@contextlib.contextmanager
def timed(label):
    started = time.monotonic()
    try:
        yield
    finally:
        STATS.setdefault(label, Counter())["seconds"] += time.monotonic() - started


def lists(strategy, max_size=2):
    return st.lists(strategy, min_size=1, max_size=max_size)


POOLS = lists(gen.pool()).filter(
    lambda items: (
        len({p["name"] for p in items}) == len(items)
        and len({p.get("path") for p in items if p.get("path")}) == len([p for p in items if p.get("path")])
        and gen.sources_apart(items)
    )
)
NETWORKS = (
    st.lists(
        st.tuples(gen.WORDS, st.integers(0, 250)), min_size=1, max_size=2, unique_by=(lambda t: t[0], lambda t: t[1])
    )
    .flatmap(lambda named: st.tuples(*[gen.network(name=name, third=third, bridges=BRIDGES) for name, third in named]))
    .map(list)
    .filter(
        lambda items: (
            len({n.get("bridge_name") for n in items if n.get("bridge_name")})
            == len([n for n in items if n.get("bridge_name")])
        )
    )
)
BASE_POOL = {
    "name": "gen-base",
    "path": "/srv/gen-base",
    "volumes": [{"name": "base.qcow2", "capacity": "1G", "format": "qcow2"}],
}
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
# 3 x (300 + 650 x 10) = 20,400 cases at scale 1.
EXAMPLES = {"valid": 300, "mutated": 650}


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
