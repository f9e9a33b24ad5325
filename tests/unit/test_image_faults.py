"""Faults of a whole libvirt_resources run with images and VMs, on test:///default with a real pool directory: a
download that fails names the image's input path (listed, or the disk that gives it by URL), and leaves no file
in the pool's directory and no VM defined (the VMs converge after the images)."""

import hashlib
import os
import subprocess

import pytest

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")

from tests.unit.driver_state import to_stock  # noqa: E402
from tests.unit.resources_calls import call  # noqa: E402

libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


@pytest.fixture
def clean(default_conn):
    yield default_conn
    to_stock(default_conn)


@pytest.fixture
def site(tmp_path):
    """A real qcow2 and a web page, as file:// URLs, and the pool's (real) directory."""
    qcow2 = tmp_path / "good.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(qcow2), "64M"], check=True)
    page = tmp_path / "page.qcow2"
    page.write_bytes(b"<html>Welcome</html>\n" * 50)
    (tmp_path / "images").mkdir()
    return tmp_path


def sha256(path):
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def vm(name, disk):
    return {"name": name, "memory": "128M", "pool": "images", "state": "shutdown", "disks": [disk]}


def run(capsys, site, images, vms):
    pools = [{"name": "images", "path": str(site / "images")}]
    return call(capsys, pools=pools, images=images, vms=vms, images_input_name="kvm_images", vms_input_name="kvm_vms")


def nothing_left(conn, site):
    assert os.listdir(str(site / "images")) == []
    assert not [d for d in conn.listAllDomains() if d.name().startswith("flt-")]


@pytest.mark.parametrize(
    "file, checksum, message",
    [
        ("missing.qcow2", None, "No such file"),
        ("good.qcow2", "sha256:" + "0" * 64, "checksum mismatch"),
        ("page.qcow2", "page", "not a disk image"),
    ],
)
def test_a_failed_download_names_the_image_and_leaves_nothing(capsys, clean, site, file, checksum, message):
    url = "file://%s" % (site / file)
    if checksum == "page":
        checksum = sha256(site / file)
    images = [{"name": "deb", "url": url, "checksum": checksum or sha256(site / "good.qcow2")}]
    result = run(capsys, site, images, [vm("flt-a", {"image": "deb"}), vm("flt-b", {"image": "deb"})])
    assert result["failed"] and result["msg"].startswith("kvm_images[0]: download failed: "), result["msg"]
    assert message in result["msg"], result["msg"]
    nothing_left(clean, site)


def test_a_failed_inline_download_names_the_disk(capsys, clean, site):
    disk = {"url": "file://%s" % (site / "page.qcow2"), "checksum": sha256(site / "page.qcow2")}
    result = run(capsys, site, [], [vm("flt-a", disk)])
    assert result["failed"] and result["msg"].startswith("kvm_vms[0].disks[0]: download failed: "), result["msg"]
    nothing_left(clean, site)


def test_a_checksum_file_without_the_image_names_checksum_url_before_any_change(capsys, clean, site):
    sums = site / "SHA256SUMS"
    sums.write_text("%s  other.qcow2\n" % ("ab" * 32))
    images = [{"name": "deb", "url": "file://%s" % (site / "good.qcow2"), "checksum_url": "file://%s" % sums}]
    result = run(capsys, site, images, [vm("flt-a", {"image": "deb"})])
    assert result["failed"] and result["msg"].startswith("kvm_images[0].checksum_url: "), result["msg"]
    assert "lists no checksum for good.qcow2" in result["msg"] and result["done"] == []
    nothing_left(clean, site)
    assert "images" not in [p.name() for p in clean.listAllStoragePools()]
