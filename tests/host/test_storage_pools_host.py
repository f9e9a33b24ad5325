"""The kvm role's storage pools on a host VM (issue 3): a real Debian kernel with device-mapper, NFS, the
iSCSI kernel initiator and SCSI, so logical, netfs, iscsi, scsi and mpath pools start for real.

Everything runs on the first host VM, a bare Debian 12 on which the test first installs the storage servers
and tools it uses: a loop device for the volume group, an NFS export of a local directory
mounted over 127.0.0.1, a tgt target with one LUN for the kernel initiator, scsi_debug for a SCSI host, and
a second tgt target whose LUN the initiator reaches over two portals (127.0.0.1 and 127.0.0.2), which
multipathd joins into one multipath map for the mpath pool (issue 22).
All of it is named ekvm-sp* and removed at the end, and the services the test starts are stopped again.
"""

import json
import os
import subprocess

import pytest

from tests.labkit import ansible, paths
from tests.labkit.proc import run, wait_for

pytestmark = pytest.mark.host

PLAY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "storage_pools.yml")
WORK = "/var/tmp/ekvm-sp"
EXPORT = "/srv/ekvm-sp-nfs"
MOUNT = "/var/lib/ekvm-sp-nfs"
VG = "ekvm-sp-vg"
IQN = "iqn.2026-01.org.essentials:ekvm-sp"
TID = 4242
# The multipath target: one LUN, two paths. Its IQN does not start with IQN, so the sessions stay apart.
MP_IQN = "iqn.2026-01.org.essentials:mp-ekvm-sp"
MP_TID = 4243
MP_PORTALS = ("127.0.0.1:3260", "127.0.0.2:3260")
POOLS = ("ekvm-sp-vg", "ekvm-sp-nfs", "ekvm-sp-iscsi", "ekvm-sp-scsi", "ekvm-sp-mpath")
# Services the test may start; each one inactive before the test is stopped again afterwards.
SERVICES = "nfs-server nfs-mountd nfsdcld nfs-idmapd rpc-statd rpcbind tgt iscsid multipathd"
MIB = 1024 * 1024
# Commands share one SSH connection: under TCG every new login costs seconds. The fixture owns the
# master process, whose output goes to /dev/null (its proxy process then holds no pipe of ours open);
# the socket is this process's own, so a socket left by a killed run cannot turn multiplexing off.
SOCKET = os.path.join(paths.HOSTS, "ekvm-sp-%d" % os.getpid())
MUX = ["-o", "ControlMaster=no", "-o", "ControlPath=" + SOCKET]

# The storage side of the test, and the tools its setup and state checks use before the role runs: the host
# VMs are bare Debian (the roles install only what declared pools need; the homelab test proves that).
SERVERS = "nfs-kernel-server tgt open-iscsi lvm2 multipath-tools"
INSTALL = (
    "export DEBIAN_FRONTEND=noninteractive; apt-get install -y -q --no-install-recommends %s >/dev/null || "
    "{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends %s >/dev/null; }"
) % (SERVERS, SERVERS)

PREPARE = f"""set -e
mkdir -p {WORK} {EXPORT}
for unit in {SERVICES}; do echo "$unit $(systemctl is-active $unit || true)"; done > {WORK}/services
if [ -e /etc/multipath/wwids ]; then cp -a /etc/multipath/wwids {WORK}/wwids; else : > {WORK}/wwids.absent; fi
truncate -s 128M {WORK}/vg.img
losetup -f --show {WORK}/vg.img > {WORK}/loop
# nfsd refuses opens during its grace period after a start (90 s by default).
mkdir -p /etc/nfs.conf.d
printf '[nfsd]\\ngrace-time=10\\nlease-time=10\\n' > /etc/nfs.conf.d/ekvm-sp.conf
systemctl start nfs-server tgt iscsid multipathd
exportfs -o rw,sync,no_root_squash,no_subtree_check 127.0.0.1:{EXPORT}
truncate -s 32M {WORK}/lun1.img
tgtadm --lld iscsi --mode target --op new --tid {TID} --targetname {IQN}
tgtadm --lld iscsi --mode logicalunit --op new --tid {TID} --lun 1 --backing-store {WORK}/lun1.img
tgtadm --lld iscsi --mode target --op bind --tid {TID} --initiator-address 127.0.0.1
modprobe scsi_debug dev_size_mb=16 num_tgts=1 max_luns=1
# One LUN over two portals of tgt (the source address is 127.0.0.1 for both): two sessions, two SCSI disks
# with one WWID. Debian's multipathd (find_multipaths strict) maps only WWIDs it knows: multipath -a adds it.
truncate -s 16M {WORK}/mp.img
tgtadm --lld iscsi --mode target --op new --tid {MP_TID} --targetname {MP_IQN}
tgtadm --lld iscsi --mode logicalunit --op new --tid {MP_TID} --lun 1 --backing-store {WORK}/mp.img
tgtadm --lld iscsi --mode target --op bind --tid {MP_TID} --initiator-address 127.0.0.1
for portal in {" ".join(MP_PORTALS)}; do
  iscsiadm -m node -o new -T {MP_IQN} -p $portal >/dev/null
  iscsiadm -m node -T {MP_IQN} -p $portal -l >/dev/null
done
udevadm settle
paths=$(for portal in {" ".join(MP_PORTALS)}; do readlink -f /dev/disk/by-path/ip-$portal-iscsi-{MP_IQN}-lun-1; done)
multipath -a $(echo $paths | cut -d' ' -f1) >/dev/null
multipath $paths >/dev/null
udevadm settle
map=$(multipath -l -v1 $(echo $paths | cut -d' ' -f1))
echo $map > {WORK}/mpmap
echo "mpath $map $(basename $(readlink -f /dev/mapper/$map)) $(multipath -ll $map | grep -c ' active ready ')"
echo "loop $(cat {WORK}/loop)"
echo "scsi_host $(basename /sys/bus/pseudo/drivers/scsi_debug/adapter0/host*)"
"""

# Removes whatever a run left behind, in any state; every step may find nothing to do.
# Steps that can block on a stuck device or service get a time limit: a cleanup must end.
CLEANUP = """for pool in {pools}; do
  timeout 60 virsh -q -c qemu:///system pool-destroy $pool; virsh -q -c qemu:///system pool-undefine $pool
done >/dev/null 2>&1
timeout 60 vgremove -q -f {vg} >/dev/null 2>&1
if [ -s {work}/loop ]; then timeout 60 pvremove -q -f $(cat {work}/loop) >/dev/null 2>&1; losetup -d $(cat {work}/loop); fi
timeout 60 umount {mount} 2>/dev/null || umount -l {mount} 2>/dev/null; rmdir {mount} 2>/dev/null
exportfs -u 127.0.0.1:{export} 2>/dev/null
# The WWID list as it was, then the map, then its paths: multipathd must not build the map again.
if [ -f {work}/wwids ]; then cp -a {work}/wwids /etc/multipath/wwids; elif [ -f {work}/wwids.absent ]; then rm -f /etc/multipath/wwids; fi
[ -s {work}/mpmap ] && timeout 60 multipath -f $(cat {work}/mpmap) >/dev/null 2>&1
for target in {iqn} {mp_iqn}; do
  timeout 60 iscsiadm -m node -T $target -u >/dev/null 2>&1
  iscsiadm -m node -T $target -o delete >/dev/null 2>&1
done
iscsiadm -m discoverydb -t sendtargets -p 127.0.0.1:3260 -o delete >/dev/null 2>&1
# iscsiadm leaves its record folders behind; empty ones go (a fresh host VM has none).
rmdir /etc/iscsi/nodes /etc/iscsi/send_targets 2>/dev/null
for tid in {tid} {mp_tid}; do tgtadm --lld iscsi --mode target --op delete --force --tid $tid 2>/dev/null; done
udevadm settle --timeout=60
for try in 1 2 3 4 5; do grep -q '^scsi_debug ' /proc/modules || break; timeout 30 modprobe -r scsi_debug && break; sleep 2; done
rm -f /etc/nfs.conf.d/ekvm-sp.conf
if [ -f {work}/services ]; then
  stop=$(awk '$2 != "active" {{print $1}}' {work}/services)
  [ -z "$stop" ] || timeout 180 systemctl stop $stop
fi
rm -rf {work} {export}
""".format(
    pools=" ".join(POOLS), vg=VG, work=WORK, mount=MOUNT, export=EXPORT, iqn=IQN, tid=TID, mp_iqn=MP_IQN, mp_tid=MP_TID
)

# What the test touches on the host, to prove it is left as it was found.
HOST_STATE = f"""virsh -q -c qemu:///system pool-list --all --name | sort
losetup -a; vgs --noheadings -o vg_name; findmnt -n -t nfs,nfs4 -o TARGET; exportfs
iscsiadm -m session 2>/dev/null; ls /etc/iscsi/nodes /etc/iscsi/send_targets 2>/dev/null
grep '^scsi_debug ' /proc/modules; dmsetup ls --target multipath; cat /etc/multipath/wwids
for unit in {SERVICES}; do echo "$unit $(systemctl is-active $unit)"; done
ls /etc/nfs.conf.d {WORK} {EXPORT} {MOUNT} 2>&1
"""

# The pools as the module leaves them: definition, run state, autostart, volumes with their sizes.
POOL_STATE = """for pool in {pools}; do
  echo "== $pool"; virsh -q -c qemu:///system pool-dumpxml --inactive $pool 2>&1 | grep -v '<capacity\\|<allocation\\|<available'
  virsh -q -c qemu:///system pool-info $pool 2>&1 | grep -E '^(State|Autostart)'
  virsh -q -c qemu:///system vol-list $pool 2>/dev/null | awk '{{print $1}}'
done
lvs --noheadings --units b --nosuffix -o lv_name,lv_size {vg} 2>&1
""".format(pools=" ".join(POOLS), vg=VG)


def pools(found, disk="64M", lv1="16M", state="active"):
    """kvm_storage_pools for this host; `found` holds the loop device and scsi_host the host got."""
    return [
        {
            "name": "ekvm-sp-vg",
            "type": "logical",
            "state": state,
            "build": True,
            "delete_data": True,
            "source": {"name": VG, "devices": [found["loop"]]},
            "volumes": [{"name": "lv1", "capacity": lv1}, {"name": "lv2", "capacity": "8M"}],
        },
        {
            "name": "ekvm-sp-nfs",
            "type": "netfs",
            "state": state,
            "delete_data": True,
            "source": {"host": "127.0.0.1", "dir": EXPORT, "format": "nfs"},
            "target": {"path": MOUNT},
            "volumes": [{"name": "disk.qcow2", "capacity": disk, "format": "qcow2"}],
        },
        {
            "name": "ekvm-sp-iscsi",
            "type": "iscsi",
            "state": state,
            "source": {"host": "127.0.0.1", "device": IQN},
            "target": {"path": "/dev/disk/by-path"},
        },
        # scsi_debug's disk sits on a pseudo bus without a by-path link, and libvirt lists only the LUNs
        # that have a link in a /dev/disk/by-* target.
        {
            "name": "ekvm-sp-scsi",
            "type": "scsi",
            "state": state,
            "source": {"adapter": {"type": "scsi_host", "name": found["scsi_host"]}},
            "target": {"path": "/dev/disk/by-id"},
        },
        {"name": "ekvm-sp-mpath", "type": "mpath", "state": state, "target": {"path": "/dev/mapper"}},
    ]


def play(host, inventory, config, check=False):
    return ansible.playbook_with_vars(
        PLAY,
        [inventory],
        {"kvm_storage_pools": config},
        check=check,
        diff=check,
        timeout=900,
        args=["--limit", host.name],
    )


def sh(host, command, check=True, timeout=600):
    """One command on the host, over the fixture's SSH connection while it is up."""
    argv = host.ssh_argv(command)
    return run(argv[:1] + MUX + argv[1:], check=check, timeout=timeout)


def volumes(host, pool):
    out = sh(host, "virsh -q -c qemu:///system vol-list --details %s" % pool).stdout
    return dict((line.split()[0], line) for line in out.splitlines() if line.strip())


def lv_sizes(host):
    out = sh(host, "lvs --noheadings --units b --nosuffix -o lv_name,lv_size %s" % VG).stdout
    return dict((name, int(size)) for name, size in (line.split() for line in out.splitlines() if line.strip()))


@pytest.fixture(scope="module")
def host(host_vms):
    """The first host VM, with an SSH master connection that lasts as long as the module."""
    vm = host_vms[0][0]
    argv = vm.ssh_argv()
    master = subprocess.Popen(
        argv[:1] + ["-M", "-N", "-o", "ControlPersist=no", "-o", "ControlPath=" + SOCKET] + argv[1:],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: master.poll() is not None or os.path.exists(SOCKET), 120, what="the SSH master")
        yield vm
    finally:
        master.terminate()
        try:
            master.wait(30)
        except subprocess.TimeoutExpired:
            master.kill()
            master.wait()
        if os.path.exists(SOCKET):
            os.unlink(SOCKET)


@pytest.fixture(scope="module")
def prepared(host):
    sh(host, INSTALL, timeout=1500)
    before = sh(host, HOST_STATE, check=False).stdout
    try:
        out = sh(host, PREPARE).stdout
        yield dict(
            line.split(" ", 1) for line in out.splitlines() if line.startswith(("loop ", "scsi_host ", "mpath "))
        )
    finally:
        sh(host, CLEANUP, check=False, timeout=900)
        after = sh(host, HOST_STATE, check=False).stdout
        assert after == before


# The setup installs the storage servers on the bare host first: under TCG that alone takes minutes.
@pytest.mark.timeout(2400)
def test_logical_netfs_iscsi_scsi_and_mpath_pools_start_for_real(host_vms, host, prepared):
    inventory = host_vms[1]
    desired = pools(prepared)

    first = play(host, inventory, desired)
    assert first.rc == 0, first
    assert first.changed(host.name) == 1, first
    state = sh(host, POOL_STATE).stdout
    for name in POOLS:
        section = state.split("== %s\n" % name, 1)[1].split("== ", 1)[0]
        assert "State:          running" in section and "Autostart:      yes" in section, state
    assert lv_sizes(host) == {"lv1": 16 * MIB, "lv2": 8 * MIB}
    assert set(volumes(host, "ekvm-sp-vg")) == {"lv1", "lv2"}
    assert set(volumes(host, "ekvm-sp-nfs")) == {"disk.qcow2"}
    mounted = sh(
        host, "findmnt -n -o FSTYPE,SOURCE %s; qemu-img info --output=json %s/disk.qcow2" % (MOUNT, MOUNT)
    ).stdout
    assert mounted.split()[:2] == ["nfs4", "127.0.0.1:%s" % EXPORT], mounted
    image = json.loads(mounted.split("\n", 1)[1])
    assert image["format"] == "qcow2" and image["virtual-size"] == 64 * MIB, image
    # The LUN of the tgt target through the kernel initiator, the scsi_debug disk, and the multipath map of the
    # second target's LUN over its two paths (named dm-N by libvirt, at its /dev/mapper path).
    assert list(volumes(host, "ekvm-sp-iscsi")) == ["unit:0:0:1"]
    sessions = sh(host, "iscsiadm -m session").stdout
    assert "127.0.0.1:3260,1 %s " % IQN in sessions, sessions
    assert all("%s,1 %s " % (portal, MP_IQN) in sessions for portal in MP_PORTALS), sessions
    scsi = volumes(host, "ekvm-sp-scsi")
    assert list(scsi) == ["unit:0:0:0"] and "/dev/disk/by-id/" in scsi["unit:0:0:0"], scsi
    name, dm, paths = prepared["mpath"].split()
    assert paths == "2", prepared
    mpath = volumes(host, "ekvm-sp-mpath")
    assert list(mpath) == [dm] and "/dev/mapper/%s " % name in mpath[dm] and "16.00 MiB" in mpath[dm], mpath

    # The qcow2 image on the export grows through libvirt; libvirt 9.0 cannot resize logical volumes, so the
    # module grows lv1 with lvextend and refreshes the pool. Check mode plans the growth and nothing else: the
    # other pools are already as asked.
    grown = pools(prepared, disk="96M", lv1="24M")
    checked = play(host, inventory, grown, check=True)
    assert checked.rc == 0, checked
    assert checked.changed(host.name) == 1, checked
    for line in (
        "-volume disk.qcow2: 64 MiB qcow2",
        "+volume disk.qcow2: 96 MiB qcow2",
        "-volume lv1: 16 MiB",
        "+volume lv1: 24 MiB",
    ):
        assert line in checked.output, checked
    assert [name for name in POOLS if "before: pool %s\n" % name in checked.output] == list(POOLS[:2]), checked
    assert sh(host, POOL_STATE).stdout == state

    applied = play(host, inventory, grown)
    assert applied.rc == 0, applied
    assert applied.changed(host.name) == 1, applied
    info = sh(host, "qemu-img info --output=json %s/disk.qcow2" % MOUNT).stdout
    assert json.loads(info)["virtual-size"] == 96 * MIB, info
    assert lv_sizes(host) == {"lv1": 24 * MIB, "lv2": 8 * MIB}
    assert "24.00 MiB" in sh(host, "virsh -q -c qemu:///system vol-info --pool ekvm-sp-vg lv1").stdout
    state = sh(host, POOL_STATE).stdout

    # A second run of the same list, growth included, changes nothing on any pool.
    again = play(host, inventory, grown)
    assert again.rc == 0, again
    assert again.changed(host.name) == 0, again
    assert sh(host, POOL_STATE).stdout == state

    removed = play(host, inventory, pools(prepared, disk="96M", lv1="24M", state="absent"))
    assert removed.rc == 0, removed
    assert removed.changed(host.name) == 1, removed
    defined = sh(host, "virsh -q -c qemu:///system pool-list --all --name").stdout.split()
    assert not set(POOLS) & set(defined), defined
    # delete_data removed the volume group and the volume on the export; stopping the pools unmounted the
    # export and logged out of the target.
    assert sh(host, "vgs %s" % VG, check=False).returncode != 0
    assert sh(host, "ls -A %s" % EXPORT).stdout == ""
    assert sh(host, "findmnt %s" % MOUNT, check=False).returncode != 0
    sessions = sh(host, "iscsiadm -m session", check=False).stdout
    assert " %s " % IQN not in sessions and sessions.count(MP_IQN) == 2, sessions
