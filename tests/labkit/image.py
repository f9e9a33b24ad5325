"""The Debian 12 host VM image: debootstrap into a folder, configure, mkfs.ext4 -d, qcow2.

Cached under CACHE/image-<hash>; the hash covers the package list and this file, so a change
to either rebuilds it. Kernel and initrd are copied out for direct kernel boot.
"""

import fcntl
import glob
import hashlib
import os
import shutil

from . import paths
from .proc import LabError, run

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGES = os.path.join(HERE, "image-packages.txt")
SUITE = "bookworm"
SIZE = "6G"

FIRSTBOOT = """#!/bin/sh
# Per-VM identity from the kernel command line: ekvm.hostname=NAME ekvm.sshkey=BASE64(pubkey)
set -e
for word in $(cat /proc/cmdline); do
  case "$word" in
    ekvm.hostname=*) name="${word#ekvm.hostname=}" ;;
    ekvm.sshkey=*) key="${word#ekvm.sshkey=}" ;;
  esac
done
if [ -n "$name" ]; then
  echo "$name" > /etc/hostname
  hostname "$name"
  printf '127.0.0.1 localhost\\n127.0.1.1 %s\\n' "$name" > /etc/hosts
fi
if [ -n "$key" ]; then
  mkdir -p -m 700 /root/.ssh
  echo "$key" | base64 -d > /root/.ssh/authorized_keys
  chmod 600 /root/.ssh/authorized_keys
fi
"""

FIRSTBOOT_UNIT = """[Unit]
Description=Lab VM identity from the kernel command line
DefaultDependencies=no
After=local-fs.target
Before=ssh.service networking.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/ekvm-identity

[Install]
WantedBy=multi-user.target
"""

INTERFACES = """auto lo
iface lo inet loopback

# Management NIC of the lab; the roles under test own other files and NICs.
auto eth0
iface eth0 inet dhcp

source /etc/network/interfaces.d/*
"""

# Timers and units that only slow an emulated boot or reach for the internet.
DISABLED_UNITS = [
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "man-db.timer",
    "e2scrub_all.timer",
    "fstrim.timer",
    "e2scrub_reap.service",
    "systemd-timesyncd.service",
    "nfs-server.service",
    "rpcbind.service",
    "rpcbind.socket",
    "tgt.service",
    "iscsid.socket",
    "open-iscsi.service",
    "multipathd.service",
    "multipathd.socket",
    "lldpd.service",
]


def package_sets():
    sets = {"debootstrap": [], "apt": []}
    with open(PACKAGES) as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if line:
                kind, names = line.split(":", 1)
                sets[kind.strip()].extend(names.split())
    return sets


def digest():
    sha = hashlib.sha256()
    for path in (PACKAGES, os.path.abspath(__file__)):
        with open(path, "rb") as handle:
            sha.update(handle.read())
    return sha.hexdigest()[:12]


def mirror():
    """The Debian mirror this machine's apt uses, so the image comes from the same place."""
    sources = glob.glob("/etc/apt/sources.list.d/*.sources") + ["/etc/apt/sources.list"]
    for path in sources:
        if not os.path.exists(path):
            continue
        with open(path) as handle:
            for line in handle:
                words = line.split()
                if words[:1] == ["URIs:"] and "security" not in words[1]:
                    return words[1]
                if words[:1] == ["deb"] and "security" not in line:
                    return [w for w in words[1:] if "://" in w][0]
    raise LabError("no Debian mirror found in /etc/apt sources")


class Image:
    def __init__(self, root=None):
        self.dir = os.path.join(root or paths.CACHE, "image-" + digest())
        self.disk = os.path.join(self.dir, "base.qcow2")
        self.kernel = os.path.join(self.dir, "vmlinuz")
        self.initrd = os.path.join(self.dir, "initrd.img")

    def ready(self):
        return all(os.path.exists(p) for p in (self.disk, self.kernel, self.initrd))

    def ensure(self, log=print):
        if self.ready():
            return self
        paths.ensure_dirs()
        # Several test sessions may share a machine; one builds, the others wait for it.
        with open(os.path.join(paths.CACHE, "image.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not self.ready():
                self._rebuild(log)
        return self

    def _rebuild(self, log):
        for old in glob.glob(os.path.join(os.path.dirname(self.dir), "image-*")):
            if old != self.dir:
                shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o755)
        rootfs = os.path.join(self.dir, "rootfs")
        try:
            self._build(rootfs, log)
        finally:
            shutil.rmtree(rootfs, ignore_errors=True)

    def _build(self, rootfs, log):
        sets = package_sets()
        log("image: debootstrap %s into %s" % (SUITE, rootfs))
        run(
            ["debootstrap", "--variant=minbase", "--include=" + ",".join(sets["debootstrap"]), SUITE, rootfs, mirror()],
            timeout=1800,
        )
        log("image: apt-get install %s" % " ".join(sets["apt"]))
        shutil.copy("/etc/resolv.conf", os.path.join(rootfs, "etc/resolv.conf"))
        self._write(rootfs, "usr/sbin/policy-rc.d", "#!/bin/sh\nexit 101\n", 0o755)
        chroot_script = (
            "set -e; mount -t proc proc {r}/proc; mount -t sysfs sys {r}/sys; mount --bind /dev {r}/dev; "
            "chroot {r} apt-get update -q; "
            "DEBIAN_FRONTEND=noninteractive chroot {r} apt-get install -y -q --no-install-recommends {pkgs}; "
            "chroot {r} apt-get clean; chroot {r} systemctl disable {units} || true; "
            "chroot {r} systemctl enable ekvm-identity.service"
        )
        self._configure(rootfs)
        run(
            [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                chroot_script.format(r=rootfs, pkgs=" ".join(sets["apt"]), units=" ".join(DISABLED_UNITS)),
            ],
            timeout=1800,
        )
        for name in ("usr/sbin/policy-rc.d", "etc/resolv.conf"):
            os.unlink(os.path.join(rootfs, name))
        shutil.rmtree(os.path.join(rootfs, "var/lib/apt/lists"), ignore_errors=True)
        os.makedirs(os.path.join(rootfs, "var/lib/apt/lists/partial"))
        self._copy_boot_files(rootfs)
        raw = os.path.join(self.dir, "base.raw")
        log("image: mkfs.ext4 -d and qcow2")
        run(["mkfs.ext4", "-q", "-L", "root", "-d", rootfs, raw, SIZE])
        run(["qemu-img", "convert", "-O", "qcow2", raw, self.disk + ".tmp"])
        os.unlink(raw)
        os.rename(self.disk + ".tmp", self.disk)
        os.chmod(self.disk, 0o644)

    def _configure(self, rootfs):
        self._write(rootfs, "etc/fstab", "LABEL=root / ext4 defaults,errors=remount-ro 0 1\n")
        self._write(rootfs, "etc/network/interfaces", INTERFACES)
        os.makedirs(os.path.join(rootfs, "etc/network/interfaces.d"), exist_ok=True)
        self._write(rootfs, "etc/hostname", "debian\n")
        self._write(rootfs, "usr/local/sbin/ekvm-identity", FIRSTBOOT, 0o755)
        self._write(rootfs, "etc/systemd/system/ekvm-identity.service", FIRSTBOOT_UNIT)
        # Emulated boots on a busy machine are slow: give units time rather than fail them.
        self._write(
            rootfs,
            "etc/systemd/system.conf.d/timeouts.conf",
            "[Manager]\nDefaultTimeoutStartSec=300s\nDefaultTimeoutStopSec=30s\n",
        )
        # cloud-init stays off for host VMs; a guest booted with `cloud-init=enabled` on its
        # kernel command line (nested VM tests) turns it back on.
        self._write(rootfs, "etc/cloud/cloud-init.disabled", "")
        self._write(rootfs, "etc/ssh/sshd_config.d/lab.conf", "UseDNS no\nPermitRootLogin prohibit-password\n")

    def _copy_boot_files(self, rootfs):
        kernels = sorted(glob.glob(os.path.join(rootfs, "boot/vmlinuz-*")))
        initrds = sorted(glob.glob(os.path.join(rootfs, "boot/initrd.img-*")))
        if not kernels or not initrds:
            raise LabError("image has no kernel or initrd under /boot")
        shutil.copy(kernels[-1], self.kernel)
        shutil.copy(initrds[-1], self.initrd)
        for path in (self.kernel, self.initrd):
            os.chmod(path, 0o644)

    @staticmethod
    def _write(rootfs, relpath, text, mode=0o644):
        path = os.path.join(rootfs, relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write(text)
        os.chmod(path, mode)
