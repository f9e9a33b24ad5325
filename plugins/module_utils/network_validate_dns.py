# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns section of a virtual network: forwarders, host names, SRV and TXT records."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.essentials.kvm.plugins.module_utils import checks
from ansible_collections.essentials.kvm.plugins.module_utils.checks import declared, fail
from ansible_collections.essentials.kvm.plugins.module_utils.errors import at
from ansible_collections.essentials.kvm.plugins.module_utils.network_model import (
    Dns,
    DnsForwarder,
    DnsHost,
    DnsSrv,
    DnsTxt,
)


def dns_name(value, path):
    checked = checks.text(what="a DNS name")(value, path)
    if not checks.DNS_NAME_RE.match(checked):
        fail(path, "must be a DNS name such as example.lan (got %r)" % checked)
    return checked


def read_dns_forwarder(data, path):
    forwarder = declared(DnsForwarder, data, path, {"addr": checks.ip(), "domain": dns_name})
    if forwarder == DnsForwarder():
        fail(path, "needs addr, domain or both")
    return forwarder


def read_dns_host(data, path):
    host = declared(DnsHost, data, path, {"ip": checks.ip(), "hostnames": checks.list_of(dns_name)}, required=("ip",))
    if not host.hostnames:
        fail(at(path, "hostnames"), "needs at least one host name")
    return host


def read_dns_srv(data, path):
    number = checks.integer(0, 65535)
    return declared(
        DnsSrv,
        data,
        path,
        {
            "service": checks.plain_text,
            "protocol": checks.choice("tcp", "udp"),
            "domain": dns_name,
            "target": dns_name,
            "port": number,
            "priority": number,
            "weight": number,
        },
        required=("service", "protocol"),
    )


def read_dns_txt(data, path):
    return declared(DnsTxt, data, path, {"name": dns_name, "value": checks.plain_text}, required=("name", "value"))


def read_dns(data, path):
    return declared(
        Dns,
        data,
        path,
        {
            "enable": checks.boolean,
            "forward_plain_names": checks.boolean,
            "forwarders": checks.list_of(read_dns_forwarder),
            "hosts": checks.list_of(read_dns_host),
            "srvs": checks.list_of(read_dns_srv),
            "txts": checks.list_of(read_dns_txt),
        },
    )
