"""The tiny image's pieces that need no build: its initramfs archive, its module load order, and the
variables `make demo` gives the homelab's VMs to boot it."""

import stat

from ansible_collections.essentials.kvm.plugins.module_utils.image_validate import parse_images
from tests.labkit import demo, tiny_image


def read_newc(data):
    """{name: (mode, rdev, bytes)} of a newc cpio archive, checking every entry's 4-byte alignment."""
    entries, offset = {}, 0
    while True:
        assert data[offset : offset + 6] == b"070701" and offset % 4 == 0
        fields = [int(data[offset + 6 + 8 * i : offset + 14 + 8 * i], 16) for i in range(13)]
        mode, size, rdev, namesize = fields[1], fields[6], (fields[9], fields[10]), fields[11]
        start = offset + 110
        name = data[start : start + namesize - 1].decode()
        body = start + namesize + (-(start + namesize) % 4)
        if name == "TRAILER!!!":
            return entries
        entries[name] = (mode, rdev, data[body : body + size])
        offset = body + size + (-(body + size) % 4)


def test_the_initramfs_is_a_newc_archive_with_a_console_and_the_tree(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "init").write_text("#!/bin/busybox sh\n")
    (tmp_path / "init").chmod(0o755)
    (tmp_path / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "sh").symlink_to("busybox")
    entries = read_newc(tiny_image._cpio(str(tmp_path)))
    assert entries["dev/console"][:2] == (stat.S_IFCHR | 0o600, (5, 1))
    assert entries["init"] == (stat.S_IFREG | 0o755, (0, 0), b"#!/bin/busybox sh\n")
    assert entries["etc/passwd"][2] == b"root:x:0:0:root:/root:/bin/sh\n"
    assert stat.S_ISLNK(entries["bin/sh"][0]) and entries["bin/sh"][2] == b"busybox"
    assert stat.S_ISDIR(entries["etc"][0])


def test_modules_load_dependencies_first_once_and_skip_built_in_ones(tmp_path):
    (tmp_path / "modules.dep").write_text(
        "kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko "
        "kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko\n"
        "kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko\n"
        "kernel/drivers/virtio/virtio.ko:\n"
        "kernel/fs/isofs/isofs.ko:\n"
    )
    assert tiny_image._module_order(str(tmp_path)) == [
        "kernel/drivers/virtio/virtio.ko",
        "kernel/drivers/virtio/virtio_ring.ko",
        "kernel/drivers/virtio/virtio_pci_modern_dev.ko",
        "kernel/drivers/virtio/virtio_pci.ko",
        "kernel/drivers/block/virtio_blk.ko",
        "kernel/fs/isofs/isofs.ko",
    ]


class Built:
    def sha256(self):
        return "ab" * 32


def test_the_demo_boots_the_homelab_vms_from_the_served_image_with_the_lab_key():
    got = demo.guest_vars(Built(), "ssh-ed25519 AAAA lab\n")
    (image,) = parse_images(got["kvm_images"], "kvm_images")
    assert image.url == "http://10.254.250.1:8000/tiny/ekvm-tiny-amd64.qcow2"
    assert image.digest == ("sha256", "ab" * 32) and image.pool == "homelab-images"
    disks = dict((vm["name"], vm["disks"][0]) for vm in got["kvm_vms"])
    assert disks == {
        "homelab-web": {"image": "homelab-os", "size": "2G"},
        "homelab-db": {"image": "homelab-os", "size": "1G", "format": "raw", "clone": "full"},
    }
    for vm in got["kvm_vms"]:
        assert [u["ssh_authorized_keys"] for u in vm["cloud_init"]["user_data"]["users"]] == [["ssh-ed25519 AAAA lab"]]
