"""A cloud-style Debian 12 disk image, laid out as Debian's cloud team lays theirs out.

GPT with a BIOS-boot partition (14, ef02), an ESP (15, ef00) holding GRUB for UEFI and the ext4
root (1) filling the rest; GRUB for BIOS in the MBR and the BIOS-boot partition; cloud-init with
the NoCloud datasource, growpart, qemu-guest-agent and openssh-server; no SSH host keys and no
machine-id, so every VM made from it gets its own.

Nothing is mounted: the root tree goes in with `mkfs.ext4 -d` at the partition's offset, the ESP
is written with mtools, GRUB's images are made by grub-mkimage from the image's own GRUB packages
(in a chroot) and put in place here. Cached under CACHE/cloud-<hash>, where the hash covers this
file; `SHA256SUMS` lists the qcow2 and the xz-compressed raw disk.
"""

import fcntl
import glob
import hashlib
import os
import shutil
import struct
import time
import uuid

from . import paths
from .image import mirror
from .proc import LabError, run

SUITE = "bookworm"
NAME = "debian-12-genericcloud-amd64"
QCOW2 = NAME + ".qcow2"
RAW_XZ = NAME + ".raw.xz"
SUMS = "SHA256SUMS"
# The folder the lab's HTTP server serves; CURRENT links to the cached image's folder.
SERVED = os.path.join(paths.CACHE, "www")
CURRENT = "debian-12"

DEBOOTSTRAP = [
    "systemd-sysv",
    "udev",
    "dbus",
    "ifupdown",
    "isc-dhcp-client",
    "iproute2",
    "openssh-server",
    "python3",
    "sudo",
    "fdisk",
    "gdisk",
    "procps",
]
# Pulled in with apt-get in the chroot: debootstrap cannot resolve their virtual dependencies.
# The cloud kernel, as Debian's genericcloud images have: virtio and the usual cloud drivers only,
# about a third of the generic kernel's size.
APT = [
    "linux-image-cloud-amd64",
    "cloud-init",
    "cloud-guest-utils",
    "qemu-guest-agent",
    "grub-pc-bin",
    "grub-efi-amd64-bin",
    "grub2-common",
]

MIB = 1024 * 1024
SECTOR = 512
DISK_MIB = 2048
BIOS_BOOT = (1, 1)  # (start MiB, size MiB) of partition 14
ESP = (2, 126)  # partition 15
ROOT_START_MIB = 128  # partition 1 runs to 1 MiB before the end (room for the backup GPT)
ROOT_MIB = DISK_MIB - ROOT_START_MIB - 1
KERNEL_ARGS = "ro console=tty0 console=ttyS0,115200 consoleblank=0"
# GRUB modules built into the images; the rest are read from /boot/grub/<platform>/.
CORE_MODULES = {
    "i386-pc": ["biosdisk", "part_gpt", "ext2", "search_fs_uuid"],
    "x86_64-efi": [
        "part_gpt",
        "ext2",
        "fat",
        "normal",
        "linux",
        "search",
        "search_fs_uuid",
        "configfile",
        "echo",
        "all_video",
        "gzio",
        "serial",
        "terminal",
    ],
}
# xz is the slow step: level 1 with one thread per core keeps CI (2 cores) within its budget.
XZ_ARGS = ["xz", "-1", "-T0", "--force"]

CLOUD_CFG = {
    # Only the seed ISO: probing metadata services that the lab does not have costs minutes.
    "90_ekvm_datasource.cfg": "datasource_list: [ NoCloud, None ]\n",
}


def digest():
    with open(os.path.abspath(__file__), "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def _grub_cfg(root_uuid):
    """GRUB's menu, the same for BIOS and UEFI; /vmlinuz and /initrd.img follow kernel updates."""
    lines = [
        "set default=0",
        "set timeout=0",
        "serial --unit=0 --speed=115200",
        "terminal_input console serial",
        "terminal_output console serial",
        "insmod part_gpt",
        "insmod ext2",
        "insmod all_video",
        "search --no-floppy --fs-uuid --set=root %s" % root_uuid,
        "menuentry 'Debian GNU/Linux 12' {",
        "    linux /vmlinuz root=UUID=%s %s" % (root_uuid, KERNEL_ARGS),
        "    initrd /initrd.img",
        "}",
    ]
    return "\n".join(lines) + "\n"


def _load_cfg(root_uuid):
    """Built into both GRUB images: find the root by UUID, then read /boot/grub from it."""
    return "search.fs_uuid %s root\nset prefix=($root)/boot/grub\n" % root_uuid


def _fstab(root_uuid, esp_id):
    rows = [
        ("UUID=" + root_uuid, "/", "ext4", "rw,discard,errors=remount-ro,x-systemd.growfs", "0", "1"),
        # No fsck.vfat in the image: pass 0, and nofail so a missing ESP never blocks a boot.
        ("UUID=" + esp_id, "/boot/efi", "vfat", "umask=0077,nofail", "0", "0"),
    ]
    return "".join(" ".join(row) + "\n" for row in rows)


class CloudImage:
    def __init__(self, root=None):
        self.dir = os.path.join(root or paths.CACHE, "cloud-" + digest())
        self.qcow2 = os.path.join(self.dir, QCOW2)
        self.raw_xz = os.path.join(self.dir, RAW_XZ)
        self.sums = os.path.join(self.dir, SUMS)
        self.timings = {}

    def ready(self):
        return all(os.path.exists(p) for p in (self.qcow2, self.raw_xz, self.sums))

    def ensure(self, log=print):
        """Build the image unless cached, and point the served folder at it."""
        paths.ensure_dirs()
        if not self.ready():
            with open(os.path.join(paths.CACHE, "cloud-image.lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not self.ready():
                    self._rebuild(log)
        self._publish()
        return self

    def _publish(self):
        os.makedirs(SERVED, exist_ok=True)
        os.chmod(SERVED, 0o755)
        link = os.path.join(SERVED, CURRENT)
        target = os.path.relpath(self.dir, SERVED)
        if os.path.islink(link) and os.readlink(link) == target:
            return
        tmp = link + ".new"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(target, tmp)
        os.replace(tmp, link)

    def _rebuild(self, log):
        for old in glob.glob(os.path.join(os.path.dirname(self.dir), "cloud-*")):
            if old != self.dir:
                shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o755)
        work = os.path.join(self.dir, "work")
        os.makedirs(work)
        try:
            self._build(work, log)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _step(self, name, log, func, *args):
        log("cloud image: %s" % name)
        started = time.monotonic()
        result = func(*args)
        self.timings[name] = round(time.monotonic() - started, 1)
        return result

    def _build(self, work, log):
        rootfs = os.path.join(work, "rootfs")
        raw = os.path.join(work, NAME + ".raw")
        root_uuid = str(uuid.uuid4())
        esp_serial = uuid.uuid4().hex[:8].upper()
        esp_id = "%s-%s" % (esp_serial[:4], esp_serial[4:])
        self._step(
            "debootstrap",
            log,
            lambda: run(
                ["debootstrap", "--variant=minbase", "--include=" + ",".join(DEBOOTSTRAP), SUITE, rootfs, mirror()],
                timeout=1800,
            ),
        )
        self._step("packages", log, self._install, rootfs)
        self._step("configure", log, self._configure, rootfs, root_uuid, esp_id)
        self._step("disk", log, self._disk, rootfs, raw, root_uuid, esp_serial)
        self._step("qcow2", log, run, ["qemu-img", "convert", "-O", "qcow2", raw, self.qcow2 + ".tmp"])
        os.rename(self.qcow2 + ".tmp", self.qcow2)
        self._step("xz", log, lambda: run(XZ_ARGS + [raw], timeout=1800))
        os.rename(raw + ".xz", self.raw_xz)
        self._step("sha256", log, self._write_sums)
        for path in (self.qcow2, self.raw_xz, self.sums):
            os.chmod(path, 0o644)
        log("cloud image: built in %s" % self.timings)

    @staticmethod
    def _chroot(rootfs, script, timeout=1800, binds=()):
        """Run a shell script in the image's root with /proc, /sys and /dev, in a private mount
        namespace so nothing stays mounted when it ends."""
        mounts = ["mount -t proc proc {r}/proc", "mount -t sysfs sys {r}/sys", "mount --bind /dev {r}/dev"]
        mounts += ["mkdir -p {r}%s && mount --bind %s {r}%s" % (inside, outside, inside) for outside, inside in binds]
        full = "set -e; " + "; ".join(m.format(r=rootfs) for m in mounts) + "; chroot %s sh -ec '%s'" % (rootfs, script)
        run(["unshare", "--mount", "--propagation", "private", "sh", "-c", full], timeout=timeout)

    def _install(self, rootfs):
        shutil.copy("/etc/resolv.conf", os.path.join(rootfs, "etc/resolv.conf"))
        _write(rootfs, "usr/sbin/policy-rc.d", "#!/bin/sh\nexit 101\n", 0o755)
        self._chroot(
            rootfs,
            "apt-get update -q; DEBIAN_FRONTEND=noninteractive apt-get install -y -q "
            "--no-install-recommends %s; apt-get clean" % " ".join(APT),
        )
        for name in ("usr/sbin/policy-rc.d", "etc/resolv.conf"):
            os.unlink(os.path.join(rootfs, name))
        shutil.rmtree(os.path.join(rootfs, "var/lib/apt/lists"), ignore_errors=True)
        os.makedirs(os.path.join(rootfs, "var/lib/apt/lists/partial"))

    def _configure(self, rootfs, root_uuid, esp_id):
        _write(rootfs, "etc/fstab", _fstab(root_uuid, esp_id))
        os.makedirs(os.path.join(rootfs, "boot/efi"), exist_ok=True)
        _write(rootfs, "etc/hostname", "localhost\n")
        _write(rootfs, "etc/hosts", "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n")
        # cloud-init's ifupdown renderer writes interfaces.d/50-cloud-init from the datasource.
        _write(
            rootfs, "etc/network/interfaces", "source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n"
        )
        os.makedirs(os.path.join(rootfs, "etc/network/interfaces.d"), exist_ok=True)
        for name, text in CLOUD_CFG.items():
            _write(rootfs, "etc/cloud/cloud.cfg.d/" + name, text)
        # Identity is per VM: systemd makes a machine-id on first boot when the file is empty,
        # and cloud-init generates the SSH host keys.
        _write(rootfs, "etc/machine-id", "")
        for path in glob.glob(os.path.join(rootfs, "var/lib/dbus/machine-id")) + glob.glob(
            os.path.join(rootfs, "etc/ssh/ssh_host_*")
        ):
            os.unlink(path)
        # What grub-install would put there: the modules and their lists, not GRUB's own tools.
        for platform in CORE_MODULES:
            shutil.copytree(
                os.path.join(rootfs, "usr/lib/grub", platform),
                os.path.join(rootfs, "boot/grub", platform),
                ignore=lambda _d, names: [n for n in names if not n.endswith((".mod", ".lst"))],
            )
        _write(rootfs, "boot/grub/grub.cfg", _grub_cfg(root_uuid))
        for link in ("vmlinuz", "initrd.img"):
            if not os.path.lexists(os.path.join(rootfs, link)):
                raise LabError("the image has no /%s link to its kernel files" % link)

    def _disk(self, rootfs, raw, root_uuid, esp_serial):
        with open(raw, "wb") as handle:
            handle.truncate(DISK_MIB * MIB)
        sectors = MIB // SECTOR
        root_end = (ROOT_START_MIB + ROOT_MIB) * sectors - 1
        run(
            [
                "sgdisk",
                "-Z",
                "-n",
                "14:%d:+%dM" % (BIOS_BOOT[0] * sectors, BIOS_BOOT[1]),
                "-t",
                "14:ef02",
                "-n",
                "15:%d:+%dM" % (ESP[0] * sectors, ESP[1]),
                "-t",
                "15:ef00",
                "-c",
                "15:EFI System",
                "-n",
                "1:%d:%d" % (ROOT_START_MIB * sectors, root_end),
                "-t",
                "1:8304",
                raw,
            ]
        )
        # The build folder is inside the cache, not inside the tree that becomes the root.
        run(
            [
                "mkfs.ext4",
                "-q",
                "-L",
                "root",
                "-U",
                root_uuid,
                "-d",
                rootfs,
                "-E",
                "offset=%d,nodiscard" % (ROOT_START_MIB * MIB),
                raw,
                "%dM" % ROOT_MIB,
            ],
            timeout=900,
        )
        work = os.path.dirname(raw)
        efi = os.path.join(work, "BOOTX64.EFI")
        with open(os.path.join(work, "load.cfg"), "w") as handle:
            handle.write(_load_cfg(root_uuid))
        script = "; ".join(
            "grub-mkimage -O %s -o /mnt/work/%s -c /mnt/work/load.cfg -p /boot/grub %s"
            % (platform, out, " ".join(CORE_MODULES[platform]))
            for platform, out in (("i386-pc", "core.img"), ("x86_64-efi", "BOOTX64.EFI"))
        )
        self._chroot(rootfs, script, binds=[(work, "/mnt/work")])
        _bios_boot(raw, os.path.join(rootfs, "usr/lib/grub/i386-pc/boot.img"), os.path.join(work, "core.img"))
        # FAT32 as the UEFI spec asks of an ESP; one sector per cluster keeps it above FAT32's cluster minimum.
        esp_offset = ESP[0] * MIB
        run(
            [
                "mkfs.vfat",
                "-F",
                "32",
                "-s",
                "1",
                "-n",
                "EFI",
                "-i",
                esp_serial,
                "--offset",
                str(esp_offset // SECTOR),
                raw,
                str(ESP[1] * 1024),
            ]
        )
        image = "%s@@%d" % (raw, esp_offset)
        env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
        run(["mmd", "-i", image, "::/EFI", "::/EFI/BOOT"], env=env)
        run(["mcopy", "-i", image, efi, "::/EFI/BOOT/BOOTX64.EFI"], env=env)
        run(["sgdisk", "-v", raw])

    def _write_sums(self):
        lines = []
        for path in (self.qcow2, self.raw_xz):
            sha = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(4 * MIB), b""):
                    sha.update(block)
            lines.append("%s  %s\n" % (sha.hexdigest(), os.path.basename(path)))
        with open(self.sums + ".tmp", "w") as handle:
            handle.writelines(lines)
        os.rename(self.sums + ".tmp", self.sums)


def _bios_boot(raw, boot_img, core_img):
    """What grub-bios-setup does for a GPT disk, done here because that tool insists on guessing
    the device of its own folder (this machine's disk): boot.img's code goes into the protective
    MBR, which keeps its partition table, and points at core.img in the BIOS-boot partition;
    core.img's first sector gets the blocklist of the rest of it."""
    first = BIOS_BOOT[0] * MIB // SECTOR
    with open(boot_img, "rb") as handle:
        boot = handle.read()
    with open(core_img, "rb") as handle:
        core = bytearray(handle.read())
    count = -(-len(core) // SECTOR)
    if count > BIOS_BOOT[1] * MIB // SECTOR:
        raise LabError("GRUB's core.img (%d sectors) does not fit the BIOS-boot partition" % count)
    core.extend(bytes(count * SECTOR - len(core)))
    # diskboot.img's blocklist, in the last 12 bytes of its sector: start, length (the segment stays).
    struct.pack_into("<QH", core, SECTOR - 12, first + 1, count - 1)
    with open(raw, "r+b") as disk:
        mbr = bytearray(disk.read(SECTOR))
        # boot.img's code around the BIOS parameter block (0x03-0x5a), up to the partition table (0x1b8).
        mbr[0x00:0x03] = boot[0x00:0x03]
        mbr[0x5A:0x1B8] = boot[0x5A:0x1B8]
        struct.pack_into("<Q", mbr, 0x5C, first)  # the sector of core.img
        mbr[0x64] = 0xFF  # boot from the drive the BIOS names
        mbr[0x66:0x68] = b"\x90\x90"  # trust that drive number (a hard disk, not a floppy)
        disk.seek(0)
        disk.write(mbr)
        disk.seek(first * SECTOR)
        disk.write(core)


def _write(rootfs, relpath, text, mode=0o644):
    path = os.path.join(rootfs, relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, mode)
