"""Makes the collection importable as ansible_collections.essentials.kvm and wires the lab fixtures."""

import importlib
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "essentials", "kvm")

if not os.path.islink(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(ROOT, LINK)
for entry in (COLLECTIONS, ROOT):
    if entry not in sys.path:
        sys.path.insert(0, entry)
importlib.invalidate_caches()

import pytest  # noqa: E402


def _require_root():
    if os.geteuid() != 0:
        pytest.skip("the lab needs root (network namespaces, libvirtd, Open vSwitch)")


@pytest.fixture(scope="session")
def lab():
    """The lab daemons in their namespace; reused when `make lab-up` already started them,
    stopped at the end only when this session started them. When lab tests run before the first
    host test, the shared host VMs start their preparation in the background now (shared_hosts.py)."""
    _require_root()
    from tests.labkit.lab import Lab

    the_lab = Lab()
    started = the_lab.up()
    if _SHARED_IN_BACKGROUND:
        _shared().start_in_background()
    yield the_lab
    if _SHARED:
        _SHARED[0].destroy()
    if started:
        the_lab.down()


@pytest.fixture(scope="session")
def host_vms(lab):
    """Two nested host VMs booted under TCG from bare images, a Debian 12 and a Debian 13 one, with an
    Ansible inventory, the hypervisor installed by the roles' first run (tests/labkit/shared_hosts.py);
    shared by every host test of the session, so tests leave them as they found them."""
    yield _shared().get()
    _shared().destroy()


def _shared():
    """The session's one SharedHosts. EKVM_HOSTS lets developers sharing one lab use other host VMs;
    EKVM_HOST_RELEASES gives each one's release in the same order."""
    from tests.labkit import shared_hosts

    if not _SHARED:
        names = os.environ.get("EKVM_HOSTS", "host1,host2").split(",")
        releases = os.environ.get("EKVM_HOST_RELEASES", ",".join(shared_hosts.RELEASES)).split(",")
        _SHARED.append(shared_hosts.SharedHosts(names, releases))
    return _SHARED[0]


# The site tests run last: the cluster converges the shared VMs, then the homelab, on a fresh VM of its
# own, stops them (an idle VM under TCG still takes a tenth of a core).
_SHARED = []
_SHARED_IN_BACKGROUND = []
_LAST = ("tests/host/test_site_",)


def pytest_collection_modifyitems(items):
    """The site tests run after every other test, so the shared host VMs can go before them. The first
    test that uses the shared host VMs also waits for their boot and the roles' first run on them, which
    installs the hypervisor: under TCG that takes longer than one test may."""
    items.sort(key=lambda item: item.nodeid.startswith(_LAST))
    first = next((index for index, item in enumerate(items) if "host_vms" in item.fixturenames), None)
    if first is not None:
        items[first].add_marker(pytest.mark.timeout(FIRST_HOST_TEST_TIMEOUT))
        # Lab tests before it leave CPU idle that the shared hosts' preparation can use (shared_hosts.py).
        if any("lab" in item.fixturenames for item in items[:first]):
            _SHARED_IN_BACKGROUND.append(True)


FIRST_HOST_TEST_TIMEOUT = 3600


@pytest.fixture(scope="module")
def without_shared_host_vms(lab):
    """Stops the shared host VMs this session booted; only tests that run last may ask for it."""
    if _SHARED:
        _SHARED[0].destroy()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the tails of the lab's daemon logs to every failing test that used the lab."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and "lab" in getattr(item, "fixturenames", ()):
        from tests.labkit.lab import Lab

        for name, text in Lab().logs().items():
            if text:
                report.sections.append(("lab log: " + name, text))


_LAYER_SECONDS = {}


def pytest_runtest_logreport(report):
    """Adds each test phase's duration to its layer (tests/unit, tests/lab, tests/host, tests/sanity)."""
    layer = report.nodeid.split("/")[1] if report.nodeid.startswith("tests/") else "other"
    _LAYER_SECONDS[layer] = _LAYER_SECONDS.get(layer, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    """The time of each layer, which the CI log keeps (session fixtures count where they start)."""
    if _LAYER_SECONDS:
        terminalreporter.section("time per layer")
        order = ("unit", "lab", "host", "sanity")
        for layer in sorted(_LAYER_SECONDS, key=lambda name: (order.index(name) if name in order else 9, name)):
            terminalreporter.write_line("%-7s %7.1f s" % (layer, _LAYER_SECONDS[layer]))
