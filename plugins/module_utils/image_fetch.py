# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fetching one base image onto the hypervisor: stream, verify, decompress, check, rename into the pool.

Everything is written under a temporary name in the pool's own directory (a rename there is atomic and
needs no second copy) and removed on any failure, so a pool never holds a partial image. urllib honours
the host's http_proxy/https_proxy and checks HTTPS certificates against the host's CA store."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import gzip
import hashlib
import http.client
import json
import lzma
import os
import posixpath
import re
import shutil
import ssl
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zlib

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, UnsupportedError
from ansible_collections.essentials.kvm.plugins.module_utils.image_formats import (
    FORMATS,
    HEX_LENGTHS,
    MAGIC,
    SUPPORTED,
    compression_by_name,
    url_file_name,
    zstd_tool,
)

CHUNK = 1024 * 1024
TIMEOUT = 60
# The checksum line's file name: `HEX  name`, `HEX *name` (GNU) or `SHA256 (name) = HEX` (BSD).
GNU_LINE = re.compile(r"^([0-9a-fA-F]+)\s+\*?(.+?)\s*$")
BSD_LINE = re.compile(r"^SHA(256|512)\s*\((.+)\)\s*=\s*([0-9a-fA-F]+)\s*$")


def open_url(url, validate_certs=True):
    """An open response for url. HTTPS uses the host's CA store unless validate_certs is false."""
    context = None
    if url.lower().startswith("https:"):
        context = ssl.create_default_context() if validate_certs else ssl._create_unverified_context()
    try:
        # An opener of our own (proxies from the environment, as urllib's default) rather than Ansible's
        # open_url: module_utils import nothing of Ansible.
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context))
        return opener.open(url, timeout=TIMEOUT)
    except urllib.error.HTTPError as exc:
        raise HostError("cannot fetch %s: HTTP %d %s" % (url, exc.code, exc.reason))
    except urllib.error.URLError as exc:
        raise HostError("cannot fetch %s: %s" % (url, exc.reason))
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise HostError("cannot fetch %s: %s" % (url, exc))


def fetch_checksum(checksum_url, image_url, validate_certs=True):
    """(algorithm, hex digest) of the image's file name in a SHA256SUMS/SHA512SUMS file."""
    with open_url(checksum_url, validate_certs) as response:
        try:
            text = response.read(4 * CHUNK).decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as exc:
            raise HostError("cannot fetch %s: %s" % (checksum_url, exc))
    wanted = url_file_name(image_url)
    for line in text.splitlines():
        digest, name = _checksum_line(line.strip())
        if name is not None and posixpath.basename(name) == wanted and len(digest) in HEX_LENGTHS:
            return HEX_LENGTHS[len(digest)], digest.lower()
    raise HostError("%s lists no checksum for %s" % (checksum_url, wanted))


def _checksum_line(line):
    """(hex digest, file name) of one line of a checksum file, or (None, None)."""
    bsd = BSD_LINE.match(line)
    if bsd:
        return bsd.group(3), bsd.group(2)
    gnu = GNU_LINE.match(line)
    return (gnu.group(1), gnu.group(2)) if gnu else (None, None)


def download(url, digest, compression, directory, final_name, validate_certs=True):
    """Fetch url into directory/final_name; digest is (algorithm, hex), compression one of SUPPORTED or
    None to detect. Returns qemu-img's facts: {"format", "virtual_size", "actual_size"}."""
    temporary = []

    def scratch(suffix):
        handle, path = tempfile.mkstemp(prefix=".%s." % final_name, suffix=suffix, dir=directory)
        temporary.append(path)
        return handle, path

    # What a run killed part way left (a failure removes its own files): never listed, never reused.
    for stale in glob.glob(os.path.join(glob.escape(directory), ".%s.*" % glob.escape(final_name))):
        os.unlink(stale)
    try:
        handle, fetched = scratch(".part")
        _stream(url, digest, handle, validate_certs)
        image = _decompress(fetched, compression or _detect(url, fetched), scratch)
        info = inspect(image)
        os.chmod(image, 0o644)  # qemu runs as its own user and reads base images through overlays
        os.rename(image, os.path.join(directory, final_name))
        temporary.remove(image)
        return info
    except OSError as exc:
        raise HostError("cannot store %s in %s: %s" % (url, directory, exc))
    finally:
        for path in temporary:
            try:
                os.unlink(path)
            except OSError:
                pass


def fetch_verified(url, digest, path, validate_certs=True):
    """Fetch url into path as it is (no decompression, no qemu-img: the kvm role's controller may have neither),
    verified against digest; a temporary name beside path until then, removed on any failure."""
    directory, name = os.path.split(path)
    handle, partial = tempfile.mkstemp(prefix=".%s." % name, suffix=".part", dir=directory)
    try:
        _stream(url, digest, handle, validate_certs)
        os.chmod(partial, 0o644)
        os.rename(partial, path)
    except OSError as exc:
        raise HostError("cannot store %s in %s: %s" % (url, directory, exc))
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def _stream(url, digest, handle, validate_certs):
    algorithm, expected = digest
    hasher = hashlib.new(algorithm)
    received = 0
    with os.fdopen(handle, "wb") as out, open_url(url, validate_certs) as response:
        length = response.headers.get("Content-Length") if hasattr(response, "headers") else None
        try:
            for chunk in iter(lambda: response.read(CHUNK), b""):
                hasher.update(chunk)
                out.write(chunk)
                received += len(chunk)
        except (http.client.HTTPException, ConnectionError, TimeoutError) as exc:
            raise HostError("download of %s broke off after %d bytes: %s" % (url, received, exc))
        out.flush()
        os.fsync(out.fileno())
    if length is not None and length.isdigit() and received != int(length):
        raise HostError("download of %s is truncated: %d of %s bytes" % (url, received, length))
    if hasher.hexdigest() != expected:
        raise HostError(
            "%s checksum mismatch for %s: expected %s, got %s" % (algorithm, url, expected, hasher.hexdigest())
        )


def _detect(url, path):
    with open(path, "rb") as handle:
        head = handle.read(8)
    found = next((name for name, magic in MAGIC if head.startswith(magic)), None)
    return found or compression_by_name(url) or "none"


def _decompress(path, compression, scratch):
    if compression == "none":
        return path
    if compression not in SUPPORTED:
        raise UnsupportedError("the image is %s-compressed; supported: xz, gz, zst" % compression)
    handle, out_path = scratch(".raw")
    with os.fdopen(handle, "wb") as out:
        if compression == "zst":
            proc = subprocess.run(
                [zstd_tool(), "-d", "-q", "-c", path], stdout=out, stderr=subprocess.PIPE, check=False
            )
            if proc.returncode != 0:
                raise HostError("cannot decompress the zstd image: %s" % proc.stderr.decode("utf-8", "replace").strip())
        else:
            opener = lzma.open if compression == "xz" else gzip.open
            try:
                with opener(path, "rb") as source:
                    shutil.copyfileobj(source, out, CHUNK)
            except (lzma.LZMAError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
                raise HostError("cannot decompress the %s image: %s" % (compression, exc))
        out.flush()
        os.fsync(out.fileno())
    os.unlink(path)
    return out_path


def inspect(path):
    """qemu-img's facts of a downloaded file; anything but a self-contained qcow2 or a raw disk with a
    partition table is refused (qemu-img calls any file raw)."""
    try:
        proc = subprocess.run(["qemu-img", "info", "--output=json", path], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise UnsupportedError("cannot run qemu-img to check the image: %s (install qemu-utils)" % exc)
    if proc.returncode != 0:
        raise HostError("qemu-img cannot read the image: %s" % proc.stderr.strip())
    facts = json.loads(proc.stdout)
    fmt = facts.get("format")
    if fmt not in FORMATS:
        raise HostError("the file is a %s image; only qcow2 and raw images are cached" % fmt)
    if facts.get("backing-filename"):
        raise HostError(
            "the qcow2 image has a backing file (%s); a base image must stand alone" % facts["backing-filename"]
        )
    if fmt == "raw" and not _partitioned(path):
        raise HostError("the file is not a disk image (no qcow2 header, no partition table)")
    return {"format": fmt, "virtual_size": facts.get("virtual-size"), "actual_size": facts.get("actual-size")}


def _partitioned(path):
    """An MBR's boot signature or a GPT header: what a raw cloud image has and a web page has not."""
    with open(path, "rb") as handle:
        head = handle.read(1024)
    return head[510:512] == b"\x55\xaa" or head[512:520] == b"EFI PART"
