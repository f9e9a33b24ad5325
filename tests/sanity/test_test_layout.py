"""The tests are shaped like a maintained collection's: no test module imports another. What several share lives in
a conftest.py (fixtures) or in a module named after what it holds (tests/unit/*_samples.py, fakes.py, ...), so
running, moving or deleting one test file never changes another's."""

import ast
import os

import pytest

pytestmark = pytest.mark.sanity

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def is_test_module(dotted):
    return dotted.rsplit(".", 1)[-1].startswith("test_")


def imported_test_modules(source):
    """The test_* modules the source imports, in any spelling: `import test_x`, `from test_x import y`,
    `from tests.unit.test_x import y`, `from tests.unit import test_x`, `from . import test_x`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if is_test_module(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if is_test_module(module):
                found.append(module)
            else:
                found += [alias.name for alias in node.names if is_test_module(alias.name)]
    return found


def sources():
    """Every tests/**/test_*.py."""
    for folder, dirs, files in os.walk(TESTS):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        for name in sorted(files):
            if name.startswith("test_") and name.endswith(".py"):
                yield os.path.join(folder, name)


def test_every_spelling_of_importing_a_test_module_is_found():
    source = (
        "import test_a\nimport tests.unit.test_b as b\nfrom test_c import x\nfrom tests.unit.test_d import y\n"
        "from tests.unit import test_e, fakes\nfrom . import test_f\nimport os\nfrom tests.unit.fakes import FakeOvs\n"
    )
    assert imported_test_modules(source) == [
        "test_a",
        "tests.unit.test_b",
        "test_c",
        "tests.unit.test_d",
        "test_e",
        "test_f",
    ]


def test_no_test_module_imports_another():
    found = {}
    for path in sources():
        with open(path) as handle:
            imported = imported_test_modules(handle.read())
        if imported:
            found[os.path.relpath(path, TESTS)] = imported
    assert found == {}, "move what is shared into conftest.py or a module named after what it holds: %s" % found
