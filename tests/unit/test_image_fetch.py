"""Base images fetched from a real HTTP server on 127.0.0.1 (a thread), real qcow2 files made by qemu-img:
download, verify, decompress, check; each fault names the input path and leaves nothing in the pool."""

import gzip
import hashlib
import http.server
import lzma
import os
import shutil
import socket
import subprocess
import threading

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils import image_fetch, image_reconcile
from ansible_collections.essentials.kvm.plugins.module_utils.errors import EssentialsError, InputError
from ansible_collections.essentials.kvm.plugins.module_utils.image_validate import parse_images

pytestmark = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="qemu-img is not installed")
MIB = 1024 * 1024


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves server.files (path -> bytes); server.truncated paths announce more bytes than they send."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.gets.append(self.path)
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        extra = 4096 if self.path in self.server.truncated else 0
        self.send_header("Content-Length", str(len(body) + extra))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, *_args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.files, httpd.gets, httpd.truncated = {}, [], set()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.base = "http://127.0.0.1:%d" % httpd.server_address[1]
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def qcow2(tmp_path_factory):
    path = tmp_path_factory.mktemp("src") / "tiny.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "64M"], check=True)
    return path.read_bytes()


@pytest.fixture
def pool(tmp_path):
    directory = tmp_path / "pool"
    directory.mkdir()
    return directory


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def serve(server, name, data, truncated=False):
    server.files["/" + name] = data
    if truncated:
        server.truncated.add("/" + name)
    return server.base + "/" + name


def spec_of(**image):
    image.setdefault("name", "tiny")
    spec = parse_images([image], "kvm_images")[0]
    return image_reconcile.resolve([spec])[0]


def fetch(pool, **image):
    spec = spec_of(**image)
    return spec, image_reconcile.fetch_image(spec, str(pool))


def fails(pool, message, **image):
    """The fetch fails naming message and the input path, and the pool is left empty."""
    with pytest.raises(EssentialsError) as info:
        fetch(pool, **image)
    assert message in info.value.message and "kvm_images[0]" in info.value.message, info.value.message
    assert os.listdir(str(pool)) == []
    return info.value.message


def test_a_qcow2_is_stored_under_its_checksum_named_volume_with_one_get(server, qcow2, pool):
    url = serve(server, "a.qcow2", qcow2)
    before = len(server.gets)
    spec, facts = fetch(pool, url=url, checksum=sha256(qcow2))
    assert server.gets[before:] == ["/a.qcow2"]
    assert spec.volume == "tiny-%s.img" % hashlib.sha256(qcow2).hexdigest()[:12]
    assert os.listdir(str(pool)) == [spec.volume]
    assert (pool / spec.volume).read_bytes() == qcow2
    assert facts["format"] == "qcow2" and facts["virtual_size"] == 64 * MIB
    assert oct(os.stat(str(pool / spec.volume)).st_mode & 0o777) == "0o644"


@pytest.mark.parametrize(
    "name, pack",
    [
        ("c.qcow2.xz", lzma.compress),
        ("c.qcow2.gz", gzip.compress),
        ("c-xz-without-suffix", lzma.compress),  # no telling name: the magic bytes say xz
    ],
)
def test_compressed_images_are_unpacked(server, qcow2, pool, name, pack):
    data = pack(qcow2)
    spec, facts = fetch(pool, url=serve(server, name, data), checksum=sha256(data))
    assert (pool / spec.volume).read_bytes() == qcow2 and facts["format"] == "qcow2"


@pytest.mark.skipif(shutil.which("zstd") is None, reason="zstd is not installed")
def test_zstd_through_the_cli(server, qcow2, pool, tmp_path):
    source = tmp_path / "z.qcow2"
    source.write_bytes(qcow2)
    subprocess.run(["zstd", "-q", str(source)], check=True)
    data = (tmp_path / "z.qcow2.zst").read_bytes()
    spec, _facts = fetch(pool, url=serve(server, "z.qcow2.zst", data), checksum=sha256(data))
    assert (pool / spec.volume).read_bytes() == qcow2


@pytest.mark.parametrize("style", ["gnu", "gnu-binary", "bsd"])
def test_checksum_url_names_the_volume_and_sha512_works(server, qcow2, pool, style):
    digest = hashlib.sha512(qcow2).hexdigest()
    line = {"gnu": "%s  s.qcow2\n", "gnu-binary": "%s *s.qcow2\n", "bsd": "SHA512 (s.qcow2) = %s\n"}[style] % digest
    other = "%s  other.qcow2\n" % ("0" * 128)
    sums = serve(server, "SHA512SUMS-" + style, (other + line).encode())
    spec, _facts = fetch(pool, url=serve(server, "s.qcow2", qcow2), checksum_url=sums)
    assert spec.digest == ("sha512", digest) and spec.volume == "tiny-%s.img" % digest[:12]


def test_what_a_killed_run_left_is_removed_before_the_download(server, qcow2, pool):
    spec = spec_of(url=serve(server, "k.qcow2", qcow2), checksum=sha256(qcow2))
    (pool / (".%s.x1.part" % spec.volume)).write_bytes(b"half")
    image_reconcile.fetch_image(spec, str(pool))
    assert os.listdir(str(pool)) == [spec.volume]


def test_file_url_and_a_raw_disk_with_a_partition_table(qcow2, pool, tmp_path):
    raw = bytearray(2 * MIB)
    raw[510:512] = b"\x55\xaa"
    source = tmp_path / "disk.raw"
    source.write_bytes(bytes(raw))
    _spec, facts = fetch(pool, url="file://%s" % source, checksum=sha256(bytes(raw)))
    assert facts["format"] == "raw" and facts["virtual_size"] == 2 * MIB


def unused_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_url(pool):
    fails(pool, "Connection refused", url="http://127.0.0.1:%d/x.qcow2" % unused_port(), checksum=sha256(b""))


def test_http_404(server, pool):
    fails(pool, "HTTP 404", url=server.base + "/missing.qcow2", checksum=sha256(b""))


def test_wrong_checksum(server, qcow2, pool):
    fails(pool, "checksum mismatch", url=serve(server, "w.qcow2", qcow2), checksum=sha256(b"other"))


def test_checksum_file_without_the_image_name(server, qcow2, pool):
    sums = serve(server, "SHA256SUMS-none", ("%s  other.qcow2\n" % hashlib.sha256(qcow2).hexdigest()).encode())
    message = fails(pool, "lists no checksum for n.qcow2", url=serve(server, "n.qcow2", qcow2), checksum_url=sums)
    assert "kvm_images[0].checksum_url" in message


def test_checksum_file_404(server, qcow2, pool):
    message = fails(pool, "HTTP 404", url=serve(server, "n.qcow2", qcow2), checksum_url=server.base + "/NOSUMS")
    assert "kvm_images[0].checksum_url" in message


def test_truncated_download(server, qcow2, pool):
    message = fails(pool, "", url=serve(server, "t.qcow2", qcow2, truncated=True), checksum=sha256(qcow2))
    assert "truncated" in message or "broke off" in message, message


def test_corrupt_xz(server, qcow2, pool):
    data = lzma.compress(qcow2)[:200] + b"garbage" * 50
    fails(pool, "cannot decompress the xz image", url=serve(server, "bad.qcow2.xz", data), checksum=sha256(data))


def test_corrupt_gz(server, pool):
    data = b"\x1f\x8b\x08\x00" + b"not deflate" * 20
    fails(pool, "cannot decompress the gz image", url=serve(server, "bad.qcow2.gz", data), checksum=sha256(data))


def test_unsupported_compression_found_by_magic(server, pool):
    data = b"BZh91AY&SY" + b"\x00" * 100
    fails(pool, "bz2-compressed", url=serve(server, "b.qcow2", data), checksum=sha256(data))


def test_a_file_that_is_not_a_disk_image(server, pool):
    data = b"<html><body>Welcome to our mirror</body></html>\n" * 20
    fails(pool, "not a disk image", url=serve(server, "page.qcow2", data), checksum=sha256(data))


def test_a_qcow2_with_a_backing_file(server, qcow2, pool, tmp_path):
    base = tmp_path / "base.qcow2"
    base.write_bytes(qcow2)
    overlay = tmp_path / "over.qcow2"
    subprocess.run(
        ["qemu-img", "create", "-q", "-f", "qcow2", "-b", str(base), "-F", "qcow2", str(overlay)], check=True
    )
    data = overlay.read_bytes()
    fails(pool, "has a backing file", url=serve(server, "over.qcow2", data), checksum=sha256(data))


def test_zstd_without_the_tool_is_a_clear_error(server, pool, monkeypatch):
    data = b"\x28\xb5\x2f\xfd" + b"\x00" * 64
    monkeypatch.setattr(image_fetch.shutil, "which", lambda _name: None)
    fails(pool, "need the zstd command", url=serve(server, "nozstd.qcow2", data), checksum=sha256(data))


def test_pool_out_of_space(server, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "ekvm-img-test", str(small)], check=True)
    try:
        data = os.urandom(3 * MIB)
        fails(small, "No space left on device", url=serve(server, "big.raw", data), checksum=sha256(data))
    finally:
        subprocess.run(["umount", str(small)], check=True)


@pytest.mark.parametrize(
    "image, where, message",
    [
        ({"url": "ftp://h/x.qcow2", "checksum": sha256(b"")}, "kvm_images[0].url", "http://, https:// or file://"),
        ({"url": "http://h/x.qcow2"}, "kvm_images[0].checksum", "is required"),
        (
            {"url": "http://h/x.qcow2", "checksum": sha256(b""), "checksum_url": "http://h/S"},
            "kvm_images[0].checksum",
            "either checksum or checksum_url",
        ),
        ({"url": "http://h/x.qcow2", "checksum": "sha256:abc"}, "kvm_images[0].checksum", "64 digits"),
        ({"url": "http://h/x.qcow2", "checksum": "md5:" + "0" * 32}, "kvm_images[0].checksum", "sha256:HEX"),
        ({"url": "http://h/x.qcow2.bz2", "checksum": sha256(b"")}, "kvm_images[0].url", "bz2 compression"),
        (
            {"url": "http://h/x.qcow2", "checksum": sha256(b""), "compression": "lz4"},
            "kvm_images[0].compression",
            "must be one of",
        ),
        ({"url": "http://h/x.qcow2", "checksum": sha256(b""), "name": "a/b"}, "kvm_images[0].name", "image name"),
        ({"url": "http://h/x.qcow2", "checksum": sha256(b""), "name": "a" * 101}, "kvm_images[0].name", "at most 100"),
        (
            {"url": "http://h/x.qcow2", "checksum": sha256(b""), "validate_certs": "maybe"},
            "kvm_images[0].validate_certs",
            "true or false",
        ),
    ],
)
def test_bad_input(image, where, message):
    image.setdefault("name", "tiny")
    with pytest.raises(InputError) as info:
        parse_images([image], "kvm_images")
    assert info.value.message.startswith(where + ":") and message in info.value.message, info.value.message


def test_one_name_with_two_urls():
    images = [
        {"name": "deb", "url": "http://a/x.qcow2", "checksum": sha256(b"")},
        {"name": "deb", "url": "http://b/x.qcow2", "checksum": sha256(b"")},
    ]
    with pytest.raises(InputError) as info:
        parse_images(images, "kvm_images")
    assert info.value.message.startswith("kvm_images[1].name: image 'deb' is also used for http://a/x.qcow2")
