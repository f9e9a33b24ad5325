"""xml_props: one table of rows gives both the XML a model object is written as and the fields read back."""

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Optional

from ansible_collections.essentials.kvm.plugins.module_utils import xml_props as p
from ansible_collections.essentials.kvm.plugins.module_utils import xml_shared as s
from ansible_collections.essentials.kvm.plugins.module_utils.network_model import VirtualPortParameters, Vlan

NS = "http://example.org/ns/1.0"


@dataclass
class Peer:
    host: str
    port: Optional[int] = None


@dataclass
class Limits:
    soft: Optional[int] = None
    hard: Optional[int] = None


@dataclass
class Thing:
    name: str
    kind: Optional[str] = None
    size: Optional[int] = None
    stp: Optional[bool] = None
    delay: Optional[int] = None
    shared: bool = False
    zero: Optional[int] = None
    mode: Optional[str] = None
    readonly: bool = False
    pci: Optional[str] = None
    tags: list[str] = field(default_factory=list)
    peers: list[Peer] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    options: list[str] = field(default_factory=list)


ROWS = (
    p.Prop("kind", "@type"),
    p.Prop("name", "name"),
    p.Prop("size", "memory", p.KIB),
    p.Prop("stp", "bridge/@stp", p.ONOFF),
    p.Prop("delay", "bridge/@delay", p.INT),
    p.Prop("shared", "@shared", p.YESNO, default=False, skip=(None, False)),
    p.Prop("zero", "@zero", p.INT, skip=(None, False)),
    p.Prop("mode", "forward/@mode", default="isolated", implied="nat"),
    p.Const("features/acpi"),
    p.Prop("readonly", "readonly", p.FLAG, default=False, skip=(None, False)),
    p.Prop("pci", "address", p.Pci()),
    p.Each("tags", "tags/tag"),
    p.Each("peers", "peer", cls=Peer, rows=(p.Prop("host", "@host"), p.Prop("port", "@port", p.INT))),
    p.One("limits", "limits", Limits, (p.Prop("soft", "@soft", p.INT), p.Prop("hard", "@hard", p.INT)), empty=True),
    p.Each("options", "{%s}opts/{%s}option/@name" % (NS, NS)),
)


def _xml(thing):
    return ET.tostring(p.write(ET.Element("thing"), thing, ROWS), encoding="unicode")


def test_rows_give_the_document_order_and_share_elements():
    thing = Thing(
        name="a",
        kind="k",
        size=2048,
        stp=True,
        delay=0,
        zero=0,
        mode="route",
        readonly=True,
        pci="0000:03:00.1",
        tags=["x", "y"],
        peers=[Peer("h1", 1), Peer("h2")],
        limits=Limits(hard=5),
        options=["ro"],
    )
    assert _xml(thing) == (
        '<thing xmlns:ns0="%s" type="k" zero="0"><name>a</name><memory unit="KiB">2048</memory>'
        '<bridge stp="on" delay="0" /><forward mode="route" /><features><acpi /></features><readonly />'
        '<address type="pci" domain="0x0000" bus="0x03" slot="0x00" function="0x1" />'
        '<tags><tag>x</tag><tag>y</tag></tags><peer host="h1" port="1" /><peer host="h2" />'
        '<limits hard="5" /><ns0:opts><ns0:option name="ro" /></ns0:opts></thing>' % NS
    )
    assert Thing(**p.read(ET.fromstring(_xml(thing)), ROWS)) == thing


def test_unset_values_write_nothing_and_read_back_as_defaults():
    thing = Thing(name="a")
    assert _xml(thing) == "<thing><name>a</name><features><acpi /></features></thing>"
    assert Thing(**p.read(ET.fromstring(_xml(thing)), ROWS)) == Thing(name="a", mode="isolated")


def test_implied_value_when_the_element_is_there_without_the_attribute():
    assert p.read(ET.fromstring("<thing><forward/></thing>"), ROWS)["mode"] == "nat"


def test_sizes_in_any_unit_libvirt_writes_read_in_the_model_unit():
    for text in (
        '<memory unit="GiB">2</memory>',
        '<memory unit="M">2048</memory>',
        "<memory>2097152</memory>",
        '<memory unit="bytes">2147483648</memory>',
    ):
        assert p.KIB.get(ET.fromstring(text), None) == 2097152
    assert p.BYTES.get(ET.fromstring('<capacity unit="KiB">1</capacity>'), None) == 1024


def test_codecs_read_what_libvirt_writes():
    elem = ET.fromstring('<x mac="52:54:00:AB:CD:EF" ip="fd00:0:0::1" n="0x1f" m="0755" yes="yes" on="off"/>')
    assert p.LOWER.get(elem, "mac") == "52:54:00:ab:cd:ef"
    assert p.ADDR.get(elem, "ip") == "fd00::1"
    assert p.INT.get(elem, "n") == 31
    assert p.OCTAL.get(elem, "m") == "0755"
    assert (p.YESNO.get(elem, "yes"), p.ONOFF.get(elem, "on")) == (True, False)
    assert p.TEXT.get(ET.fromstring("<x>  </x>"), None) is None


def test_pci_of_another_address_type_is_not_read():
    assert p.Pci().get(ET.fromstring('<address type="drive" bus="0"/>'), None) is None
    assert (
        p.Pci(typed=False).get(ET.fromstring('<address domain="0x0" bus="0x3" slot="0x0" function="0x1"/>'), None)
        == "0000:03:00.1"
    )


def _round_trip(build, parse, tag, *args):
    parent = ET.Element("parent")
    build(parent, *args)
    return ET.tostring(parent, encoding="unicode"), parse(parent.find(tag))


def test_shared_vlan_round_trips():
    trunk = Vlan(tags=[1, 10, 20], trunk=True, native_tag=1, native_mode="untagged")
    text, back = _round_trip(s.build_vlan, s.parse_vlan, "vlan", trunk)
    assert text == (
        '<parent><vlan trunk="yes"><tag id="1" nativeMode="untagged" /><tag id="10" /><tag id="20" /></vlan></parent>'
    )
    assert back == trunk
    assert _round_trip(s.build_vlan, s.parse_vlan, "vlan", None) == ("<parent />", None)


def test_shared_bandwidth_round_trips_in_the_given_attribute_order():
    rates = {"inbound": {"average": 1000, "peak": 2000, "burst": 512}, "outbound": {"average": 500}}
    text, back = _round_trip(s.build_bandwidth, s.parse_bandwidth, "bandwidth", rates)
    assert text == (
        '<parent><bandwidth><inbound average="1000" peak="2000" burst="512" />'
        '<outbound average="500" /></bandwidth></parent>'
    )
    assert back == rates


def test_shared_virtualport_round_trips():
    params = VirtualPortParameters(
        managerid=11, typeid=1193047, typeidversion=2, instanceid="09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f"
    )
    text, back = _round_trip(s.build_virtualport, s.parse_virtualport, "virtualport", "802.1Qbg", params)
    assert text == (
        '<parent><virtualport type="802.1Qbg"><parameters managerid="11" typeid="1193047" '
        'typeidversion="2" instanceid="09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f" /></virtualport></parent>'
    )
    assert back == ("802.1Qbg", params)
    assert s.parse_virtualport(None) == (None, None)
