"""Fixtures of the storage pool lab tests: the lab's libvirtd and a scratch folder, both cleaned of what TAG names;
and a scratch folder named after the TAG of any lab test module that asks for it."""

import os
import shutil
import tempfile

import libvirt
import pytest

from tests.lab.pool_lab import TAG
from tests.labkit.daemons import LIBVIRT_URI


@pytest.fixture(scope="module")
def conn(lab):
    """The lab's libvirtd; afterwards every pool and pool secret named after TAG is removed."""
    connection = libvirt.open(LIBVIRT_URI)
    yield connection
    for pool in connection.listAllStoragePools(0):
        if pool.name().startswith(TAG):
            if pool.isActive():
                pool.destroy()
            pool.undefine()
    for secret in connection.listAllSecrets(0):
        if (secret.usageID() or "").startswith("essentials.kvm.pool." + TAG):
            secret.undefine()
    connection.close()


@pytest.fixture(scope="module")
def workdir(conn):
    """A scratch folder under /var/tmp named after TAG, removed afterwards."""
    path = tempfile.mkdtemp(prefix=TAG + "-", dir="/var/tmp")
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def tagged_folder(lab, request):
    """A scratch folder under /var/tmp named after the test module's TAG (the prefix of what it makes), readable by
    the daemons' users; removed afterwards."""
    path = tempfile.mkdtemp(prefix=request.module.TAG, dir="/var/tmp")
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)
