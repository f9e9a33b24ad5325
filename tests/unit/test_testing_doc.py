"""The table "What is proven where" in docs/testing.md cannot go stale: every test it names exists,
and a row without a test says why (`not proven`)."""

import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = os.path.join(ROOT, "docs", "testing.md")
HEADING = "## What is proven where"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def table_rows():
    """The table's rows below HEADING, as lists of cell texts (header and separator left out)."""
    with open(DOC) as handle:
        lines = handle.read().splitlines()
    assert HEADING in lines, "docs/testing.md has no %r section" % HEADING
    rows = []
    for line in lines[lines.index(HEADING) + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows[2:]


def defined_functions(path):
    """Names of the test functions of a file, at module level or in classes."""
    with open(os.path.join(ROOT, path)) as handle:
        tree = ast.parse(handle.read(), path)
    return {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


ROWS = table_rows()


def test_the_table_has_rows_of_three_cells():
    assert len(ROWS) >= 10
    assert [row for row in ROWS if len(row) != 3] == []


@pytest.mark.parametrize("row", ROWS, ids=[row[0][:60] for row in ROWS])
def test_every_row_names_existing_tests_or_says_why_not(row):
    feature, _layer, tests = row
    references = REFERENCE.findall(tests)
    assert references or tests.startswith("not proven"), "%r names no test and does not say why" % feature
    if tests.startswith("not proven"):
        assert len(tests) > len("not proven"), "%r: say why it is not proven" % feature
    missing = [
        (path, name)
        for path, name in references
        if not os.path.isfile(os.path.join(ROOT, path)) or name not in defined_functions(path)
    ]
    assert missing == [], "%r names tests that do not exist: %s" % (feature, missing)
    assert all(name.startswith("test_") for _path, name in references)
