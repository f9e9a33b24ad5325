"""The floor of the images variant (bench/images_run.py): one download, N overlays, N defines with the fewest
libvirt calls. The image is streamed into the cache pool's directory and hashed on the way (as any tool must
verify it), then the overlays and the VMs are made; a rerun lists what exists and does nothing else.
Prints one JSON line: the libvirt calls and HTTP requests it made."""

import hashlib
import json
import os
import sys
import urllib.request
import xml.etree.ElementTree as ET

import libvirt
import libvirt_xml
from raw_floor import Counter

URI = "qemu:///system"
CHUNK = 1 << 20


def overlay_xml(name, capacity, backing):
    root = ET.fromstring(libvirt_xml.volume(name, capacity))
    store = ET.SubElement(root, "backingStore")
    ET.SubElement(store, "path").text = backing
    ET.SubElement(store, "format", type="qcow2")
    return ET.tostring(root, encoding="unicode")


def ensure_pool(conn, call, spec, live):
    pool = live.get(spec["name"])
    if pool is None:
        pool = call(conn.storagePoolDefineXML, libvirt_xml.pool(spec), 0)
        call(pool.build, 0)
        call(pool.create, 0)
    return pool


def download(url, digest, path):
    hasher = hashlib.sha256()
    with urllib.request.urlopen(url) as response, open(path + ".part", "wb") as out:
        for chunk in iter(lambda: response.read(CHUNK), b""):
            hasher.update(chunk)
            out.write(chunk)
    if hasher.hexdigest() != digest:
        raise SystemExit("checksum mismatch for %s" % url)
    os.chmod(path + ".part", 0o644)
    os.rename(path + ".part", path)


def main(scenario_file):
    with open(scenario_file) as src:
        data = json.load(src)
    call, gets = Counter(), 0
    conn = libvirt.open(URI)
    if data["network"]["name"] not in [n.name() for n in call(conn.listAllNetworks)]:
        net = call(conn.networkDefineXML, libvirt_xml.network(data["network"]))
        call(net.create)
    live = {pool.name(): pool for pool in call(conn.listAllStoragePools)}
    cache = ensure_pool(conn, call, data["image_pool"], live)
    disks = ensure_pool(conn, call, data["disk_pool"], live)
    image = data["image"]
    if image["volume"] not in call(cache.listVolumes):
        download(image["url"], image["sha256"], os.path.join(data["image_pool"]["path"], image["volume"]))
        gets += 1
        call(cache.refresh, 0)
    backing = os.path.join(data["image_pool"]["path"], image["volume"])
    present = set(call(disks.listVolumes))
    defined = {dom.name() for dom in call(conn.listAllDomains)}
    for vm in data["vms"]:
        if vm["volume"] not in present:
            call(disks.createXML, overlay_xml(vm["volume"], data["disk_bytes"], backing), 0)
        if vm["name"] not in defined:
            dom = call(conn.defineXML, libvirt_xml.domain(vm))
            call(dom.setAutostart, 1)
    print(json.dumps({"api_calls": call.calls, "http_gets": gets}))


if __name__ == "__main__":
    main(sys.argv[1])
