"""Validate every libvirt XML document the bench produces with virt-xml-validate.

Covers the raw floor's ElementTree documents and the per-item contender's Jinja templates (rendered
with the scenario's first objects). Exits non-zero and names the document when one is invalid.
"""

import os
import subprocess
import sys
import tempfile

import jinja2
import libvirt_xml
import scenario

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks", "templates")


def documents():
    data = scenario.build(1, changed=True)
    net, pool, vm = data["networks"][0], data["pools"][0], data["vms"][0]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES))
    yield "raw network", libvirt_xml.network(net)
    yield "raw pool", libvirt_xml.pool(pool)
    yield "raw volume", libvirt_xml.volume(pool["volumes"][0], 1 << 30)
    yield "raw domain", libvirt_xml.domain(vm)
    yield "raw domain redefined", libvirt_xml.domain(vm, "6824e23b-2fa6-44f0-8033-b797e5478300")
    yield "per-item network.xml.j2", env.get_template("network.xml.j2").render(item=net)
    yield "per-item pool.xml.j2", env.get_template("pool.xml.j2").render(item=pool)
    yield "per-item vm.xml.j2", env.get_template("vm.xml.j2").render(item=vm)


def main():
    failed = 0
    with tempfile.TemporaryDirectory(prefix="ekvm-b-xml-") as tmp:
        for i, (name, text) in enumerate(documents()):
            path = os.path.join(tmp, "%d.xml" % i)
            with open(path, "w") as out:
                out.write(text)
            check = subprocess.run(["virt-xml-validate", path], capture_output=True, text=True)
            print("%s %s" % ("ok  " if check.returncode == 0 else "FAIL", name))
            if check.returncode != 0:
                failed += 1
                print(check.stdout + check.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
