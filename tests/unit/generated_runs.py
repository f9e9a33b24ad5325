"""What the generated-input tests (test_generated_inputs, test_generated_apply) share: the seed and scale, the
module run in process on test:///default and its statistics (conftest's generated_report writes them), and the
network strategy and base pool both use."""

import contextlib
import io
import json
import os
import re
import time
from collections import Counter

import generated_inputs as gen
from ansible.module_utils.testing import patch_module_args
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

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
    return exit_result(module, dict(args, uri=URI, _ansible_check_mode=check_mode))


def exit_result(module, args):
    """The module's result, read from its own exit; an exception escaping main() is a traceback (property 1)."""
    out = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(out):
        try:
            module.main()
        except SystemExit:
            pass
    return json.loads(out.getvalue())


@contextlib.contextmanager
def timed(label):
    started = time.monotonic()
    try:
        yield
    finally:
        STATS.setdefault(label, Counter())["seconds"] += time.monotonic() - started


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


ARGSPEC_ITEM = re.compile(
    r"^Elements value for option '\w+' is of type \w+ and we were unable to "
    r"convert to dict"
)


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
