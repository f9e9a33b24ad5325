"""Role argument specs against the roles' defaults and the modules, Ansible's validation of wrong
variables, ansible-doc for every module and role, and the choice of OS-family variables."""

import functools
import glob
import importlib
import json
import os
import re
import subprocess
import sys

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from tests.labkit import ansible

pytestmark = pytest.mark.sanity

ROOT = ansible.ROOT
ROLES = ["kvm", "config_interfaces", "openvswitch"]
MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, "plugins", "modules", "[!_]*.py")))
PACKAGE = "ansible_collections.essentials.kvm.plugins."
# The host network roles' item lists, passed to the module option of the same shape: as the kvm role's, lists of
# mappings to the role and the module, read by ovs_validate or ifupdown_validate alone.
NETWORK_ITEM_LISTS = [
    ("openvswitch", "openvswitch_bridges", "openvswitch", "bridges"),
    ("openvswitch", "openvswitch_ports", "openvswitch", "ports"),
] + [
    ("config_interfaces", name, "ifupdown_interfaces", name)
    for name in (
        "network_interfaces",
        "network_bonds",
        "network_bridges",
        "network_vlans",
        "ovs_bonds",
        "ovs_bridges",
        "ovs_interfaces",
    )
]
# The kvm role's item lists: the role and the modules check only that each is a list of mappings, and the kind's
# validator (on the shared kit) reads the items, once; the modules' doc fragments document every suboption.
ITEM_LISTS = [
    ("kvm_virtual_networks", "libvirt_network", "networks"),
    ("kvm_storage_pools", "libvirt_pool", "pools"),
    ("kvm_vms", "libvirt_domain", "vms"),
    ("kvm_images", "libvirt_resources", "images"),
]
# What decides whether a value passes; descriptions may be worded for the role.
CHECKED = ("type", "elements", "choices", "default", "required", "no_log")


@functools.cache
def spec(role):
    with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")) as handle:
        return yaml.safe_load(handle)["argument_specs"]["main"]["options"]


def rendered_defaults(role):
    """The role's defaults with their templates rendered against the defaults alone, as a play
    that sets nothing else would see them."""
    # Imported here, not at collection: once Ansible's controller code is loaded, module code in this
    # process sends its warnings to the display instead of the result, which the unit tests check.
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar

    loader = DataLoader()
    defaults = {}
    pattern = os.path.join(ROOT, "roles", role, "defaults")
    for path in sorted(glob.glob(pattern + "/main.yml") + glob.glob(pattern + "/main/*.yml")):
        defaults.update(loader.load_from_file(path, trusted_as_template=True))
    templar = Templar(loader=loader, variables=defaults)
    return {name: templar.template(value) for name, value in defaults.items()}


@pytest.mark.parametrize("role", ROLES)
def test_every_default_is_in_the_spec_with_the_same_value(role):
    options, defaults = spec(role), rendered_defaults(role)
    missing = sorted(set(defaults) - set(options))
    assert not missing, "defaults of %s missing from meta/argument_specs.yml: %s" % (role, missing)
    differ = {
        name: (options[name].get("default"), value)
        for name, value in defaults.items()
        if options[name].get("default") != value
    }
    assert not differ, "spec default != defaults/ value (spec, defaults): %s" % differ


@pytest.mark.parametrize("role", ROLES)
def test_every_spec_default_comes_from_defaults(role):
    defaults = rendered_defaults(role)
    orphans = sorted(name for name, option in spec(role).items() if "default" in option and name not in defaults)
    assert not orphans, "%s documents defaults that defaults/ does not set: %s" % (role, orphans)


@pytest.mark.parametrize("role", ROLES)
def test_the_defaults_pass_the_spec(role):
    result = ArgumentSpecValidator(spec(role)).validate(rendered_defaults(role), validate_role_argument_spec=True)
    assert not result.error_messages


@functools.cache
def module_options(module):
    """The module's options with those of its documentation fragments (each fragment adds whole options)."""
    documentation = yaml.safe_load(importlib.import_module(PACKAGE + "modules." + module).DOCUMENTATION)
    options = {}
    for fragment in documentation.get("extends_documentation_fragment", []):
        text = importlib.import_module(
            PACKAGE + "doc_fragments." + fragment.split(".")[-1]
        ).ModuleDocFragment.DOCUMENTATION
        options.update(yaml.safe_load(text)["options"])
    options.update(documentation["options"])
    return options


def module_suboptions(module, option):
    return module_options(module)[option]["suboptions"]


def validator_tables(option):
    """The validator's declaration of each mapping it reads, by the documented path of that mapping:
    (keys, checkers by key, aliases by spelling)."""
    if option == "networks":
        net = importlib.import_module(PACKAGE + "module_utils.network_validate")
        return {(): (net.NETWORK_KEYS + net.LEGACY_KEYS, net.NETWORK_FIELDS, {})}
    if option == "pools":
        pool, checks, source, volume = (
            importlib.import_module(PACKAGE + "module_utils.storage_pool_" + name)
            for name in ("validate", "checks", "validate_source", "validate_volume")
        )
        return {
            path: (tuple(table), table, aliases)
            for path, table, aliases in (
                ((), pool.POOL, {}),
                (("target", "permissions"), checks.PERMISSIONS, {}),
                (("source",), source.SOURCE, source.SOURCE_ALIASES),
                (("source", "hosts"), source.HOST, {}),
                (("source", "adapter"), source.ADAPTER, {}),
                (("source", "auth"), source.AUTH, {}),
                (("volumes",), volume.VOLUME, {}),
                (("volumes", "permissions"), checks.PERMISSIONS, {}),
            )
        }
    if option == "images":
        image = importlib.import_module(PACKAGE + "module_utils.image_validate")
        return {(): (tuple(image.FIELDS), image.FIELDS, {})}
    vm = importlib.import_module(PACKAGE + "module_utils.domain_validate")
    disk = importlib.import_module(PACKAGE + "module_utils.domain_validate_disks")
    nic = importlib.import_module(PACKAGE + "module_utils.domain_validate_nics")
    return {
        path: (tuple(keys), table, aliases)
        for path, keys, table, aliases in (
            ((), vm.VM_KEYS, vm.VM_FIELDS, vm.VM_ALIASES),
            (("cpu",), vm.CPU_FIELDS, vm.CPU_FIELDS, {}),
            (("direct_boot",), vm.DIRECT_BOOT_FIELDS, vm.DIRECT_BOOT_FIELDS, {}),
            (("graphics",), vm.GRAPHICS_FIELDS, vm.GRAPHICS_FIELDS, {}),
            (("disks",), disk.DISK_FIELDS, disk.DISK_FIELDS, disk.DISK_ALIASES),
            (("nics",), nic.NIC_FIELDS, nic.NIC_FIELDS, nic.NIC_ALIASES),
            (("cloud_init",), vm.CLOUD_INIT_FIELDS, vm.CLOUD_INIT_FIELDS, {}),
        )
    }


@pytest.mark.parametrize("variable,module,option", ITEM_LISTS, ids=[v[0] for v in ITEM_LISTS])
def test_item_lists_are_only_lists_of_mappings_to_ansible(variable, module, option):
    role = spec("kvm")[variable]
    assert {key: role[key] for key in CHECKED if key in role} == {"type": "list", "elements": "dict", "default": []}
    assert "options" not in role, "roles/kvm/meta/argument_specs.yml: %s must not check its items" % variable
    assert "O(essentials.kvm.%s#module:%s)" % (module, option) in " ".join(role["description"]), (
        "%s's description must point to the module option that documents its items" % variable
    )
    documented = module_options(module)[option]
    assert (documented["type"], documented["elements"]) == ("list", "dict") and documented["suboptions"]
    for name in (module, "libvirt_resources"):
        argument_spec = importlib.import_module(PACKAGE + "modules." + name).ARGUMENT_SPEC
        assert argument_spec[option] == {"type": "list", "elements": "dict"}, (name, option)


@pytest.mark.parametrize("option", [v[2] for v in ITEM_LISTS])
def test_documented_suboptions_are_what_the_validator_reads(option):
    """The doc fragment and the validator agree on the keys of each mapping, their aliases and their choices."""
    for path, (keys, checkers, aliases) in validator_tables(option).items():
        level = module_suboptions("libvirt_resources", option)
        for key in path:
            level = level[key]["suboptions"]
        where = ".".join((option,) + path)
        documented_aliases = {alias: name for name, doc in level.items() for alias in doc.get("aliases", [])}
        # A spelling the validator takes for another key is documented as an alias or, when its value has another
        # shape (source.host for source.hosts), as an option of its own.
        assert set(level) | set(documented_aliases) == set(keys) | set(aliases), where
        assert documented_aliases.items() <= aliases.items(), where
        for key, check in checkers.items():
            if hasattr(check, "choices"):
                assert set(level[key].get("choices", ())) == set(check.choices), "%s.%s" % (where, key)


def network_validator_tables(module, option):
    """As validator_tables, for the host network modules: (keys, choices by key, aliases by spelling) by the
    documented path of each mapping their validator reads."""
    if module == "openvswitch":
        ovs = importlib.import_module(PACKAGE + "module_utils.ovs_validate")
        choices = {
            "state": ovs.STATES,
            "type": ovs.PORT_TYPES,
            "vlan_mode": ovs.VLAN_MODES,
            "bond_mode": ovs.checks.BOND_MODES_OVS,
            "lacp": ovs.checks.LACP_MODES_OVS,
            "lacp_time": ovs.LACP_TIMES,
            "fail_mode": ovs.FAIL_MODES,
            "datapath_type": ovs.DATAPATH_TYPES,
        }
        port = (ovs.PORT_KEYS, choices, {ovs.PORT_ALIAS: "name"})
        if option == "ports":
            return {(): (ovs.PORT_LIST_KEYS, {}, {}), ("ports",): port}
        return {
            (): (ovs.BRIDGE_KEYS, choices, {ovs.BRIDGE_ALIAS: "name"}),
            ("ports",): port,
            ("bonds",): (ovs.BOND_KEYS, choices, {}),
            ("mirrors",): (ovs.MIRROR_KEYS, choices, {}),
        }
    ifupdown = importlib.import_module(PACKAGE + "module_utils.ifupdown_fields")
    extra = dict((section, keys) for section, _cls, keys in ifupdown.SECTIONS)[option]
    choices = {
        "method": ifupdown.METHODS,
        "method6": ifupdown.METHODS6,
        "start": importlib.import_module(PACKAGE + "module_utils.ifupdown_model").START_MODES,
        "type": tuple(ifupdown.OVS_PORT_TYPES),
    }
    choices.update((key, check.choices) for key, (_attr, check) in ifupdown.TYPED.items() if hasattr(check, "choices"))
    tables = {
        (): (ifupdown.COMMON_KEYS + extra, choices, {}),
        ("routes",): (ifupdown.ROUTE_KEYS, {}, {}),
        ("parameters",): (ifupdown.PARAMETER_KEYS, {}, {}),
    }
    if "options" in extra:
        tables[("options",)] = (ifupdown.OVS_OPTION_KEYS, {}, {})
    return tables


@pytest.mark.parametrize("role,variable,module,option", NETWORK_ITEM_LISTS, ids=[v[1] for v in NETWORK_ITEM_LISTS])
def test_network_item_lists_are_only_lists_of_mappings_to_ansible(role, variable, module, option):
    variable_spec = spec(role)[variable]
    assert {key: variable_spec[key] for key in CHECKED if key in variable_spec} == {
        "type": "list",
        "elements": "dict",
        "default": [],
    }
    assert "options" not in variable_spec, "roles/%s/meta/argument_specs.yml: %s must not check its items" % (
        role,
        variable,
    )
    assert "O(essentials.kvm.%s#module:%s)" % (module, option) in " ".join(variable_spec["description"]), (
        "%s's description must point to the module option that documents its items" % variable
    )
    documented = module_options(module)[option]
    assert (documented["type"], documented["elements"]) == ("list", "dict") and documented["suboptions"]
    argument_spec = importlib.import_module(PACKAGE + "modules." + module).ARGUMENT_SPEC
    assert argument_spec[option] == {"type": "list", "elements": "dict", "default": []}, (module, option)


@pytest.mark.parametrize("module,option", [v[2:] for v in NETWORK_ITEM_LISTS], ids=[v[1] for v in NETWORK_ITEM_LISTS])
def test_network_documented_suboptions_are_what_the_validator_reads(module, option):
    """DOCUMENTATION and the validator agree on the keys of each mapping, their aliases and their choices."""
    for path, (keys, choices, aliases) in network_validator_tables(module, option).items():
        level = module_suboptions(module, option)
        for key in path:
            level = level[key]["suboptions"]
        where = ".".join((option,) + path)
        documented_aliases = {alias: name for name, doc in level.items() for alias in doc.get("aliases", [])}
        # The older roles' spelling of name is documented either as an alias or as an option of its own.
        assert set(level) | set(documented_aliases) == set(keys) | set(aliases), where
        assert documented_aliases.items() <= aliases.items(), where
        for key, doc in level.items():
            if "choices" in doc or key in choices and key in keys:
                assert {str(c) for c in doc.get("choices", ())} == set(choices.get(key, ())), "%s.%s" % (where, key)


def test_the_role_hands_item_contents_to_the_module_as_written():
    """What only the module may judge passes the role's validation untouched: no crash, no message, no coercion."""
    items = {
        "kvm_virtual_networks": [{"name": 5, "dns": 5, "portgroups": [{"name": "t", "vlan": True}]}],
        "kvm_storage_pools": [{"name": True, "volumes": [{"name": "a", "permisions": {}}]}],
        "kvm_vms": [{"name": "old", "graphics": False, "disks": [{"disk_driver": "floppyx"}]}],
    }
    result = ArgumentSpecValidator(spec("kvm")).validate(items, validate_role_argument_spec=True)
    assert not result.error_messages
    assert {name: result.validated_parameters[name] for name in items} == items


@pytest.mark.parametrize(
    "role, items",
    [
        (
            "openvswitch",
            {
                "openvswitch_bridges": [{"name": True, "fail_mode": "open", "ports": [{"port": 5, "x": 1}]}],
                "openvswitch_ports": [{"bridge": "br0", "ports": "eth1"}],
            },
        ),
        (
            "config_interfaces",
            {
                "network_bonds": [{"name": "bond0", "start": "sometimes", "parameters": [{"x": 1}]}],
                "network_interfaces": [{"name": 5, "routes": ["default"], "up": "cmd"}],
            },
        ),
    ],
    ids=["openvswitch", "config_interfaces"],
)
def test_the_network_roles_hand_item_contents_to_the_module_as_written(role, items):
    result = ArgumentSpecValidator(spec(role)).validate(items, validate_role_argument_spec=True)
    assert not result.error_messages
    assert {name: result.validated_parameters[name] for name in items} == items


def run_role(tmp_path, role, hosts, tags=None, after=()):
    """The role in check mode on local "hosts", each with its own variables; `fake_facts` of a host
    become its facts. Without real facts and in check mode, a run that gets past validation by
    mistake changes nothing here."""
    fake = {
        "name": "Pretend to be another OS",
        "tags": ["always"],
        "when": "fake_facts is defined",
        "ansible.builtin.set_fact": {
            "os_family": "{{ fake_facts.os_family }}",
            "distribution": "{{ fake_facts.distribution }}",
            "distribution_major_version": "{{ fake_facts.distribution_major_version | default(omit) }}",
            "cacheable": True,
        },
    }
    tasks = [fake, {"name": "Run the role", "ansible.builtin.import_role": {"name": "essentials.kvm." + role}}]
    play = tmp_path / "play.yml"
    play.write_text(
        yaml.safe_dump(
            [{"name": "Role under test", "hosts": "all", "gather_facts": False, "tasks": tasks + list(after)}]
        )
    )
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        yaml.safe_dump(
            {
                "all": {
                    "hosts": hosts,
                    "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
                }
            }
        )
    )
    args = ["--check", "--forks", str(len(hosts))] + (["--tags", tags] if tags else [])
    return ansible.playbook(str(play), [str(inventory)], args=args, timeout=300)


def failure(result, host):
    """The message of the task that failed on host."""
    found = re.search(r"^fatal: \[%s\]: FAILED! => (\{.*\})$" % re.escape(host), result.output, re.M)
    assert found, "%s did not fail:\n%s" % (host, result.output[-6000:])
    return json.loads(found.group(1))["msg"]


# A host per wrong variable; each names what its message must name.
WRONG = {
    "kvm": {
        "vms_not_a_list": ({"kvm_vms": "notalist"}, "kvm_vms"),
        "unknown_choice": ({"kvm_auth_unix_rw": "kerberos"}, "kvm_auth_unix_rw"),
        "pool_not_a_mapping": ({"kvm_storage_pools": [{"name": "images"}, "images2"]}, "kvm_storage_pools"),
    },
    "config_interfaces": {
        "switch_not_a_bool": ({"config_network_interfaces": "maybe"}, "config_network_interfaces"),
        "bonds_not_a_list": ({"network_bonds": {"name": "bond0", "start": "sometimes"}}, "network_bonds"),
    },
    "openvswitch": {
        "bridge_not_a_mapping": ({"openvswitch_bridges": [{"name": "br0"}, "br1"]}, "openvswitch_bridges"),
    },
}


@pytest.mark.parametrize("role", ROLES)
def test_a_wrong_variable_fails_before_any_task(tmp_path, role):
    cases = WRONG[role]
    result = run_role(tmp_path, role, {host: variables for host, (variables, _) in cases.items()})
    assert result.rc != 0, result
    for host, (_, named) in cases.items():
        message = failure(result, host)
        assert message.startswith("Validation of arguments failed") and named in message, (host, message)
        # The validation task is the only one that ran.
        assert result.recap[host] == {"ok": 0, "changed": 0, "unreachable": 0, "failed": 1}, (host, result)


def ansible_doc(kind, name):
    return subprocess.run(
        [os.path.join(ansible.BIN, "ansible-doc"), "-t", kind, "essentials.kvm." + name],
        capture_output=True,
        text=True,
        env=ansible.env(),
        cwd=ROOT,
        timeout=120,
    )


def listed_options(text):
    """Top-level options of ansible-doc's text output: lines starting with `- name` or `= name`."""
    return set(re.findall(r"^[-=] (\S+)", text, re.M))


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_shows_every_module_option(module):
    result = ansible_doc("module", module)
    assert result.returncode == 0, result.stderr
    options = set(module_options(module))
    assert options <= listed_options(result.stdout), sorted(options - listed_options(result.stdout))


@pytest.mark.parametrize("role", ROLES)
def test_ansible_doc_shows_every_role_variable(role):
    result = ansible_doc("role", role)
    assert result.returncode == 0, result.stderr
    variables = set(spec(role))
    assert variables <= listed_options(result.stdout), sorted(variables - listed_options(result.stdout))


def fake_facts(os_family, distribution, major="1"):
    return {"fake_facts": {"os_family": os_family, "distribution": distribution, "distribution_major_version": major}}


def vars_file(role, name):
    with open(os.path.join(ROOT, "roles", role, "vars", name)) as handle:
        return yaml.safe_load(handle)


SHOW = "essentials-kvm-os-vars:"
SHOW_KVM_VARS = [
    {
        "name": "Show the OS variables",
        "tags": ["kvm_os_vars"],
        "ansible.builtin.debug": {
            "msg": SHOW + "{{ {'packages': kvm_os_packages, 'libvirt': kvm_libvirt_service, 'ssh': kvm_ssh_service,"
            " 'group': kvm_libvirt_group} | to_json }}"
        },
    }
]


def shown_os_vars(output):
    shown = {}
    for host, block in re.findall(r"^ok: \[(\S+)\] => (\{.*?^\})", output, re.M | re.S):
        message = json.loads(block).get("msg", "")
        if isinstance(message, str) and message.startswith(SHOW):
            shown[host] = json.loads(message[len(SHOW) :])
    return shown


def test_kvm_loads_the_names_of_the_os_family(tmp_path):
    expected = {
        "debian12": "Debian.yml",
        "debian13": "Debian.yml",
        "debian13spice": "Debian.yml",
        "debian13older": "Debian.yml",
        "debian13vnc": "Debian.yml",
        "ubuntu2204": "Debian.yml",
        "ubuntu2404": "Debian.yml",
        "rocky9": "RedHat.yml",
        "rhel9": "RedHat.yml",
    }
    hosts = {
        "debian12": fake_facts("Debian", "Debian", "12"),
        "debian13": fake_facts("Debian", "Debian", "13"),
        "debian13spice": dict(fake_facts("Debian", "Debian", "13"), kvm_vms=[{"name": "a", "graphics": "spice"}]),
        "debian13older": dict(fake_facts("Debian", "Debian", "13"), kvm_vms=[{"name": "a", "graphics": True}]),
        "debian13vnc": dict(fake_facts("Debian", "Debian", "13"), kvm_vms=[{"name": "a", "graphics": {"type": "vnc"}}]),
        "ubuntu2204": fake_facts("Debian", "Ubuntu", "22"),
        "ubuntu2404": fake_facts("Debian", "Ubuntu", "24"),
        "rocky9": fake_facts("RedHat", "Rocky", "9"),
        "rhel9": fake_facts("RedHat", "RedHat", "9"),
        "leap15": fake_facts("Suse", "openSUSE Leap", "15"),
    }
    # Debian's list is an expression: Debian 13 adds QEMU's SPICE module, which Debian 12 and Ubuntu build in,
    # when a VM has a SPICE console (`spice`, `{type: spice}`, or the older role's `true`).
    debian = [
        "libvirt-daemon-system",
        "libvirt-clients",
        "qemu-system-x86",
        "qemu-utils",
        "python3-libvirt",
        "dnsmasq-base",
        "xorriso",
        "ovmf",
    ]
    spice = debian + ["qemu-system-modules-spice"]
    packages = {"debian13spice": spice, "debian13older": spice}
    result = run_role(tmp_path, "kvm", hosts, tags="kvm_os_vars", after=SHOW_KVM_VARS)
    shown = shown_os_vars(result.output)
    for host, name in expected.items():
        names = vars_file("kvm", name)
        wanted = packages.get(host) or (names["kvm_os_packages"] if name == "RedHat.yml" else debian)
        assert shown.get(host) == {
            "packages": wanted,
            "libvirt": names["kvm_libvirt_service"],
            "ssh": names["kvm_ssh_service"],
            "group": names["kvm_libvirt_group"],
        }, host
        assert "python3-libvirt" in wanted
        assert result.recap[host]["changed"] == 0 and result.recap[host]["failed"] == 0, result
    # A family without package names stops before anything is installed, saying what to add.
    assert "leap15" not in shown
    message = failure(result, "leap15")
    assert "os_family Suse" in message and "vars/Suse.yml" in message, message


def test_config_interfaces_refuses_a_host_without_ifupdown(tmp_path):
    hosts = {
        "rocky_on": dict(fake_facts("RedHat", "Rocky"), config_network_interfaces=True),
        "rocky_off": fake_facts("RedHat", "Rocky"),
        "debian_off": fake_facts("Debian", "Debian"),
    }
    result = run_role(tmp_path, "config_interfaces", hosts)
    message = failure(result, "rocky_on")
    assert "only the Debian family" in message and "os_family RedHat" in message, message
    # The older-variables check, facts and validation ran, the check failed, nothing after it ran.
    assert result.recap["rocky_on"] == {"ok": 3, "changed": 0, "unreachable": 0, "failed": 1}, result
    for host in ("rocky_off", "debian_off"):
        assert result.recap[host]["failed"] == 0 and result.recap[host]["changed"] == 0, result


def test_openvswitch_needs_package_names_outside_debian(tmp_path):
    hosts = {
        "ubuntu_defaults": fake_facts("Debian", "Ubuntu"),
        "rocky_defaults": fake_facts("RedHat", "Rocky"),
        "rocky_set": dict(
            fake_facts("RedHat", "Rocky"), openvswitch_packages=["openvswitch3.3"], openvswitch_service="openvswitch"
        ),
    }
    result = run_role(tmp_path, "openvswitch", hosts, tags="openvswitch_os_check")
    message = failure(result, "rocky_defaults")
    assert "openvswitch_packages" in message and "NFV SIG" in message, message
    for host in ("ubuntu_defaults", "rocky_set"):
        assert result.recap[host]["failed"] == 0 and result.recap[host]["changed"] == 0, result


def test_sheepdog_and_vstorage_pools_are_refused_before_any_change(tmp_path):
    """Debian's (and RHEL's) libvirt has no sheepdog or vstorage backend: the kvm role names the pools and
    stops before its package step (issue 19)."""
    pools = [
        {"name": "sd1", "type": "sheepdog", "source": {"host": "127.0.0.1", "name": "sd"}},
        {"name": "images", "path": "/var/lib/libvirt/images"},
        {"name": "vs1", "type": "vstorage", "source": {"name": "c"}, "target": {"path": "/mnt/vs"}},
    ]
    result = run_role(tmp_path, "kvm", {"refused": {"kvm_storage_pools": pools}})
    assert result.rc != 0, result
    message = failure(result, "refused")
    assert message.startswith("sd1, vs1: pool type sheepdog, vstorage has no backend in Debian's libvirt"), message
    assert result.recap["refused"]["changed"] == 0 and "Install the packages" not in result.output, result
