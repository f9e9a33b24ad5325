"""The cheapest guest that shows it was never reset: one boot sector, assembled here, that names its boot with
the TSC it read first and writes `tick ID N` (both hex) to COM1 every 18 BIOS timer ticks (about a second).
SeaBIOS boots it in a second even under TCG inside TCG, where a kernel takes minutes. A reset would show a new
ID and N from 0; a live migration keeps both, since they live in the guest's memory.

guest_xml() is a lab guest's definition (TCG, no KVM here) booting it, and console_ticks() reads its ticks from the
serial console's pty on this machine."""

import os
import re
import struct
import time
import xml.etree.ElementTree as ET

TICK = re.compile(r"tick ([0-9A-F]{8}) ([0-9A-F]{8})")


def guest_xml(name, memory_mib=32, disk=None, readonly=False, network=None, serial=False):
    """A TCG domain: booting the raw disk (a file holding the counter sector) when given, read-only when asked
    (both hosts of a move may open it, and a move sends memory only); a NIC on the network; the serial console
    on a pty. Without a disk SeaBIOS finds nothing to boot and waits: a move still takes its memory."""
    dom = ET.Element("domain", type="qemu")
    ET.SubElement(dom, "name").text = name
    ET.SubElement(dom, "memory", unit="MiB").text = str(memory_mib)
    ET.SubElement(ET.SubElement(dom, "os"), "type", arch="x86_64", machine="pc").text = "hvm"
    devices = ET.SubElement(dom, "devices")
    if disk:
        disk_el = ET.SubElement(devices, "disk", type="file", device="disk")
        ET.SubElement(disk_el, "driver", name="qemu", type="raw")
        ET.SubElement(disk_el, "source", file=disk)
        ET.SubElement(disk_el, "target", dev="vda", bus="virtio")
        if readonly:
            ET.SubElement(disk_el, "readonly")
    if network:
        ET.SubElement(ET.SubElement(devices, "interface", type="network"), "source", network=network)
    if serial:
        ET.SubElement(ET.SubElement(devices, "serial", type="pty"), "target", port="0")
    return ET.tostring(dom, encoding="unicode")


def console_ticks(conn, name, seconds=4):
    """(boot id, counter) of the guest's last tick on its serial console, read for a few seconds (QEMU drops what
    the guest writes while nobody reads the pty); None when it wrote none."""
    path = ET.fromstring(conn.lookupByName(name).XMLDesc(0)).find("devices/serial/source").get("path")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    text, deadline = b"", time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            try:
                text += os.read(fd, 4096)
            except BlockingIOError:
                time.sleep(0.2)
    finally:
        os.close(fd)
    found = TICK.findall(text.decode("ascii", "replace"))
    return (found[-1][0], int(found[-1][1], 16)) if found else None


def counter_sector():
    """The 512 bytes of the boot sector."""
    code = bytearray()
    labels, fixups = {}, []

    def emit(*parts):
        for part in parts:
            code.extend(part if isinstance(part, (bytes, bytearray)) else bytes([part]))

    def label(name):
        labels[name] = len(code)

    def rel8(opcode, name):
        emit(opcode, 0)
        fixups.append((len(code) - 1, name, 1))

    def rel16(opcode, name):
        emit(opcode, 0, 0)
        fixups.append((len(code) - 2, name, 2))

    def addr16(*prefix_and_opcode, name):
        emit(*prefix_and_opcode)
        emit(0, 0)
        fixups.append((len(code) - 2, name, "abs"))

    emit(0xFA, 0x31, 0xC0, 0x8E, 0xD8, 0x8E, 0xD0, 0xBC, 0x00, 0x7C, 0xFC, 0xFB)  # cli; ds=ss=0; sp=7c00; cld; sti
    emit(0x0F, 0x31)  # rdtsc
    addr16(0x66, 0xA3, name="id")  # mov [id], eax
    label("loop")
    addr16(0xBE, name="text")  # mov si, text
    rel16(0xE8, "puts")
    addr16(0x66, 0xA1, name="id")  # mov eax, [id]
    rel16(0xE8, "hex")
    emit(0xB0, 0x20)
    rel16(0xE8, "putc")
    addr16(0x66, 0xA1, name="count")  # mov eax, [count]
    rel16(0xE8, "hex")
    emit(0xB0, 0x0A)
    rel16(0xE8, "putc")
    addr16(0x66, 0xFF, 0x06, name="count")  # inc dword [count]
    emit(0x8B, 0x1E, 0x6C, 0x04)  # mov bx, [0x46c] (BIOS timer ticks)
    label("wait")
    emit(0xA1, 0x6C, 0x04, 0x29, 0xD8, 0x83, 0xF8, 0x12)  # mov ax, [0x46c]; sub ax, bx; cmp ax, 18
    rel8(0x72, "wait")  # jb wait
    rel16(0xE9, "loop")
    label("putc")
    emit(0xBA, 0xF8, 0x03, 0xEE, 0xC3)  # mov dx, 0x3f8; out dx, al; ret
    label("puts")
    emit(0xAC, 0x84, 0xC0)  # lodsb; test al, al
    rel8(0x74, "done")
    rel16(0xE8, "putc")
    rel8(0xEB, "puts")
    label("done")
    emit(0xC3)
    label("hex")
    emit(0xB9, 0x08, 0x00)  # mov cx, 8
    label("digit")
    emit(0x66, 0xC1, 0xC0, 0x04, 0x66, 0x50)  # rol eax, 4; push eax
    emit(
        0x24, 0x0F, 0x04, 0x30, 0x3C, 0x39, 0x76, 0x02, 0x04, 0x07
    )  # and al,15; add al,'0'; cmp al,'9'; jbe +2; add al,7
    rel16(0xE8, "putc")
    emit(0x66, 0x58)  # pop eax
    rel8(0xE2, "digit")  # loop digit
    emit(0xC3)
    label("text")
    emit(b"tick \x00")
    label("id")
    emit(b"\x00" * 4)
    label("count")
    emit(b"\x00" * 4)
    for at, name, size in fixups:
        if size == "abs":
            code[at : at + 2] = struct.pack("<H", 0x7C00 + labels[name])
        elif size == 1:
            code[at] = struct.pack("<b", labels[name] - (at + 1))[0]
        else:
            code[at : at + 2] = struct.pack("<h", labels[name] - (at + 2))
    assert len(code) <= 510
    return bytes(code) + b"\x00" * (510 - len(code)) + b"\x55\xaa"
