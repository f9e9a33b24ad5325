"""kvm_images_download_on: controller (image_controller, the image_download module): each image a host needs is
fetched once into the controller's cache, verified and named by its checksum, and handed to libvirt_resources as
source_file with the same checksum."""

import hashlib
import os

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.errors import EssentialsError
from ansible_collections.essentials.kvm.plugins.module_utils.image_controller import download


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "src" / "deb.qcow2.xz"
    path.parent.mkdir()
    path.write_bytes(b"an image, as published")
    return path


def fetch(source, tmp_path, vms=(), check_mode=False, **image):
    image = dict({"name": "deb", "url": "file://%s" % source}, **image)
    if "checksum" not in image:
        image["checksum"] = "sha256:" + hashlib.sha256(source.read_bytes()).hexdigest()
    return download([image], list(vms), str(tmp_path / "cache"), "/up", "kvm01", "kvm_images", "kvm_vms", check_mode)


def test_fetched_once_into_a_checksum_named_file_and_found_again_with_no_read(source, tmp_path):
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    first = fetch(source, tmp_path)
    name = "%s-deb.qcow2.xz" % digest[:16]
    assert first["changed"] and os.listdir(str(tmp_path / "cache")) == [name]
    assert first["images"] == [
        {
            "name": "deb",
            "url": "file://%s" % source,
            "checksum": "sha256:" + digest,
            "pool": "images",
            "validate_certs": True,
            "source_file": "/up/" + name,
            "compression": "xz",
        }
    ]
    assert first["files"] == [{"src": str(tmp_path / "cache" / name), "dest": "/up/" + name}]
    checksum = "sha256:" + digest
    source.unlink()  # a second fetch would fail now
    again = fetch(source, tmp_path, checksum=checksum)
    assert not again["changed"] and again["images"] == first["images"]


def test_check_mode_fetches_nothing(source, tmp_path):
    result = fetch(source, tmp_path, check_mode=True)
    assert result["changed"] and result["actions"][0].startswith("download file://")
    assert not (tmp_path / "cache").exists()


def test_a_wrong_checksum_leaves_nothing_in_the_cache(source, tmp_path):
    with pytest.raises(EssentialsError) as info:
        fetch(source, tmp_path, checksum="sha256:" + "0" * 64)
    assert info.value.message.startswith("kvm_images[0]: download failed: sha256 checksum mismatch")
    assert os.listdir(str(tmp_path / "cache")) == []


def test_inline_images_of_this_hosts_vms_only(source, tmp_path):
    checksum = "sha256:" + hashlib.sha256(source.read_bytes()).hexdigest()
    other = {"url": "file:///nowhere/other.qcow2", "checksum": "sha256:" + "1" * 64}
    vms = [
        {"name": "a", "disks": [{"url": "file://%s" % source, "checksum": checksum}]},
        {"name": "b", "host": "kvm02", "disks": [other]},
    ]
    result = download([], vms, str(tmp_path / "cache"), "/up", "kvm01", "kvm_images", "kvm_vms")
    assert [(i["name"], i["url"]) for i in result["images"]] == [("deb", "file://%s" % source)]
