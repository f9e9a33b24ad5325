# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The storage pools a host has, as libvirt reports them: definitions, state and volumes; and the pool types
it supports."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Optional

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import LibvirtError
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_xml import parse_pool_xml, parse_volume_xml

# Numeric values of libvirt constants, so planning works without the bindings' module attributes.
XML_INACTIVE = 1
ERR_NO_SUPPORT = 3
ERR_INVALID_ARG = 8
ERR_OPERATION_INVALID = 55
ERR_NO_STORAGE_POOL = 49
ERR_NO_STORAGE_VOL = 50


def no_support(exc):
    return isinstance(exc, LibvirtError) and exc.get_error_code() == ERR_NO_SUPPORT


def supported_types(conn):
    """Pool types this host's libvirt has a backend for, or None when the driver cannot tell."""
    try:
        caps = conn.getStoragePoolCapabilities(0)
    except LibvirtError as exc:
        if no_support(exc):
            return None
        raise HostError("cannot read storage pool capabilities: %s" % exc)
    return {p.get("type") for p in ET.fromstring(caps).findall("pool") if p.get("supported") == "yes"}


@dataclass
class LivePool:
    uuid: str
    model: object  # persistent definition
    running: Optional[object]  # definition the active pool runs with
    active: bool
    autostart: bool
    volumes: dict = field(default_factory=dict)  # name -> Volume


def read_live(conn, refresh=()):
    """Every pool of the host; only the pools named in `refresh` are refreshed, because libvirt
    stops a pool whose refresh fails and a read must not stop pools this call does not manage."""
    pools = {}
    for obj in conn.listAllStoragePools(0):
        try:
            pools[obj.name()] = _read_pool(obj, obj.name() in refresh)
        except LibvirtError as exc:
            # Another client removed the pool while this one was listing them.
            if exc.get_error_code() != ERR_NO_STORAGE_POOL:
                raise
    return pools


def _read_pool(obj, refresh):
    try:
        persistent = obj.XMLDesc(XML_INACTIVE)
    except LibvirtError as exc:
        # Drivers without separate persistent definitions (the test driver) reject the flag.
        if exc.get_error_code() not in (ERR_NO_SUPPORT, ERR_INVALID_ARG):
            raise
        persistent = obj.XMLDesc(0)
    if refresh and obj.isActive():
        try:
            obj.refresh(0)
        except LibvirtError:
            pass  # libvirt has stopped the pool (its source is unreachable); it is read as inactive
    active = bool(obj.isActive())
    live = LivePool(
        uuid=obj.UUIDString(),
        model=parse_pool_xml(persistent),
        running=parse_pool_xml(obj.XMLDesc(0)) if active else None,
        active=active,
        autostart=bool(obj.autostart()),
    )
    if active:
        try:
            volumes = obj.listAllVolumes(0)
        except LibvirtError as exc:
            # The pool stopped between the two calls (another client, or a failing source).
            if exc.get_error_code() != ERR_OPERATION_INVALID:
                raise
            live.active, live.running, volumes = False, None, []
        for vol in volumes:
            try:
                volume = parse_volume_xml(vol.XMLDesc(0))[0]
            except LibvirtError as exc:
                if exc.get_error_code() != ERR_NO_STORAGE_VOL:
                    raise
                continue
            live.volumes[volume.name] = volume
    return live


def lookup(conn, name):
    return conn.storagePoolLookupByName(name)
