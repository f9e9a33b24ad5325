# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt XML declared once: a table of rows says where each model field lives and how its value is spelled.

`write(elem, obj, rows)` builds the XML from a model object and `read(elem, rows)` returns the fields read back
from libvirt's XML, both walking the same rows, so a field cannot be written one way and parsed another.

Locations are relative to the element the table is applied to: `name` is a child's text, `@type` an attribute
of the element itself, `forward/@mode` an attribute of a child; `{namespace}tag` steps are allowed. Children are
created on first use and shared by later rows of the same write (so `bridge/@name` and `bridge/@stp` land on one
`<bridge>`), and nothing is written for a value that is unset: the row order is the document order.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
import xml.etree.ElementTree as ET

from ansible_collections.essentials.kvm.plugins.module_utils.units import parse_size

_STEP = re.compile(r"(?:\{[^}]*\})?[^/{]+")


# ---------------------------------------------------------------------------------------------------- codecs


class Codec:
    """How a value is spelled in an attribute (attr) or in the element's text (attr None)."""

    def __init__(self, encode=str, decode=str):
        self.encode, self.decode = encode, decode

    def put(self, elem, attr, value):
        if attr is None:
            elem.text = self.encode(value)
        else:
            elem.set(attr, self.encode(value))

    def get(self, elem, attr):
        """The decoded value, or None when it is not there (an empty text counts as not there)."""
        text = elem.get(attr) if attr else elem.text
        if text is None or (attr is None and not text.strip()):
            return None
        return self.decode(text)


def _int(text):
    text = text.strip()
    return int(text, 16) if text.lower().startswith("0x") else int(text)


class Size(Codec):
    """A size as element text plus a unit attribute; the model holds it in `unit` (libvirt's default unit)."""

    def __init__(self, unit, scale):
        super().__init__()
        self.unit, self.scale = unit, scale

    def put(self, elem, attr, value):
        elem.text = str(value)
        elem.set("unit", self.unit)

    def get(self, elem, attr):
        if not (elem.text or "").strip():
            return None
        return parse_size(elem.text.strip() + elem.get("unit", self.unit)) // self.scale


class Pci(Codec):
    """A PCI address 0000:03:00.1 as the attributes of an <address> element."""

    KEYS = ("domain", "bus", "slot", "function")

    def __init__(self, typed=True):
        super().__init__()
        self.typed = typed

    def put(self, elem, attr, value):
        if self.typed:
            elem.set("type", "pci")
        domain, bus, rest = value.split(":")
        for key, part in zip(self.KEYS, (domain, bus) + tuple(rest.split("."))):
            elem.set(key, "0x" + part)

    def get(self, elem, attr):
        if self.typed and elem.get("type") != "pci":
            return None
        return "%04x:%02x:%02x.%x" % tuple(int(elem.get(key), 16) for key in self.KEYS)


class Flag(Codec):
    """True is the element being there (<readonly/>)."""

    def put(self, elem, attr, value):
        pass

    def get(self, elem, attr):
        return True


TEXT = Codec()
INT = Codec(decode=_int)
YESNO = Codec(encode=lambda v: "yes" if v else "no", decode=lambda t: t == "yes")
ONOFF = Codec(encode=lambda v: "on" if v else "off", decode=lambda t: t == "on")
LOWER = Codec(decode=lambda t: t.lower() or None)
ADDR = Codec(decode=lambda t: ipaddress.ip_address(t).compressed)
OCTAL = Codec(decode=lambda t: "%04o" % int(t, 8))
KIB = Size("KiB", 1024)
BYTES = Size("bytes", 1)
FLAG = Flag()


# ---------------------------------------------------------------------------------------------------- rows


def _split(path):
    where, attr = path.split("@", 1) if "@" in path else (path, None)
    return where.rstrip("/"), attr


def _skipped(value, skip):
    # `is`/type-equal, so that skip=(False,) does not also skip a 0
    return any(value is s or (type(value) is type(s) and value == s) for s in skip)


class Prop:
    """One model field at one location. default: read when absent; implied: read when the element is there
    without the attribute (libvirt's implied value); skip: values not written; when(obj): write only if true."""

    def __init__(self, field, path, codec=TEXT, default=None, implied=None, skip=(None,), when=None):
        self.field, self.codec, self.default, self.implied = field, codec, default, implied
        self.skip, self.when = skip, when
        self.where, self.attr = _split(path)

    def build(self, place, obj):
        value = getattr(obj, self.field)
        if not _skipped(value, self.skip) and (self.when is None or self.when(obj)):
            self.codec.put(place(self.where), self.attr, value)

    def parse(self, elem):
        node = elem.find(self.where) if self.where else elem
        value = None if node is None else self.codec.get(node, self.attr)
        if value is None:
            value = self.default if node is None or self.implied is None else self.implied
        return {self.field: value}


class Const:
    """A fixed element or attribute value libvirt needs that is no model field (when(obj): only then)."""

    def __init__(self, path, value=None, when=None):
        self.value, self.when = value, when
        self.where, self.attr = _split(path)

    def build(self, place, obj):
        if self.when is None or self.when(obj):
            node = place(self.where)
            if self.value is not None:
                TEXT.put(node, self.attr, self.value)

    def parse(self, elem):
        return {}


class Each:
    """A list field: one repeated element per item, either a value at `path` (`interface/@dev`) through codec,
    or an object of class cls described by its own rows."""

    def __init__(self, field, path, codec=TEXT, cls=None, rows=()):
        self.field, self.codec, self.cls, self.rows = field, codec, cls, rows
        where, self.attr = _split(path)
        steps = _STEP.findall(where)
        self.parent, self.tag, self.where = "/".join(steps[:-1]), steps[-1], where

    def build(self, place, obj):
        items = getattr(obj, self.field)
        if items:
            parent = place(self.parent)
            for item in items:
                node = ET.SubElement(parent, self.tag)
                if self.cls:
                    write(node, item, self.rows)
                else:
                    self.codec.put(node, self.attr, item)

    def parse(self, elem):
        nodes = elem.findall(self.where)
        if self.cls:
            return {self.field: [self.cls(**read(node, self.rows)) for node in nodes]}
        values = (self.codec.get(node, self.attr) for node in nodes)
        return {self.field: [value for value in values if value is not None]}


class One:
    """An optional nested object of class cls at `path`, described by its own rows. With empty=True the field
    is never None: an absent element reads as cls(), and cls() writes nothing. when(obj): write only if true."""

    def __init__(self, field, path, cls, rows, empty=False, when=None):
        self.field, self.where, self.cls, self.rows, self.empty, self.when = field, path, cls, rows, empty, when

    def build(self, place, obj):
        value = getattr(obj, self.field)
        if self.when is not None and not self.when(obj):
            return
        if value is not None and not (self.empty and value == self.cls()):
            write(place(self.where), value, self.rows)

    def parse(self, elem):
        node = elem.find(self.where)
        if node is None:
            return {self.field: self.cls() if self.empty else None}
        return {self.field: self.cls(**read(node, self.rows))}


class Hand:
    """Structure a row cannot say: build(place, obj) writes it, parse(elem) returns a dict of fields."""

    def __init__(self, build, parse=None):
        self._build, self._parse = build, parse

    def build(self, place, obj):
        self._build(place, obj)

    def parse(self, elem):
        return self._parse(elem) if self._parse else {}


# ---------------------------------------------------------------------------------------------------- walk


def placer(elem):
    """place(path): the element at path under elem, created (with its parents) on first use."""
    made = {"": elem}

    def place(path):
        if path not in made:
            steps = _STEP.findall(path)
            made[path] = ET.SubElement(place("/".join(steps[:-1])), steps[-1])
        return made[path]

    return place


def write(elem, obj, rows):
    """Write obj's fields into elem, row by row; returns elem."""
    place = placer(elem)
    for row in rows:
        row.build(place, obj)
    return elem


def read(elem, rows):
    """The fields the rows read from elem, as keyword arguments for the model class."""
    fields = {}
    for row in rows:
        fields.update(row.parse(elem))
    return fields


def element(tag, obj, rows, parent=None):
    """A new <tag> (under parent, if given) written from obj."""
    node = ET.Element(tag) if parent is None else ET.SubElement(parent, tag)
    return write(node, obj, rows)


def definition(tag, obj, rows, uuid=None):
    """The root <tag> of a libvirt object's definition, written from obj. uuid keeps libvirt's identity when
    redefining an existing object; it goes right after the name, where libvirt wants it."""
    root = element(tag, obj, rows)
    if uuid:
        root.insert(1, ET.Element("uuid"))
        root[1].text = uuid
    return root
