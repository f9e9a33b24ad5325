"""A tiny cloud-style disk image for guests nested in host VMs, where two layers of TCG make a
systemd userspace take most of an hour to reach the network.

It boots as a cloud image does: GRUB for BIOS from the disk (GPT, BIOS-boot partition 14, ext4
root 1, laid out and installed with the cloud image's helpers), and reads the NoCloud seed the kvm
role attaches (a read-only virtio disk labelled cidata): the hostname and every SSH key of its
user-data, which land on root. Its whole userspace is an initramfs: Debian's cloud kernel modules
for virtio and ISO 9660, busybox-static (init, udhcpc on the first NIC, the shell) and dropbear;
the scripts are in tests/labkit/tiny-rootfs. No systemd, no cloud-init, no package manager.

Built from a debootstrap through the machine's apt mirror, as the cloud image is; cached under
CACHE/tiny/cloud-<hash>, where the hash covers this file, the cloud image's recipe and the
scripts; the lab's image server serves it as tiny/, beside the cloud image, with a SHA256SUMS.
"""

import glob
import gzip
import hashlib
import os
import shutil
import stat
import uuid

from . import paths
from .cloud_image import (
    BIOS_BOOT,
    CORE_MODULES,
    MIB,
    SECTOR,
    SERVED,
    SUITE,
    CloudImage,
    _bios_boot,
    _grub_cfg,
    _load_cfg,
    _write,
)
from .image import mirror
from .proc import LabError, run

NAME = "ekvm-tiny-amd64"
QCOW2 = NAME + ".qcow2"
SUMS = "SHA256SUMS"
CURRENT = "tiny"
SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny-rootfs")
PACKAGES = ["linux-image-cloud-amd64", "busybox-static", "dropbear-bin", "grub-pc-bin"]
# What the guest needs of the kernel's modules: its disks, its NIC, the seed's filesystem.
MODULES = ["virtio_pci", "virtio_blk", "virtio_net", "isofs"]
BINARIES = ["/usr/sbin/dropbear"]
DISK_MIB = 64
ROOT_START_MIB = 2  # partition 1, after the BIOS-boot partition, to 1 MiB before the end


def digest():
    sha = hashlib.sha256()
    for path in [os.path.abspath(__file__), os.path.join(os.path.dirname(SCRIPTS), "cloud_image.py")] + _scripts():
        sha.update(os.path.basename(path).encode())
        with open(path, "rb") as handle:
            sha.update(handle.read())
    return sha.hexdigest()[:12]


def _scripts():
    found = []
    for folder, _dirs, files in os.walk(SCRIPTS):
        found += [os.path.join(folder, name) for name in files]
    return sorted(found)


class TinyImage(CloudImage):
    """The cloud image's cache handling (one build under the lock, older builds removed, a link in the
    served folder) with this recipe. That handling replaces the `cloud-*` folders beside a build: in
    CACHE/tiny, those are the tiny image's older builds only."""

    def __init__(self, root=None):
        super().__init__(os.path.join(root or paths.CACHE, "tiny"))
        self.dir = os.path.join(os.path.dirname(self.dir), "cloud-" + digest())
        self.qcow2 = os.path.join(self.dir, QCOW2)
        self.sums = os.path.join(self.dir, SUMS)

    def ready(self):
        return os.path.exists(self.qcow2) and os.path.exists(self.sums)

    def sha256(self):
        with open(self.sums) as handle:
            return handle.read().split()[0]

    def _publish(self):
        link = os.path.join(SERVED, CURRENT)
        os.makedirs(SERVED, exist_ok=True)
        if os.path.lexists(link + ".new"):
            os.unlink(link + ".new")
        os.symlink(os.path.relpath(self.dir, SERVED), link + ".new")
        os.replace(link + ".new", link)

    def _build(self, work, log):
        builder = os.path.join(work, "builder")
        tree = os.path.join(work, "tree")
        raw = os.path.join(work, NAME + ".raw")
        root_uuid = str(uuid.uuid4())
        debootstrap = ["debootstrap", "--variant=minbase", SUITE, builder, mirror()]
        self._step("debootstrap", log, lambda: run(debootstrap, timeout=1800))
        # No services in these packages and the builder is thrown away: apt-get needs no more.
        shutil.copy("/etc/resolv.conf", os.path.join(builder, "etc/resolv.conf"))
        install = "apt-get update -q; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends"
        self._step("packages", log, self._chroot, builder, "%s %s" % (install, " ".join(PACKAGES)))
        self._step("tree", log, _tree, builder, tree, root_uuid)
        self._step("disk", log, _disk, builder, tree, raw, root_uuid, work)
        self._step("qcow2", log, run, ["qemu-img", "convert", "-O", "qcow2", raw, self.qcow2])
        with open(self.qcow2, "rb") as handle:
            _write(self.dir, SUMS, "%s  %s\n" % (hashlib.sha256(handle.read()).hexdigest(), QCOW2))
        os.chmod(self.qcow2, 0o644)
        log("tiny image: built in %s" % self.timings)


def _kernel_version(builder):
    found = sorted(glob.glob(os.path.join(builder, "boot", "vmlinuz-*")))
    if len(found) != 1:
        raise LabError("the builder has %d kernels, expected one: %s" % (len(found), found))
    return os.path.basename(found[0])[len("vmlinuz-") :]


def _module_order(moddir):
    """The module files to insmod, dependencies first; built-in modules are not in modules.dep."""
    deps = {}
    with open(os.path.join(moddir, "modules.dep")) as handle:
        for line in handle:
            path, _, rest = line.partition(":")
            deps[os.path.basename(path).split(".ko")[0].replace("-", "_")] = (path, rest.split())
    order = []
    for name in MODULES:
        if name not in deps:
            continue
        path, needs = deps[name]
        # modules.dep lists a module's dependencies so that loading them in reverse works.
        for item in list(reversed(needs)) + [path]:
            if item not in order:
                order.append(item)
    return order


def _tree(builder, tree, root_uuid):
    """The root filesystem: GRUB's files, the kernel as /vmlinuz and the initramfs as /initrd.img."""
    version = _kernel_version(builder)
    initrd = os.path.join(os.path.dirname(tree), "initramfs")
    shutil.copytree(SCRIPTS, initrd, symlinks=True)
    # Each binary and library under the name the loader looks for, read where the builder's links
    # lead (some are absolute, so resolved inside the builder).
    script = 'for f in $(ldd %s | grep -o "/[^ ]*") %s; do echo "$f $(readlink -f "$f")"; done'
    found = run(["chroot", builder, "sh", "-c", script % (" ".join(BINARIES), " ".join(BINARIES))]).stdout
    files = dict(line.split() for line in found.splitlines())
    files["/bin/busybox"] = "/usr/bin/busybox"
    for name, real in files.items():
        dest = os.path.join(initrd, name.lstrip("/"))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy(builder + real, dest)
    moddir = os.path.join(builder, "usr/lib/modules", version)
    order = _module_order(moddir)
    for item in order:
        dest = os.path.join(initrd, "lib/modules", item)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy(os.path.join(moddir, item), dest)
    _write(initrd, "etc/modules.load", "".join(item + "\n" for item in order))
    os.makedirs(tree)
    with gzip.GzipFile(os.path.join(tree, "initrd.img"), "wb", mtime=0) as handle:
        handle.write(_cpio(initrd))
    shutil.copy(os.path.join(builder, "boot", "vmlinuz-" + version), os.path.join(tree, "vmlinuz"))
    grub = os.path.join(builder, "usr/lib/grub/i386-pc")
    shutil.copytree(
        grub,
        os.path.join(tree, "boot/grub/i386-pc"),
        ignore=lambda _d, names: [n for n in names if not n.endswith((".mod", ".lst"))],
    )
    _write(tree, "boot/grub/grub.cfg", _grub_cfg(root_uuid))


def _cpio(folder):
    """The folder as a newc cpio archive, owned by root, with /dev/console for init's first output."""
    out = bytearray()
    entries = [("dev", stat.S_IFDIR | 0o755, b"", 0), ("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1))]
    for here, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(dirs) + sorted(files):
            path = os.path.join(here, name)
            rel = os.path.relpath(path, folder)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                data = os.readlink(path).encode()
            elif stat.S_ISREG(info.st_mode):
                with open(path, "rb") as handle:
                    data = handle.read()
            else:
                data = b""
            entries.append((rel, info.st_mode, data, 0))
    entries.append(("TRAILER!!!", 0, b"", 0))
    for ino, (name, mode, data, rdev) in enumerate(entries, 1):
        major, minor = rdev if rdev else (0, 0)
        encoded = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, major, minor, len(encoded), 0]
        out += b"070701" + b"".join(b"%08X" % f for f in fields) + encoded
        out += bytes(-len(out) % 4) + data
        out += bytes(-len(out) % 4)
    return bytes(out)


def _disk(builder, tree, raw, root_uuid, work):
    with open(raw, "wb") as handle:
        handle.truncate(DISK_MIB * MIB)
    sectors = MIB // SECTOR
    root_mib = DISK_MIB - ROOT_START_MIB - 1
    partitions = [
        ("14", BIOS_BOOT[0] * sectors, "+%dM" % BIOS_BOOT[1], "ef02"),
        ("1", ROOT_START_MIB * sectors, (ROOT_START_MIB + root_mib) * sectors - 1, "8304"),
    ]
    layout = [
        w for n, first, last, kind in partitions for w in ("-n", "%s:%s:%s" % (n, first, last), "-t", n + ":" + kind)
    ]
    run(["sgdisk", "-Z"] + layout + [raw])
    ext4 = ["-q", "-L", "root", "-U", root_uuid, "-d", tree, "-E", "offset=%d,nodiscard" % (ROOT_START_MIB * MIB)]
    run(["mkfs.ext4"] + ext4 + [raw, "%dM" % root_mib])
    with open(os.path.join(work, "load.cfg"), "w") as handle:
        handle.write(_load_cfg(root_uuid))
    CloudImage._chroot(
        builder,
        "grub-mkimage -O i386-pc -o /mnt/work/core.img -c /mnt/work/load.cfg -p /boot/grub %s"
        % " ".join(CORE_MODULES["i386-pc"]),
        binds=[(work, "/mnt/work")],
    )
    _bios_boot(raw, os.path.join(builder, "usr/lib/grub/i386-pc/boot.img"), os.path.join(work, "core.img"))
    run(["sgdisk", "-v", raw])
