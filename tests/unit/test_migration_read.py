"""What a move reads before anything moves (migration_read) and the migration call it makes (migration_apply),
against a small stand-in for libvirt's connection."""

import threading
import xml.etree.ElementTree as ET

import libvirt
import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, UnsupportedError
from ansible_collections.essentials.kvm.plugins.module_utils.migration_apply import (
    Options,
    flags_and_params,
    migrate,
    with_paths,
)
from ansible_collections.essentials.kvm.plugins.module_utils.migration_read import (
    Found,
    check_target,
    cpu_to_check,
    data_uri,
    host_facts,
    offered_machines,
    read_source,
    transport_uri,
)
from ansible_collections.essentials.kvm.plugins.module_utils.migration_reconcile import Move, describe

VM_XML = """<domain type='qemu'><name>web1</name><devices>
<disk type='volume' device='disk'><source pool='shared' volume='web1-disk0.qcow2'/><target dev='vda'/></disk>
<disk type='volume' device='disk'><source pool='local' volume='web1-disk1.qcow2'/><target dev='vdb'/></disk>
<disk type='file' device='cdrom'><source file='/srv/iso/a.iso'/><target dev='sda'/><readonly/></disk>
<interface type='network'><source network='lan' portgroup='v100'/></interface>
</devices></domain>"""
NFS = "<pool type='netfs'><name>shared</name><source><host name='%s'/><dir path='/srv'/></source></pool>"
DIR = "<pool type='dir'><name>local</name><target><path>/var/lib/libvirt/images</path></target></pool>"
VOLUME = (
    "<volume><name>web1-disk1.qcow2</name><capacity unit='bytes'>1073741824</capacity>"
    "<target><path>/x</path><format type='qcow2'/></target><backingStore><path>/base</path></backingStore></volume>"
)


def missing(code):
    error = libvirt.libvirtError("missing")
    error.get_error_code = lambda: code
    return error


class Obj:
    def __init__(self, xml="", active=True, volumes=None):
        self.xml, self.active, self.volumes, self.refreshed = xml, active, volumes or {}, 0

    def XMLDesc(self, _flags=0):
        return self.xml

    def isActive(self):
        return self.active

    def refresh(self, _flags):
        self.refreshed += 1

    def storageVolLookupByName(self, name):
        if name not in self.volumes:
            raise missing(libvirt.VIR_ERR_NO_STORAGE_VOL)
        return Obj(self.volumes[name])


# A Debian 12 host's QEMU 7.2: `pc` and `q35` are aliases of its newest versioned types.
CAPS = """<capabilities><guest><os_type>hvm</os_type><arch name='x86_64'>
<machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine><machine maxCpus='255'>pc-i440fx-7.1</machine>
<machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine><domain type='qemu'/></arch></guest></capabilities>"""


class Conn:
    def __init__(self, domains=None, networks=None, pools=None, caps=CAPS):
        self.domains, self.networks, self.pools, self.caps = domains or {}, networks or {}, pools or {}, caps

    def getCapabilities(self):
        return self.caps

    def lookupByName(self, name):
        if name not in self.domains:
            raise missing(libvirt.VIR_ERR_NO_DOMAIN)
        return self.domains[name]

    def networkLookupByName(self, name):
        if name not in self.networks:
            raise missing(libvirt.VIR_ERR_NO_NETWORK)
        return self.networks[name]

    def storagePoolLookupByName(self, name):
        if name not in self.pools:
            raise missing(libvirt.VIR_ERR_NO_STORAGE_POOL)
        return self.pools[name]

    def storageVolLookupByPath(self, path):
        for pool_name, pool in self.pools.items():
            for name, xml in pool.volumes.items():
                if "<path>%s</path>" % path in xml:
                    return Named(name, pool_name)
        raise missing(libvirt.VIR_ERR_NO_STORAGE_VOL)


class Named:
    """A volume found by its path: its name and its pool's."""

    def __init__(self, name, pool):
        self._name, self._pool = name, pool

    def name(self):
        return self._name

    def storagePoolLookupByVolume(self):
        return Named(self._pool, None)


def source():
    pools = {
        "shared": Obj(NFS % "nas", volumes={"web1-disk0.qcow2": VOLUME}),
        "local": Obj(DIR, volumes={"web1-disk1.qcow2": VOLUME}),
    }
    return Conn({"web1": Obj(VM_XML)}, pools=pools)


def target(**changes):
    parts = {"networks": {"lan": Obj()}, "pools": {"shared": Obj(NFS % "nas"), "local": Obj(DIR)}}
    parts.update(changes)
    return Conn(**parts)


def test_the_transport_and_the_data_stream_reach_the_migration_address():
    assert (
        transport_uri("192.168.30.12", "/root/.ssh/k")
        == "qemu+ssh://root@192.168.30.12/system?keyfile=/root/.ssh/k&no_tty=1"
    )
    assert transport_uri("fd00::2", "/k") == "qemu+ssh://root@[fd00::2]/system?keyfile=/k&no_tty=1"
    assert data_uri("fd00::2") == "tcp://[fd00::2]"


def test_a_shared_pool_moves_memory_only_and_a_local_one_gets_a_volume_to_copy_into():
    found = read_source(source(), "web1")
    assert (found.live, found.networks, [d.target for d in found.disks]) == (True, ["lan"], ["vda", "vdb"])
    theirs = target()
    check_target(source(), theirs, found, "kvm2")
    assert [(d.target, d.copy) for d in found.disks] == [("vda", False), ("vdb", True)]
    # The copy fills the volume whole: the same size and format, no backing file.
    assert "backingStore" not in found.disks[1].create and "1073741824" in found.disks[1].create
    assert theirs.pools["shared"].refreshed == 1
    flags, params = flags_and_params(found, "192.168.30.12", Options(bandwidth=100))
    assert flags & libvirt.VIR_MIGRATE_LIVE and flags & libvirt.VIR_MIGRATE_NON_SHARED_DISK
    assert flags & libvirt.VIR_MIGRATE_UNDEFINE_SOURCE and flags & libvirt.VIR_MIGRATE_AUTO_CONVERGE
    assert params[libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS] == ["vdb"]
    assert params[libvirt.VIR_MIGRATE_PARAM_URI] == "tcp://192.168.30.12"
    assert params[libvirt.VIR_MIGRATE_PARAM_BANDWIDTH] == 100


def test_a_disk_named_by_its_path_moves_as_the_pool_volume_at_that_path():
    """The VMs step writes a local volume as <disk type='file'> (AppArmor labels it): the move finds its pool."""
    conn = source()
    conn.pools["local"].volumes["web1-disk1.qcow2"] = VOLUME.replace("/x<", "/var/lib/libvirt/images/web1-disk1.qcow2<")
    conn.domains["web1"].xml = VM_XML.replace(
        "<disk type='volume' device='disk'><source pool='local' volume='web1-disk1.qcow2'/>",
        "<disk type='file' device='disk'><source file='/var/lib/libvirt/images/web1-disk1.qcow2'/>",
    )
    found = read_source(conn, "web1")
    assert [(d.target, d.pool, d.volume) for d in found.disks] == [
        ("vda", "shared", "web1-disk0.qcow2"),
        ("vdb", "local", "web1-disk1.qcow2"),
    ]


def test_the_same_pool_name_on_other_storage_is_not_shared():
    found = read_source(source(), "web1")
    check_target(source(), target(pools={"shared": Obj(NFS % "other"), "local": Obj(DIR)}), found, "kvm2")
    assert [d.copy for d in found.disks] == [True, True]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"networks": {}}, "web1: cannot move to kvm2, which has no network lan: declare it in kvm_virtual_networks"),
        ({"networks": {"lan": Obj(active=False)}}, "which has no active network lan"),
        (
            {"pools": {"local": Obj(DIR)}},
            "which has no storage pool shared (disk vda): declare it in kvm_storage_pools",
        ),
        ({"domains": {"web1": Obj()}}, "web1: kvm2 has a VM of that name already"),
    ],
)
def test_what_the_target_lacks_stops_the_move_naming_it(changes, message):
    with pytest.raises(HostError, match=None) as caught:
        check_target(source(), target(**changes), read_source(source(), "web1"), "kvm2")
    assert message in caught.value.message


@pytest.mark.parametrize("machine", ["pc-i440fx-7.2", "pc-i440fx-7.1", "pc", "pc-q35-7.2"])
def test_a_machine_type_the_target_offers_moves(machine):
    conn = source()
    conn.domains["web1"].xml = VM_XML.replace(
        "<devices>", "<os><type arch='x86_64' machine='%s'>hvm</type></os><devices>" % machine
    )
    found = read_source(conn, "web1")
    assert (found.arch, found.machine) == ("x86_64", machine)
    check_target(conn, target(), found, "kvm2")


def test_a_vm_defined_by_a_newer_qemu_is_refused_before_the_move_to_an_older_one():
    """Debian 13's QEMU 10.0 defines `pc` as pc-i440fx-10.0, which Debian 12's QEMU 7.2 cannot run."""
    conn = source()
    conn.domains["web1"].xml = VM_XML.replace(
        "<devices>", "<os><type arch='x86_64' machine='pc-i440fx-10.0'>hvm</type></os><devices>"
    )
    with pytest.raises(HostError) as caught:
        check_target(conn, target(), read_source(conn, "web1"), "kvm1")
    assert caught.value.message.startswith(
        "web1: cannot move to kvm1, whose QEMU has no machine type pc-i440fx-10.0 (the VM was defined by a newer "
        "QEMU): give the VM a `machine` that every host offers"
    )
    # A target whose capabilities list no machine types leaves the check to libvirt at the move.
    check_target(conn, target(caps="<capabilities/>"), read_source(conn, "web1"), "kvm1")


def test_a_shut_off_vm_moves_as_definition_and_its_local_disks_are_copied_unless_overlays():
    conn = source()
    conn.domains["web1"].active = False
    found = read_source(conn, "web1")
    # A volume with a backing file would be copied without it: refused before anything moves.
    with pytest.raises(UnsupportedError) as caught:
        check_target(conn, target(), found, "kvm2")
    assert caught.value.message.startswith(
        "web1: is shut off and disk vdb (local/web1-disk1.qcow2) is an overlay of /base, which a copy of the volume "
        "would not take along to kvm2: start the VM to move it live"
    )
    conn.pools["local"].volumes["web1-disk1.qcow2"] = VOLUME.replace(
        "<backingStore><path>/base</path></backingStore>", ""
    )
    found = read_source(conn, "web1")
    check_target(conn, target(), found, "kvm2")
    assert [(d.target, d.copy, d.label) for d in found.disks] == [
        ("vda", False, "shared/web1-disk0.qcow2"),
        ("vdb", True, "local/web1-disk1.qcow2"),
    ]
    assert "1073741824" in found.disks[1].create and "qcow2" in found.disks[1].create
    flags, params = flags_and_params(found, "kvm2", Options())
    assert flags & libvirt.VIR_MIGRATE_OFFLINE and not flags & libvirt.VIR_MIGRATE_LIVE
    assert not flags & libvirt.VIR_MIGRATE_NON_SHARED_DISK
    assert libvirt.VIR_MIGRATE_PARAM_URI not in params and params[libvirt.VIR_MIGRATE_PARAM_PERSIST_XML] == VM_XML
    assert describe(found, Move("web1", "kvm2", "10.0.0.2", "kvm1")) == (
        "web1: move kvm1 -> kvm2 (shut off, disks vdb copied)"
    )
    found.disks = found.disks[:1]
    assert describe(found, Move("web1", "kvm2", "10.0.0.2", "kvm1")).endswith("(shut off, definition only)")


def test_a_copied_disk_named_by_its_path_is_named_by_its_copys_path_on_the_target():
    xml = VM_XML.replace(
        "<disk type='volume' device='disk'><source pool='local' volume='web1-disk1.qcow2'/>",
        "<disk type='file' device='disk'><source file='/var/lib/libvirt/images/web1-disk1.qcow2'/>",
    )
    found = Found("web1", False, xml)
    _flags, params = flags_and_params(found, "kvm2", Options(), {"vdb": "/srv/local/web1-disk1.qcow2"})
    disks = ET.fromstring(params[libvirt.VIR_MIGRATE_PARAM_PERSIST_XML]).findall("devices/disk")
    assert [d.find("source").attrib for d in disks] == [
        {"pool": "shared", "volume": "web1-disk0.qcow2"},
        {"file": "/srv/local/web1-disk1.qcow2"},
        {"file": "/srv/iso/a.iso"},
    ]
    assert with_paths(xml, {}) == ET.tostring(ET.fromstring(xml), encoding="unicode")


CPU = """<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
<cpu mode='custom' match='exact' check='partial'><model fallback='forbid'>Skylake-Client</model>
<vendor>Intel</vendor><topology sockets='1' cores='2' threads='1'/><feature policy='require' name='avx512f'/>
<feature policy='disable' name='hle'/><numa><cell id='0' cpus='0-1' memory='1024' unit='MiB'/></numa></cpu>"""
CPU_XML = VM_XML.replace("<domain type='qemu'>", "<domain type='kvm'>").replace("<devices>", CPU + "<devices>")


def test_the_cpu_a_target_must_give_is_the_defined_model_and_features_or_a_running_host_model_as_expanded():
    mode, cpu = cpu_to_check(ET.fromstring(CPU_XML))
    assert mode == "custom"
    assert cpu == (
        '<cpu mode="custom" match="exact" check="partial"><model fallback="forbid">Skylake-Client</model>'
        '<vendor>Intel</vendor><feature policy="require" name="avx512f" /><feature policy="disable" name="hle" />'
        "</cpu>"
    )
    assert cpu_to_check(ET.fromstring("<domain><devices/></domain>")) == (None, None)
    assert cpu_to_check(ET.fromstring("<domain><cpu><topology sockets='1' cores='2' threads='1'/></cpu></domain>")) == (
        "custom",
        None,
    )
    host_model = ET.fromstring("<domain><cpu mode='host-model' check='partial'/></domain>")
    assert cpu_to_check(host_model) == ("host-model", None)  # shut off: the target's own at its next start
    running = ET.fromstring(CPU_XML)
    mode, cpu = cpu_to_check(host_model, running)
    assert mode == "host-model" and '<model fallback="forbid">Skylake-Client</model>' in cpu
    passthrough = ET.fromstring("<domain><cpu mode='host-passthrough' check='none' migratable='on'/></domain>")
    assert cpu_to_check(passthrough, passthrough) == ("host-passthrough", None)


class CpuTarget(Conn):
    """A target whose libvirt answers the CPU comparison with the error given (None: compatible)."""

    def __init__(self, error=None, **parts):
        defaults = target()
        super().__init__(networks=defaults.networks, pools=defaults.pools, **parts)
        self.error, self.compared = error, []

    def compareHypervisorCPU(self, emulator, arch, machine, virttype, xml, flags):
        self.compared.append((emulator, arch, machine, virttype, xml, flags))
        if self.error:
            raise self.error
        return libvirt.VIR_CPU_COMPARE_SUPERSET


def libvirt_error(code, message):
    error = libvirt.libvirtError(message)
    error.get_error_code = lambda: code
    error.get_error_message = lambda: message
    return error


def test_a_cpu_the_target_cannot_give_refuses_the_move_naming_what_it_lacks():
    conn = source()
    conn.domains["web1"].xml = CPU_XML
    found = read_source(conn, "web1")
    message = "the CPU is incompatible with host CPU: Host CPU does not provide required features: avx512f"
    theirs = CpuTarget(libvirt_error(libvirt.VIR_ERR_CPU_INCOMPATIBLE, message))
    with pytest.raises(HostError) as caught:
        check_target(conn, theirs, found, "kvm2")
    assert caught.value.message == (
        "web1: cannot move to kvm2, whose kvm hypervisor cannot give the VM's CPU (Skylake-Client +avx512f): %s; "
        "nothing moved: give the VM a CPU model and features every host offers (virsh domcapabilities on each lists "
        "them)" % message
    )
    emulator, arch, machine, virttype, _xml, flags = theirs.compared[0]
    assert (emulator, arch, machine, virttype) == (None, "x86_64", "pc-q35-7.2", "kvm")
    assert flags == libvirt.VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE
    # A target whose libvirt cannot compare (the test driver) leaves it to the move; a compatible one moves.
    check_target(conn, CpuTarget(libvirt_error(libvirt.VIR_ERR_NO_SUPPORT, "no")), read_source(conn, "web1"), "kvm2")
    check_target(conn, CpuTarget(), read_source(conn, "web1"), "kvm2")


def test_a_running_host_passthrough_cpu_moves_with_a_warning_and_is_not_compared():
    conn = source()
    conn.domains["web1"].xml = VM_XML.replace("<devices>", "<cpu mode='host-passthrough'/><devices>")
    theirs = CpuTarget(libvirt_error(libvirt.VIR_ERR_CPU_INCOMPATIBLE, "never asked"))
    found = read_source(conn, "web1")
    check_target(conn, theirs, found, "kvm2")
    assert theirs.compared == [] and found.notes == [
        "web1: runs with a host-passthrough CPU, which libvirt cannot compare between hosts: its live move to kvm2 "
        "keeps the guest running only when both hosts have identical CPUs (a CPU model every host offers has its "
        "moves checked)"
    ]
    conn.domains["web1"].active = False
    found = read_source(conn, "web1")
    found.disks = found.disks[:1]
    check_target(conn, theirs, found, "kvm2")
    assert found.notes == []


def test_a_vm_gone_from_the_source_is_no_move_and_a_disk_outside_pools_is_refused():
    assert read_source(Conn(), "web1") is None
    conn = Conn(
        {
            "web1": Obj(
                VM_XML.replace(
                    "<disk type='volume' device='disk'><source pool='shared' volume='web1-disk0.qcow2'/>",
                    "<disk type='file' device='disk'><source file='/srv/web1.img'/>",
                )
            )
        }
    )
    with pytest.raises(UnsupportedError, match=r"web1: disk vda \(/srv/web1.img\) is in no storage pool"):
        read_source(conn, "web1")


def test_the_placement_read_lists_the_machine_types_offered_and_each_domains_own(default_conn):
    """One read per host (libvirt_migrate without moves) on libvirt's test driver, whose capabilities list no
    machine types (nor memory statistics: a wrapper gives them); the stand-in's machine types are Debian 12's."""

    class Host:
        def __getattr__(self, name):
            return getattr(default_conn, name)

        def getMemoryStats(self, _cell, _flags):
            return {"free": 2048 * 1024, "buffers": 0, "cached": 1024 * 1024}

    facts = host_facts(Host())
    assert facts["free_mib"] == 3072
    assert facts["domains"] == {"test": "running"} and facts["machine_types"] == {}
    assert facts["machines"] == {}  # the stock domain names no machine type
    default_conn.defineXML(
        "<domain type='test'><name>web1</name><memory unit='MiB'>64</memory>"
        "<os><type arch='i686' machine='pc-i440fx-10.0'>hvm</type></os></domain>"
    )
    facts = host_facts(Host())
    assert facts["domains"]["web1"] == "shutoff"
    assert facts["machines"] == {"web1": {"arch": "i686", "machine": "pc-i440fx-10.0"}}
    assert offered_machines(Conn()) == {"x86_64": {"pc", "pc-i440fx-7.2", "pc-i440fx-7.1", "q35", "pc-q35-7.2"}}


def test_a_move_past_its_timeout_is_aborted_and_the_vm_stays_on_the_source():
    """A stream that never gets through (a filtered migration port) hangs the job: the watch aborts it."""
    aborted = threading.Event()

    class Dom:
        def migrateSetMaxDowntime(self, _ms, _flags):
            pass

        def migrateToURI3(self, _uri, _params, _flags):
            aborted.wait(10)
            raise libvirt.libvirtError("operation aborted: migration out job: canceled by client")

        def abortJob(self):
            aborted.set()

    conn = Conn({"web1": Dom()})
    move = Move(name="web1", target="kvm2", address="192.0.2.1", source="kvm1")
    with pytest.raises(HostError) as caught:
        migrate(conn, Conn(), "qemu+ssh://root@192.0.2.1/system", Found("web1", True, VM_XML), move, Options(timeout=0))
    assert aborted.is_set()
    assert caught.value.message.startswith(
        "web1: the move to kvm2 did not finish within 0 s and was aborted; the VM stays on kvm1"
    )
