# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which interfaces to bounce, and in which order, when the stanzas change."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass, field


def dependency_map(items):
    """name -> names it depends on (its lower devices). A bond member declared with
    bond_master is a lower device of that bond."""
    deps = dict((item.name, set(item.lowers())) for item in items)
    for item in items:
        if item.bond_master:
            deps.setdefault(item.bond_master, set()).add(item.name)
    return deps


def find_cycle(deps):
    """A list of names forming a dependency cycle (first name repeated at the end), or None."""
    state = {}

    def visit(name, trail):
        state[name] = "open"
        for lower in sorted(deps.get(name, ())):
            if state.get(lower) == "open":
                return trail[trail.index(lower) :] + [lower]
            if lower not in state:
                found = visit(lower, trail + [lower])
                if found:
                    return found
        state[name] = "done"
        return None

    for name in sorted(deps):
        if name not in state:
            found = visit(name, [name])
            if found:
                return found
    return None


def lower_first(names, deps):
    """`names` ordered so every name comes after the names it depends on; ties keep input order.
    Dependencies outside `names` are ignored; cycles must have been rejected already."""
    wanted = list(dict.fromkeys(names))
    placed, ordered = set(), []
    while len(ordered) < len(wanted):
        for name in wanted:
            if name not in placed and all(d in placed or d not in wanted for d in deps.get(name, ())):
                placed.add(name)
                ordered.append(name)
                break
        else:
            raise ValueError("dependency cycle among %s" % ", ".join(n for n in wanted if n not in placed))
    return ordered


def dependants(names, deps):
    """Every name that depends, directly or not, on one of `names`."""
    found = set()
    frontier = set(names)
    while frontier:
        frontier = set(n for n, lowers in deps.items() if lowers & frontier) - found - set(names)
        found |= frontier
    return found


@dataclass
class Plan:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    downs: list[str] = field(default_factory=list)
    ups: list[str] = field(default_factory=list)

    @property
    def steps(self):
        return [("ifdown", n) for n in self.downs] + [("ifup", n) for n in self.ups]

    @property
    def bounced(self):
        return list(dict.fromkeys(self.downs + self.ups))


def make_plan(old_items, new_items, frozen=()):
    """Compare the stanzas on the host with the desired ones. Changed, added and removed
    stanzas and everything stacked on them are bounced: downs upper-first while the old
    file is still installed, ups lower-first from the new file. `frozen` names (enable:
    false) are written but never bounced; stanzas without a start line are not brought up."""
    old = dict((i.name, i) for i in old_items)
    new = dict((i.name, i) for i in new_items)
    plan = Plan(
        added=[n for n in new if n not in old],
        removed=[n for n in old if n not in new],
        changed=[n for n in new if n in old and not new[n].same_config(old[n])],
    )
    touched = set(plan.added + plan.removed + plan.changed)
    old_deps, new_deps = dependency_map(old_items), dependency_map(new_items)
    # Dependants in either graph: a bridge loses its port when the port goes down, whether
    # the port is being added to, removed from or changed under that bridge.
    bounce = touched | dependants(touched, old_deps) | dependants(touched, new_deps)
    bounce -= set(frozen)
    plan.downs = list(reversed(lower_first([n for n in old if n in bounce], old_deps)))
    plan.ups = lower_first([n for n in new if n in bounce and new[n].start != "none"], new_deps)
    return plan
