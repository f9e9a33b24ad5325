# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One host's topology facts for the fleet report: kernel links, Open vSwitch, libvirt, resources.

The schema is documented in docs/report.md and in kvm_host_facts' RETURN; SCHEMA_VERSION changes when
a field changes meaning or goes away.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import socket

from ansible_collections.essentials.kvm.plugins.module_utils import topology_drift, topology_drift_net
from ansible_collections.essentials.kvm.plugins.module_utils.topology_libvirt import read_libvirt
from ansible_collections.essentials.kvm.plugins.module_utils.topology_ovs import read_ovs
from ansible_collections.essentials.kvm.plugins.module_utils.topology_read import host_resources, read_file, read_links

SCHEMA_VERSION = 1


def totals(vms):
    """vCPUs and memory committed to every defined VM and to the running ones."""
    running = [vm for vm in vms if vm["state"] in ("running", "blocked", "paused")]
    return {
        "vms": len(vms),
        "vms_running": len(running),
        "vcpus": sum(vm["vcpus"] for vm in vms),
        "vcpus_running": sum(vm["vcpus"] for vm in running),
        "memory_mib": sum(vm["memory_mib"] for vm in vms),
        "memory_mib_running": sum(vm["memory_mib"] for vm in running),
    }


def drift(declared, run, vsctl="ovs-vsctl", ovs_db=None, links=()):
    """What the kvm, openvswitch and config_interfaces roles would change, per object (topology_drift), and the
    declared addresses missing from the running `links`; None when nothing is declared."""
    return topology_drift.compute(
        declared or {},
        {
            "kvm": (topology_drift.LIBVIRT_LISTS, topology_drift.libvirt_drift),
            "openvswitch": (
                topology_drift_net.OVS_LISTS,
                lambda found: topology_drift_net.ovs_drift(found, run, vsctl, ovs_db),
            ),
            "config_interfaces": (
                topology_drift_net.IFUPDOWN_LISTS,
                lambda found: topology_drift_net.ifupdown_drift(found, links=links),
            ),
        },
    )


def gather(run, uri="qemu:///system", vsctl="ovs-vsctl", ovs_db=None, declared=None):
    """Everything the report draws for this host. `run(argv)` returns (rc, stdout, stderr). With `declared`
    (the host's role variables) also the drift."""
    virt = read_libvirt(uri)
    facts = {
        "schema": SCHEMA_VERSION,
        "hostname": socket.gethostname(),
        "reachable": True,
        "resources": host_resources(read_file("/proc/meminfo"), read_file("/proc/cpuinfo"), os.cpu_count()),
        "links": read_links(run),
        "ovs": read_ovs(run, vsctl, ovs_db),
        "libvirt": {"available": virt["available"], "problem": virt["problem"], "uri": uri},
        "networks": virt["networks"],
        "pools": virt["pools"],
        "vms": virt["vms"],
    }
    facts["totals"] = totals(facts["vms"])
    facts["drift"] = drift(declared, run, vsctl, ovs_db, facts["links"])
    return facts
