"""Pool, volume and secret XML: every pool type validates against libvirt's schema and parses back unchanged."""

import copy
import subprocess
from dataclasses import replace

import pytest

from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_model import TYPES, Volume, adopt_unset
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_validate import parse_pool, parse_pools
from ansible_collections.essentials.kvm.plugins.module_utils.storage_pool_xml import (
    build_pool_xml,
    build_secret_xml,
    build_volume_xml,
    parse_pool_xml,
    parse_volume_xml,
)
from tests.unit.pool_samples import ALL_SPECS, DUMPXML, SPECS


def validate(tmp_path, text, name="doc.xml"):
    path = tmp_path / name
    path.write_text(text)
    proc = subprocess.run(["virt-xml-validate", str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr + text


def test_every_type_has_several_specs():
    assert set(SPECS) == set(TYPES) and len(TYPES) == 14
    assert all(len(specs) >= 2 for specs in SPECS.values())


@pytest.mark.parametrize("kind,raw", ALL_SPECS, ids=["%s-%s" % (k, s["name"]) for k, s in ALL_SPECS])
def test_spec_renders_valid_xml_that_parses_back(tmp_path, kind, raw):
    pool = parse_pool(copy.deepcopy(raw), "pools[0]").pool
    assert pool.type == kind
    xml = build_pool_xml(pool)
    validate(tmp_path, xml)
    assert parse_pool_xml(xml) == pool
    validate(tmp_path, build_pool_xml(pool, uuid="2ec115d7-3a88-3ceb-bc12-0ac909a6fd87"), "uuid.xml")


@pytest.mark.parametrize("kind", sorted(DUMPXML))
def test_libvirt_dumpxml_parses_to_the_desired_model(kind):
    text, raw = DUMPXML[kind]
    live = parse_pool_xml(text)
    desired = parse_pool(raw, "pools[0]").pool
    assert live.type == kind
    assert adopt_unset(desired, live) == live


@pytest.mark.parametrize("kind,raw", ALL_SPECS, ids=["%s-%s" % (k, s["name"]) for k, s in ALL_SPECS])
def test_libvirt_formats_our_xml_back_to_the_same_model(tmp_path, kind, raw):
    libvirt = pytest.importorskip("libvirt", reason="libvirt's own formatter comes with the bindings")
    node = tmp_path / "node.xml"
    node.write_text("<node/>")
    conn = libvirt.open("test://%s" % node)
    try:
        pool = parse_pool(copy.deepcopy(raw), "p").pool
        dumped = conn.storagePoolDefineXML(build_pool_xml(pool), 0).XMLDesc(0)
    finally:
        conn.close()
    live = parse_pool_xml(dumped)
    # The test driver has no storage backends, which own the fs/rbd option namespaces, so it drops those.
    assert (live.mount_opts, live.config_opts) == ([], {})
    assert adopt_unset(replace(pool, mount_opts=[], config_opts={}), live) == live


def test_dumpxml_samples_cover_every_type():
    assert set(DUMPXML) == set(TYPES)


def test_changed_field_is_a_difference():
    text, raw = DUMPXML["netfs"]
    raw = copy.deepcopy(raw)
    raw["source"]["host"] = "gluster2"
    live = parse_pool_xml(text)
    assert adopt_unset(parse_pool(raw, "p").pool, live) != live


def test_explicit_permissions_differ_from_live_ones():
    text, raw = DUMPXML["dir"]
    raw = dict(raw, target={"permissions": {"mode": "0755"}})
    raw["target"]["path"] = raw.pop("path")
    live = parse_pool_xml(text)
    assert adopt_unset(parse_pool(raw, "p").pool, live) != live


def test_logical_defaults_follow_libvirt():
    pool = parse_pool({"name": "vg9", "type": "logical"}, "p").pool
    assert (pool.source.name, pool.source.format, pool.target_path) == ("vg9", "lvm2", "/dev/vg9")


@pytest.mark.parametrize(
    "volume",
    [
        Volume(name="a.qcow2", capacity=10 << 30, format="qcow2"),
        Volume(
            name="b.img",
            capacity=1 << 20,
            allocation=0,
            format="raw",
            permissions=parse_pool({"name": "x", "path": "/x", "target": None}, "p").pool.permissions,
        ),
        Volume(
            name="c.qcow2",
            capacity=5 << 30,
            format="qcow2",
            backing="/var/lib/libvirt/images/base.qcow2",
            backing_format="qcow2",
        ),
        Volume(name="lv1", capacity=4 << 20),
        Volume(name="part1", capacity=1 << 30, format="linux"),
    ],
)
def test_volume_xml_validates_and_parses_back(tmp_path, volume):
    xml = build_volume_xml(volume)
    validate(tmp_path, xml)
    parsed, _path = parse_volume_xml(xml)
    assert parsed == volume


def test_volume_with_permissions_validates(tmp_path):
    spec = parse_pools(
        [
            {
                "name": "p",
                "path": "/p",
                "volumes": [
                    {"name": "v", "capacity": "1G", "permissions": {"mode": "0600", "owner": 107, "group": 107}}
                ],
            }
        ]
    )[0]
    xml = build_volume_xml(spec.volumes[0])
    validate(tmp_path, xml)
    assert parse_volume_xml(xml)[0].permissions.mode == "0600"


def test_libvirt_vol_dumpxml_parses():
    volume, path = parse_volume_xml("""<volume type='file'>
  <name>a.qcow2</name>
  <key>/var/lib/libvirt/images/a.qcow2</key>
  <capacity unit='bytes'>10737418240</capacity>
  <allocation unit='bytes'>200704</allocation>
  <physical unit='bytes'>196624</physical>
  <target>
    <path>/var/lib/libvirt/images/a.qcow2</path>
    <format type='qcow2'/>
    <permissions><mode>0600</mode><owner>0</owner><group>0</group></permissions>
    <timestamps><atime>1700000000.1</atime></timestamps>
    <compat>1.1</compat>
  </target>
</volume>""")
    assert (volume.name, volume.capacity, volume.format, path) == (
        "a.qcow2",
        10 << 30,
        "qcow2",
        "/var/lib/libvirt/images/a.qcow2",
    )


@pytest.mark.parametrize(
    "kind,raw",
    [
        ("chap", SPECS["iscsi"][1]),
        ("ceph", SPECS["rbd"][2]),
        (
            "ceph-uuid",
            dict(
                SPECS["rbd"][2],
                source=dict(
                    SPECS["rbd"][2]["source"],
                    auth=dict(SPECS["rbd"][2]["source"]["auth"], secret_uuid="2ec115d7-3a88-3ceb-bc12-0ac909a6fd87"),
                ),
            ),
        ),
    ],
)
def test_secret_xml_validates_and_holds_no_value(tmp_path, kind, raw):
    spec = parse_pool(copy.deepcopy(raw), "p")
    xml = build_secret_xml(spec.pool.source.auth, spec.pool.name)
    validate(tmp_path, xml)
    if spec.secret:
        assert spec.secret not in xml


def test_iscsi_port_libvirt_fills_in_is_no_change_but_another_port_is():
    raw = {
        "name": "san",
        "type": "iscsi",
        "path": "/dev/disk/by-path",
        "source": {"host": "10.0.0.5", "device": "iqn.2026-01.org.example:t1"},
    }
    desired = parse_pool(copy.deepcopy(raw), "p").pool
    started = parse_pool_xml(build_pool_xml(desired).replace('name="10.0.0.5"', 'name="10.0.0.5" port="3260"'))
    assert started.source.hosts[0].port == 3260
    assert adopt_unset(desired, started) == started
    moved = parse_pool_xml(build_pool_xml(desired).replace('name="10.0.0.5"', 'name="10.0.0.5" port="3261"'))
    assert adopt_unset(desired, moved) != moved
