"""The canary secrets of the secrets lab test and the role variables that carry one in every secret-bearing field
(also read by the cloud image lab test, which checks those cloud-init documents against cloud-init's schema)."""

import os

POOL, SAN, VM = "ekvm-rel-sp", "ekvm-rel-san", "ekvm-rel-vm"
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAACnryPrivateKey7\n-----END OPENSSH PRIVATE KEY-----"
CANARIES = [
    "Cnry-chap-1",
    "CnryGfx2",
    "Cnry-plain-3",
    "$6$Cnry$hash4",
    "Cnry-chpasswd-5",
    "Cnry-users-6",
    "CnryPrivateKey7",
]


def variables(folder, bad=False):
    user_data = {
        "password": CANARIES[2],
        "ssh_pwauth": False,
        "users": [{"name": "ubuntu", "hashed_passwd": CANARIES[3], "lock_passwd": False}],
        "chpasswd": {
            "list": "root:%s\n" % CANARIES[4],
            "expire": False,
            "users": [{"name": "admin", "password": CANARIES[5], "type": "text"}],
        },
        "ssh_keys": {"ed25519_private": KEY, "ed25519_public": "ssh-ed25519 AAAAC3Nza public"},
    }
    vm = {
        "name": VM,
        "state": "shutdown",
        "autostart": False,
        "memory": 128,
        "pool": POOL,
        "graphics": {"type": "vnc", "password": CANARIES[1]},
        "cloud_init": {"user_data": user_data, "pool": POOL},
    }
    if bad:
        vm["nics"] = [{"network": "default", "model": "no-such-model"}]
    pools = [
        {"name": POOL, "type": "dir", "target": {"path": os.path.join(folder, "pool")}},
        {
            "name": SAN,
            "type": "iscsi",
            "state": "inactive",
            "autostart": False,
            "source": {
                "host": "127.0.0.1",
                "device": "iqn.2026-01.org.example:ekvm-rel",
                "auth": {"username": "ekvm-rel", "secret": CANARIES[0]},
            },
            "target": {"path": "/dev/disk/by-path"},
        },
    ]
    return {"kvm_virtual_networks": [], "kvm_storage_pools": pools, "kvm_vms": [vm], "kvm_lock_timeout": 120}
