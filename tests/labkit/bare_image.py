"""Bare Debian host images (12 and 13): debootstrap with only what a host needs to be reached and
managed (systemd, openssh-server, python3, ifupdown, a DHCP client, iproute2, sudo) plus AppArmor,
which a Debian server installed the usual way has, so tests can install everything else through the
lab's package cache, as on a real fresh host.

Built through the cache (debootstrap's downloads warm it), then mkfs.ext4 -d and qcow2 like the
host image, with the same per-VM identity from the kernel command line. Inside, apt asks a small
script for its proxy: the lab address that gave the VM its DHCP lease, port 3142. Cached under
CACHE/bare-<suite>-<hash>.
"""

import fcntl
import glob
import hashlib
import os
import shutil

from . import paths
from .image import FIRSTBOOT, FIRSTBOOT_UNIT, mirror
from .package_cache import PORT, PROXY
from .proc import LabError, run

SUITES = {"debian-12": "bookworm", "debian-13": "trixie"}
PACKAGES = [
    "systemd-sysv",
    "udev",
    "kmod",
    "linux-image-amd64",
    "initramfs-tools",
    "openssh-server",
    "python3",
    "ifupdown",
    "isc-dhcp-client",
    "iproute2",
    "sudo",
    # linux-image-amd64 Recommends apparmor, so the installer puts it on every Debian server;
    # debootstrap skips Recommends, and libvirt then runs its guests confined as it would there.
    "apparmor",
    # Priority important, so in every Debian install but debootstrap's minbase variant.
    "iputils-ping",
]
# Sparse: the file holds only what is written (the roles' packages, apt's downloads, guest disks).
SIZE = "6G"
# apt's daily timers would take the dpkg lock in the middle of a test's package installation.
MASKED_UNITS = ["apt-daily.timer", "apt-daily-upgrade.timer"]
INTERFACES = (
    "auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n\nsource /etc/network/interfaces.d/*\n"
)
# apt runs this for each URI: the cache sits on the DHCP server of whichever lab network the VM is on.
PROXY_DETECT = (
    """#!/bin/sh
server=$(sed -n 's/.*dhcp-server-identifier \\([0-9.]*\\);/\\1/p' /var/lib/dhcp/dhclient*.leases 2>/dev/null | tail -n 1)
if [ -n "$server" ]; then echo "http://$server:%d"; else echo DIRECT; fi
"""
    % PORT
)
APT_CONF = 'Acquire::http::Proxy-Auto-Detect "/usr/local/bin/ekvm-apt-proxy";\n'


def digest():
    with open(os.path.abspath(__file__), "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


class BareImage:
    def __init__(self, release="debian-13", root=None):
        if release not in SUITES:
            raise LabError("bare images exist for %s" % ", ".join(SUITES))
        self.release, self.suite = release, SUITES[release]
        self.dir = os.path.join(root or paths.CACHE, "bare-%s-%s" % (release, digest()))
        self.disk = os.path.join(self.dir, "base.qcow2")
        self.kernel = os.path.join(self.dir, "vmlinuz")
        self.initrd = os.path.join(self.dir, "initrd.img")

    def ready(self):
        return all(os.path.exists(p) for p in (self.disk, self.kernel, self.initrd))

    def ensure(self, log=print):
        """Build unless cached; the lab's package cache must be running (Lab.up starts it)."""
        if self.ready():
            return self
        paths.ensure_dirs()
        with open(os.path.join(paths.CACHE, "bare-%s.lock" % self.release), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not self.ready():
                self._rebuild(log)
        return self

    def _rebuild(self, log):
        for old in glob.glob(os.path.join(os.path.dirname(self.dir), "bare-%s-*" % self.release)):
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
        log("bare image: debootstrap %s through the package cache" % self.suite)
        env = dict(os.environ, http_proxy=PROXY)
        run(
            ["debootstrap", "--variant=minbase", "--include=" + ",".join(PACKAGES), self.suite, rootfs, mirror()],
            timeout=1800,
            env=env,
        )
        self._configure(rootfs)
        # What `apt-get clean` would drop: the image ships no package lists and no downloaded debs.
        for deb in glob.glob(os.path.join(rootfs, "var/cache/apt/archives/*.deb")):
            os.unlink(deb)
        shutil.rmtree(os.path.join(rootfs, "var/lib/apt/lists"), ignore_errors=True)
        os.makedirs(os.path.join(rootfs, "var/lib/apt/lists/partial"))
        for name, target in (("vmlinuz-*", self.kernel), ("initrd.img-*", self.initrd)):
            found = sorted(glob.glob(os.path.join(rootfs, "boot", name)))
            if not found:
                raise LabError("bare image: no /boot/%s" % name)
            shutil.copy(found[-1], target)
            os.chmod(target, 0o644)
        raw = os.path.join(self.dir, "base.raw")
        run(["mkfs.ext4", "-q", "-L", "root", "-d", rootfs, raw, SIZE], timeout=900)
        run(["qemu-img", "convert", "-O", "qcow2", raw, self.disk + ".tmp"])
        os.unlink(raw)
        os.rename(self.disk + ".tmp", self.disk)
        os.chmod(self.disk, 0o644)

    @staticmethod
    def _configure(rootfs):
        files = {
            "etc/fstab": ("LABEL=root / ext4 defaults,errors=remount-ro 0 1\n", 0o644),
            "etc/network/interfaces": (INTERFACES, 0o644),
            "etc/hostname": ("debian\n", 0o644),
            # The VMs boot the kernel and initrd copied out of the image (direct kernel boot), so the initrd inside
            # is never read: packages with initramfs hooks (lvm2, multipath-tools, open-iscsi) would rebuild it for
            # minutes under TCG for nothing.
            "etc/initramfs-tools/update-initramfs.conf": ("update_initramfs=no\nbackup_initramfs=no\n", 0o644),
            # dpkg syncs every file it unpacks; under TCG each sync is emulated disk work, and the VM's disk is a
            # throwaway overlay (cache=unsafe). Debian's container images set the same.
            "etc/dpkg/dpkg.cfg.d/ekvm-unsafe-io": ("force-unsafe-io\n", 0o644),
            "usr/local/sbin/ekvm-identity": (FIRSTBOOT, 0o755),
            "etc/systemd/system/ekvm-identity.service": (FIRSTBOOT_UNIT, 0o644),
            "etc/systemd/system/multi-user.target.wants/ekvm-identity.service": "/etc/systemd/system/ekvm-identity.service",
            "usr/local/bin/ekvm-apt-proxy": (PROXY_DETECT, 0o755),
            "etc/apt/apt.conf.d/01ekvm-proxy": (APT_CONF, 0o644),
            "etc/ssh/sshd_config.d/lab.conf": ("UseDNS no\nPermitRootLogin prohibit-password\n", 0o644),
            "etc/systemd/system.conf.d/timeouts.conf": ("[Manager]\nDefaultTimeoutStartSec=300s\n", 0o644),
        }
        # systemctl enable and mask, without a chroot: a link to the unit, or to /dev/null.
        files.update(("etc/systemd/system/" + unit, "/dev/null") for unit in MASKED_UNITS)
        for relpath, content in files.items():
            path = os.path.join(rootfs, relpath)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if isinstance(content, str):
                os.symlink(content, path)
                continue
            with open(path, "w") as handle:
                handle.write(content[0])
            os.chmod(path, content[1])
        os.makedirs(os.path.join(rootfs, "etc/network/interfaces.d"), exist_ok=True)
