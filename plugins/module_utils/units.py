# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Byte sizes as users write them (10G, 512MiB, 1.5T, 4096) and back."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# libvirt's convention: K/KiB/M/MiB... are powers of 1024, KB/MB/GB... powers of 1000.
_UNITS = {"": 1, "b": 1, "byte": 1, "bytes": 1}
for _i, _p in enumerate("kmgtpe", start=1):
    _UNITS[_p] = _UNITS[_p + "ib"] = 1024**_i
    _UNITS[_p + "b"] = 1000**_i

_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(value):
    """Return the size in bytes, or raise ValueError naming what is wrong."""
    if isinstance(value, bool):
        raise ValueError("must be a size such as 10G, 512MiB or a number of bytes (got %r)" % (value,))
    if isinstance(value, int):
        if value < 0:
            raise ValueError("must not be negative (got %d)" % value)
        return value
    match = _SIZE.match(str(value))
    unit = match.group(2).lower() if match else None
    if not match or unit not in _UNITS:
        raise ValueError("must be a size such as 10G, 512MiB or a number of bytes (got %r)" % (value,))
    return int(float(match.group(1)) * _UNITS[unit]) if "." in match.group(1) else int(match.group(1)) * _UNITS[unit]


def format_size(size):
    """Short human text for a byte count: 10737418240 -> '10 GiB', 1000 -> '1000 B'."""
    for power, name in ((5, "PiB"), (4, "TiB"), (3, "GiB"), (2, "MiB"), (1, "KiB")):
        step = 1024**power
        if size >= step:
            text = ("%.2f" % (size / step)).rstrip("0").rstrip(".")
            return "%s %s" % (text, name)
    return "%d B" % size
