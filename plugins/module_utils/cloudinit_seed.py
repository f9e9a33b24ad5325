# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloud-init NoCloud seed ISO (volume label 'cidata') built with xorriso, genisoimage or mkisofs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess
import tempfile

from ansible_collections.essentials.kvm.plugins.module_utils.errors import HostError, UnsupportedError

LABEL = "cidata"


def _command(tool, output, files):
    if os.path.basename(tool) == "xorriso":
        return [tool, "-as", "mkisofs", "-quiet", "-output", output, "-volid", LABEL, "-joliet", "-rock"] + files
    return [tool, "-quiet", "-output", output, "-volid", LABEL, "-joliet", "-rock"] + files


def find_tool():
    for name in ("xorriso", "genisoimage", "mkisofs"):
        found = shutil.which(name)
        if found:
            return found
    raise UnsupportedError(
        "building a cloud-init seed ISO needs xorriso, genisoimage or mkisofs on the host "
        "(install the Debian package 'xorriso')"
    )


def seed_files(cloud_init):
    files = {"user-data": cloud_init.user_data, "meta-data": cloud_init.meta_data}
    if cloud_init.network_config is not None:
        files["network-config"] = cloud_init.network_config
    return files


def temp_prefix(kind):
    """The prefix of this run's temporary files of a kind: named after the run's PID, so that sweep() knows them."""
    return "essentials-kvm-%s-%d-" % (kind, os.getpid())


def sweep(folder=None):
    """Remove what runs that were killed left in the temporary folder: the seed's input files (they may hold
    passwords, in a 0700 folder) and the ISO (0600). A run that ends however it can removes its own; a SIGKILL
    cannot, so the next run does, for every PID that no longer runs."""
    folder = folder or tempfile.gettempdir()
    for name in os.listdir(folder):
        parts = name.split("-")
        if name.startswith("essentials-kvm-") and len(parts) > 4 and parts[3].isdigit() and not _alive(int(parts[3])):
            path = os.path.join(folder, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: alive
    return True


def build_seed(cloud_init, output):
    """Write the seed ISO to output; return its size in bytes."""
    tool = find_tool()
    workdir = tempfile.mkdtemp(prefix=temp_prefix("cidata"))
    try:
        names = []
        for name, text in sorted(seed_files(cloud_init).items()):
            with open(os.path.join(workdir, name), "w") as handle:
                handle.write(text)
            names.append(os.path.join(workdir, name))
        result = subprocess.run(_command(tool, output, names), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise HostError("%s failed to build the cloud-init seed: %s" % (tool, result.stderr.strip()))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return os.path.getsize(output)
