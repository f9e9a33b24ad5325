#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: libvirt_network
short_description: Converge all libvirt virtual networks of a host in one call
version_added: 0.1.0
description:
  - Defines, redefines, starts, stops, autostarts and removes libvirt virtual networks of every forward mode
    (nat, route, open, isolated, bridge, private, vepa, passthrough, hostdev).
  - Compares the normalised live definitions with the wanted ones and changes only what differs.
  - On a running network, DHCP ranges and hosts, DNS hosts, SRV and TXT records and portgroups are changed live
    and in the persistent definition. Any other change redefines the network and reports it in
    C(restart_required); the network is restarted only with O(restart_on_change), which cuts the guests plugged
    into it.
  - All input is checked before anything changes; errors name the input path, for example
    C(networks[1].ips[0].dhcp_ranges[0].start).
author:
  - KVM essentials developers (@kvm-essentials)
requirements:
  - libvirt Python bindings (python3-libvirt) on the managed host
options:
  uri:
    description: libvirt connection URI.
    type: str
    default: qemu:///system
  networks:
    description:
      - Every virtual network of the host. Items also accept the older ansible-kvm role's keys C(vlans) and
        C(route_device).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Network name.
        type: str
        required: true
      state:
        description:
          - V(active) defines and starts, V(inactive) defines and stops, V(present) defines and leaves the run
            state alone, V(absent) stops and undefines.
        type: str
        choices: [active, inactive, present, absent]
        default: active
      autostart:
        description:
          - Start at boot. Defaults to V(true) for V(active), V(false) for V(inactive), unchanged for V(present).
        type: bool
      mode:
        description: Forward mode; V(isolated) has no forward element.
        type: str
        choices: [nat, route, open, isolated, bridge, private, vepa, passthrough, hostdev]
        default: nat
      bridge_name:
        description:
          - Bridge libvirt creates (nat, route, open, isolated; libvirt picks virbrN when unset), or the existing
            Linux or Open vSwitch bridge for mode V(bridge).
        type: str
      stp:
        description: Spanning tree on the bridge libvirt creates.
        type: bool
      delay:
        description: Bridge forward delay in seconds.
        type: int
      mac_table_manager:
        description: Who manages the bridge's MAC table.
        type: str
        choices: [kernel, libvirt]
      zone:
        description: firewalld zone of the bridge.
        type: str
      mtu:
        description: MTU of the bridge.
        type: int
      mac:
        description: MAC address of the bridge libvirt creates.
        type: str
      domain:
        description: DNS domain served by dnsmasq.
        type: str
      domain_local_only:
        description: Answer queries for O(networks[].domain) locally only.
        type: bool
      ipv6:
        description: Allow guest-to-guest IPv6 without a gateway address.
        type: bool
      trust_guest_rx_filters:
        description: Trust guests' receive filter changes (macvtap).
        type: bool
      forward:
        description: Forward device details.
        type: dict
        suboptions:
          dev:
            description: Host device that traffic leaves by (nat, route, bridge and macvtap modes).
            type: str
          interfaces:
            description: Pool of host NICs (bridge to NICs, private, vepa, passthrough).
            type: list
            elements: str
          pf:
            description: SR-IOV physical function whose virtual functions form the pool (passthrough, hostdev).
            type: str
          addresses:
            description: PCI addresses of virtual functions, like V(0000:03:10.1) (hostdev).
            type: list
            elements: str
          managed:
            description: Let libvirt detach the devices from the host driver (hostdev).
            type: bool
          driver:
            description: Device assignment driver (hostdev).
            type: str
            choices: [kvm, vfio]
      nat:
        description: NAT address and port ranges (mode nat).
        type: dict
        suboptions:
          address_start:
            description: First public IPv4 address.
            type: str
          address_end:
            description: Last public IPv4 address.
            type: str
          port_start:
            description: First source port.
            type: int
          port_end:
            description: Last source port.
            type: int
          ipv6:
            description: NAT IPv6 too.
            type: bool
      virtualport_type:
        description: Virtual port type; V(openvswitch) for an Open vSwitch bridge.
        type: str
        choices: [openvswitch, 802.1Qbg, 802.1Qbh, midonet]
      virtualport_parameters:
        description: Virtual port parameters.
        type: dict
        suboptions: &vport
          profileid:
            description: Port profile id.
            type: str
          interfaceid:
            description: Interface UUID.
            type: str
          managerid:
            description: VSI manager id (802.1Qbg).
            type: int
          typeid:
            description: VSI type id (802.1Qbg).
            type: int
          typeidversion:
            description: VSI type version (802.1Qbg).
            type: int
          instanceid:
            description: VSI instance UUID (802.1Qbg).
            type: str
      portgroups:
        description: Portgroups guests can pick.
        type: list
        elements: dict
        suboptions:
          name:
            description: Portgroup name.
            type: str
            required: true
          default:
            description: Used by guests that name no portgroup; at most one per network.
            type: bool
            default: false
          trust_guest_rx_filters:
            description: Trust guests' receive filter changes.
            type: bool
          vlan:
            description: VLAN tags, 1-4094.
            type: dict
            suboptions: &vlan
              tags:
                description: VLAN ids.
                type: list
                elements: int
                required: true
              trunk:
                description: Trunk port; defaults to V(true) with several tags.
                type: bool
              native_tag:
                description: Native VLAN of a trunk; must be one of O(networks[].portgroups[].vlan.tags).
                type: int
              native_mode:
                description: Whether native VLAN traffic is tagged; defaults to V(untagged).
                type: str
                choices: [tagged, untagged]
          virtualport_parameters:
            description: Virtual port parameters of the portgroup.
            type: dict
            suboptions: *vport
          bandwidth:
            description: Quality of service of the portgroup.
            type: dict
            suboptions: &bandwidth
              inbound:
                description: Traffic towards the guests, in kB/s (burst in kB).
                type: dict
                suboptions: &rate
                  average:
                    description: Average rate.
                    type: int
                    required: true
                  peak:
                    description: Peak rate.
                    type: int
                  burst:
                    description: Burst size.
                    type: int
              outbound:
                description: Traffic from the guests.
                type: dict
                suboptions: *rate
      vlans:
        description: Older ansible-kvm shape of O(networks[].portgroups).
        type: list
        elements: dict
        suboptions:
          name:
            description: Portgroup name.
            type: str
            required: true
          vlan:
            description: One VLAN id or a list of them.
            type: raw
            required: true
          trunk:
            description: Trunk port; defaults to V(true) with several ids.
            type: bool
          default:
            description: Default portgroup.
            type: bool
      route_device:
        description: Older ansible-kvm name of O(networks[].forward.dev).
        type: str
      dns:
        description: DNS served by dnsmasq.
        type: dict
        suboptions:
          enable:
            description: Run the DNS server.
            type: bool
          forward_plain_names:
            description: Forward names without a domain upstream.
            type: bool
          forwarders:
            description: Upstream servers.
            type: list
            elements: dict
            suboptions:
              addr:
                description: Server address.
                type: str
              domain:
                description: Only for this domain.
                type: str
          hosts:
            description: Host records.
            type: list
            elements: dict
            suboptions:
              ip:
                description: Address.
                type: str
                required: true
              hostnames:
                description: Names.
                type: list
                elements: str
                required: true
          srvs:
            description: SRV records.
            type: list
            elements: dict
            suboptions:
              service:
                description: Service name.
                type: str
                required: true
              protocol:
                description: Protocol.
                type: str
                required: true
                choices: [tcp, udp]
              domain:
                description: Domain.
                type: str
              target:
                description: Target host.
                type: str
              port:
                description: Port.
                type: int
              priority:
                description: Priority.
                type: int
              weight:
                description: Weight.
                type: int
          txts:
            description: TXT records.
            type: list
            elements: dict
            suboptions:
              name:
                description: Record name.
                type: str
                required: true
              value:
                description: Record value.
                type: str
                required: true
      bandwidth:
        description: Quality of service of the whole network.
        type: dict
        suboptions: *bandwidth
      vlan:
        description: Network-wide VLAN tags (Open vSwitch bridge or hostdev).
        type: dict
        suboptions: *vlan
      port_isolated:
        description: Keep guests on this network from talking to each other.
        type: bool
      ips:
        description: Address blocks of the network (nat, route, open, isolated).
        type: list
        elements: dict
        suboptions:
          address:
            description: Host address on the bridge, IPv4 or IPv6.
            type: str
            required: true
          prefix:
            description: Prefix length.
            type: int
          netmask:
            description: IPv4 netmask instead of O(networks[].ips[].prefix).
            type: str
          local_ptr:
            description: Answer reverse lookups locally.
            type: bool
          tftp_root:
            description: TFTP root served by dnsmasq.
            type: str
          dhcp_ranges:
            description: DHCP ranges; they must lie inside the block's subnet.
            type: list
            elements: dict
            suboptions:
              start:
                description: First address.
                type: str
                required: true
              end:
                description: Last address.
                type: str
                required: true
          dhcp_hosts:
            description: Static DHCP leases; IPv4 by O(networks[].ips[].dhcp_hosts[].mac), IPv6 by DUID.
            type: list
            elements: dict
            suboptions:
              ip:
                description: Address handed out.
                type: str
                required: true
              mac:
                description: Guest MAC (IPv4).
                type: str
              id:
                description: Client DUID (IPv6).
                type: str
              name:
                description: Host name.
                type: str
          bootp:
            description: PXE boot file (IPv4).
            type: dict
            suboptions:
              file:
                description: Boot file name.
                type: str
                required: true
              server:
                description: TFTP server, when not this host.
                type: str
      routes:
        description: Static routes through a guest.
        type: list
        elements: dict
        suboptions:
          address:
            description: Destination network.
            type: str
            required: true
          prefix:
            description: Destination prefix length.
            type: int
          netmask:
            description: IPv4 netmask instead of O(networks[].routes[].prefix).
            type: str
          gateway:
            description: Gateway inside one of the network's blocks.
            type: str
            required: true
          metric:
            description: Route metric.
            type: int
  purge:
    description: Stop and undefine networks that are not in O(networks) (including libvirt's V(default)).
    type: bool
    default: false
  restart_on_change:
    description:
      - Restart a running network whose change libvirt cannot apply live. A restart cuts the guests plugged into it.
    type: bool
    default: false
  declared_bridges:
    description:
      - Bridges that the host's interface or Open vSwitch variables will create; a V(bridge) mode network must name
        one of these or a bridge that already exists.
    type: list
    elements: str
    default: []
  input_name:
    description: Name used at the start of error paths, like the role variable that held O(networks).
    type: str
    default: networks
attributes:
  check_mode:
    description: Plans and reports the changes, the diff included, without touching the host.
    support: full
  diff_mode:
    description: Shows each network's definition, state and autostart before and after.
    support: full
"""

EXAMPLES = r"""
- name: NAT network with DHCP and an Open vSwitch network with VLAN portgroups
  essentials.kvm.libvirt_network:
    networks:
      - name: lab
        mode: nat
        ips:
          - address: 192.168.100.1
            prefix: 24
            dhcp_ranges:
              - start: 192.168.100.100
                end: 192.168.100.199
      - name: ovs-trunk
        mode: bridge
        bridge_name: br-ovs
        virtualport_type: openvswitch
        portgroups:
          - name: vlan10
            default: true
            vlan:
              tags: [10]
          - name: trunk
            vlan:
              tags: [10, 20, 30]
              native_tag: 10
    declared_bridges: [br-ovs]

- name: Remove every network not listed
  essentials.kvm.libvirt_network:
    networks:
      - name: lab
        ips:
          - address: 192.168.100.1
            prefix: 24
    purge: true
"""

RETURN = r"""
networks:
  description: What was (or, in check mode, would be) done per network.
  returned: always
  type: list
  elements: dict
  sample:
    - name: lab
      actions: [update live]
      restart_required: false
      live_updates: ['add-last ip-dhcp-range (ip 0): <range start="192.168.100.50" end="192.168.100.99" />']
restart_required:
  description: Running networks redefined but not restarted; they use the old definition until restarted.
  returned: always
  type: list
  elements: str
live_updates:
  description: virNetworkUpdate steps by network name.
  returned: always
  type: dict
done:
  description: The changes made before libvirt refused one; the task then fails with C(changed=true).
  returned: failure
  type: list
  elements: str
  sample: [define network lab, start network lab]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.essentials.kvm.plugins.module_utils.errors import EssentialsError
from ansible_collections.essentials.kvm.plugins.module_utils.network_reconcile import (
    converge, open_connection, result)


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

ARGUMENT_SPEC = dict(
    uri={"type": "str", "default": "qemu:///system"},
    networks={"type": "list", "elements": "dict", "default": [], "options": NETWORK},
    purge={"type": "bool", "default": False},
    restart_on_change={"type": "bool", "default": False},
    declared_bridges={"type": "list", "elements": "str", "default": []},
    input_name={"type": "str", "default": "networks"},
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    try:
        conn = open_connection(params["uri"])
        plans = converge(conn, params["networks"], input_name=params["input_name"], purge=params["purge"],
                         restart_on_change=params["restart_on_change"],
                         declared_bridges=params["declared_bridges"], check_mode=module.check_mode)
    except EssentialsError as exc:
        done = getattr(exc, "done", [])
        module.fail_json(msg=exc.message, changed=bool(done), done=done)
    module.exit_json(**result(plans))


if __name__ == "__main__":
    main()
