# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The networks option: every virtual network of a host, and the bridges they may use (libvirt_network and
    # libvirt_resources).
    DOCUMENTATION = r"""
options:
  networks:
    description:
      - Every virtual network of the host. Items also accept the older ansible-kvm role's keys C(vlans) and
        C(route_device).
    type: list
    elements: dict
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
        description: Spanning tree on the bridge libvirt creates; libvirt turns it on when unset.
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
        description: MAC address of the bridge libvirt creates; libvirt generates one when unset.
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
        description: Virtual port parameters; the VSI ones are those of 802.1Qbg.
        type: dict
        suboptions: &vport
          profileid:
            description: Port profile id.
            type: str
          interfaceid:
            description: Interface UUID.
            type: str
          managerid:
            description: VSI manager id.
            type: int
          typeid:
            description: VSI type id.
            type: int
          typeidversion:
            description: VSI type version.
            type: int
          instanceid:
            description: VSI instance UUID.
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
            description: Name of the portgroup the item becomes.
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
  declared_bridges:
    description:
      - Bridges that the host's interface or Open vSwitch variables will create; a V(bridge) mode network must name
        one of these or a bridge that already exists.
    type: list
    elements: str
    default: []
"""
