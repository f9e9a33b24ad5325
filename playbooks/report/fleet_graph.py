# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One host's facts (kvm_host_facts) as a graph: every object a node, every "rides on" an edge.

Edges point the way traffic and storage flow toward a VM, so a left-to-right layout reads
NICs -> bonds -> VLANs -> bridges/OVS -> libvirt networks -> VM NICs -> VMs and
pools -> volumes -> VM disks -> VMs. Runs on the controller; standard library only.
"""

# Node kinds, in the order of their column; the page's legend and colours follow it.
KINDS = (
    "nic",
    "link",
    "bond",
    "vlan",
    "bridge",
    "ovs-bridge",
    "ovs-port",
    "network",
    "vm-nic",
    "vm",
    "pool",
    "volume",
    "disk",
)


class Graph:
    def __init__(self):
        self.nodes = {}
        self.edges = []
        self._pairs = set()

    def node(self, node_id, kind, label, detail=(), search=(), owner=None):
        """`owner` names the VM a VM NIC or disk belongs to, so a search hit on a MAC can name its VM."""
        if node_id not in self.nodes:
            self.nodes[node_id] = {
                "id": node_id,
                "kind": kind,
                "label": label,
                "detail": [d for d in detail if d],
                "search": sorted({s.lower() for s in search if s}),
                "owner": owner,
            }
        return node_id

    def edge(self, tail, head, label=None):
        # An edge to an object the host does not show (a bridge libvirt names but nobody created) is left out.
        if tail in self.nodes and head in self.nodes and (tail, head) not in self._pairs:
            self._pairs.add((tail, head))
            self.edges.append({"from": tail, "to": head, "label": label})

    def as_dict(self):
        return {"nodes": list(self.nodes.values()), "edges": self.edges}


def _size(value):
    """Bytes as a short human size."""
    units = ("B", "KiB", "MiB", "GiB", "TiB")
    step = 0
    while abs(value) >= 1024 and step < len(units) - 1:
        value /= 1024.0
        step += 1
    return "%d B" % value if step == 0 else "%.1f %s" % (value, units[step])


def _vm_ports(facts):
    """Tap/macvtap names of VM NICs: drawn as the VM NIC, never as a host link of their own."""
    return {nic["port"] for vm in facts.get("vms", []) for nic in vm["nics"] if nic.get("port")}


def _links(graph, facts, vm_ports):
    for link in facts.get("links", []):
        if link["name"] in vm_ports or link["kind"] == "ovs":
            continue
        kind = {"nic": "nic", "bond": "bond", "vlan": "vlan", "bridge": "bridge"}.get(link["kind"], "link")
        # Addresses first: the box shows the first lines, and an address says more than a MAC.
        detail = list(link.get("addresses", [])) + [
            link["kind"] if kind == "link" else None,
            link.get("mac"),
            link.get("state"),
        ]
        if link.get("speed"):
            detail.append("%d Mb/s" % link["speed"])
        bond = link.get("bond")
        if bond:
            detail += [
                bond.get("mode"),
                "active: %s" % bond["active"] if bond.get("active") else None,
                "LACP partner %s" % bond["lacp_partner"] if bond.get("lacp_partner") else None,
            ]
        if link.get("vlan"):
            detail.append("VLAN %s" % link["vlan"].get("id"))
        graph.node(
            "link:" + link["name"],
            kind,
            link["name"],
            detail,
            [link["name"], link.get("mac")] + [a.split("/")[0] for a in link.get("addresses", [])],
        )
    for link in facts.get("links", []):
        node = "link:" + link["name"]
        if link.get("master") and link.get("master_kind") in ("bond", "bridge"):
            graph.edge(node, "link:" + link["master"])
        if link.get("parent"):
            label = "VLAN %s" % link["vlan"]["id"] if link.get("vlan") else None
            graph.edge("link:" + link["parent"], node, label)


def _ovs(graph, facts, vm_ports):
    for bridge in facts.get("ovs", {}).get("bridges", []):
        bridge_id = graph.node(
            "ovs:" + bridge["name"], "ovs-bridge", bridge["name"], ["Open vSwitch"], [bridge["name"]]
        )
        for port in bridge["ports"]:
            names = [iface["name"] for iface in port["interfaces"]]
            if port["name"] == bridge["name"] or any(name in vm_ports for name in names):
                continue  # the bridge's own local port, or a VM's tap drawn as its VM NIC
            tagging = [
                "tag %s" % port["tag"] if port.get("tag") is not None else None,
                "trunks %s" % ",".join(str(t) for t in port["trunks"]) if port.get("trunks") else None,
            ]
            detail = tagging + [
                "bond %s" % port["bond_mode"] if port.get("bond_mode") else None,
                "LACP %s" % port["lacp"] if port.get("lacp") else None,
            ]
            port_id = graph.node(
                "ovs:%s/%s" % (bridge["name"], port["name"]),
                "ovs-port",
                port["name"],
                detail + [iface["type"] for iface in port["interfaces"] if iface["type"] != "system"],
                [port["name"]] + names,
            )
            for iface in port["interfaces"]:
                graph.edge("link:" + iface["name"], port_id)
            graph.edge(port_id, bridge_id, ", ".join(t for t in tagging if t) or None)


def _bridge_node(graph, name):
    """The node a bridge name stands for: an OVS bridge or a Linux bridge (or other link)."""
    for node_id in ("ovs:" + name, "link:" + name):
        if node_id in graph.nodes:
            return node_id
    return None


def _networks(graph, facts):
    for net in facts.get("networks", []):
        detail = [
            net["mode"],
            "bridge %s" % net["bridge"] if net.get("bridge") else None,
            "active" if net["active"] else "inactive",
        ] + net.get("addresses", [])
        detail += ["lease %s %s" % (lease["address"], lease["mac"]) for lease in net.get("leases", [])]
        node = graph.node(
            "net:" + net["name"],
            "network",
            net["name"],
            detail,
            [net["name"]]
            + [lease["address"] for lease in net.get("leases", [])]
            + [a.split("/")[0] for a in net.get("addresses", [])],
        )
        if net.get("bridge") and _bridge_node(graph, net["bridge"]):
            graph.edge(_bridge_node(graph, net["bridge"]), node)
        for uplink in net.get("uplinks", []):
            graph.edge("link:" + uplink, node)


def _vms(graph, facts):
    volumes = {(pool["name"], vol["name"]) for pool in facts.get("pools", []) for vol in pool["volumes"]}
    for vm in facts.get("vms", []):
        vm_id = graph.node(
            "vm:" + vm["name"],
            "vm",
            vm["name"],
            [vm["state"], "%d vCPU, %d MiB" % (vm["vcpus"], vm["memory_mib"])],
            [vm["name"], vm.get("uuid")] + [a for nic in vm["nics"] for a in nic["addresses"]],
        )
        for index, nic in enumerate(vm["nics"]):
            vlan = "VLAN %s" % ",".join(str(t) for t in nic["vlan"]) if nic.get("vlan") else None
            nic_id = graph.node(
                "nic:%s/%d" % (vm["name"], index),
                "vm-nic",
                nic["mac"] or "nic %d" % index,
                [nic.get("port"), nic.get("model"), vlan] + nic["addresses"],
                [nic["mac"], nic.get("port")] + nic["addresses"],
                owner=vm["name"],
            )
            graph.edge(nic_id, vm_id)
            if nic.get("network") and "net:" + nic["network"] in graph.nodes:
                graph.edge("net:" + nic["network"], nic_id, nic.get("portgroup") or vlan)
            elif nic.get("bridge") and _bridge_node(graph, nic["bridge"]):
                graph.edge(_bridge_node(graph, nic["bridge"]), nic_id, vlan)
            elif nic.get("device"):
                graph.edge("link:" + nic["device"], nic_id)
        for disk in vm["disks"]:
            disk_id = graph.node(
                "disk:%s/%s" % (vm["name"], disk["target"]),
                "disk",
                disk["target"] or "disk",
                [disk["device"], disk.get("path")],
                [disk.get("path")],
                owner=vm["name"],
            )
            graph.edge(disk_id, vm_id)
            if (disk.get("pool"), disk.get("volume")) in volumes:
                graph.edge("vol:%s/%s" % (disk["pool"], disk["volume"]), disk_id)


def _storage(graph, facts):
    for pool in facts.get("pools", []):
        pool_id = graph.node(
            "pool:" + pool["name"],
            "pool",
            pool["name"],
            [
                pool["type"],
                "%s of %s used" % (_size(pool["allocation"]), _size(pool["capacity"])),
                None if pool["active"] else "inactive",
            ],
            [pool["name"], pool.get("path")],
        )
        for vol in pool["volumes"]:
            vol_id = graph.node(
                "vol:%s/%s" % (pool["name"], vol["name"]),
                "volume",
                vol["name"],
                [vol.get("format"), _size(vol["capacity"])],
                [vol["name"], vol.get("path")],
            )
            graph.edge(pool_id, vol_id)


# Drift statuses (kvm_host_facts' facts.drift), in the order of the page's legend.
DRIFT_STATUSES = ("missing", "extra", "different")


def _parent(node_id):
    """The node a missing object hangs from: a volume's pool, an OVS port's bridge."""
    if node_id.startswith("vol:"):
        return "pool:" + node_id[4:].split("/")[0]
    if node_id.startswith("ovs:") and "/" in node_id:
        return node_id.split("/")[0]
    return None


def _drift(graph, drift):
    """Mark each object the drift touches; one the host lacks (missing, or a port the report does not draw) is
    added, hanging from its pool or bridge. Objects without a node of their own (an ifupdown file) are only
    listed beside the diagram."""
    for item in (drift or {}).get("objects", []):
        if item["kind"] not in KINDS:
            continue
        if item["id"] not in graph.nodes:
            graph.node(item["id"], item["kind"], item["name"], [item["status"]], [item["name"]])
            parent = _parent(item["id"])
            if parent and parent not in graph.nodes and parent.startswith("ovs:"):
                graph.node(parent, "ovs-bridge", parent[4:], ["Open vSwitch"], [parent[4:]])
            if parent:
                graph.edge(parent, item["id"])
        graph.nodes[item["id"]]["drift"] = item["status"]


def host_graph(facts):
    """{'nodes': [...], 'edges': [...]} of one reachable host's facts; a node the drift touches has `drift`
    (missing, extra or different)."""
    graph = Graph()
    vm_ports = _vm_ports(facts)
    _links(graph, facts, vm_ports)
    _ovs(graph, facts, vm_ports)
    _networks(graph, facts)
    _storage(graph, facts)
    _vms(graph, facts)
    _drift(graph, facts.get("drift"))
    return graph.as_dict()
