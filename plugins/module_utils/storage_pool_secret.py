# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The libvirt secret of a pool's auth: made from auth.secret and kept to its value, looked up when the input
names one, and removed with its pool when the pool made it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, InputError, at
from ansible_collections.essentials.kvm.plugins.module_utils.libvirt_access import LibvirtError
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_live import no_support
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import OWN_SECRET_USAGE
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_xml import build_secret_xml

# libvirt's VIR_ERR_NO_SECRET and its secret usage types (VIR_SECRET_USAGE_TYPE_*), as numbers so that planning
# works without the bindings' module attributes.
ERR_NO_SECRET = 66
SECRET_USAGE = {"chap": 3, "ceph": 2}


def lookup_secret(conn, auth, path):
    try:
        if auth.secret_uuid:
            return conn.secretLookupByUUIDString(auth.secret_uuid)
        return conn.secretLookupByUsage(SECRET_USAGE[auth.type], auth.secret_usage)
    except LibvirtError as exc:
        if exc.get_error_code() == ERR_NO_SECRET:
            return None
        if no_support(exc):
            raise HostError("%s: this libvirt connection has no secret driver, needed for %s auth" % (path, auth.type))
        raise HostError("%s: cannot look up the libvirt secret: %s" % (path, exc))


def plan_secret(conn, spec, plan):
    auth = spec.pool.source.auth
    if auth is None:
        return
    path = at(at(spec.path, "source"), "auth")
    secret = lookup_secret(conn, auth, path)
    if spec.secret is None:
        if secret is None:
            key = "secret_uuid" if auth.secret_uuid else "secret_usage"
            raise InputError(
                at(path, key),
                "no libvirt secret %s exists on this host" % (auth.secret_uuid or auth.secret_usage),
                "give secret: to create it",
            )
        return
    value = base64.b64decode(spec.secret) if auth.type == "ceph" else spec.secret.encode("utf-8")
    label = "secret %s" % (auth.secret_uuid or auth.secret_usage)
    if secret is None:
        xml = build_secret_xml(auth, spec.pool.name)
        plan.do("define %s" % label, lambda: conn.secretDefineXML(xml, 0).setValue(value, 0))
    else:
        try:
            same = secret.value(0) == value
        except LibvirtError:
            same = False  # a private secret cannot be read back; set it again
            plan.blind.append("set the value of %s" % label)
        if not same:
            plan.do("set the value of %s" % label, lambda: secret.setValue(value, 0))


def plan_own_secret_removal(conn, name, live, plan):
    """The secret made from the pool's auth.secret holds a key nothing else uses; a secret the user referred to
    by secret_usage or secret_uuid is theirs and stays."""
    auth = live.model.source.auth
    if auth is None or auth.secret_usage != OWN_SECRET_USAGE % name:
        return
    secret = lookup_secret(conn, auth, at(at(plan.path, "source"), "auth"))
    if secret is not None:
        plan.do("undefine secret %s" % auth.secret_usage, secret.undefine)
