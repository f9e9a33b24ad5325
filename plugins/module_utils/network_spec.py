# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec of one virtual network (O(networks) items of libvirt_network and libvirt_resources);
plugins/doc_fragments/networks.py documents it."""


def _opts(**options):
    return {"type": "dict", "options": options}


def _items(**options):
    return {"type": "list", "elements": "dict", "options": options}


STR = {"type": "str"}
INT = {"type": "int"}
BOOL = {"type": "bool"}
VPORT = _opts(profileid=STR, interfaceid=STR, managerid=INT, typeid=INT, typeidversion=INT, instanceid=STR)
VLAN = _opts(tags={"type": "list", "elements": "int", "required": True}, trunk=BOOL, native_tag=INT,
             native_mode={"type": "str", "choices": ["tagged", "untagged"]})
RATE = _opts(average={"type": "int", "required": True}, peak=INT, burst=INT)
BANDWIDTH = _opts(inbound=RATE, outbound=RATE)
REQUIRED = {"type": "str", "required": True}

NETWORK = dict(
    name=REQUIRED,
    state={"type": "str", "choices": ["active", "inactive", "present", "absent"], "default": "active"},
    autostart=BOOL,
    mode={"type": "str", "default": "nat",
          "choices": ["nat", "route", "open", "isolated", "bridge", "private", "vepa", "passthrough", "hostdev"]},
    bridge_name=STR, stp=BOOL, delay=INT, mac_table_manager={"type": "str", "choices": ["kernel", "libvirt"]},
    zone=STR, mtu=INT, mac=STR, domain=STR, domain_local_only=BOOL, ipv6=BOOL, trust_guest_rx_filters=BOOL,
    forward=_opts(dev=STR, interfaces={"type": "list", "elements": "str"}, pf=STR,
                  addresses={"type": "list", "elements": "str"}, managed=BOOL,
                  driver={"type": "str", "choices": ["kvm", "vfio"]}),
    nat=_opts(address_start=STR, address_end=STR, port_start=INT, port_end=INT, ipv6=BOOL),
    virtualport_type={"type": "str", "choices": ["openvswitch", "802.1Qbg", "802.1Qbh", "midonet"]},
    virtualport_parameters=VPORT,
    portgroups=_items(name=REQUIRED, default={"type": "bool", "default": False}, trust_guest_rx_filters=BOOL,
                      vlan=VLAN, virtualport_parameters=VPORT, bandwidth=BANDWIDTH),
    vlans=_items(name=REQUIRED, vlan={"type": "raw", "required": True}, trunk=BOOL, default=BOOL),
    route_device=STR,
    dns=_opts(enable=BOOL, forward_plain_names=BOOL, forwarders=_items(addr=STR, domain=STR),
              hosts=_items(ip=REQUIRED, hostnames={"type": "list", "elements": "str", "required": True}),
              srvs=_items(service=REQUIRED, protocol={"type": "str", "required": True, "choices": ["tcp", "udp"]},
                          domain=STR, target=STR, port=INT, priority=INT, weight=INT),
              txts=_items(name=REQUIRED, value=REQUIRED)),
    bandwidth=BANDWIDTH, vlan=VLAN, port_isolated=BOOL,
    ips=_items(address=REQUIRED, prefix=INT, netmask=STR, local_ptr=BOOL, tftp_root=STR,
               dhcp_ranges=_items(start=REQUIRED, end=REQUIRED),
               dhcp_hosts=_items(ip=REQUIRED, mac=STR, id=STR, name=STR),
               bootp=_opts(file=REQUIRED, server=STR)),
    routes=_items(address=REQUIRED, prefix=INT, netmask=STR, gateway=REQUIRED, metric=INT),
)

NETWORKS = _items(**NETWORK)
