"""Generated inputs (issue #26) for the host network kinds, through the real module entry points in process:
ifupdown_interfaces on interfaces files in a temp dir (the host's interfaces and its commands faked), openvswitch
on the fake ovs-vsctl of the unit tests (the lab's tests/lab/test_generated_ovs_lab.py applies on a real ovsdb).

The properties are test_generated_inputs': no traceback, every refusal begins with the path the user wrote, every
valid declaration is accepted; and applied, a second run reports no change (ifupdown: rendered into the temp
dir, then run again; openvswitch: the fake switch then holds what was asked, read back through ovs-vsctl's JSON).
"""

import contextlib
import tempfile
from collections import Counter
from pathlib import Path
from unittest import mock

import generated_inputs as gen
import generated_interfaces as gi
import generated_ovs as go
import pytest
from ansible.module_utils.basic import AnsibleModule
from hypothesis import given, seed
from hypothesis import strategies as st

from ansible_collections.essentials.kvm.plugins.module_utils import ifupdown_run
from ansible_collections.essentials.kvm.plugins.modules import ifupdown_interfaces, openvswitch
from tests.unit.fakes import FakeOvs
from tests.unit.generated_runs import SEED, STATS, exit_result, fuzz_settings, outcome, timed

pytestmark = pytest.mark.usefixtures("generated_report")
# 2 x (100 + 250 x 8) = 4,200 cases at scale 1.
EXAMPLES = {"valid": 100, "mutated": 250}
PER_DECLARATION = 8


@contextlib.contextmanager
def interfaces_files():
    """A fresh main file with only lo, the host's interfaces faked and every command a success."""
    with tempfile.TemporaryDirectory(prefix="gen-ifupdown-") as root:
        (Path(root) / "interfaces.d").mkdir()
        (Path(root) / "interfaces").write_text("auto lo\niface lo inet loopback\n")
        with (
            mock.patch.object(ifupdown_run, "host_interfaces", lambda: gi.HOST),
            mock.patch.object(AnsibleModule, "run_command", lambda self, argv, **kw: (0, "", "")),
        ):
            yield {
                "dest": str(Path(root) / "interfaces.d" / "essentials-kvm"),
                "interfaces_file": str(Path(root) / "interfaces"),
                "state_dir": str(Path(root) / "state"),
                "bounce": False,
            }


def run_ifupdown(config, files, check_mode=True):
    return exit_result(ifupdown_interfaces, dict(files, _ansible_check_mode=check_mode, **config))


@st.composite
def mutated_section(draw, per_declaration=PER_DECLARATION):
    """Mutations of one section of a valid configuration: (section, configuration, how) each."""
    config = draw(gi.configuration().filter(bool))
    cases = []
    for _ in range(per_declaration):
        section = draw(st.sampled_from(sorted(config)))
        items, how = gen.mutate(draw, config[section])
        cases.append((section, dict(config, **{section: items}), how))
    return cases


def test_every_valid_generated_interfaces_configuration_is_accepted_then_unchanged():
    label = "ifupdown_interfaces valid"

    @seed(SEED)
    @fuzz_settings(EXAMPLES["valid"])
    @given(gi.configuration())
    def accepted(config):
        with interfaces_files() as files:
            result = run_ifupdown(config, files)
            assert not result.get("failed"), (config, result.get("msg"))
            outcome(label, result, "", config)
            applied = run_ifupdown(config, files, check_mode=False)
            assert not applied.get("failed"), (config, applied.get("msg"))
            again = run_ifupdown(config, files, check_mode=False)
            assert not again.get("failed") and not again["changed"], (config, again)
        STATS.setdefault(label, Counter())["unchanged after applying"] += 1

    with timed(label):
        accepted()


def test_every_interfaces_mutation_is_accepted_or_refused_by_path():
    label = "ifupdown_interfaces"

    @seed(SEED)
    @fuzz_settings(EXAMPLES["mutated"])
    @given(mutated_section())
    def named(cases):
        with interfaces_files() as files:
            for _section, config, _how in cases:
                result = run_ifupdown(config, files)
                # The sections refer to each other, so a mutation of one may be refused in another (a VLAN whose
                # raw device's bond was dropped): the path must walk the section it names, as written.
                named_section = str(result.get("msg")).split("[", 1)[0]
                outcome(label, result, named_section, config.get(named_section, []))

    with timed(label):
        named()


def test_every_valid_generated_switch_is_accepted_then_unchanged():
    label = "openvswitch valid"

    @seed(SEED)
    @fuzz_settings(EXAMPLES["valid"])
    @given(go.bridges())
    def accepted(bridges):
        switch = FakeOvs([], after=openvswitch.parse_bridges(bridges))
        result = go.run_ovs(bridges, switch)
        assert not result.get("failed"), (bridges, result.get("msg"))
        outcome(label, result, "openvswitch_bridges", bridges)
        applied = go.run_ovs(bridges, switch, check_mode=False)
        assert not applied.get("failed") and len(switch.transactions) == 1, (bridges, applied)
        again = go.run_ovs(bridges, switch, check_mode=False)
        assert not again.get("failed") and not again["changed"], (bridges, again)
        STATS.setdefault(label, Counter())["unchanged after applying"] += 1

    with timed(label):
        accepted()


def test_every_switch_mutation_is_accepted_or_refused_by_path():
    label = "openvswitch"

    @seed(SEED)
    @fuzz_settings(EXAMPLES["mutated"])
    @given(gen.mutated(go.bridges(), per_declaration=PER_DECLARATION))
    def named(cases):
        for bridges, _how in cases:
            outcome(label, go.run_ovs(bridges, FakeOvs([])), "openvswitch_bridges", bridges)

    with timed(label):
        named()
