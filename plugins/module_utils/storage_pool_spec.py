# -*- coding: utf-8 -*-
# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec of one storage pool (O(pools) items of libvirt_pool and libvirt_resources);
plugins/doc_fragments/pools.py documents it. storage_pool_validate checks the values."""

PERMISSIONS = dict(mode=dict(type="str"), owner=dict(type="int"), group=dict(type="int"), label=dict(type="str"))
ADAPTER = dict(
    type=dict(type="str"), name=dict(type="str"), parent=dict(type="str"), parent_wwnn=dict(type="str"),
    parent_wwpn=dict(type="str"), parent_fabric_wwn=dict(type="str"), managed=dict(type="bool"),
    wwnn=dict(type="str"), wwpn=dict(type="str"), parent_address=dict(type="str"), unique_id=dict(type="int"),
)
AUTH = dict(type=dict(type="str"), username=dict(type="str"), secret_usage=dict(type="str", no_log=False),
            secret_uuid=dict(type="str", no_log=False), secret=dict(type="str", no_log=True))
SOURCE = dict(
    host=dict(type="str"), port=dict(type="int"),
    hosts=dict(type="list", elements="dict", options=dict(name=dict(type="str"), port=dict(type="int"))),
    device=dict(type="str"), devices=dict(type="list", elements="str"), part_separator=dict(type="bool"),
    dir=dict(type="str"), name=dict(type="str"), format=dict(type="str"),
    adapter=dict(type="dict", options=ADAPTER), initiator=dict(type="str"), auth=dict(type="dict", options=AUTH),
    protocol_version=dict(type="str"), vendor=dict(type="str"), product=dict(type="str"),
)
VOLUME = dict(
    name=dict(type="str"), state=dict(type="str", default="present"), capacity=dict(type="raw"),
    allocation=dict(type="raw"), format=dict(type="str"), backing=dict(type="str"), backing_format=dict(type="str"),
    permissions=dict(type="dict", options=PERMISSIONS), upload=dict(type="str"),
)
POOL = dict(
    name=dict(type="str"), type=dict(type="str", default="dir"), state=dict(type="str", default="active"),
    autostart=dict(type="bool"), build=dict(type="bool"), overwrite=dict(type="bool", default=False),
    delete_data=dict(type="bool", default=False), path=dict(type="str"),
    target=dict(type="dict", options=dict(path=dict(type="str"), permissions=dict(type="dict", options=PERMISSIONS))),
    source=dict(type="dict", options=SOURCE), cow=dict(type="bool"), mount_opts=dict(type="list", elements="str"),
    config_opts=dict(type="dict"), refresh_allocation=dict(type="str"),
    volumes=dict(type="list", elements="dict", options=VOLUME),
)

POOLS = dict(type="list", elements="dict", options=POOL)
